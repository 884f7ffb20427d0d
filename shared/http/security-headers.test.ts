import type { Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { getTestServer } from '@google-cloud/functions-framework/testing';
import { runInNewContext } from 'node:vm';
import { seedDemoUsers } from '../demo/seed';
import { callFunction, loginAs, tokenHeader } from '../../testing/http';
import { useTestDatabase } from '../../testing/test-database';

/**
 * The headers every answer carries (./security-headers), over real HTTP, on
 * the answers that matter most: the one carrying the key, one carrying a
 * user's data, errors (the pipeline's, the body limit's 413, the HTTP
 * parser's), and the docs page with its own policy.
 */
useTestDatabase();
beforeAll(async () => {
  await seedDemoUsers();
});

const API_POLICY = "default-src 'none'; frame-ancestors 'none'";

function expectApiHeaders(headers: Record<string, string | string[] | undefined>): void {
  expect(headers['cache-control']).toBe('no-store');
  expect(headers['x-content-type-options']).toBe('nosniff');
  expect(headers['content-security-policy']).toBe(API_POLICY);
}

describe('every API answer: no-store, nosniff, a policy that runs and frames nothing', () => {
  it('the login answer, which carries the key', async () => {
    const response = await callFunction('auth-login').post('/api/v1/auth/login/').send({ username: 'johnwick', password: 'johnwick' });
    expect(response.status).toBe(200);
    expect(response.body.key).toEqual(expect.any(String));
    expectApiHeaders(response.headers);
  });

  it('an authenticated answer, which carries a user’s data', async () => {
    const response = await callFunction('wallets-list')
      .get('/api/v1/wallets/')
      .set(tokenHeader(await loginAs('johnwick')));
    expect(response.status).toBe(200);
    expectApiHeaders(response.headers);
  });

  it.each([
    ['a 401', () => callFunction('wallets-list').get('/api/v1/wallets/'), 401],
    ['a 400', () => callFunction('auth-login').post('/api/v1/auth/login/').send({ username: 'johnwick' }), 400],
    [
      'a 400 of the framework’s final handler (garbled JSON), before the pipeline',
      () => callFunction('auth-login').post('/api/v1/auth/login/').type('json').send('{'),
      400,
    ],
    [
      'a 413 of the body limit, before the pipeline',
      () =>
        callFunction('auth-login')
          .post('/api/v1/auth/login/')
          .type('json')
          .send(`"${'a'.repeat(70_000)}"`),
      413,
    ],
  ])('an error: %s', async (_case, send, status) => {
    const response = await send();
    expect(response.status).toBe(status);
    expect(response.body.error.code).toEqual(expect.any(String));
    expectApiHeaders(response.headers);
  });

  it('a refusal of Node’s HTTP parser (431), written on the socket', async () => {
    const server = getTestServer('auth-login') as Server;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const answer = await new Promise<string>((resolve, reject) => {
        const socket = connect((server.address() as AddressInfo).port, '127.0.0.1');
        let text = '';
        socket.on('data', (chunk) => (text += chunk.toString('utf8')));
        socket.on('error', reject);
        socket.on('close', () => resolve(text));
        socket.write(`GET /api/v1/auth/login/ HTTP/1.1\r\nHost: localhost\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`);
      });
      expect(answer).toMatch(/^HTTP\/1\.1 431 /);
      expect(answer).toMatch(/^Cache-Control: no-store\r$/m);
      expect(answer).toMatch(/^X-Content-Type-Options: nosniff\r$/m);
      expect(answer).toContain(`Content-Security-Policy: ${API_POLICY}\r\n`);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});

describe('the docs function', () => {
  it('serves /swagger/ under a strict policy: scripts only from its own files, no framing', async () => {
    const response = await callFunction('docs').get('/swagger/');
    expect(response.status).toBe(200);
    const policy = Object.fromEntries(
      String(response.headers['content-security-policy'])
        .split(';')
        .map((directive) => directive.trim().split(/\s+/))
        .map(([name, ...sources]) => [name, sources]),
    );
    expect(policy['frame-ancestors']).toEqual(["'none'"]);
    expect(policy['default-src']).toEqual(["'none'"]);
    expect(policy['script-src']).toEqual(["'self'"]);
    expect(policy['connect-src']).toEqual(["'self'"]);
    expect(response.headers['x-content-type-options']).toBe('nosniff');
    // Nothing a policy without 'unsafe-inline' for scripts would block: no inline script, no handler attribute.
    expect([...response.text.matchAll(/<script\b[^>]*>/g)].every(([tag]) => / src="\/swagger\/[\w.-]+\.js"/.test(tag))).toBe(true);
    expect(response.text).not.toMatch(/<script>|\son[a-z]+=/i);
  });

  it('lets the page and the document be kept, but revalidated; they carry no key and no user’s data', async () => {
    for (const url of ['/swagger/', '/openapi.json']) {
      const response = await callFunction('docs').get(url);
      expect([url, response.headers['cache-control'], response.headers['x-content-type-options']]).toEqual([url, 'no-cache', 'nosniff']);
    }
  });

  it('answers an unknown file with the API’s headers (no-store)', async () => {
    const response = await callFunction('docs').get('/swagger/package.json');
    expect(response.status).toBe(404);
    expectApiHeaders(response.headers);
  });

  it('does not keep the bearer key in localStorage (persistAuthorization: false)', async () => {
    const script = (await callFunction('docs').get('/swagger/init.js')).text;
    let options: { persistAuthorization?: boolean } | undefined;
    const SwaggerUIBundle = Object.assign((given: typeof options) => (options = given), { presets: { apis: {} } });
    runInNewContext(script, { window: {}, SwaggerUIBundle });
    expect(options?.persistAuthorization).toBe(false);
  });
});
