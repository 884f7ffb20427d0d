import { z } from 'zod';
import { registry } from '../../functions/registry';
import { defineEndpoint, type FunctionDefinition } from '../http/endpoint';
import { errorBody, errorResponses } from '../http/error-docs';
import { moneySchema } from '../money/decimal';
import { buildOpenApiDocument, type Operation, type Parameter } from './document';
import { toJsonSchema } from './json-schema';
import { listRoutes } from './routes';

const document = buildOpenApiDocument(registry);
/** What clients call: everything but the functions the registry marks internal (the docs, the scheduled seed). */
const clientRegistry = registry.filter((definition) => !definition.internal);

const documented = Object.entries(document.paths).flatMap(([path, methods]) =>
  Object.entries(methods).map(([method, operation]) => ({ path, method: method.toUpperCase(), operation })),
);
const operationOf = (path: string, method: string) => document.paths[path][method.toLowerCase()];
const parameters = (operation: Operation) => operation.parameters.filter((parameter): parameter is Parameter => !('$ref' in parameter));

describe('the OpenAPI document covers the registry exactly', () => {
  it('documents every route and method clients call, answered by its function', () => {
    for (const definition of clientRegistry) {
      for (const path of definition.paths) {
        for (const method of definition.methods) {
          expect({ route: `${method} ${path}`, function: operationOf(path, method)?.['x-function'] }).toEqual({
            route: `${method} ${path}`,
            function: definition.name,
          });
        }
      }
    }
  });

  it('documents no route that is not registered', () => {
    for (const { path, method, operation } of documented) {
      const definition = registry.find((candidate) => candidate.name === operation['x-function']);
      expect({ route: `${method} ${path}`, registered: definition?.paths.includes(path) && definition.methods.includes(method as never) }).toEqual({
        route: `${method} ${path}`,
        registered: true,
      });
    }
    expect(documented).toHaveLength(listRoutes(clientRegistry).length);
    expect(clientRegistry.length).toBeLessThan(registry.length);
  });

  it('gives every operation a unique operationId', () => {
    const ids = documented.map(({ operation }) => operation.operationId);
    expect(new Set(ids).size).toBe(ids.length);
  });
});

describe('every documented example is valid against the schema the endpoint uses', () => {
  const examples = registry.flatMap((definition) => [
    ...(definition.endpoint.bodyExample === undefined
      ? []
      : [{ where: `${definition.name} request body`, schema: definition.endpoint.body, example: definition.endpoint.bodyExample }]),
    ...Object.entries(definition.endpoint.responses)
      .filter(([, response]) => response.example !== undefined)
      .map(([status, response]) => ({ where: `${definition.name} ${status} response`, schema: response.schema, example: response.example })),
  ]);

  it('has examples to check', () => {
    expect(examples.length).toBeGreaterThan(registry.length / 2);
  });

  it.each(examples.map((entry) => [entry.where, entry] as const))('%s', (_, { schema, example }) => {
    expect(schema).toBeDefined(); // an example needs a schema to be checked against
    const result = schema!.safeParse(example);
    expect(result.success ? [] : result.error.issues).toEqual([]);
  });

  it('puts each example next to its schema in the document', () => {
    for (const definition of clientRegistry) {
      for (const path of definition.paths) {
        for (const method of definition.methods) {
          const operation = operationOf(path, method);
          if (definition.endpoint.bodyExample !== undefined) {
            expect(operation.requestBody?.content['application/json'].example).toEqual(definition.endpoint.bodyExample);
          }
          for (const [status, response] of Object.entries(definition.endpoint.responses)) {
            expect(operation.responses[status].content?.['application/json']?.example).toEqual(response.example);
          }
        }
      }
    }
  });
});

