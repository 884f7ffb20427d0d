import jwt from 'jsonwebtoken';
import { resetConfigForTests } from '../config/config';
import { db } from '../db/client';
import { seedDemoUsers } from '../demo/seed';
import { callFunction, loginAs } from '../testing/http';
import { useTestDatabase } from '../testing/test-database';
import { setSecretReaderForTests, secretManagerReader } from './secrets';

useTestDatabase();
beforeAll(() => seedDemoUsers(db()));

const SECRET = () => process.env.JWT_SECRET as string;
const me = (authorization: string) => callFunction('auth-user').get('/api/v1/auth/user/').set('Authorization', authorization);

async function expectRefused(authorization: string) {
  const response = await me(authorization);
  expect(response.status).toBe(401);
  expect(response.body.error.code).toBe('unauthorized');
  expect(response.headers['www-authenticate']).toBe('Token');
  return response;
}

describe('a key is refused with 401 when', () => {
  let key: string;
  let claims: jwt.JwtPayload;
  beforeAll(async () => {
    key = await loginAs('johnwick');
    claims = jwt.decode(key) as jwt.JwtPayload;
  });

  it('works untouched, under any case of the scheme (the control case)', async () => {
    for (const scheme of ['token', 'Token', 'TOKEN', 'Bearer', 'bearer']) {
      expect((await me(`${scheme} ${key}`)).status).toBe(200);
    }
  });

  it('its payload was tampered with', async () => {
    const [header, , signature] = key.split('.');
    const forged = Buffer.from(JSON.stringify({ ...claims, sub: 'someone-else' })).toString('base64url');
    await expectRefused(`token ${header}.${forged}.${signature}`);
  });

  it('its signature was tampered with', async () => {
    const flipped = key.slice(0, -2) + (key.endsWith('AA') ? 'BB' : 'AA');
    await expectRefused(`token ${flipped}`);
  });

  it('it has expired', async () => {
    const expired = jwt.sign({ sub: claims.sub, jti: claims.jti, exp: Math.floor(Date.now() / 1000) - 10 }, SECRET(), { algorithm: 'HS256' });
    expect((await expectRefused(`token ${expired}`)).body.error.message).toBe('Token has expired');
  });

  it('its session expired on the server even though the JWT has not', async () => {
    const other = await loginAs('alexray');
    const { jti } = jwt.decode(other) as jwt.JwtPayload;
    await db().session.update({ where: { id: jti }, data: { expiresAt: new Date(Date.now() - 1000) } });
    expect((await expectRefused(`token ${other}`)).body.error.message).toBe('Token has expired');
  });

  it('it uses alg none', async () => {
    const unsigned = jwt.sign({ sub: claims.sub, jti: claims.jti }, '', { algorithm: 'none' });
    await expectRefused(`token ${unsigned}`);
  });

  it('it was signed with another secret', async () => {
    const foreign = jwt.sign({ sub: claims.sub, jti: claims.jti }, 'another-secret-that-is-long-enough-0123456789', { algorithm: 'HS256', expiresIn: 60 });
    await expectRefused(`token ${foreign}`);
  });

  it('it names a session that was never issued', async () => {
    const invented = jwt.sign({ sub: claims.sub, jti: '00000000-0000-4000-8000-000000000000' }, SECRET(), { algorithm: 'HS256', expiresIn: 60 });
    await expectRefused(`token ${invented}`);
  });

  it.each([
    ['another scheme', () => 'Basic am9objpqb2hu'],
    ['a bare key without a scheme', () => key],
    ['a scheme without a key', () => 'token'],
    ['trailing words after the key', () => `token ${key} extra`],
    ['not a JWT', () => 'token not-a-jwt'],
  ])('the header has %s', async (_case, header) => {
    await expectRefused(header());
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
