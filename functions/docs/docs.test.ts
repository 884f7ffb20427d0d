import { readFileSync } from 'node:fs';
import path from 'node:path';
import { runInNewContext } from 'node:vm';
import { buildOpenApiDocument } from '../../shared/openapi/document';
import { callFunction } from '../../testing/http';
import { registry } from '../registry';
import { packageDir } from './swagger-ui';

const expectedDocument = JSON.parse(JSON.stringify(buildOpenApiDocument(registry)));

describe('GET /openapi.json', () => {
  it('serves the OpenAPI document of every registered function', async () => {
    const response = await callFunction('docs').get('/openapi.json');
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(response.body).toEqual(expectedDocument);
  });

  it('answers with a trailing slash too', async () => {
    const response = await callFunction('docs').get('/openapi.json/');
    expect(response.status).toBe(200);
    expect(response.body.openapi).toBe('3.1.0');
  });

  it('describes the key as an HTTP bearer token, which generated clients and Swagger UI send as `Authorization: Bearer <key>`', () => {
    expect(expectedDocument.components.securitySchemes.bearerAuth).toMatchObject({ type: 'http', scheme: 'bearer' });
  });

  it('leaves the operations clients do not call out of the document: itself, and the scheduled seed', () => {
    const paths = expectedDocument.paths as Record<string, Record<string, { 'x-function': string }>>;
    const functions = Object.values(paths).flatMap((operations) => Object.values(operations).map((operation) => operation['x-function']));
    expect(new Set(functions)).toEqual(new Set(registry.filter((definition) => !definition.internal).map((definition) => definition.name)));
    expect(functions).not.toContain('docs');
    expect(functions).not.toContain('seed-demo-users');
  });
});

describe('GET /swagger/', () => {
  it.each(['/swagger/', '/swagger'])('serves Swagger UI at %s, loading everything from this origin', async (url) => {
    const response = await callFunction('docs').get(url);
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(response.text).toContain('<title>fulfillment-functions API v1</title>');
    expect(response.text).toContain('<div id="swagger-ui"></div>');
    // Offline and same-origin: no CDN, no other host.
    expect(response.text).not.toMatch(/(src|href)="(https?:)?\/\//);
    expect(pageAssets(response.text)).toEqual(['/swagger/swagger-ui.css', '/swagger/swagger-ui-bundle.js', '/swagger/init.js']);
  });

  it('serves every file the page loads, with its content type', async () => {
    const page = (await callFunction('docs').get('/swagger/')).text;
    for (const asset of pageAssets(page)) {
      const response = await callFunction('docs').get(asset);
      expect(response.status).toBe(200);
      expect(response.headers['content-type']).toBe(asset.endsWith('.css') ? 'text/css; charset=utf-8' : 'text/javascript; charset=utf-8');
      expect(response.headers['cache-control']).toBe('public, max-age=3600');
      expect(response.text.length).toBeGreaterThan(0);
    }
  });

  it('serves Swagger UI itself from the installed swagger-ui-dist package', async () => {
    for (const file of ['swagger-ui-bundle.js', 'swagger-ui.css']) {
      const response = await callFunction('docs').get(`/swagger/${file}`);
      expect(response.text).toBe(readFileSync(path.join(packageDir(), file), 'utf8'));
    }
  });

  it('points the UI at /openapi.json on the same origin and sends a bare key as "token <key>"', async () => {
    const script = (await callFunction('docs').get('/swagger/init.js')).text;
    const options = runInitializer(script);
    expect(options).toMatchObject({ url: '/openapi.json', dom_id: '#swagger-ui' });

    const intercept = (headers: Record<string, string>) => options.requestInterceptor({ url: '/api/v1/wallets/', headers }).headers;
    expect(intercept({ Authorization: 'the-key' })).toEqual({ Authorization: 'token the-key' });
    expect(intercept({ Authorization: 'token the-key' })).toEqual({ Authorization: 'token the-key' });
    expect(intercept({ Authorization: 'Bearer an-oidc-token' })).toEqual({ Authorization: 'Bearer an-oidc-token' });
    expect(intercept({})).toEqual({});
  });

  it.each(['/swagger/index.html', '/swagger/swagger-initializer.js', '/swagger/package.json', '/swagger/..%2Fpackage.json', '/swagger/toString'])(
    'answers 404 for %s, which the page does not load',
    async (url) => {
      const response = await callFunction('docs').get(url);
      expect(response.status).toBe(404);
      expect(response.body.error.code).toBe('not_found');
    },
  );
});

describe('docs routing', () => {
  it('answers 404 in the API error shape for another document', async () => {
    const response = await callFunction('docs').get('/secrets.json');
    expect(response.status).toBe(404);
    expect(response.body.error.code).toBe('not_found');
  });

  it('answers 405 for another method', async () => {
    const response = await callFunction('docs').post('/openapi.json').send({});
    expect(response.status).toBe(405);
    expect(response.headers.allow).toBe('GET');
  });
});

function pageAssets(html: string): string[] {
  return [...html.matchAll(/<(?:link rel="stylesheet"|script) (?:href|src)="([^"]+)"/g)].map((match) => match[1]);
}

interface InitializerOptions {
  url: string;
  dom_id: string;
  requestInterceptor(request: { url: string; headers: Record<string, string> }): { headers: Record<string, string> };
}

/** Runs the page's initializer with a stand-in for the bundle, returning the options it passed. */
function runInitializer(script: string): InitializerOptions {
  let options: InitializerOptions | undefined;
  const SwaggerUIBundle = Object.assign((given: InitializerOptions) => (options = given), { presets: { apis: {} } });
  runInNewContext(script, { window: {}, SwaggerUIBundle });
  return options!;
}
