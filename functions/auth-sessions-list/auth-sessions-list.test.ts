import { db } from '../../shared/db/prisma';
import { callFunction, loginAs, logout, tokenHeader } from '../../testing/http';
import { useTestDatabase } from '../../testing/test-database';
import { createUser } from '../../testing/users';

useTestDatabase();

const PASSWORD = 'a-long-enough-passphrase';
const list = (key: string) => callFunction('auth-sessions-list').get('/api/v1/auth/sessions/').set(tokenHeader(key));
/** The session a key names: its JWT id. */
const sessionOf = (key: string) => JSON.parse(Buffer.from(key.split('.')[1], 'base64url').toString()).jti as string;

let sequence = 0;
async function freshUser() {
  const username = `lister${(sequence += 1)}`;
  const user = await createUser(username, PASSWORD);
  return { user, login: () => loginAs(username, PASSWORD) };
}

describe('GET /api/v1/auth/sessions/', () => {
  it('lists the caller’s live sessions, newest first, the current one marked', async () => {
    const { login } = await freshUser();
    const first = await login();
    const second = await login();
    const third = await login();

    const response = await list(second);
    expect(response.status).toBe(200);
    expect(response.body.map((session: { id: string }) => session.id)).toEqual([third, second, first].map(sessionOf));
    expect(response.body.map((session: { current: boolean }) => session.current)).toEqual([false, true, false]);
    for (const session of response.body) {
      expect(Object.keys(session).sort()).toEqual(['created_at', 'current', 'expires_at', 'id', 'last_used_at']);
      expect(session.last_used_at).toBeNull();
      expect(session.created_at).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/);
      // TOKEN_TTL_SECONDS after it was created, by the database's clock.
      expect(Date.parse(session.expires_at) - Date.parse(session.created_at)).toBe(86_400_000);
    }
  });

  it('leaves out sessions logged out, ended or expired, and every other user’s', async () => {
    const { user, login } = await freshUser();
    const live = await login();
    await logout(await login());
    const expired = await login();
    await db().session.update({ where: { id: sessionOf(expired) }, data: { expiresAt: new Date(Date.now() - 1000) } });
    const { login: otherLogin } = await freshUser();
    await otherLogin();

    const response = await list(live);
    expect(response.body).toEqual([expect.objectContaining({ id: sessionOf(live), current: true })]);
    expect(await db().session.count({ where: { userId: user.id } })).toBe(3);
  });

  it('answers 401 without a key or with a logged-out one', async () => {
    expect((await callFunction('auth-sessions-list').get('/api/v1/auth/sessions/')).status).toBe(401);
    const { login } = await freshUser();
    const key = await login();
    await logout(key);
    expect((await list(key)).status).toBe(401);
  });
});
