import type { Server } from 'node:http';
import { getTestServer } from '@google-cloud/functions-framework/testing';
import fc from 'fast-check';
import request from 'supertest';
import { registry } from '../../functions/registry';
import { db } from '../db/prisma';
import { seedDemoUsers } from '../demo/seed';
import { loginAs } from '../../testing/http';
import { useMlStandin } from '../../testing/ml-standin';
import { useTestDatabase } from '../../testing/test-database';
import { dailyFlowsOutOfStep, walletsOutOfBalance } from '../../testing/wallets';

/**
 * Generated hostile requests to every registered route: odd methods, paths
 * built from the registry's patterns with good, unknown and garbage
 * parameters, garbage/huge/deep bodies under any content type, garbage
 * Authorization and Idempotency-Key headers, odd query strings. Whatever
 * arrives, no 5xx; every refusal is SPEC §2's error shape with a request id;
 * and afterwards every wallet still balances. Fixed seed: a failure replays.
 */
useTestDatabase();
useMlStandin();

const SEED = 20261202;
const RUNS = 2000;

const servers = new Map<string, Server>();
let key = '';
let ownWalletId = '';

beforeAll(async () => {
  await seedDemoUsers();
  key = await loginAs('lyraking');
  ownWalletId = (await db().wallet.findFirstOrThrow({ where: { user: { username: 'lyraking' } } })).id;
  for (const definition of registry) {
    const server = getTestServer(definition.name) as Server;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    servers.set(definition.name, server);
  }
});

afterAll(async () => {
  for (const server of servers.values()) await new Promise<void>((resolve) => server.close(() => resolve()));
});

const printable = (maxLength: number) => fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((code) => String.fromCharCode(code)), maxLength });
const anyText = (maxLength: number) => fc.string({ unit: 'binary', maxLength });

/** A path parameter: one that names something, one that names nothing, and garbage (raw, so malformed %-escapes too). */
const param = fc.oneof(
  { arbitrary: fc.constantFrom('{own}', 'AAPL', 'SPY'), weight: 3 },
  fc.uuid(),
  anyText(40).map(encodeURIComponent),
  fc.constantFrom('%', '%E0%A4%A', '..', '%2F', '%00', 'x'.repeat(300), '00000000-0000-0000-0000-00000000000G'),
);

// fast-check favours small integers; the depths that matter are named too.
const deepJson = fc
  .oneof(fc.constantFrom(32, 33, 4000, 6000), fc.integer({ min: 1, max: 6000 }))
  .map((depth) => `{"sum":"1.00","x":${'['.repeat(depth)}${']'.repeat(depth)}}`);
const wideJson = fc.integer({ min: 900, max: 3000 }).map((width) => JSON.stringify({ sum: '1.00', x: Array.from({ length: width }, (_, index) => index) }));
const body = fc.oneof(
  { arbitrary: fc.oneof(deepJson, wideJson), weight: 3 },
  fc.constant(undefined),
  fc.json({ maxDepth: 4 }),
  fc.jsonValue({ maxDepth: 5 }).map((value) => JSON.stringify(value)),
  fc.record({ sum: fc.oneof(fc.jsonValue(), fc.constantFrom('1.00', '0.001', '1e309', '-5', '999999999999999999.99')) }).map((value) => JSON.stringify(value)),
  fc.constantFrom('{', '{"a":', 'null', '""', '[]', '{"__proto__":{"x":1}}', `"${'x'.repeat(70_000)}"`),
  anyText(200),
);

const contentType = fc.constantFrom(
  undefined,
  'application/json',
  'application/json; charset=utf-8',
  'application/json; charset=latin1',
  'text/plain',
  'application/x-www-form-urlencoded',
  'application/cloudevents+json',
  'multipart/form-data; boundary=x',
  'garbage',
);

const authorization = fc.oneof(
  fc.constantFrom('{valid}', undefined, 'token', 'Bearer ', 'Token x.y.z', 'Basic YWxhZGRpbjpvcGVuc2VzYW1l'),
  printable(300),
  printable(200).map((text) => `token ${text}`),
);

const idempotencyKey = fc.oneof(fc.constant(undefined), { arbitrary: fc.uuid(), weight: 2 }, printable(300), fc.constant(' '));