describe('operations', () => {
  it('ask for a bearer key exactly where a user key is required', () => {
    expect(document.components.securitySchemes.bearerAuth).toEqual({
      type: 'http',
      scheme: 'bearer',
      description: expect.stringContaining('`Authorization: token <key>`'),
    });
    for (const route of listRoutes(clientRegistry)) {
      expect(operationOf(route.path, route.method).security).toEqual(route.definition.auth === 'user' ? [{ bearerAuth: [] }] : []);
    }
  });

  it('declare the headers a client acts on: Retry-After on 429 and 503, WWW-Authenticate on 401, Allow on 405', () => {
    for (const route of listRoutes(clientRegistry)) {
      const { responses } = operationOf(route.path, route.method);
      expect(responses['503'].headers['Retry-After']).toEqual({ $ref: '#/components/headers/RetryAfter' });
      expect(responses['405'].headers.Allow).toEqual({ $ref: '#/components/headers/Allow' });
      expect(responses['431']).toBeDefined();
      if (responses['401']) expect(responses['401'].headers['WWW-Authenticate']).toEqual({ $ref: '#/components/headers/WwwAuthenticate' });
      if (responses['429']) expect(responses['429'].headers['Retry-After']).toEqual({ $ref: '#/components/headers/RetryAfter' });
      expect(Object.values(responses).every((response) => response.headers['X-Request-Id'])).toBe(true);
    }
  });

  it('name every domain object and every amount, once, with no status code in a name', () => {
    const names = Object.keys(document.components.schemas);
    expect(names).toEqual(
      expect.arrayContaining([
        'Wallet',
        'Transaction',
        'Metrics',
        'AssetQuote',
        'HoldingStatistics',
        'Holding',
        'AdviceAsset',
        'MoneyNumber',
        'MoneyString',
        'Error',
      ]),
    );
    expect(names.filter((name) => /\d{3}|Response|Request/.test(name))).toEqual([]);
  });

  it('declare every path parameter, and the query parameters of the query schema', () => {
    for (const route of listRoutes(clientRegistry)) {
      const declared = parameters(operationOf(route.path, route.method));
      const inPath = [...route.path.matchAll(/\{(\w+)\}/g)].map((match) => match[1]);
      expect(declared.filter((parameter) => parameter.in === 'path').map((parameter) => parameter.name)).toEqual(inPath);
      expect(declared.filter((parameter) => parameter.in === 'path').every((parameter) => parameter.required)).toBe(true);

      const query = route.definition.endpoint.query;
      const queryNames = query ? Object.keys((toJsonSchema(query, 'input').properties ?? {}) as object) : [];
      expect(declared.filter((parameter) => parameter.in === 'query').map((parameter) => parameter.name)).toEqual(queryNames);
    }
  });

  it('take an Idempotency-Key header exactly where the endpoint honours one', () => {
    for (const route of listRoutes(clientRegistry)) {
      const refs = operationOf(route.path, route.method).parameters.filter((parameter) => '$ref' in parameter);
      expect(refs).toEqual(route.definition.endpoint.idempotent ? [{ $ref: '#/components/parameters/IdempotencyKey' }] : []);
    }
  });

  it('list the endpoint’s responses, the errors the HTTP layer adds, and the shared error shape', () => {
    for (const route of listRoutes(clientRegistry)) {
      const { endpoint, auth } = route.definition;
      const responses = operationOf(route.path, route.method).responses;
      expect(Object.keys(responses)).toEqual(expect.arrayContaining(Object.keys(endpoint.responses)));
      if (auth === 'user') expect(responses['401']).toBeDefined();
      if (endpoint.body) expect(Object.keys(responses)).toEqual(expect.arrayContaining(['400', '413', '415']));
      expect(responses.default.content?.['application/json'].schema).toEqual({ $ref: '#/components/schemas/Error' });
      for (const [status, response] of Object.entries(endpoint.responses)) {
        if (response.schema === errorBody) {
          expect(responses[status].content?.['application/json'].schema).toEqual({ $ref: '#/components/schemas/Error' });
        }
      }
    }
    expect(document.components.schemas.Error).toMatchObject({ required: ['error'] });
  });
});

