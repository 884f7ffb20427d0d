import type { z } from 'zod';
import { ApiError, type FieldProblem } from '../core/errors';

export type InputLocation = 'body' | 'query' | 'path';

/** Parses one part of the request; failures become a 400 naming every bad field. */
export function parseInput<T>(schema: z.ZodType<T>, value: unknown, location: InputLocation): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const details: FieldProblem[] = result.error.issues.map((issue) => ({
    field: issue.path.length ? issue.path.join('.') : location,
    message: issue.message,
  }));
  const fields = [...new Set(details.map((detail) => detail.field))].join(', ');
  throw new ApiError(400, 'invalid_request', `Invalid ${location === 'path' ? 'path parameter' : location} field(s): ${fields}`, details);
}
