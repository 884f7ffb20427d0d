import { seedDemoUsers } from '../../shared/demo/seed';
import { callFunction, loginAs, tokenHeader } from '../../testing/http';
import { useTestDatabase } from '../../testing/test-database';

useTestDatabase();
beforeAll(() => seedDemoUsers());

const me = (key: string) => callFunction('auth-user').get('/api/v1/auth/user/').set(tokenHeader(key));

describe('/api/v1/auth/logout/', () => {
  it.each(['get', 'post'] as const)('%s revokes the key: it never works again', async (method) => {
    const key = await loginAs('johnwick');
    expect((await me(key)).status).toBe(200);

    const response = await callFunction('auth-logout')[method]('/api/v1/auth/logout/').set(tokenHeader(key));
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ detail: 'Successfully logged out.' });

    const after = await me(key);
    expect(after.status).toBe(401);
    expect(after.body.error.message).toBe('Token has been revoked');
    expect((await callFunction('auth-logout')[method]('/api/v1/auth/logout/').set(tokenHeader(key))).status).toBe(401);
  });

  it('revokes only the key used, not the user’s other sessions', async () => {
    const phone = await loginAs('lyraking');
    const laptop = await loginAs('lyraking');
    await callFunction('auth-logout').post('/api/v1/auth/logout/').set(tokenHeader(phone));
    expect((await me(phone)).status).toBe(401);
    expect((await me(laptop)).status).toBe(200);
  });

  it('needs a key', async () => {
    expect((await callFunction('auth-logout').post('/api/v1/auth/logout/')).status).toBe(401);
  });

  it('answers 405 for PUT', async () => {
    const key = await loginAs('alexray');
    const response = await callFunction('auth-logout').put('/api/v1/auth/logout/').set(tokenHeader(key));
    expect(response.status).toBe(405);
    expect(response.headers.allow).toBe('GET, POST');
  });
});
