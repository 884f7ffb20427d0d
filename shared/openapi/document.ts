import type { z } from 'zod';
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
  headers?: Record<string, { $ref: string }>;
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
  /** The deployed function that answers this operation. */
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
  auth: 'Log in and out, and who is logged in',
  wallets: 'Wallets (bank cards), top-ups, transactions and the expenses stat',
  assets: 'Portfolio advice, purchase, holdings and asset statistics',
  docs: 'This document and the page rendering it',
  internal: 'Called by Google Cloud, not by clients; not routed through the API Gateway',
};

const SECURITY: Record<FunctionDefinition['auth'], Operation['security']> = {
  user: [{ token: [] }],
  scheduler: [{ schedulerOidc: [] }],
  public: [],
};

export function buildOpenApiDocument(registry: readonly FunctionDefinition[]): OpenApiDocument {
  const components = new SchemaComponents();
  components.add('Error', errorBody, 'output');
  const paths: OpenApiDocument['paths'] = {};
  for (const route of listRoutes(registry)) {
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
        token: {
          type: 'apiKey',
          in: 'header',
          name: 'Authorization',
          description: 'The key from `POST /api/v1/auth/login/`, sent as `token <key>` (`Token <key>` and `Bearer <key>` are accepted too).',
        },
        schedulerOidc: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description:
            'A Google-signed OIDC ID token of the Cloud Scheduler service account, with the function URL as audience. Clients cannot call these operations.',
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
      headers: {
        RequestId: { description: 'Identifies the request in the logs; quote it when reporting a problem', schema: { type: 'string' } },
      },
      schemas: components.all(),
    },
  };
}

function operation(route: Route, components: SchemaComponents): Operation {
  const { definition } = route;
  const { endpoint } = definition;
  const typeName = pascalCase(definition.name);
  const internal = definition.auth === 'scheduler';

  const op: Operation = {
    operationId: route.operationId,
    summary: endpoint.summary,
    description: internal
      ? `${endpoint.description ?? ''}\n\nNot routed through the API Gateway: Cloud Scheduler calls the function's own URL.`.trim()
      : endpoint.description,
    tags: [tagOf(route)],
    security: SECURITY[definition.auth],
    parameters: [...pathParameters(route, components), ...queryParameters(endpoint.query, components)],
    responses: responses(route, typeName, components),
    'x-function': definition.name,
  };
  if (endpoint.idempotent) op.parameters.push({ $ref: '#/components/parameters/IdempotencyKey' });
  if (endpoint.body) {
    op.requestBody = {
      required: !endpoint.body.safeParse(undefined).success,
      content: {
        'application/json': withExample({ schema: components.add(`${typeName}Request`, endpoint.body, 'input') }, endpoint.bodyExample),
      },
    };
  }
  return op;
}

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

/** Path and query schemas are zod objects; their properties become one parameter each. */
function objectShape(schema: z.ZodType | undefined, components: SchemaComponents) {
  if (!schema) return { properties: {} as Record<string, JsonSchema>, required: [] as string[] };
  const json = components.inline(schema, 'input');
  return {
    properties: (json.properties ?? {}) as Record<string, JsonSchema>,
    required: (json.required ?? []) as string[],
  };
}

/**
 * The endpoint's own responses, plus the errors the HTTP layer answers for it
 * before the handler runs (auth, input parsing, idempotency) or for any request
 * (the deadline, the database away), so every status a
 * client can meet is listed.
 */
function responses(route: Route, typeName: string, components: SchemaComponents): Record<string, ResponseObject> {
  const { definition } = route;
  const { endpoint } = definition;
  const layerStatuses = [
    ...(definition.auth === 'user' ? [401] : []),
    ...(definition.auth === 'scheduler' ? [401, 403] : []),
    ...(endpoint.query || endpoint.idempotent ? [400] : []),
    ...(endpoint.body ? [400, 413, 415] : []),
    ...(endpoint.params ? [404] : []),
    ...(endpoint.idempotent ? [409] : []),
    // Every request has a deadline, and all but docs reach the database (README, Failure behaviour).
    503,
  ];
  const documented: Record<string, ResponseDoc> = { ...errorResponses(...layerStatuses), ...endpoint.responses };

  const result: Record<string, ResponseObject> = {};
  for (const [status, doc] of Object.entries(documented).sort(([a], [b]) => Number(a) - Number(b))) {
    result[status] = responseObject(doc, () =>
      doc.schema === errorBody ? { $ref: '#/components/schemas/Error' } : components.add(`${typeName}Response${status}`, doc.schema as z.ZodType, 'output'),
    );
  }
  result.default = responseObject({ description: 'An unexpected failure (500), or the database being unavailable (503)', schema: errorBody }, () => ({
    $ref: '#/components/schemas/Error',
  }));
  return result;
}

function responseObject(doc: ResponseDoc, schemaRef: () => JsonSchema): ResponseObject {
  const response: ResponseObject = { description: doc.description, headers: { 'X-Request-Id': { $ref: '#/components/headers/RequestId' } } };
  if (doc.schema) response.content = { 'application/json': withExample({ schema: schemaRef() }, doc.example) };
  return response;
}

function withExample(media: MediaType, example: unknown): MediaType {
  return example === undefined ? media : { ...media, example };
}

function tagOf({ definition, path }: Route): string {
  if (definition.auth === 'scheduler') return 'internal';
  return /^\/api\/v\d+\/(\w+)\//.exec(path)?.[1] ?? definition.name.split('-')[0];
}

const pascalCase = (name: string) => name.replace(/(^|[-_])(\w)/g, (_, __, letter: string) => letter.toUpperCase());
