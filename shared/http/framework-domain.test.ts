import * as functions from '@google-cloud/functions-framework';
import { getTestServer } from '@google-cloud/functions-framework/testing';
import request from 'supertest';
import '../../functions/index';
import { defineEndpoint } from './endpoint';
import { toHttpFunction } from './http-function';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const domainModule = require('node:domain') as typeof import('node:domain');

functions.http(
  'domain-probe',
  toHttpFunction({
    name: 'domain-probe',
    methods: ['GET'],
    paths: ['/probe/'],
    auth: 'public',
    endpoint: defineEndpoint({
      session: 'none',
      summary: 'probe',
      responses: {},
      async handle() {
        await new Promise((resolve) => setImmediate(resolve));
        if ((process as { domain?: unknown }).domain) return { status: 200, body: { inDomain: true } };
        throw new Error('an unexpected failure, after an await');
      },
    }),
  }),
);

describe('requests run without the framework’s per-request domain', () => {
  it('constructs no Domain, and an unexpected error still becomes the JSON 500', async () => {
    const entered = jest.spyOn(domainModule.Domain.prototype, 'enter');
    try {
      const response = await request(getTestServer('domain-probe')).get('/probe/');
      expect(response.status).toBe(500);
      expect(response.body.error.code).toBe('internal_error');
      expect(entered).not.toHaveBeenCalled();
    } finally {
      entered.mockRestore();
    }
  });
});
