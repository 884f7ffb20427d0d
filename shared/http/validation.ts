import type { z } from 'zod';
import { invalidInput, type FieldProblem } from '../core/errors';

export type InputLocation = 'body' | 'query' | 'path';

/** Parses one part of the request; failures become a 400 naming every bad field (and the rule, where a refinement names one). */
export function parseInput<T>(schema: z.ZodType<T>, value: unknown, location: InputLocation): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  // One problem per field: a value past several rules is told the first it breaks.
  const byField = new Map<string, FieldProblem>();
  for (const issue of result.error.issues) {
    const field = issue.path.length ? issue.path.join('.') : location;
    const rule = issue.code === 'custom' && typeof issue.params?.rule === 'string' ? issue.params.rule : undefined;
    if (!byField.has(field)) byField.set(field, { field, message: issue.message, ...(rule && { rule }) });
  }
  throw invalidInput([...byField.values()], location);
}
