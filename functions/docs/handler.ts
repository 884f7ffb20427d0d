import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import type { FunctionDefinition } from '../../shared/http/endpoint';
import { defineEndpoint } from '../../shared/http/endpoint';
import { notFound } from '../../shared/core/errors';
import { buildOpenApiDocument } from '../../shared/openapi/document';
import { SWAGGER_ASSET_NAMES, SWAGGER_PAGE_POLICY, swaggerAsset, swaggerPage } from './swagger-ui';

/**
 * The `docs` function: `/openapi.json` is the OpenAPI document of every
 * registered function, `/swagger/` Swagger UI on it, and `/swagger/{asset}`
 * the UI's files. It is handed the registry instead of importing it, because
 * the registry lists this function too; the document is built on the first
 * request and kept, since it cannot change within a deployed revision. It
 * never touches the database: it is deployed without one.
 */

interface Rendered {
  json: string;
  page: string;
}

// Optional because the other two paths have no parameter; a name not listed is a 404.
const docsParams = z.object({ asset: z.enum(SWAGGER_ASSET_NAMES).optional() });

// What this function serves carries no key and no user's data, so unlike every
// other answer (shared/http/security-headers: no-store) it may be kept.
// The UI's files only change with a deploy; an hour of caching spares the
// megabytes of its bundle on every visit, and the ETag Express adds revalidates it after that.
const ASSET_CACHE = { 'Cache-Control': 'public, max-age=3600' };
// The page and the document change with a deploy too, and are small: kept, but asked about (the ETag) each time.
const REVALIDATED = { 'Cache-Control': 'no-cache' };

/**
 * The built output carries the document `npm run build` wrote from this same
 * registry (scripts/finish-build.js): serving it spares a cold instance from
 * loading every other function's code. Sources (tests, npm start) build it.
 */
function prebuiltDocument(): string | undefined {
  const file = path.resolve(__dirname, '../../openapi.json');
  return __dirname.split(path.sep).includes('dist') && existsSync(file) ? readFileSync(file, 'utf8') : undefined;
}

export function docsEndpoint(registry: () => readonly FunctionDefinition[]) {
  let rendered: Rendered | undefined;
  const render = (): Rendered => {
    const json = prebuiltDocument() ?? JSON.stringify(buildOpenApiDocument(registry()));
    const { info } = JSON.parse(json) as { info: { title: string; version: string } };
    return { json, page: swaggerPage(`${info.title} ${info.version}`) };
  };

  return defineEndpoint({
    session: 'none',
    summary: 'The OpenAPI document of this API, or Swagger UI rendering it',
    description:
      '`GET /openapi.json` is the OpenAPI 3.1 document of every endpoint, generated from the schemas the endpoints validate with; ' +
      '`GET /swagger/` is Swagger UI on it, which can send requests (Authorize takes the key from login), ' +
      'and `GET /swagger/{asset}` serves the files that page loads.',
    params: docsParams,
    responses: {
      200: { description: 'The document (`application/json`), the page (`text/html`) or one of its files (`text/css`, `text/javascript`)' },
    },
    async handle({ route, params }) {
      if (params.asset) {
        const asset = await swaggerAsset(params.asset);
        if (!asset) throw notFound('File');
        return { status: 200, headers: ASSET_CACHE, raw: asset };
      }
      rendered ??= render();
      return route === '/swagger/'
        ? {
            status: 200,
            headers: { ...REVALIDATED, 'Content-Security-Policy': SWAGGER_PAGE_POLICY },
            raw: { contentType: 'text/html; charset=utf-8', payload: rendered.page },
          }
        : { status: 200, headers: REVALIDATED, raw: { contentType: 'application/json; charset=utf-8', payload: rendered.json } };
    },
  });
}