const query = fc.dictionary(
  fc.oneof(fc.constantFrom('limit', 'offset', 'investing_sum', 'risk_level', 'start', 'end', '__proto__', 'a[b]'), printable(10)),
  fc.oneof(printable(30), fc.constantFrom('-1', '1e400', '0', '100', '2021-13-40', 'NaN')),
  { maxKeys: 4 },
);

// Mostly a method the route serves, so requests get past the 405 to the parsing behind it.
const hostileRequest = fc.constantFrom(...registry).chain((definition) =>
  fc.record({
    name: fc.constant(definition.name),
    pathIndex: fc.nat(),
    params: fc.array(param, { minLength: 2, maxLength: 2 }),
    dropTrailingSlash: fc.boolean(),
    method: fc.oneof(
      { arbitrary: fc.constantFrom(...definition.methods), weight: 4 },
      { arbitrary: fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'HEAD'), weight: 1 },
    ),
    query,
    repeatQuery: fc.boolean(),
    body,
    contentType: fc.oneof({ arbitrary: fc.constant('application/json'), weight: 2 }, { arbitrary: contentType, weight: 1 }),
    authorization: fc.oneof({ arbitrary: fc.constant('{valid}'), weight: 2 }, { arbitrary: authorization, weight: 1 }),
    idempotencyKey,
  }),
);

type HostileRequest = typeof hostileRequest extends fc.Arbitrary<infer T> ? T : never;

const definitionOf = (input: HostileRequest) => registry.find((definition) => definition.name === input.name)!;

function pathOf(input: HostileRequest): string {
  const { pathIndex, params, dropTrailingSlash } = input;
  const definition = definitionOf(input);
  let next = 0;
  const path = definition.paths[pathIndex % definition.paths.length].replace(/\{\w+\}/g, () => {
    const value = params[next++ % params.length];
    return value === '{own}' ? ownWalletId : value;
  });
  return dropTrailingSlash ? path.replace(/\/$/, '') : path;
}

function queryOf({ query: values, repeatQuery }: HostileRequest): string {
  const pairs = Object.entries(values).flatMap(([name, value]) => {
    const pair = `${encodeURIComponent(name)}=${encodeURIComponent(value)}`;
    return repeatQuery ? [pair, pair] : [pair];
  });
  return pairs.length ? `?${pairs.join('&')}` : '';
}

async function send(input: HostileRequest) {
  const agent = request(servers.get(input.name)!);
  const target = `${pathOf(input)}${queryOf(input)}`;
  let call = agent[input.method.toLowerCase() as 'get'](target);
  // A valid key for logout would revoke the one key the rest of the run uses.
  const auth = input.authorization === '{valid}' ? (input.name === 'auth-logout' ? 'token revoked-elsewhere' : `token ${key}`) : input.authorization;
  if (auth !== undefined) call = call.set('Authorization', auth);
  if (input.idempotencyKey !== undefined) call = call.set('Idempotency-Key', input.idempotencyKey);
  if (input.contentType !== undefined) call = call.set('Content-Type', input.contentType);
  if (input.body !== undefined && input.method !== 'GET' && input.method !== 'HEAD') call = call.send(input.body);
  return call;
}

it(`answers ${RUNS} generated hostile requests over every route without a 5xx, in the error shape`, async () => {
  const statuses = new Map<number, number>();
  await fc.assert(
    fc.asyncProperty(hostileRequest, async (input) => {
      const response = await send(input);
      statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
      const where = `${input.method} ${pathOf(input)} → ${response.status} ${response.text?.slice(0, 200)}`;
      expect([where, response.status < 500]).toEqual([where, true]);
      expect([where, response.headers['x-request-id']]).toEqual([where, expect.stringMatching(/^[\w.:-]{1,128}$/)]);
      if (response.status >= 400 && input.method !== 'HEAD') {
        expect([where, JSON.parse(response.text)]).toEqual([
          where,
          { error: { code: expect.any(String), message: expect.any(String), details: expect.any(Array) } },
        ]);
      }
    }),
    { seed: SEED, numRuns: RUNS, endOnFailure: true },
  );
  // The generators reach past the first refusals: some requests were served.
  expect([...statuses].filter(([status]) => status < 300).reduce((sum, [, count]) => sum + count, 0)).toBeGreaterThan(RUNS / 10);
  expect(await walletsOutOfBalance()).toEqual([]);
  expect(await dailyFlowsOutOfStep()).toEqual([]);
}, 60_000);
