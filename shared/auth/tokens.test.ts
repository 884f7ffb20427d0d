import * as functions from '@google-cloud/functions-framework';
import { getTestServer } from '@google-cloud/functions-framework/testing';
import jwt from 'jsonwebtoken';
import request, { type Response } from 'supertest';
import { resetConfigForTests } from '../config/config';
import { db } from '../db/prisma';
import { seedDemoUsers } from '../demo/seed';
import type { Result } from '../core/result';
import { defineEndpoint, type FunctionDefinition, type HandlerContext } from '../http/endpoint';
import { ApiError } from '../core/errors';
import { toHttpFunction } from '../http/http-function';
import { callFunction, loginAs, logout, tokenHeader } from '../../testing/http';
import { useTestDatabase } from '../../testing/test-database';
import { setSecretReaderForTests, secretManagerReader } from './signing-keys';
import type { SqlTx } from '../db/sql';
import { SESSION_COLUMNS, SESSION_FROM, type SessionRow, type SessionToConfirm } from './tokens';

useTestDatabase();
beforeAll(() => seedDemoUsers());

const SECRET = () => process.env.JWT_SECRET as string;
const me = (authorization: string) => callFunction('auth-user').get('/api/v1/auth/user/').set('Authorization', authorization);

async function expectRefusedBy(call: (authorization: string) => Promise<Response>, authorization: string) {
  const response = await call(authorization);
  expect(response.status).toBe(401);
  expect(response.body.error.code).toBe('unauthorized');
  expect(response.headers['www-authenticate']).toBe('Token');
  return response;
}
const expectRefused = (authorization: string) => expectRefusedBy(me, authorization);

let johnsWallet: string;
beforeAll(async () => {
  johnsWallet = (await db().wallet.findFirstOrThrow({ where: { user: { username: 'johnwick' } } })).id;
});
const johnsMoney = async () => {
  const wallet = await db().wallet.findUniqueOrThrow({ where: { id: johnsWallet }, include: { _count: { select: { transactions: true } } } });
  return `${wallet.balance.toFixed(2)} in ${wallet._count.transactions}`;
};

