import { isDeepStrictEqual } from 'node:util';
import { z } from 'zod';

export type JsonSchema = { [keyword: string]: unknown };

/**
 * Requests are documented as what they accept (zod's input view: a money
 * field is "number or string", before it becomes a Decimal), responses as what
 * they produce. A response schema whose output JSON Schema cannot express (a
 * transform) falls back to its input view, which is also what its example is
 * checked against.
 */
export function toJsonSchema(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  let json: JsonSchema;
  try {
    json = z.toJSONSchema(schema, { target: 'draft-2020-12', io });
  } catch {
    json = z.toJSONSchema(schema, { target: 'draft-2020-12', io: 'input', unrepresentable: 'any' });
  }
  // The document declares the dialect once (jsonSchemaDialect).
  const { $schema, ...withoutDialect } = json;
  return withoutDialect;
}

const DEFS = '#/$defs/';
const COMPONENTS = '#/components/schemas/';

/**
 * `components.schemas` of the document. zod writes shared sub-schemas (those
 * with `.meta({ id })`) under a local `$defs` and recursion as `$ref: "#"`;
 * inside an OpenAPI document both would point at the document itself, so they
 * are lifted into components and the references rewritten. A shared schema's
 * input and output views differ (unknown keys, defaults), so the input view is
 * named `<id>Input`.
 */
export class SchemaComponents {
  private readonly schemas: Record<string, JsonSchema> = {};

  /** Registers the schema under `name` and returns a reference to it. */
  add(name: string, schema: z.ZodType, io: 'input' | 'output'): { $ref: string } {
    this.put(name, this.lift(toJsonSchema(schema, io), io, name));
    return { $ref: `${COMPONENTS}${name}` };
  }

  /** For schemas used in place (parameters): lifts their shared parts, returns the rest. */
  inline(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
    return this.lift(toJsonSchema(schema, io), io);
  }

  all(): Record<string, JsonSchema> {
    return Object.fromEntries(Object.entries(this.schemas).sort(([a], [b]) => a.localeCompare(b)));
  }

  private lift(schema: JsonSchema, io: 'input' | 'output', selfName?: string): JsonSchema {
    const suffix = io === 'input' ? 'Input' : '';
    const { $defs, ...rest } = schema;
    const rewrite = (node: unknown) => rewriteRefs(node, (id) => `${COMPONENTS}${id}${suffix}`, selfName);
    for (const [id, definition] of Object.entries(($defs ?? {}) as Record<string, JsonSchema>)) {
      this.put(`${id}${suffix}`, rewrite(definition) as JsonSchema);
    }
    return rewrite(rest) as JsonSchema;
  }

  private put(name: string, schema: JsonSchema): void {
    const existing = this.schemas[name];
    if (existing && !isDeepStrictEqual(existing, schema)) {
      throw new Error(`Two different schemas are documented as "${name}": give them distinct ids`);
    }
    this.schemas[name] = schema;
  }
}

function rewriteRefs(node: unknown, defRef: (id: string) => string, selfName: string | undefined): unknown {
  if (Array.isArray(node)) return node.map((item) => rewriteRefs(item, defRef, selfName));
  if (!node || typeof node !== 'object') return node;
  return Object.fromEntries(
    Object.entries(node).map(([key, value]) => {
      if (key !== '$ref' || typeof value !== 'string') return [key, rewriteRefs(value, defRef, selfName)];
      if (value.startsWith(DEFS)) return [key, defRef(value.slice(DEFS.length))];
      if (value === '#') {
        if (!selfName) throw new Error('A recursive schema can only be documented as a named component');
        return [key, `${COMPONENTS}${selfName}`];
      }
      return [key, value];
    }),
  );
}
