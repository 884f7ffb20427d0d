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

const camelCase = (name: string) => name.replace(/[-_.]+(\w)/g, (_, letter: string) => letter.toUpperCase());
const capitalised = (word: string) => word.charAt(0).toUpperCase() + word.slice(1).toLowerCase();
/** `/swagger/{asset}` → `SwaggerAsset`: a path's words, for telling one function's paths apart. */
const pathWords = (path: string) => capitalised(camelCase(path.replace(/[{}]/g, '').split('/').filter(Boolean).join('-')));

/**
 * Stable operation ids, from the registry alone: the function's name for its
 * main operation (POST where it answers several methods, else its method),
 * with the method added for the others (`authLogout`, `authLogoutGet`), and
 * the path's words where one function answers several paths (the docs).
 */
export function listRoutes(registry: readonly FunctionDefinition[]): Route[] {
  return registry.flatMap((definition) => {
    const main = definition.methods.includes('POST') ? 'POST' : definition.methods[0];
    return definition.paths.flatMap((path) =>
      definition.methods.map((method) => ({
        definition,
        method,
        path,
        operationId: `${camelCase(definition.name)}${method === main ? '' : capitalised(method)}${definition.paths.length > 1 ? pathWords(path) : ''}`,
      })),
    );
  });
}

/** `{wallet_id}` segments, in order. */
export function pathParameterNames(path: string): string[] {
  return [...path.matchAll(/\{(\w+)\}/g)].map((match) => match[1]);
}
