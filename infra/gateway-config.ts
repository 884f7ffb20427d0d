import type { FunctionDefinition } from '../shared/http/endpoint';
import { listRoutes, pathParameterNames, type Route } from '../shared/openapi/routes';
import { deploySettingsOf, functionUrl, type InfraSettings } from './settings';

/**
 * The API Gateway config: every client route of the registry, each sent to
 * its own function with the request path appended, so clients keep one base
 * URL and the /api/v1 paths. OpenAPI 2.0: API Gateway now also takes 3.0.x
 * and 3.1.x (https://cloud.google.com/api-gateway/docs/migrate-oasv3), whose
 * Google extensions are laid out differently (backends named once under
 * x-google-api-management, referred to by name); this config uses none of
 * what only 3.x offers, and the 2.0 form is the one whose behaviour the notes
 * below were checked against. The document clients read (/openapi.json) is
 * 3.1 either way; this one only routes.
 *
 * - Scheduled functions are left out: only Cloud Scheduler calls them, at
 *   their own URL.
 * - The gateway authenticates to each function with an ID token for the
 *   function's URL (jwt_audience); it then passes the client's own
 *   Authorization header on as X-Forwarded-Authorization.
 * - Paths are declared without their trailing slash: API Gateway's proxy
 *   (ESPv2) matches a template both with and without one, and appends the path
 *   as the client sent it.
 * - CORS: each path gets an OPTIONS operation sent to a function on that path,
 *   which answers the preflight itself from ALLOWED_ORIGINS, as it does locally.
 */
export interface GatewayBackend {
  address: string;
  path_translation: 'APPEND_PATH_TO_ADDRESS';
  jwt_audience: string;
  deadline: number;
}

export interface GatewayOperation {
  operationId: string;
  summary: string;
  parameters: Array<{ name: string; in: 'path'; required: true; type: 'string' }>;
  'x-google-backend': GatewayBackend;
  responses: Record<string, { description: string }>;
}

export interface GatewayConfig {
  swagger: '2.0';
  info: { title: string; description: string; version: string };
  schemes: ['https'];
  produces: ['application/json'];
  paths: Record<string, Record<string, GatewayOperation>>;
}

export function buildGatewayConfig(registry: readonly FunctionDefinition[], settings: InfraSettings): GatewayConfig {
  const paths: GatewayConfig['paths'] = {};
  for (const route of listRoutes(registry).filter((candidate) => candidate.definition.auth !== 'scheduler')) {
    const path = gatewayPath(route.path);
    paths[path] ??= { options: operation(route, settings, `${route.operationId}Preflight`, 'CORS preflight') };
    paths[path][route.method.toLowerCase()] = operation(route, settings, route.operationId, route.definition.endpoint.summary);
  }
  return {
    swagger: '2.0',
    info: { title: settings.apiId, description: 'Generated from functions/registry.ts by infra/gateway.ts', version: '1' },
    schemes: ['https'],
    produces: ['application/json'],
    paths,
  };
}

export const gatewayPath = (path: string) => path.replace(/(.)\/$/, '$1');

function operation({ definition, path }: Route, settings: InfraSettings, operationId: string, summary: string): GatewayOperation {
  const address = functionUrl(settings, definition.name);
  return {
    operationId,
    summary,
    parameters: pathParameterNames(path).map((name) => ({ name, in: 'path', required: true, type: 'string' })),
    'x-google-backend': {
      address,
      path_translation: 'APPEND_PATH_TO_ADDRESS',
      jwt_audience: address,
      // The gateway's default (15 s) is shorter than a purchase may take.
      deadline: deploySettingsOf(definition).timeoutSeconds,
    },
    responses: { default: { description: 'Whatever the function answers' } },
  };
}
