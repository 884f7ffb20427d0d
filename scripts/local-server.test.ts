import request from 'supertest';
import { registry } from '../functions/registry';
import { resetConfigForTests } from '../shared/config/config';
import { seedDemoUsers } from '../shared/demo/seed';
import { setLogSink } from '../shared/core/logging';
import { useTestDatabase } from '../testing/test-database';
import { createLocalServer } from './local-server';

useTestDatabase();
beforeAll(() => seedDemoUsers());

const api = () => request(createLocalServer());

describe('the local all-in-one server', () => {
  it('serves the functions under their real paths', async () => {
    const login = await api().post('/api/v1/auth/login/').send({ username: 'johnwick', password: 'johnwick' });
    expect(login.status).toBe(200);
    const me = await api().get('/api/v1/auth/user/').set('Authorization', `token ${login.body.key}`);
    expect(me.body.username).toBe('johnwick');
  });

  it('routes every registered path and method to a function (not a 404 or 405)', async () => {
    const routed: string[] = [];
    for (const definition of registry) {
      for (const pattern of definition.paths) {
        for (const method of definition.methods) {
          const path = pattern.replace(/\{\w+\}/g, 'x');
          const response = await api()[method.toLowerCase() as 'get'](path);
          // A handler's own 404 (e.g. no wallet "x") is fine; the router's "Unknown route" is not.
          if (response.status !== 405 && response.body?.error?.message?.startsWith('Unknown route') !== true) routed.push(`${method} ${pattern}`);
        }
      }
    }
    expect(routed).toEqual(registry.flatMap((d) => d.paths.flatMap((p) => d.methods.map((m) => `${m} ${p}`))));
  });

  it('answers 405 with every allowed method when the path exists', async () => {
    const response = await api().put('/api/v1/auth/logout/');
    expect(response.status).toBe(405);
    expect(response.headers.allow).toBe('GET, POST');
  });

  it('allows every method of a path shared by two functions in a CORS preflight', async () => {
    process.env.ALLOWED_ORIGINS = 'https://app.example.com';
    resetConfigForTests();
    try {
      const response = await api().options('/api/v1/wallets/').set('Origin', 'https://app.example.com');
      expect(response.status).toBe(204);
      expect(response.headers['access-control-allow-methods']).toBe('GET, POST, OPTIONS');
    } finally {
      delete process.env.ALLOWED_ORIGINS;
      resetConfigForTests();
    }
  });

  it('answers 404 JSON for an unknown path', async () => {
    const response = await api().get('/api/v2/nothing');
    expect(response.status).toBe(404);
    expect(response.body.error.code).toBe('not_found');
  });
});

describe('request logs', () => {
  it('writes one Cloud Logging JSON line per request, without passwords or keys', async () => {
    const lines: string[] = [];
    const restore = setLogSink((line) => lines.push(line));
    const previousLevel = process.env.LOG_LEVEL;
    process.env.LOG_LEVEL = 'info';
    let key: string;
    let requestId: string;
    try {
      const login = await api().post('/api/v1/auth/login/').set('X-Request-Id', 'req-42').send({ username: 'lyraking', password: 'lyraking' });
      key = login.body.key;
      requestId = login.headers['x-request-id'];
      await api().get('/api/v1/auth/user/').set('Authorization', `token ${key}`);
    } finally {
      restore();
      process.env.LOG_LEVEL = previousLevel;
    }
    const entries = lines.map((line) => JSON.parse(line));
    expect(entries).toHaveLength(2);
    expect(entries[0]).toEqual(
      expect.objectContaining({
        severity: 'INFO',
        message: 'POST /api/v1/auth/login/ 200',
        // Ours; the client's own is kept apart.
        requestId: expect.stringMatching(/^[0-9a-f-]{36}$/),
        clientRequestId: 'req-42',
        function: 'auth-login',
        httpRequest: expect.objectContaining({ requestMethod: 'POST', status: 200, latency: expect.stringMatching(/^\d+\.\d{3}s$/) }),
      }),
    );
    expect(entries[0].requestId).toBe(requestId!);
    expect(entries[1]).toEqual(expect.objectContaining({ function: 'auth-user', userId: expect.any(String) }));
    const everything = lines.join('\n');
    expect(everything).not.toContain('lyraking"');
    expect(everything).not.toContain(key);
  });

  it('logs one line with a request id for answers no function gives: unknown routes, wrong methods, garbled JSON', async () => {
    const lines: string[] = [];
    const restore = setLogSink((line) => lines.push(line));
    const previousLevel = process.env.LOG_LEVEL;
    process.env.LOG_LEVEL = 'info';
    const responses = [];
    try {
      responses.push(await api().get('/nowhere'));
      responses.push(await api().delete('/api/v1/wallets/'));
      responses.push(await api().post('/api/v1/auth/login/').set('Content-Type', 'application/json').send('{"username":'));
    } finally {
      restore();
      process.env.LOG_LEVEL = previousLevel;
    }
    expect(responses.map((response) => response.status)).toEqual([404, 405, 400]);
    const entries = lines.map((line) => JSON.parse(line));
    expect(entries.map((entry) => entry.httpRequest.status)).toEqual([404, 405, 400]);
    responses.forEach((response, index) => {
      expect(response.headers['x-request-id']).toEqual(entries[index].requestId);
      expect(response.body.error.code).toEqual(expect.any(String));
    });
  });
});
