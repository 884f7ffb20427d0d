import { z } from 'zod';
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
 *
 * A handler is not told which of its paths matched, so the page's path is
 * registered as `/{page}/` and the page named by its one allowed value; the
 * document's path is a plain `/openapi.json` with no parameter.
 */
const pageParams = z.object({
  page: z.literal('swagger').optional().describe('`swagger`: the page rendering this document'),
});

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
    params: pageParams,
    responses: {
      200: { description: 'The document (`application/json`) or the page (`text/html`)' },
    },
    async handle({ params }) {
      rendered ??= render();
      return params.page === 'swagger'
        ? { status: 200, raw: { contentType: 'text/html; charset=utf-8', payload: rendered.page } }
        : { status: 200, raw: { contentType: 'application/json; charset=utf-8', payload: rendered.json } };
    },
  });
}