describe('the document as a whole', () => {
  it('is OpenAPI 3.1 served from the root, with the SPEC decisions written down', () => {
    expect(document.openapi).toBe('3.1.0');
    expect(document.servers).toEqual([expect.objectContaining({ url: '/' })]);
    const text = document.info.description;
    expect(text).toContain('`purchases` is the money that **came in**');
    expect(text).toContain('`sells` the money that **went out**');
    expect(text).toContain('JSON numbers written from the decimal');
    expect(text).toContain('{"error": {"code"');
  });

  it('has every $ref pointing at something in it', () => {
    const refs: string[] = [];
    const walk = (node: unknown): void => {
      if (Array.isArray(node)) node.forEach(walk);
      else if (node && typeof node === 'object') {
        for (const [key, value] of Object.entries(node)) {
          if (key === '$ref') refs.push(value as string);
          else walk(value);
        }
      }
    };
    walk(document);
    expect(refs.length).toBeGreaterThan(0);
    for (const ref of new Set(refs)) {
      const target = ref
        .replace(/^#\//, '')
        .split('/')
        .reduce<unknown>((node, key) => (node as Record<string, unknown>)?.[key], document);
      expect({ ref, found: target !== undefined }).toEqual({ ref, found: true });
    }
  });

  it('is plain JSON', () => {
    expect(JSON.parse(JSON.stringify(document))).toEqual(document);
  });
});

describe('schemas zod cannot write inline', () => {
  const statistics = z.object({ long_name: z.string() }).meta({ id: 'Statistics' });
  type Tree = { children: Tree[] };
  const tree: z.ZodType<Tree> = z.lazy(() => z.object({ children: z.array(tree) })).meta({ id: 'Tree' });
  const definition: FunctionDefinition = {
    name: 'example-things',
    methods: ['POST'],
    paths: ['/api/v1/things/{thing_id}/'],
    auth: 'user',
    endpoint: defineEndpoint({
      session: 'pipeline',
      summary: 'Example',
      params: z.object({ thing_id: z.string().describe('The thing') }),
      body: z.object({ amount: moneySchema(), stats: statistics }),
      idempotent: true,
      responses: {
        201: { description: 'Created', schema: z.object({ stats: z.array(statistics), tree }) },
        ...errorResponses(422),
      },
      handle: async () => ({ status: 201 }),
    }),
  };
  const example = buildOpenApiDocument([definition]);
  const operation = example.paths['/api/v1/things/{thing_id}/'].post;

  it('documents a transformed request field as what it accepts, with the rules the transform enforces', () => {
    expect(operation.requestBody!.content['application/json'].schema).toMatchObject({
      properties: {
        amount: {
          anyOf: [
            { type: 'number', minimum: 0.01, maximum: 1000000, multipleOf: 0.01 },
            { type: 'string', pattern: expect.any(String) },
          ],
        },
        stats: { $ref: '#/components/schemas/StatisticsInput' },
      },
    });
  });

  it('lifts named and recursive schemas into components; a name a response also uses gets its request view as <name>Input', () => {
    expect(example.components.schemas.Statistics).toMatchObject({ properties: { long_name: { type: 'string' } }, additionalProperties: false });
    expect(example.components.schemas.StatisticsInput).toEqual({ type: 'object', properties: { long_name: { type: 'string' } }, required: ['long_name'] });
    expect(example.components.schemas.Tree).toMatchObject({ properties: { children: { type: 'array', items: { $ref: '#/components/schemas/Tree' } } } });
    expect(JSON.stringify(example)).not.toContain('#/$defs/');
    expect(JSON.stringify(example)).not.toContain('"$ref":"#"');
    const response = operation.responses['201'].content!['application/json'].schema as { properties: Record<string, unknown> };
    expect(response.properties.stats).toEqual({ type: 'array', items: { $ref: '#/components/schemas/Statistics' } });
  });

  it('puts a parameter’s description on the parameter', () => {
    expect(operation.parameters[0]).toEqual({
      name: 'thing_id',
      in: 'path',
      required: true,
      description: 'The thing',
      schema: { type: 'string' },
    });
  });

  it('refuses two different schemas under one id', () => {
    const other = { ...definition, name: 'other-things', paths: ['/api/v1/other/'] };
    other.endpoint = { ...definition.endpoint, body: z.object({ stats: z.object({ other: z.number() }).meta({ id: 'Statistics' }) }) };
    expect(() => buildOpenApiDocument([definition, other])).toThrow('Two different schemas are documented as "StatisticsInput"');
  });
});