// The same refusals whoever reads the session: the pipeline before the
// handler (auth-user), GET /wallets/ in its read, or a top-up in its own
// locking statement, moving nothing.
describe.each([
  { checker: 'the pipeline (auth-user)', call: me, accepted: 200 },
  {
    checker: 'GET /wallets/, in its one read',
    call: (authorization: string) => callFunction('wallets-list').get('/api/v1/wallets/').set('Authorization', authorization),
    accepted: 200,
  },
  {
    checker: 'a top-up, in its transaction',
    call: (authorization: string) =>
      callFunction('wallets-topup').post(`/api/v1/wallets/${johnsWallet}/topup/`).set('Authorization', authorization).send({ sum: '0.01' }),
    accepted: 201,
  },
])('a key is refused with 401 by $checker when', ({ call, accepted }) => {
  let key: string;
  let claims: jwt.JwtPayload;
  let moneyBefore: string;
  beforeAll(async () => {
    key = await loginAs('johnwick');
    claims = jwt.decode(key) as jwt.JwtPayload;
  });
  beforeEach(async () => {
    moneyBefore = await johnsMoney();
  });
  afterEach(async () => {
    if (expect.getState().currentTestName?.includes('control case')) return;
    expect(await johnsMoney()).toBe(moneyBefore);
  });
  const refused = (authorization: string) => expectRefusedBy(call, authorization);

  it('works untouched, under any case of the scheme (the control case)', async () => {
    for (const scheme of ['token', 'Token', 'TOKEN', 'Bearer', 'bearer']) {
      expect((await call(`${scheme} ${key}`)).status).toBe(accepted);
    }
  });

  it('its payload was tampered with', async () => {
    const [header, , signature] = key.split('.');
    const forged = Buffer.from(JSON.stringify({ ...claims, sub: 'someone-else' })).toString('base64url');
    await refused(`token ${header}.${forged}.${signature}`);
  });

  it('its signature was tampered with', async () => {
    const flipped = key.slice(0, -2) + (key.endsWith('AA') ? 'BB' : 'AA');
    await refused(`token ${flipped}`);
  });

  it('it has expired', async () => {
    const expired = jwt.sign({ sub: claims.sub, jti: claims.jti, exp: Math.floor(Date.now() / 1000) - 10 }, SECRET(), { algorithm: 'HS256' });
    expect((await refused(`token ${expired}`)).body.error.message).toBe('Token has expired');
  });

  it('it has expired since it was last accepted: a checked signature is kept only until then', async () => {
    // Valid for one to two seconds from now (exp counts whole seconds).
    const exp = Math.floor(Date.now() / 1000) + 2;
    const shortLived = jwt.sign({ sub: claims.sub, jti: claims.jti, exp }, SECRET(), { algorithm: 'HS256' });
    expect((await call(`token ${shortLived}`)).status).toBe(accepted);
    // Accepted, it may have moved money; what follows its expiry must not.
    moneyBefore = await johnsMoney();
    await new Promise((resolve) => setTimeout(resolve, exp * 1000 - Date.now() + 50));
    expect((await refused(`token ${shortLived}`)).body.error.message).toBe('Token has expired');
  });

  it('its session expired on the server even though the JWT has not', async () => {
    const other = await loginAs('johnwick');
    const { jti } = jwt.decode(other) as jwt.JwtPayload;
    await db().session.update({ where: { id: jti }, data: { expiresAt: new Date(Date.now() - 1000) } });
    expect((await refused(`token ${other}`)).body.error.message).toBe('Token has expired');
  });

  it('its session was revoked (logged out)', async () => {
    const other = await loginAs('johnwick');
    await logout(other);
    expect((await refused(`token ${other}`)).body.error.message).toBe('Token has been revoked');
  });

  it('its user was deactivated', async () => {
    const other = await loginAs('johnwick');
    await db().user.update({ where: { username: 'johnwick' }, data: { isActive: false } });
    try {
      expect((await refused(`token ${other}`)).body.error.message).toBe('User inactive or deleted');
    } finally {
      await db().user.update({ where: { username: 'johnwick' }, data: { isActive: true } });
    }
  });

  it('it names a session of another user', async () => {
    const alexs = jwt.decode(await loginAs('alexray')) as jwt.JwtPayload;
    const mixed = jwt.sign({ sub: claims.sub, jti: alexs.jti }, SECRET(), { algorithm: 'HS256', expiresIn: 60 });
    await refused(`token ${mixed}`);
  });

  it('it uses alg none', async () => {
    const unsigned = jwt.sign({ sub: claims.sub, jti: claims.jti }, '', { algorithm: 'none' });
    await refused(`token ${unsigned}`);
  });

  it('it was signed with another secret', async () => {
    const foreign = jwt.sign({ sub: claims.sub, jti: claims.jti }, 'another-secret-that-is-long-enough-0123456789', { algorithm: 'HS256', expiresIn: 60 });
    await refused(`token ${foreign}`);
  });

  it('it names a session that was never issued', async () => {
    const invented = jwt.sign({ sub: claims.sub, jti: '00000000-0000-4000-8000-000000000000' }, SECRET(), { algorithm: 'HS256', expiresIn: 60 });
    await refused(`token ${invented}`);
  });

  it.each([
    ['another scheme', () => 'Basic am9objpqb2hu'],
    ['a bare key without a scheme', () => key],
    ['a scheme without a key', () => 'token'],
    ['trailing words after the key', () => `token ${key} extra`],
    ['not a JWT', () => 'token not-a-jwt'],
  ])('the header has %s', async (_case, header) => {
    await refused(header());
  });
});

