import { db } from '../../shared/db/prisma';
import { callFunction, loginAs, logout, tokenHeader } from '../../testing/http';
import { useTestDatabase } from '../../testing/test-database';
import { createUser } from '../../testing/users';

useTestDatabase();

const PASSWORD = 'a-long-enough-passphrase';
const put = (key: string, body: unknown) =>
  callFunction('auth-user-update')
    .put('/api/v1/auth/user/')
    .set(tokenHeader(key))
    .send(body as object);
const patch = (key: string, body: unknown) =>
  callFunction('auth-user-update')
    .patch('/api/v1/auth/user/')
    .set(tokenHeader(key))
    .send(body as object);
const me = (key: string) => callFunction('auth-user').get('/api/v1/auth/user/').set(tokenHeader(key));
const fieldsOf = (response: { body: { error: { details: Array<{ field: string }> } } }) => response.body.error.details.map((detail) => detail.field);

let sequence = 0;
/** A fresh user, logged in: its key. */
async function freshUser(fields: { firstName?: string; lastName?: string } = {}) {
  const username = `user${(sequence += 1)}`;
  const user = await createUser(username, PASSWORD, { firstName: 'First', lastName: 'Last', ...fields });
  return { user, key: await loginAs(username, PASSWORD) };
}

describe('PUT and PATCH /api/v1/auth/user/', () => {
  it('PATCH changes only what it sends, and answers the user as GET does', async () => {
    const { user, key } = await freshUser();
    const response = await patch(key, { first_name: 'Ada' });
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ pk: user.id, username: user.username, email: user.email, first_name: 'Ada', last_name: 'Last', ml_uuid: user.mlUuid });
    expect((await me(key)).body).toEqual(response.body);
  });

  it('PUT sets every writable field, and the user logs in by the new name', async () => {
    const { user, key } = await freshUser();
    const response = await put(key, { username: 'ada.lovelace', first_name: 'Ada', last_name: 'Lovelace' });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ pk: user.id, username: 'ada.lovelace', first_name: 'Ada', last_name: 'Lovelace' });
    expect((await me(key)).body).toEqual(response.body);
    await expect(loginAs('ada.lovelace', PASSWORD)).resolves.toEqual(expect.any(String));
    await expect(loginAs(user.username, PASSWORD)).rejects.toThrow(/401/);
  });

  it('PUT requires username, as DRF’s does for a field that may not be blank; the names may be left out', async () => {
    const { user, key } = await freshUser();
    const refused = await put(key, { first_name: 'Ada', last_name: 'Lovelace' });
    expect(refused.status).toBe(400);
    expect(fieldsOf(refused)).toEqual(['username']);
    expect((await me(key)).body.first_name).toBe('First');

    const namesLeftOut = await put(key, { username: user.username });
    expect(namesLeftOut.status).toBe(200);
    expect(namesLeftOut.body).toMatchObject({ first_name: 'First', last_name: 'Last' });
  });

  it('ignores pk, email and ml_uuid, which are read-only', async () => {
    const { user, key } = await freshUser();
    const response = await patch(key, { pk: '00000000-0000-4000-8000-000000000000', email: 'mallory@example.com', ml_uuid: 'someone-else', last_name: 'New' });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ pk: user.id, email: user.email, ml_uuid: user.mlUuid, last_name: 'New' });
    expect(await db().user.findUniqueOrThrow({ where: { id: user.id } })).toMatchObject({ email: user.email, mlUuid: user.mlUuid });
  });

  it('PATCH with nothing writable changes nothing and answers the user', async () => {
    const { user, key } = await freshUser();
    const response = await patch(key, {});
    expect(response.status).toBe(200);
    expect(response.body.username).toBe(user.username);
  });

  it('trims surrounding spaces from each field, as DRF does', async () => {
    const { key } = await freshUser();
    const response = await patch(key, { username: '  trimmed.name ', first_name: ' Ada ', last_name: '' });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ username: 'trimmed.name', first_name: 'Ada', last_name: '' });
  });

  describe('a taken username', () => {
    it.each([
      ['the same', (taken: string) => taken],
      ['in another case', (taken: string) => taken.toUpperCase()],
      ['with a trailing space (trimmed, then the same)', (taken: string) => `${taken} `],
    ])('is refused %s, naming username, and nothing changes', async (_case, variant) => {
      const { user: other } = await freshUser();
      const { user, key } = await freshUser();
      const response = await patch(key, { username: variant(other.username), first_name: 'Changed' });
      expect(response.status).toBe(400);
      expect(response.body.error.details).toEqual([{ field: 'username', message: 'A user with that username already exists.' }]);
      expect(await db().user.findUniqueOrThrow({ where: { id: user.id } })).toMatchObject({ username: user.username, firstName: 'First' });
    });

    it('is compared as the table does, by its unique key: a name differing only in trailing spaces is taken too', async () => {
      // No request can send one (the spaces are trimmed, and refused inside a name); stored by an older path, it still takes the name.
      const { user: other } = await freshUser();
      await db().$executeRawUnsafe('UPDATE users SET username = ? WHERE id = ?', 'spaced ', other.id);
      const { key } = await freshUser();
      expect((await patch(key, { username: 'SPACED' })).status).toBe(400);
    });

    it('of one’s own in another case is no conflict: the user is renamed, and logs in by the new case only', async () => {
      const { user, key } = await freshUser();
      const renamed = user.username.toUpperCase();
      const response = await patch(key, { username: renamed });
      expect(response.status).toBe(200);
      expect(response.body.username).toBe(renamed);
      await expect(loginAs(renamed, PASSWORD)).resolves.toEqual(expect.any(String));
      await expect(loginAs(user.username, PASSWORD)).rejects.toThrow(/401/);
    });

    it('goes to exactly one of several users claiming it at the same moment', async () => {
      const claimants = await Promise.all(Array.from({ length: 6 }, () => freshUser()));
      const answers = await Promise.all(claimants.map(({ key }, index) => patch(key, { username: index % 2 ? 'Contested' : 'contested' })));
      const statuses = answers.map((answer) => answer.status).sort();
      expect(statuses).toEqual([200, 400, 400, 400, 400, 400]);
      for (const refused of answers.filter((answer) => answer.status === 400)) expect(fieldsOf(refused)).toEqual(['username']);
      expect(await db().user.count({ where: { username: 'contested' } })).toBe(1);
    });
  });

  describe('bad input', () => {
    it.each([
      ['a username over 150 characters', { username: 'u'.repeat(151) }, 'username'],
      ['a username with a space inside', { username: 'john smith' }, 'username'],
      ['a username with a slash', { username: 'john/smith' }, 'username'],
      ['a blank username', { username: '   ' }, 'username'],
      ['a null username', { username: null }, 'username'],
      ['a number for a first name', { first_name: 42 }, 'first_name'],
      ['a last name over 150 characters', { last_name: 'n'.repeat(151) }, 'last_name'],
      ['an array body', [{ first_name: 'x' }], 'body'],
    ])('answers 400 naming the field for %s, changing nothing', async (_case, body, field) => {
      const { user, key } = await freshUser();
      const response = await patch(key, body);
      expect(response.status).toBe(400);
      expect(response.body.error.code).toBe('invalid_request');
      expect(fieldsOf(response)).toContain(field);
      expect(await db().user.findUniqueOrThrow({ where: { id: user.id } })).toMatchObject({ username: user.username, firstName: 'First', lastName: 'Last' });
    });

    it('accepts letters of any script, digits and @ . + - _ in a username, as Django does', async () => {
      const { key } = await freshUser();
      const response = await patch(key, { username: 'Łukasz_Ünal-2+x@y.z' });
      expect(response.status).toBe(200);
      expect(response.body.username).toBe('Łukasz_Ünal-2+x@y.z');
    });
  });

  it('answers 401 to a logged-out key, changing nothing', async () => {
    const { user, key } = await freshUser();
    await logout(key);
    const response = await patch(key, { first_name: 'Ghost' });
    expect(response.status).toBe(401);
    expect((await db().user.findUniqueOrThrow({ where: { id: user.id } })).firstName).toBe('First');
  });

  it('answers 401 without a key', async () => {
    expect((await callFunction('auth-user-update').patch('/api/v1/auth/user/').send({ first_name: 'x' })).status).toBe(401);
  });

  it('answers 405 with Allow for GET, which auth-user serves', async () => {
    const { key } = await freshUser();
    const response = await callFunction('auth-user-update').get('/api/v1/auth/user/').set(tokenHeader(key));
    expect(response.status).toBe(405);
    expect(response.headers.allow).toBe('PUT, PATCH');
  });
});
