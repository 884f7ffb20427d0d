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
 * `components.schemas` of the document: every schema the code names with
 * `.meta({ id })` (Wallet, Transaction, MoneyNumber…), under that name, so a
 * generated client gets one type per domain object. zod writes named
 * sub-schemas under a local `$defs`; inside an OpenAPI document that would
 * point at the document itself, so they are lifted into components and the
 * references rewritten. What has no name stays in place (an array of
 * Wallets is `{type: array, items: {$ref: Wallet}}`).
 */
export class SchemaComponents {
  private readonly schemas: Record<string, JsonSchema> = {};

  /**
   * `answeredIds`: the ids that responses use. A request's view of a named
   * schema differs from a response's (unknown keys are ignored on the way in),
   * so where an id is used both ways its request view is `<id>Input`.
   */
  constructor(private readonly answeredIds: ReadonlySet<string> = new Set()) {}

  /** The ids of the named schemas `schema` uses (itself included), in the view given. */
  static idsIn(schema: z.ZodType, io: 'input' | 'output'): string[] {
    return Object.keys((toJsonSchema(schema, io).$defs ?? {}) as Record<string, unknown>);
  }

  /** The schema as the document shows it where it is used: a reference if it is named, else inline. */
  use(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
    return this.lift(toJsonSchema(schema, io), io);
  }

  /**
   * The schema's view a parameter takes: a query value arrives as text, but
   * the type it parses into (`limit`: an integer from 1 to 1000) is what a
   * client means by it; where that cannot be expressed, the text's rules.
   */
  parameter(schema: z.ZodType): JsonSchema {
    try {
      return this.lift(z.toJSONSchema(schema, { target: 'draft-2020-12', io: 'output' }), 'output');
    } catch {
      return this.use(schema, 'input');
    }
  }

  all(): Record<string, JsonSchema> {
    return Object.fromEntries(Object.entries(this.schemas).sort(([a], [b]) => a.localeCompare(b)));
  }

  private lift(schema: JsonSchema, io: 'input' | 'output'): JsonSchema {
    const { $defs, $schema, ...rest } = schema;
    const name = (id: string) => (io === 'input' && this.answeredIds.has(id) ? `${id}Input` : id);
    for (const [id, definition] of Object.entries(($defs ?? {}) as Record<string, JsonSchema>)) this.put(name(id), rewriteRefs(definition, name) as JsonSchema);
    return rewriteRefs(rest, name) as JsonSchema;
  }

  private put(name: string, schema: JsonSchema): void {
    const existing = this.schemas[name];
    if (existing && !isDeepStrictEqual(existing, schema)) {
      throw new Error(
        `Two different schemas are documented as "${name}" (a request's and a response's view of one schema, or two schemas): give them distinct ids`,
      );
    }
    this.schemas[name] = schema;
  }
}

function rewriteRefs(node: unknown, name: (id: string) => string): unknown {
  if (Array.isArray(node)) return node.map((item) => rewriteRefs(item, name));
  if (!node || typeof node !== 'object') return node;
  return Object.fromEntries(
    Object.entries(node).map(([key, value]) => {
      if (key === '$ref' && typeof value === 'string' && value.startsWith(DEFS)) return [key, `${COMPONENTS}${name(value.slice(DEFS.length))}`];
      if (key === '$ref' && value === '#') throw new Error('A recursive schema must be named (.meta({ id })) to be documented');
      return [key, rewriteRefs(value, name)];
    }),
  );
}
