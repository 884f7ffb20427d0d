import { z } from 'zod';
import type { FunctionDefinition, ResponseDoc } from '../http/endpoint';
import { errorBody, errorResponses } from '../http/error-docs';
import { API_DESCRIPTION } from './api-description';
import { SchemaComponents, type JsonSchema } from './json-schema';
import { listRoutes, pathParameterNames, type Route } from './routes';

/**
 * The OpenAPI 3.1 document of every registered function, built from the same
 * zod schemas the HTTP layer parses requests with, so the two cannot drift.
 */
export interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header';
  required: boolean;
  description?: string;
  schema: JsonSchema;
}

export interface MediaType {
  schema: JsonSchema;
  example?: unknown;
}

export interface ResponseObject {
  description: string;
  headers: Record<string, { $ref: string }>;
  content?: Record<string, MediaType>;
}

export interface Operation {
  operationId: string;
  summary: string;
  description?: string;
  tags: string[];
  security: Array<Record<string, string[]>>;
  parameters: Array<Parameter | { $ref: string }>;
  requestBody?: { required: boolean; content: Record<string, MediaType> };
  responses: Record<string, ResponseObject>;
  /** The deployed function that answers this operation (functions/registry.ts). */
  'x-function': string;
}

export interface OpenApiDocument {
  openapi: '3.1.0';
  jsonSchemaDialect: string;
  info: { title: string; version: string; description: string };
  servers: Array<{ url: string; description: string }>;
  tags: Array<{ name: string; description: string }>;
  paths: Record<string, Record<string, Operation>>;
  components: {
    securitySchemes: Record<string, unknown>;
    parameters: Record<string, Parameter>;
    headers: Record<string, unknown>;
    schemas: Record<string, JsonSchema>;
  };
}

const TAGS: Record<string, string> = {
  auth: 'Log in and out, who is logged in, their profile, password and sessions',
  wallets: 'Wallets (bank cards), top-ups, transactions and the expenses stat',
  assets: 'Portfolio advice, purchase, holdings and asset statistics',
};

const SECURITY: Record<FunctionDefinition['auth'], Operation['security']> = {
  user: [{ bearerAuth: [] }],
  scheduler: [],
  public: [],
};

/**
 * The document clients generate their SDKs from: every operation a client
 * calls. Functions marked `internal` in the registry (the scheduled seed,
 * and the docs that serve this document) are left out; the API Gateway config
 * still routes the docs (the seed is called at its own URL: infra/gateway-config.ts).
 */
export function buildOpenApiDocument(registry: readonly FunctionDefinition[]): OpenApiDocument {
  const routes = listRoutes(registry).filter(({ definition }) => !definition.internal);
  const answeredIds = new Set(
    routes.flatMap(({ definition }) =>
      Object.values(definition.endpoint.responses as Record<string, ResponseDoc>).flatMap((doc) =>
        doc.schema ? SchemaComponents.idsIn(doc.schema, 'output') : [],
      ),
    ),
  );
  const components = new SchemaComponents(answeredIds);
  const paths: OpenApiDocument['paths'] = {};
  for (const route of routes) {
    paths[route.path] ??= {};
    paths[route.path][route.method.toLowerCase()] = operation(route, components);
  }

  return {
    openapi: '3.1.0',
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    info: { title: 'fulfillment-functions API', version: 'v1', description: API_DESCRIPTION },
    servers: [{ url: '/', description: 'The API Gateway in production, `npm start` in development: every path on one base URL' }],
    tags: Object.entries(TAGS).map(([name, description]) => ({ name, description })),
    paths,
    components: {
      securitySchemes: {
        bearerAuth: {
          type: 'http',
          scheme: 'bearer',
          description:
            'The key from `POST /api/v1/auth/login/`, as `Authorization: Bearer <key>`. The scheme `token` (`Authorization: token <key>`, ' +
            'what the original clients send) is accepted too, in any case.',
        },
      },
      parameters: {
        IdempotencyKey: {
          name: 'Idempotency-Key',
          in: 'header',
          required: false,
          description:
            'Makes a retry safe: the same key with the same request replays the first response and moves no money again; with another request it is 409. Per user, kept at least 24 hours.',
          schema: { type: 'string', minLength: 1, maxLength: 255, pattern: '^[\\x21-\\x7e]+$' },
        },
      },
      headers: HEADERS,
      schemas: components.all(),
    },
  };
}

const HEADERS = {
  RequestId: { description: 'Identifies the request in the logs; quote it when reporting a problem', schema: { type: 'string' } },
  RetryAfter: { description: 'Seconds to wait before retrying', schema: { type: 'integer', minimum: 1 } },
  WwwAuthenticate: { description: 'The scheme to authenticate with: `Token`', schema: { type: 'string' } },
  Allow: { description: 'The methods this path answers, comma-separated', schema: { type: 'string' } },
};

/** Which headers an answer of each status carries, beyond X-Request-Id (on every one). */
const HEADERS_BY_STATUS: Record<string, Record<string, { $ref: string }>> = {
  401: { 'WWW-Authenticate': { $ref: '#/components/headers/WwwAuthenticate' } },
  405: { Allow: { $ref: '#/components/headers/Allow' } },
  429: { 'Retry-After': { $ref: '#/components/headers/RetryAfter' } },
  503: { 'Retry-After': { $ref: '#/components/headers/RetryAfter' } },
};

