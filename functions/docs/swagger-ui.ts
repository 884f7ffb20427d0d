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
 * petstore), served as a file so the page needs no inline script. The API
 * wants `Authorization: token <key>`; the document's
 * `token` scheme (apiKey, header Authorization) sends whatever is typed into
 * Authorize, so a bare key gets its `token ` prefix here and one typed with
 * `token`/`Bearer` is left alone. The key lives only as long as the page:
 * `persistAuthorization` would keep it in localStorage, where any script on
 * this origin, and anyone at the browser later, could read it.
 */
const INITIALIZER = `window.ui = SwaggerUIBundle({
  url: '/openapi.json',
  dom_id: '#swagger-ui',
  deepLinking: true,
  persistAuthorization: false,
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

/**
 * The page's Content-Security-Policy: scripts only from files of this origin
 * (the bundle and init.js; swagger-ui-dist 5 needs no eval: its
 * `Function("return this")` fallbacks are never reached in a browser, which
 * has globalThis), requests only to this origin (the document and "Try it
 * out"), images from here or inline (the stylesheet's icons are data: URIs),
 * and nobody may frame it. Styles allow 'unsafe-inline': Swagger UI's
 * components set inline style attributes (swagger-api/swagger-ui#10655); a
 * style can restyle the page but run nothing.
 */
export const SWAGGER_PAGE_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

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
