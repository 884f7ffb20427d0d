import { resetConfigForTests } from '../config/config';
import { seedDemoUsers } from '../demo/seed';
import { callFunction, loginAs, tokenHeader } from '../../testing/http';
import { useTestDatabase } from '../../testing/test-database';
import { secretManagerReader, setSecretReaderForTests } from './signing-keys';

useTestDatabase();
beforeAll(() => seedDemoUsers());

/** Secret Manager cannot run here; the reader is the one seam replaced. */
describe('the JWT secret from Secret Manager', () => {
  const VERSION = 'projects/p/secrets/jwt-secret/versions/3';
  const reads: string[] = [];
  let failNext = false;
  const envSecret = process.env.JWT_SECRET;
  const reader = {
    async read(name: string) {
      reads.push(name);
      if (failNext) {
        failNext = false;
        throw new Error('UNAVAILABLE');
      }
      return 'secret-from-secret-manager-0123456789abcdef';
    },
  };

  beforeAll(() => {
    delete process.env.JWT_SECRET;
    process.env.JWT_SECRET_VERSION = VERSION;
    resetConfigForTests();
    setSecretReaderForTests(reader);
  });

  afterAll(() => {
    process.env.JWT_SECRET = envSecret;
    delete process.env.JWT_SECRET_VERSION;
    resetConfigForTests();
    setSecretReaderForTests(secretManagerReader);
  });

  it('signs and checks keys with the fetched secret, read once per instance', async () => {
    const key = await loginAs('johnwick');
    expect((await callFunction('auth-user').get('/api/v1/auth/user/').set(tokenHeader(key))).status).toBe(200);
    expect(reads).toEqual([VERSION]);
  });

  it('answers 503 when the fetch fails, and does not keep the failure: the next request tries again', async () => {
    setSecretReaderForTests(reader);
    reads.length = 0;
    failNext = true;
    const failed = await callFunction('auth-login').post('/api/v1/auth/login/').send({ username: 'alexray', password: 'alexray' });
    expect(failed.status).toBe(503);
    expect(failed.body.error).toEqual({ code: 'unavailable', message: 'The service is temporarily unavailable; retry the request', details: [] });
    expect(failed.headers['retry-after']).toBe('1');
    expect((await callFunction('auth-login').post('/api/v1/auth/login/').send({ username: 'alexray', password: 'alexray' })).status).toBe(200);
    expect(reads).toEqual([VERSION, VERSION]);
  });
});
