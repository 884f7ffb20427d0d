import { randomUUID } from 'node:crypto';
import { db } from '../../shared/db/prisma';
import { callFunction, loginAs, logout, tokenHeader } from '../../testing/http';
import { useTestDatabase } from '../../testing/test-database';
import { createUser } from '../../testing/users';

useTestDatabase();

const PASSWORD = 'a-long-enough-passphrase';
const end = (key: string, id: string) => callFunction('auth-sessions-end').delete(`/api/v1/auth/sessions/${id}/`).set(tokenHeader(key));
const me = (key: string) => callFunction('auth-user').get('/api/v1/auth/user/').set(tokenHeader(key));
const sessionOf = (key: string) => JSON.parse(Buffer.from(key.split('.')[1], 'base64url').toString()).jti as string;

let sequence = 0;
async function freshUser() {
  const username = `ender${(sequence += 1)}`;
  await createUser(username, PASSWORD);
  return { login: () => loginAs(username, PASSWORD) };
}

describe('DELETE /api/v1/auth/sessions/{id}/', () => {
  it('ends another session of the caller: its key answers 401 at once, the caller’s still works', async () => {
    const { login } = await freshUser();
    const laptop = await login();
    const stolen = await login();

    const response = await end(laptop, sessionOf(stolen));
    expect([response.status, response.body]).toEqual([200, { detail: 'Session ended.' }]);
    const refused = await me(stolen);
    expect([refused.status, refused.body.error.message]).toEqual([401, 'Token has been revoked']);
    expect((await me(laptop)).status).toBe(200);
  });

  it('ends the current session too: the key then answers 401', async () => {
    const { login } = await freshUser();
    const key = await login();
    expect((await end(key, sessionOf(key))).status).toBe(200);
    expect((await me(key)).status).toBe(401);
    expect((await end(key, sessionOf(key))).status).toBe(401);
  });

  it('answers 404 for another user’s session, and that session goes on working', async () => {
    const { login: mallory } = await freshUser();
    const { login: victim } = await freshUser();
    const attacker = await mallory();
    const victimKey = await victim();

    const response = await end(attacker, sessionOf(victimKey));
    expect(response.status).toBe(404);
    expect(response.body.error.code).toBe('not_found');
    expect((await me(victimKey)).status).toBe(200);
    expect((await db().session.findUniqueOrThrow({ where: { id: sessionOf(victimKey) } })).revokedAt).toBeNull();
  });

  it('answers the same 404 for another user’s session, an unknown id, one already ended, an expired one and a malformed id', async () => {
    const { login } = await freshUser();
    const key = await login();
    const { login: other } = await freshUser();
    const othersSession = sessionOf(await other());
    const ended = await login();
    await logout(ended);
    const expired = await login();
    await db().session.update({ where: { id: sessionOf(expired) }, data: { expiresAt: new Date(Date.now() - 1000) } });

    const answers = await Promise.all(
      [othersSession, randomUUID(), sessionOf(ended), sessionOf(expired), 'not-a-session', `${sessionOf(key)}x`].map((id) => end(key, id)),
    );
    expect(answers.map((answer) => answer.status)).toEqual(Array(6).fill(404));
    expect(new Set(answers.map((answer) => JSON.stringify(answer.body))).size).toBe(1);
  });

  it('takes the id in any case, as the original’s UUIDs may come', async () => {
    const { login } = await freshUser();
    const key = await login();
    const other = await login();
    expect((await end(key, sessionOf(other).toUpperCase())).status).toBe(200);
    expect((await me(other)).status).toBe(401);
  });

  it('ends a session once when asked twice at the same moment: one 200, one 404', async () => {
    const { login } = await freshUser();
    const key = await login();
    const target = sessionOf(await login());
    const answers = await Promise.all([end(key, target), end(key, target)]);
    expect(answers.map((answer) => answer.status).sort()).toEqual([200, 404]);
  });

  it('answers 401 without a key', async () => {
    expect((await callFunction('auth-sessions-end').delete(`/api/v1/auth/sessions/${randomUUID()}/`)).status).toBe(401);
  });
});
