import { generateKeyPairSync } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { setCertificateSourceForTests } from '../../shared/auth/scheduler';
import { resetConfigForTests } from '../../shared/config/config';
import { db } from '../../shared/db/prisma';
import { callFunction } from '../../testing/http';
import { useTestDatabase } from '../../testing/test-database';

useTestDatabase();

/**
 * Google signs Cloud Scheduler's OIDC tokens; here a local key pair plays
 * Google, and only the certificate download is replaced — the verification
 * (signature, issuer, audience, expiry, caller) is the production code.
 */
const AUDIENCE = 'https://seed-demo-users-abc-uc.a.run.app';
const SCHEDULER_SA = 'scheduler@my-project.iam.gserviceaccount.com';
const google = generateKeyPairSync('rsa', { modulusLength: 2048 });
const impostor = generateKeyPairSync('rsa', { modulusLength: 2048 });
const KID = 'test-key-1';

function idToken(overrides: Record<string, unknown> = {}, key = google.privateKey) {
  const now = Math.floor(Date.now() / 1000);
  return jwt.sign(
    { iss: 'https://accounts.google.com', aud: AUDIENCE, email: SCHEDULER_SA, email_verified: true, sub: '1234', iat: now, exp: now + 3600, ...overrides },
    key.export({ type: 'pkcs8', format: 'pem' }),
    { algorithm: 'RS256', keyid: KID },
  );
}

const seed = (authorization?: string) => {
  const request = callFunction('seed-demo-users').post('/internal/seed-demo-users/');
  return authorization ? request.set('Authorization', authorization) : request;
};

beforeAll(() => {
  process.env.SCHEDULER_AUDIENCE = AUDIENCE;
  process.env.SCHEDULER_SERVICE_ACCOUNT = SCHEDULER_SA;
  resetConfigForTests();
  setCertificateSourceForTests({
    certificates: async () => ({ [KID]: google.publicKey.export({ type: 'spki', format: 'pem' }).toString() }),
  });
});

afterAll(() => {
  delete process.env.SCHEDULER_AUDIENCE;
  delete process.env.SCHEDULER_SERVICE_ACCOUNT;
  resetConfigForTests();
});

describe('seed-demo-users', () => {
  it('seeds the demo users for Cloud Scheduler, and again without changing the counts', async () => {
    const first = await seed(`Bearer ${idToken()}`);
    expect(first.status).toBe(200);
    expect(first.body).toEqual({ detail: 'Demo users seeded', users: ['johnwick', 'lyraking', 'alexray'] });
    const counts = async () => [
      await db().user.count(),
      await db().wallet.count(),
      await db().transaction.count(),
      await db().asset.count(),
      await db().metrics.count(),
    ];
    expect(await counts()).toEqual([3, 4, 20, 12, 2]);
    expect((await seed(`Bearer ${idToken()}`)).status).toBe(200);
    expect(await counts()).toEqual([3, 4, 20, 12, 2]);
  });

  it.each([
    ['no token', undefined, 401],
    ['a user API key scheme', 'token abc', 401],
    ['a token signed by another key', `Bearer ${idToken({}, impostor.privateKey)}`, 401],
    ['a token for another audience', `Bearer ${idToken({ aud: 'https://elsewhere.example.com' })}`, 401],
    ['an expired token', `Bearer ${idToken({ iat: Math.floor(Date.now() / 1000) - 7200, exp: Math.floor(Date.now() / 1000) - 3600 })}`, 401],
    ['a token from another issuer', `Bearer ${idToken({ iss: 'https://evil.example.com' })}`, 401],
    ['a valid token for another service account', `Bearer ${idToken({ email: 'someone@my-project.iam.gserviceaccount.com' })}`, 403],
    ['an unverified email', `Bearer ${idToken({ email_verified: false })}`, 403],
  ])('refuses %s', async (_case, authorization, status) => {
    await db().user.deleteMany();
    const response = await seed(authorization);
    expect(response.status).toBe(status);
    expect(response.body.error.code).toEqual(expect.any(String));
    expect(await db().user.count()).toBe(0);
  });

  it('refuses every call when no scheduler is configured', async () => {
    delete process.env.SCHEDULER_AUDIENCE;
    resetConfigForTests();
    const response = await seed(`Bearer ${idToken()}`);
    expect(response.status).toBe(403);
    expect(response.body.error.code).toBe('scheduler_not_configured');
    process.env.SCHEDULER_AUDIENCE = AUDIENCE;
    resetConfigForTests();
  });
});