describe('a handler that confirms the session itself', () => {
  type Handle = (ctx: HandlerContext<unknown, unknown, unknown, 'handler'>) => Promise<Result>;
  /** Lets a test act (log out) between a probe's read and its write. */
  let between: { reached: () => void; proceed: Promise<void> } | undefined;
  // Each probe is a function of its own, GET /probe/, that confirms its session itself (or fails to, one way or another).
  const probes: Record<string, Handle> = {
    'confirms-in-its-transaction': ({ unconfirmedSession, sqlTransaction }) =>
      sqlTransaction(async (tx) => ({ status: 200, body: unconfirmedSession.confirm(await sessionRow(tx, unconfirmedSession), tx) })),
    'never-confirms': ({ unconfirmedSession, sqlTransaction }) =>
      sqlTransaction(async (tx) => ({ status: 200, body: await sessionRow(tx, unconfirmedSession) })),
    'writes-unconfirmed': ({ unconfirmedSession, sqlTransaction }) =>
      sqlTransaction(async (tx) => {
        await tx.execute("UPDATE users SET first_name = 'Written by a refused key' WHERE id = ?", [unconfirmedSession.key.userId]);
        return { status: 200 };
      }),
    // A business refusal before the session is confirmed: it would tell a logged-out key about the user's wallets.
    'refuses-before-confirming': async () => {
      throw new ApiError(422, 'insufficient_funds', 'user has 1 wallet(s)');
    },
    // Confirmed by a plain read, then a write in a transaction that does not confirm it again.
    'confirms-by-read-then-writes': async ({ unconfirmedSession, sqlTransaction }) => {
      await unconfirmedSession.confirmAlone();
      between?.reached();
      await between?.proceed;
      return sqlTransaction(async (tx) => {
        await tx.execute("UPDATE users SET first_name = 'Written after a logout' WHERE id = ?", [unconfirmedSession.key.userId]);
        return { status: 200 };
      });
    },
  };
  const sessionRow = async (tx: SqlTx, session: SessionToConfirm) =>
    (await tx.rows<SessionRow>(`SELECT ${SESSION_COLUMNS} FROM ${SESSION_FROM} WHERE s.id = ?`, [session.key.sessionId]))[0];
  const probe = (name: string, key: string) => request(getTestServer(name)).get('/probe/').set(tokenHeader(key));
  const lyrasName = async () => (await db().user.findUniqueOrThrow({ where: { username: 'lyraking' } })).firstName;
  beforeAll(() => {
    for (const [name, handle] of Object.entries(probes)) {
      const definition: FunctionDefinition = {
        name,
        methods: ['GET'],
        paths: ['/probe/'],
        auth: 'user',
        endpoint: defineEndpoint({ session: 'handler', summary: 'probe', responses: {}, handle }),
      };
      functions.http(name, toHttpFunction(definition));
    }
  });

  it('answers once its transaction confirmed', async () => {
    const response = await probe('confirms-in-its-transaction', await loginAs('lyraking'));
    expect(response.status).toBe(200);
    expect(response.body.username).toBe('lyraking');
  });

  it('rolls back what its transaction wrote when it never confirmed, and a revoked key gets its 401', async () => {
    const key = await loginAs('lyraking');
    await logout(key);
    const before = await lyrasName();
    const response = await probe('writes-unconfirmed', key);
    expect([response.status, response.body.error.message]).toEqual([401, 'Token has been revoked']);
    expect(await lyrasName()).toBe(before);
  });

  it.each([
    ['never-confirms', 'never its result, when it forgot to confirm; a live key gets a 500', 500, 'lyraking'],
    ['refuses-before-confirming', 'not the error it raised before confirming; a live key gets that error', 422, 'wallet'],
  ])('%s: answers a revoked key 401, %s', async (name, _what, liveStatus, leaked) => {
    const key = await loginAs('lyraking');
    expect((await probe(name, key)).status).toBe(liveStatus);
    await logout(key);
    const response = await probe(name, key);
    expect([response.status, response.body.error.message]).toEqual([401, 'Token has been revoked']);
    expect(response.text).not.toContain(leaked);
  });

  it('does not commit a write after a logout that landed between its confirming read and its transaction', async () => {
    const key = await loginAs('lyraking');
    const before = await lyrasName();
    let reached!: () => void;
    let proceed!: () => void;
    const atRead = new Promise<void>((resolve) => (reached = resolve));
    between = { reached, proceed: new Promise<void>((resolve) => (proceed = resolve)) };
    try {
      const pending = probe('confirms-by-read-then-writes', key).then((response) => response);
      await atRead;
      await logout(key);
      proceed();
      const response = await pending;
      expect([response.status, response.body.error.message]).toEqual([401, 'Token has been revoked']);
      expect(await lyrasName()).toBe(before);
    } finally {
      between = undefined;
    }
  });
});

describe('rotating the JWT secret', () => {
  const OLD = 'the-secret-before-rotation-0123456789abcdef';
  const NEW = 'the-secret-after-rotation-0123456789abcdefg';
  const original = process.env.JWT_SECRET;
  const useSecrets = (current: string, previous?: string) => {
    process.env.JWT_SECRET = current;
    if (previous) process.env.JWT_SECRET_PREVIOUS = previous;
    else delete process.env.JWT_SECRET_PREVIOUS;
    resetConfigForTests();
    setSecretReaderForTests(secretManagerReader); // drops the cached keys
  };
  afterAll(() => useSecrets(original as string));

  it('accepts keys signed with the previous secret while it is configured, and signs with the current one', async () => {
    useSecrets(OLD);
    const oldKey = await loginAs('lyraking');
    useSecrets(NEW, OLD);
    expect((await me(`token ${oldKey}`)).status).toBe(200);
    const newKey = await loginAs('lyraking');
    expect(() => jwt.verify(newKey, NEW)).not.toThrow();
    useSecrets(NEW);
    expect((await me(`token ${newKey}`)).status).toBe(200);
    await expectRefused(`token ${oldKey}`);
  });

  it('still refuses an expired key signed with the previous secret as expired', async () => {
    useSecrets(NEW, OLD);
    const key = await loginAs('lyraking');
    const { jti, sub } = jwt.decode(key) as jwt.JwtPayload;
    const expired = jwt.sign({ sub, jti, exp: Math.floor(Date.now() / 1000) - 10 }, OLD, { algorithm: 'HS256' });
    expect((await expectRefused(`token ${expired}`)).body.error.message).toBe('Token has expired');
  });
});
