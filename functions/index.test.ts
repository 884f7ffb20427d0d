/* eslint-disable @typescript-eslint/no-require-imports -- each case requires the modules afresh, as a new instance loads them */
import { createServer } from 'node:net';
import type * as Mariadb from 'mariadb';
import request from 'supertest';
import { resetConfigForTests } from '../shared/config/config';
import { useTestDatabase } from '../shared/testing/test-database';

/**
 * An instance serving one function (Cloud Run's FUNCTION_TARGET) opens its
 * database pool while it starts, not at its first request. Each case loads
 * functions/index afresh, with its own module registry, as a new instance would.
 */
const database = useTestDatabase();

interface Instance {
  createPool: jest.SpyInstance;
  pool: () => Mariadb.Pool;
  closePool: () => Promise<void>;
  serve: (name: string) => request.Agent;
}

function startInstance(target: string): Instance {
  process.env.FUNCTION_TARGET = target;
  let instance: Instance | undefined;
  jest.isolateModules(() => {
    const mariadb = require('mariadb') as typeof Mariadb;
    const createPool = jest.spyOn(mariadb, 'createPool');
    require('./index');
    const { sqlPool, closePool } = require('../shared/db/pool') as typeof import('../shared/db/pool');
    const { getTestServer } = require('@google-cloud/functions-framework/testing') as typeof import('@google-cloud/functions-framework/testing');
    instance = { createPool, pool: sqlPool, closePool, serve: (name) => request.agent(getTestServer(name)) };
  });
  return instance as Instance;
}

/** A local port nothing listens on: connecting to it is refused, like a database that is down. */
async function refusedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const saved = { ...process.env };
let instance: Instance | undefined;

afterEach(async () => {
  await instance?.closePool();
  instance = undefined;
  process.env = { ...saved, DATABASE_URL: database.url() };
  resetConfigForTests();
});

describe('an instance serving one function', () => {
  it('opens a database connection at start, before any request, when its function uses the database', async () => {
    instance = startInstance('wallets-list');
    expect(instance.createPool).toHaveBeenCalledTimes(1);
    await new Promise((resolve) => (instance!.pool() as unknown as NodeJS.EventEmitter).once('connection', resolve));
  });

  it('opens none when its function does not use the database (docs)', async () => {
    instance = startInstance('docs');
    expect((await instance.serve('docs').get('/openapi.json')).status).toBe(200);
    expect(instance.createPool).not.toHaveBeenCalled();
  });

  it('starts with the database down: no crash, no unhandled rejection, and its first request answers 503', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      process.env.DATABASE_URL = `mysql://root@127.0.0.1:${await refusedPort()}/down`;
      process.env.DATABASE_CONNECT_TIMEOUT_MS = '300';
      instance = startInstance('auth-login');
      expect(instance.createPool).toHaveBeenCalledTimes(1);
      // Long enough for the pool to give up its first attempts and report them.
      await new Promise((resolve) => setTimeout(resolve, 1000));

      const response = await instance.serve('auth-login').post('/api/v1/auth/login/').send({ username: 'johnwick', password: 'johnwick' });
      expect(response.status).toBe(503);
      expect(response.body.error.code).toBe('database_unavailable');
      expect(Number(response.headers['retry-after'])).toBeGreaterThan(0);
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });
});
