import type { FunctionDefinition, HttpMethod } from '../http/endpoint';

/**
 * One (method, path) a function answers. The OpenAPI document and the API
 * Gateway config both walk the registry through this list, so they name and
 * count operations the same way.
 */
export interface Route {
  definition: FunctionDefinition;
  method: HttpMethod;
  path: string;
  operationId: string;
}

const camelCase = (name: string) => name.replace(/[-_]+(\w)/g, (_, letter: string) => letter.toUpperCase());
const capitalised = (word: string) => word.charAt(0).toUpperCase() + word.slice(1).toLowerCase();

export function listRoutes(registry: readonly FunctionDefinition[]): Route[] {
  return registry.flatMap((definition) => {
    const single = definition.methods.length === 1 && definition.paths.length === 1;
    return definition.paths.flatMap((path, pathIndex) =>
      definition.methods.map((method) => ({
        definition,
        method,
        path,
        // The function name alone while it answers one route; a suffix only
        // when it answers several, so ids stay stable as long as the route does.
        operationId: single
          ? camelCase(definition.name)
          : `${camelCase(definition.name)}${capitalised(method)}${definition.paths.length > 1 ? pathIndex + 1 : ''}`,
      })),
    );
  });
}

/** `{wallet_id}` segments, in order. */
export function pathParameterNames(path: string): string[] {
  return [...path.matchAll(/\{(\w+)\}/g)].map((match) => match[1]);
}
