import { readFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * /swagger/: Swagger UI from the installed `swagger-ui-dist` package, served
 * by this function from the same origin as the API, so it works offline and
 * needs no CDN. The package's files are read on first use and kept: they
 * cannot change within a deployed revision, and are not worth copying into
 * our source.
 */

interface Asset {
  contentType: string;
  /** A file of swagger-ui-dist, or text of ours. */
  source: { file: string } | { text: string };
}

const CSS = 'text/css; charset=utf-8';
const JS = 'text/javascript; charset=utf-8';

/**
 * Ours, in place of the package's swagger-initializer.js (which loads the
 * petstore). The API wants `Authorization: token <key>`; the document's
 * `token` scheme (apiKey, header Authorization) sends whatever is typed into
 * Authorize, so a bare key gets its `token ` prefix here and one typed with
 * `token`/`Bearer` is left alone.
 */
const INITIALIZER = `window.ui = SwaggerUIBundle({
  url: '/openapi.json',
  dom_id: '#swagger-ui',
  deepLinking: true,
  persistAuthorization: true,
  displayRequestDuration: true,
  presets: [SwaggerUIBundle.presets.apis],
  layout: 'BaseLayout',
  requestInterceptor: function (request) {
    var key = request.headers && request.headers.Authorization;
    if (key && !/^(token|bearer)\\s/i.test(key)) request.headers.Authorization = 'token ' + key.trim();
    return request;
  },
});
`;

export const SWAGGER_ASSETS: Readonly<Record<string, Asset>> = {
  'swagger-ui.css': { contentType: CSS, source: { file: 'swagger-ui.css' } },
  'swagger-ui-bundle.js': { contentType: JS, source: { file: 'swagger-ui-bundle.js' } },
  'init.js': { contentType: JS, source: { text: INITIALIZER } },
};

export const SWAGGER_ASSET_NAMES = Object.keys(SWAGGER_ASSETS) as [string, ...string[]];

/** The page itself; absolute asset paths so `/swagger` without the slash works too. */
export function swaggerPage(title: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<link rel="stylesheet" href="/swagger/swagger-ui.css">
<link rel="icon" href="data:,">
</head>
<body>
<noscript>This page needs JavaScript; the document itself is at <a href="/openapi.json">/openapi.json</a>.</noscript>
<div id="swagger-ui"></div>
<script src="/swagger/swagger-ui-bundle.js"></script>
<script src="/swagger/init.js"></script>
</body>
</html>
`;
}

const loaded = new Map<string, Promise<string>>();

export function swaggerAsset(name: string): Promise<{ contentType: string; payload: string }> | undefined {
  const asset = Object.hasOwn(SWAGGER_ASSETS, name) ? SWAGGER_ASSETS[name] : undefined;
  if (!asset) return undefined;
  let payload = loaded.get(name);
  if (!payload) {
    payload = 'text' in asset.source ? Promise.resolve(asset.source.text) : readFile(path.join(packageDir(), asset.source.file), 'utf8');
    // A failed read is not kept, so the next request tries again.
    payload.catch(() => loaded.delete(name));
    loaded.set(name, payload);
  }
  return payload.then((text) => ({ contentType: asset.contentType, payload: text }));
}

export function packageDir(): string {
  return path.dirname(require.resolve('swagger-ui-dist/package.json'));
}

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);
