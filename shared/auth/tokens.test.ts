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
import { keyIdOf, newSigningKeyPair, publicKeySetText } from './signing-key-pairs';
import { es256, handMadeKey, hs256, issuerKey, rs256, signAsIssuer } from '../../testing/signing';
import { createPrivateKey, createPublicKey, generateKeyPairSync } from 'node:crypto';
import type { SqlTx } from '../db/sql';
import { SESSION_COLUMNS, SESSION_FROM, type SessionRow, type SessionToConfirm } from './tokens';

useTestDatabase();
beforeAll(() => seedDemoUsers());

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
    const expired = signAsIssuer({ sub: claims.sub, jti: claims.jti, exp: Math.floor(Date.now() / 1000) - 10 });
    expect((await refused(`token ${expired}`)).body.error.message).toBe('Token has expired');
  });

  it('it has expired since it was last accepted: a checked signature is kept only until then', async () => {
    // Valid for one to two seconds from now (exp counts whole seconds).
    const exp = Math.floor(Date.now() / 1000) + 2;
    const shortLived = signAsIssuer({ sub: claims.sub, jti: claims.jti, exp });
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
    const mixed = signAsIssuer({ sub: claims.sub, jti: alexs.jti }, { expiresIn: 60 });
    await refused(`token ${mixed}`);
  });

  // The shapes of a forged key (RFC 8725 §2-3): each is written by hand, and
  // the control case shows a hand-made key is accepted when it is well formed.
  describe('its header', () => {
    const attacker = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const payload = () => ({ sub: claims.sub, jti: claims.jti, exp: Math.floor(Date.now() / 1000) + 60 });
    const ourKid = () => keyIdOf(issuerKey());
    const ourPublicPem = () => createPublicKey(issuerKey()).export({ format: 'pem', type: 'spki' }).toString();

    it('is ours, hand-made: accepted (the control case)', async () => {
      const key = handMadeKey({ alg: 'ES256', typ: 'JWT', kid: ourKid() }, payload(), es256(issuerKey()));
      expect((await call(`token ${key}`)).status).toBe(accepted);
    });

    it.each([
      ['names alg none, with no signature', () => handMadeKey({ alg: 'none', typ: 'JWT', kid: ourKid() }, payload(), () => Buffer.alloc(0))],
      [
        'names HS256, keyed with our public key as the secret',
        () => handMadeKey({ alg: 'HS256', typ: 'JWT', kid: ourKid() }, payload(), hs256(ourPublicPem())),
      ],
      [
        'names RS256, signed by a key of its own',
        () => {
          const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
          return handMadeKey({ alg: 'RS256', typ: 'JWT', kid: ourKid() }, payload(), rs256(rsa.privateKey));
        },
      ],
      ['names no kid, signed by our own key', () => handMadeKey({ alg: 'ES256', typ: 'JWT' }, payload(), es256(issuerKey()))],
      [
        "names a kid we never published, its own key's",
        () => handMadeKey({ alg: 'ES256', typ: 'JWT', kid: keyIdOf(attacker.publicKey) }, payload(), es256(attacker.privateKey)),
      ],
      ['names an unknown kid, signed by our own key', () => handMadeKey({ alg: 'ES256', typ: 'JWT', kid: 'A'.repeat(43) }, payload(), es256(issuerKey()))],
      ['names our kid, signed by another key', () => handMadeKey({ alg: 'ES256', typ: 'JWT', kid: ourKid() }, payload(), es256(attacker.privateKey))],
      [
        'carries its own key (jwk), and signs with it',
        () => {
          const jwk = attacker.publicKey.export({ format: 'jwk' });
          return handMadeKey({ alg: 'ES256', typ: 'JWT', kid: keyIdOf(attacker.publicKey), jwk }, payload(), es256(attacker.privateKey));
        },
      ],
      [
        'carries a jwk beside our kid, even signed by our own key',
        () => {
          const jwk = createPublicKey(issuerKey()).export({ format: 'jwk' });
          return handMadeKey({ alg: 'ES256', typ: 'JWT', kid: ourKid(), jwk }, payload(), es256(issuerKey()));
        },
      ],
      [
        'points at a key set of its own (jku)',
        () => handMadeKey({ alg: 'ES256', typ: 'JWT', kid: ourKid(), jku: 'https://attacker.example/keys.json' }, payload(), es256(attacker.privateKey)),
      ],
      [
        'points at a key set of its own (jku), signed by our own key',
        () => handMadeKey({ alg: 'ES256', typ: 'JWT', kid: ourKid(), jku: 'https://attacker.example/keys.json' }, payload(), es256(issuerKey())),
      ],
      ['is not JSON', () => `${Buffer.from('{"alg":"ES256",').toString('base64url')}.${Buffer.from(JSON.stringify(payload())).toString('base64url')}.AAAA`],
    ])('%s', async (_case, forge) => {
      expect((await refused(`token ${forge()}`)).body.error.message).toBe('Invalid token');
    });
  });

  it('it names a session that was never issued', async () => {
    const invented = signAsIssuer({ sub: claims.sub, jti: '00000000-0000-4000-8000-000000000000' }, { expiresIn: 60 });
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

describe('a new public key set, within one instance', () => {
  const original = { privateKey: process.env.SIGNING_PRIVATE_KEY, publicKeys: process.env.SIGNING_PUBLIC_KEYS };
  const useKeys = (privateKeyPem: string, publicKeyPems: string[]) => {
    process.env.SIGNING_PRIVATE_KEY = privateKeyPem;
    process.env.SIGNING_PUBLIC_KEYS = publicKeySetText(publicKeyPems);
    resetConfigForTests();
    setSecretReaderForTests(secretManagerReader); // drops the keys read so far
  };
  afterAll(() => {
    process.env.SIGNING_PRIVATE_KEY = original.privateKey;
    process.env.SIGNING_PUBLIC_KEYS = original.publicKeys;
    resetConfigForTests();
    setSecretReaderForTests(secretManagerReader);
  });

  it('refuses an expired key as expired whichever published key signed it', async () => {
    const [older, newer] = [newSigningKeyPair(), newSigningKeyPair()];
    useKeys(newer.privateKeyPem, [older.publicKeyPem, newer.publicKeyPem]);
    const key = await loginAs('lyraking');
    const { jti, sub } = jwt.decode(key) as jwt.JwtPayload;
    const expired = jwt.sign({ sub, jti, exp: Math.floor(Date.now() / 1000) - 10 }, createPrivateKey(older.privateKeyPem), {
      algorithm: 'ES256',
      keyid: older.kid,
    });
    expect((await expectRefused(`token ${expired}`)).body.error.message).toBe('Token has expired');
  });

  it('forgets the signatures it checked against a set it no longer has', async () => {
    const [older, newer] = [newSigningKeyPair(), newSigningKeyPair()];
    useKeys(older.privateKeyPem, [older.publicKeyPem, newer.publicKeyPem]);
    const key = await loginAs('lyraking');
    expect((await me(`token ${key}`)).status).toBe(200);
    useKeys(newer.privateKeyPem, [newer.publicKeyPem]);
    expect((await expectRefused(`token ${key}`)).body.error.message).toBe('Invalid token');
  });
});
