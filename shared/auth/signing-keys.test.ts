import jwt from 'jsonwebtoken';
import { resetConfigForTests } from '../config/config';
import { setLogSink } from '../core/logging';
import { db } from '../db/prisma';
import { seedDemoUsers } from '../demo/seed';
import { callFunction, loginAs, tokenHeader } from '../../testing/http';
import { useTestDatabase } from '../../testing/test-database';
import { keyIdOf } from './signing-key-pairs';
import { secretManagerReader, setSecretReaderForTests, signingKey } from './signing-keys';
import { issueToken } from './tokens';

useTestDatabase();
beforeAll(() => seedDemoUsers());

const login = (username: string) => callFunction('auth-login').post('/api/v1/auth/login/').send({ username, password: username });
const sessionsOf = async (username: string) => db().session.count({ where: { user: { username } } });

/** Sets the environment as a deploy would, for the next "instance": the keys read so far are forgotten. */
function deployedWith(env: Record<string, string | undefined>): () => void {
  const before = Object.fromEntries(Object.keys(env).map((name) => [name, process.env[name]]));
  const apply = (values: Record<string, string | undefined>) => {
    for (const [name, value] of Object.entries(values)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    resetConfigForTests();
    setSecretReaderForTests(secretManagerReader);
  };
  apply(env);
  return () => apply(before);
}

describe('a function deployed without the private key', () => {
  let restore: () => void;
  let lines: string[];
  let restoreSink: () => void;
  beforeEach(() => {
    restore = deployedWith({ SIGNING_PRIVATE_KEY: undefined, LOG_LEVEL: 'info' });
    lines = [];
    restoreSink = setLogSink((line) => lines.push(line));
  });
  afterEach(() => {
    restoreSink();
    restore();
  });

  it('cannot sign: issueToken refuses, and writes no session', async () => {
    const user = await db().user.findUniqueOrThrow({ where: { username: 'alexray' } });
    const before = await sessionsOf('alexray');
    await expect(issueToken(user.id)).rejects.toMatchObject({ status: 503 });
    await expect(signingKey()).rejects.toMatchObject({ status: 503 });
    expect(await sessionsOf('alexray')).toBe(before);
  });

  it('answers a correct login 503 with Retry-After, logs why once per request, and still checks the keys it is shown', async () => {
    const before = await sessionsOf('alexray');
    const response = await login('alexray');
    expect([response.status, response.body.error.code, response.headers['retry-after']]).toEqual([503, 'unavailable', '1']);
    expect(response.text).not.toContain('SIGNING_PRIVATE_KEY');
    expect(lines.some((line) => line.includes('set exactly one of SIGNING_PRIVATE_KEY or SIGNING_PRIVATE_KEY_VERSION'))).toBe(true);
    expect(await sessionsOf('alexray')).toBe(before);
    restore();
    const key = await loginAs('alexray');
    restore = deployedWith({ SIGNING_PRIVATE_KEY: undefined, LOG_LEVEL: 'info' });
    expect((await callFunction('auth-user').get('/api/v1/auth/user/').set(tokenHeader(key))).status).toBe(200);
  });
});

/** Secret Manager cannot run here; the reader is the one seam replaced. */
describe('the keys from Secret Manager, by version', () => {
  const PUBLIC = 'projects/p/secrets/signing-public-keys/versions/3';
  const PRIVATE = 'projects/p/secrets/signing-private-key/versions/2';
  const values: Record<string, string> = {};
  const reads: string[] = [];
  let failNext = false;
  const reader = {
    async read(name: string) {
      reads.push(name);
      if (failNext) {
        failNext = false;
        throw new Error('UNAVAILABLE');
      }
      return values[name];
    },
  };
  let restore: () => void;

  beforeAll(() => {
    values[PUBLIC] = process.env.SIGNING_PUBLIC_KEYS as string;
    values[PRIVATE] = process.env.SIGNING_PRIVATE_KEY as string;
    restore = deployedWith({
      SIGNING_PUBLIC_KEYS: undefined,
      SIGNING_PRIVATE_KEY: undefined,
      SIGNING_PUBLIC_KEYS_VERSION: PUBLIC,
      SIGNING_PRIVATE_KEY_VERSION: PRIVATE,
    });
    setSecretReaderForTests(reader);
  });
  afterAll(() => restore());

  it('signs and checks keys with the fetched keys, each read once per instance', async () => {
    const key = await loginAs('johnwick');
    expect(jwt.decode(key, { complete: true })?.header.kid).toBe(keyIdOf(values[PRIVATE]));
    expect((await callFunction('auth-user').get('/api/v1/auth/user/').set(tokenHeader(key))).status).toBe(200);
    await loginAs('johnwick');
    expect(reads.sort()).toEqual([PRIVATE, PUBLIC]);
  });

  it('answers 503 when the fetch fails, and does not keep the failure: the next request tries again', async () => {
    setSecretReaderForTests(reader);
    reads.length = 0;
    failNext = true;
    const failed = await login('alexray');
    expect(failed.status).toBe(503);
    expect(failed.body.error).toEqual({ code: 'unavailable', message: 'The service is temporarily unavailable; retry the request', details: [] });
    expect(failed.headers['retry-after']).toBe('1');
    expect((await login('alexray')).status).toBe(200);
    // The private key's read failed and is read again; the public keys, read at the same time, are kept.
    expect(reads).toEqual([PRIVATE, PUBLIC, PRIVATE]);
  });
});