function operation(route: Route, components: SchemaComponents): Operation {
  const { definition } = route;
  const { endpoint } = definition;
  const op: Operation = {
    operationId: route.operationId,
    summary: endpoint.summary,
    description: endpoint.description,
    tags: [tagOf(route)],
    security: SECURITY[definition.auth],
    parameters: [...pathParameters(route, components), ...queryParameters(endpoint.query, components)],
    responses: responses(route, components),
    'x-function': definition.name,
  };
  if (endpoint.idempotent) op.parameters.push({ $ref: '#/components/parameters/IdempotencyKey' });
  const body = bodyOf(route);
  if (body) {
    op.requestBody = {
      required: !body.safeParse(undefined).success,
      content: { 'application/json': withExample({ schema: components.use(body, 'input') }, endpoint.bodyExample) },
    };
  }
  return op;
}

const bodyOf = ({ definition: { endpoint }, method }: Route): z.ZodType | undefined => endpoint.bodyByMethod?.[method] ?? endpoint.body;

function pathParameters(route: Route, components: SchemaComponents): Parameter[] {
  const { properties } = objectShape(route.definition.endpoint.params, components);
  return pathParameterNames(route.path).map((name) => parameter(name, 'path', true, properties[name] ?? { type: 'string' }));
}

function queryParameters(query: z.ZodType | undefined, components: SchemaComponents): Parameter[] {
  const { properties, required } = objectShape(query, components);
  return Object.entries(properties).map(([name, schema]) => parameter(name, 'query', required.includes(name), schema));
}

/** A parameter's description belongs to the parameter, where readers and tools look for it. */
function parameter(name: string, location: 'path' | 'query', required: boolean, schema: JsonSchema): Parameter {
  const { description, ...rest } = schema;
  return { name, in: location, required, ...(typeof description === 'string' ? { description } : {}), schema: rest };
}

/** Path and query schemas are zod objects; their properties become one parameter each, typed as what they parse into. */
function objectShape(schema: z.ZodType | undefined, components: SchemaComponents) {
  if (!schema) return { properties: {} as Record<string, JsonSchema>, required: [] as string[] };
  const shape = (schema as z.ZodObject).shape as Record<string, z.ZodType> | undefined;
  const json = components.use(schema, 'input');
  const properties = Object.fromEntries(
    Object.keys((json.properties ?? {}) as Record<string, JsonSchema>).map((name) => {
      const field = shape?.[name];
      const property = (json.properties as Record<string, JsonSchema>)[name];
      return [
        name,
        field
          ? {
              ...components.parameter(field instanceof z.ZodOptional ? (field.unwrap() as z.ZodType) : field),
              ...(property.description ? { description: property.description } : {}),
            }
          : property,
      ];
    }),
  );
  return { properties, required: (json.required ?? []) as string[] };
}

/**
 * The endpoint's own responses, plus the errors the HTTP layer answers for it
 * before the handler runs (auth, input parsing, idempotency, a method the path
 * does not serve, headers too large) or for any request (the deadline, the
 * database away), so every status a client can meet is listed.
 */
function responses(route: Route, components: SchemaComponents): Record<string, ResponseObject> {
  const { definition } = route;
  const { endpoint } = definition;
  const layerStatuses = [
    ...(definition.auth === 'user' ? [401] : []),
    ...(endpoint.query || endpoint.idempotent ? [400] : []),
    ...(bodyOf(route) ? [400, 413, 415] : []),
    ...(endpoint.params ? [404] : []),
    ...(endpoint.idempotent ? [409] : []),
    405,
    431,
    // Every request has a deadline, and all but docs reach the database (docs/failure-behaviour.md).
    503,
  ];
  const documented: Record<string, ResponseDoc> = { ...errorResponses(...layerStatuses), ...endpoint.responses };

  const result: Record<string, ResponseObject> = {};
  for (const [status, doc] of Object.entries(documented).sort(([a], [b]) => Number(a) - Number(b))) {
    result[status] = responseObject(status, doc, components);
  }
  result.default = responseObject(
    'default',
    { description: 'An unexpected failure: 500 `internal_error`, its details in the logs', schema: errorBody },
    components,
  );
  return result;
}

function responseObject(status: string, doc: ResponseDoc, components: SchemaComponents): ResponseObject {
  const response: ResponseObject = {
    description: doc.description,
    headers: { 'X-Request-Id': { $ref: '#/components/headers/RequestId' }, ...HEADERS_BY_STATUS[status] },
  };
  if (doc.schema) response.content = { 'application/json': withExample({ schema: components.use(doc.schema, 'output') }, doc.example) };
  return response;
}

function withExample(media: MediaType, example: unknown): MediaType {
  return example === undefined ? media : { ...media, example };
}

function tagOf({ definition, path }: Route): string {
  return /^\/api\/v\d+\/(\w+)\//.exec(path)?.[1] ?? definition.name.split('-')[0];
}
