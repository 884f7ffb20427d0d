import type { FunctionDefinition } from '../../shared/http/endpoint';
import { defineEndpoint } from '../../shared/http/endpoint';
import { buildOpenApiDocument } from '../../shared/openapi/document';
import { renderSwaggerPage } from './swagger-page';

/**
 * The `docs` function: `/openapi.json` is the OpenAPI document of every
 * registered function, `/swagger/` a page rendering it. It is handed the
 * registry instead of importing it, because the registry lists this function
 * too; the document is built on the first request and kept, since it cannot
 * change within a deployed revision.
 */

interface Rendered {
  json: string;
  page: string;
}

export function docsEndpoint(registry: () => readonly FunctionDefinition[]) {
  let rendered: Rendered | undefined;
  const render = (): Rendered => {
    const document = buildOpenApiDocument(registry());
    const json = JSON.stringify(document);
    return { json, page: renderSwaggerPage(json, `${document.info.title} ${document.info.version}`) };
  };

  return defineEndpoint({
    summary: 'The OpenAPI document of this API, or a page rendering it',
    description:
      '`GET /openapi.json` is the OpenAPI 3.1 document of every endpoint, generated from the schemas the endpoints validate with; ' +
      '`GET /swagger/` renders it and can send requests.',
    responses: {
      200: { description: 'The document (`application/json`) or the page (`text/html`)' },
    },
    async handle({ route }) {
      rendered ??= render();
      return route === '/swagger/'
        ? { status: 200, raw: { contentType: 'text/html; charset=utf-8', payload: rendered.page } }
        : { status: 200, raw: { contentType: 'application/json; charset=utf-8', payload: rendered.json } };
    },
  });
}
