import { DEMO_USERS } from '../../shared/demo/demo-data';
import { seedDemoUsers } from '../../shared/demo/seed';
import { callFunction, loginAs, tokenHeader } from '../../testing/http';
import { useTestDatabase } from '../../testing/test-database';

useTestDatabase();
beforeAll(() => seedDemoUsers());

describe('GET /api/v1/auth/user/', () => {
  it('returns the user the key belongs to', async () => {
    const key = await loginAs('lyraking');
    const response = await callFunction('auth-user').get('/api/v1/auth/user/').set(tokenHeader(key));
    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      pk: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/),
      username: 'lyraking',
      email: 'lyraking@example.com',
      first_name: 'Lyra',
      last_name: 'King',
      ml_uuid: DEMO_USERS[1].mlUuid,
    });
  });

  it.each(['token', 'Token', 'Bearer'])('accepts the %s scheme', async (scheme) => {
    const key = await loginAs('alexray');
    const response = await callFunction('auth-user').get('/api/v1/auth/user').set('Authorization', `${scheme} ${key}`);
    expect(response.status).toBe(200);
    expect(response.body.username).toBe('alexray');
  });

  it('reads the client key from X-Forwarded-Authorization behind API Gateway', async () => {
    const key = await loginAs('johnwick');
    const response = await callFunction('auth-user')
      .get('/api/v1/auth/user/')
      .set('Authorization', 'Bearer gateway-google-id-token')
      .set('X-Forwarded-Authorization', `token ${key}`);
    expect(response.status).toBe(200);
    expect(response.body.username).toBe('johnwick');
  });

  it('answers 401 without a key', async () => {
    const response = await callFunction('auth-user').get('/api/v1/auth/user/');
    expect(response.status).toBe(401);
    expect(response.body.error.code).toBe('unauthorized');
  });
});
