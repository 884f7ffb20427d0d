import { IN_FLIGHT_ALLOWANCE } from '../../shared/auth/login-throttle';
import { withPasswordCheckSlot } from '../../shared/auth/password-check-slots';
import { setLogSink } from '../../shared/core/logging';
import { db } from '../../shared/db/prisma';
import { callFunction, loginAs, logout, tokenHeader } from '../../testing/http';
import { useSettings } from '../../testing/settings';
import { useTestDatabase } from '../../testing/test-database';
import { createUser } from '../../testing/users';

useTestDatabase();
beforeEach(() => db().loginThrottle.deleteMany());

const OLD = 'the-old-passphrase';
const NEW = 'a-brand-new-passphrase';

const change = (key: string, body: unknown) =>
  callFunction('auth-password-change')
    .post('/api/v1/auth/password/change/')
    .set(tokenHeader(key))
    .send(body as object);
const changeTo = (key: string, newPassword: string, oldPassword = OLD) =>
  change(key, { old_password: oldPassword, new_password1: newPassword, new_password2: newPassword });
const me = (key: string) => callFunction('auth-user').get('/api/v1/auth/user/').set(tokenHeader(key));
const canLogIn = async (username: string, password: string) =>
  (await callFunction('auth-login').post('/api/v1/auth/login/').send({ username, password })).status === 200;

let sequence = 0;
async function freshUser() {
  const username = `changer${(sequence += 1)}`;
  const user = await createUser(username, OLD, { email: `${username}.mail@example.com` });
  return { user, username, key: await loginAs(username, OLD) };
}

describe('POST /api/v1/auth/password/change/', () => {
  it('saves the new password: it logs in, the old one does not', async () => {
    const { username, key } = await freshUser();
    const response = await changeTo(key, NEW);
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ detail: 'New password has been saved.' });
    expect(await canLogIn(username, NEW)).toBe(true);
    expect(await canLogIn(username, OLD)).toBe(false);
  });

  it('ends every other session of the user, keeps the one making the call, and leaves other users alone', async () => {
    const { username, key } = await freshUser();
    const phone = await loginAs(username, OLD);
    const laptop = await loginAs(username, OLD);
    const { key: someoneElse } = await freshUser();

    expect((await changeTo(key, NEW)).status).toBe(200);
    expect((await me(key)).status).toBe(200);
    for (const ended of [phone, laptop]) {
      const response = await me(ended);
      expect(response.status).toBe(401);
      expect(response.body.error.message).toBe('Token has been revoked');
    }
    expect((await me(someoneElse)).status).toBe(200);
  });

  describe('a wrong old password', () => {
    it('is 400 naming old_password, and changes nothing', async () => {
      const { username, key } = await freshUser();
      const other = await loginAs(username, OLD);
      const response = await changeTo(key, NEW, 'not-the-old-one');
      expect(response.status).toBe(400);
      expect(response.body.error.details).toEqual([{ field: 'old_password', message: 'Your old password was entered incorrectly. Please enter it again.' }]);
      expect(await canLogIn(username, OLD)).toBe(true);
      expect((await me(other)).status).toBe(200);
    });

    it('counts toward the login throttle: after LOGIN_MAX_FAILURES, 429 here and at login, even with the right password', async () => {
      const { username, key } = await freshUser();
      for (let attempt = 0; attempt < 5; attempt += 1) expect((await changeTo(key, NEW, `wrong-${attempt}`)).status).toBe(400);
      const throttled = await changeTo(key, NEW);
      expect(throttled.status).toBe(429);
      expect(Number(throttled.headers['retry-after'])).toBeGreaterThan(14 * 60);
      const login = await callFunction('auth-login').post('/api/v1/auth/login/').send({ username, password: OLD });
      expect(login.status).toBe(429);
      expect(await db().user.findUniqueOrThrow({ where: { username } })).toMatchObject({ username });
    });

    it('shares the login’s count: failed logins before it leave it fewer checks', async () => {
      const { username, key } = await freshUser();
      for (let attempt = 0; attempt < 5; attempt += 1) expect(await canLogIn(username, 'wrong')).toBe(false);
      expect((await changeTo(key, NEW)).status).toBe(429);
    });

    it('checks at most LOGIN_MAX_FAILURES + IN_FLIGHT_ALLOWANCE old passwords of a burst of 30, whatever arrives at once', async () => {
      const { username, key } = await freshUser();
      const burst = await Promise.all(Array.from({ length: 30 }, (_, index) => changeTo(key, NEW, `guess-${index}`)));
      const statuses = burst.map((response) => response.status);
      expect(statuses.filter((status) => status !== 400 && status !== 429)).toEqual([]);
      expect(statuses.filter((status) => status === 400).length).toBeLessThanOrEqual(5 + IN_FLIGHT_ALLOWANCE);
      expect(await canLogIn(username, OLD)).toBe(false); // throttled
    });
  });

  it('clears the throttle’s count once the old password checks out, as a login does', async () => {
    const { username, key } = await freshUser();
    for (let attempt = 0; attempt < 4; attempt += 1) await changeTo(key, NEW, 'wrong');
    expect((await changeTo(key, NEW)).status).toBe(200);
    expect(await db().loginThrottle.count({ where: { username } })).toBe(0);
  });

  describe('the password rules', () => {
    it.each([
      ['two different copies', { new_password1: NEW, new_password2: `${NEW}!` }, 'new_password2', 'password_mismatch'],
      ['a short one', { new_password1: 'short', new_password2: 'short' }, 'new_password1', 'password_too_short'],
      ['one over 72 bytes', { new_password1: 'é'.repeat(37), new_password2: 'é'.repeat(37) }, 'new_password1', 'password_too_long'],
      ['a common one', { new_password1: 'iloveyou', new_password2: 'iloveyou' }, 'new_password1', 'password_too_common'],
    ])('refuse %s with 400 naming the field and the rule, changing nothing', async (_case, passwords, field, rule) => {
      const { username, key } = await freshUser();
      const response = await change(key, { old_password: OLD, ...passwords });
      expect(response.status).toBe(400);
      expect(response.body.error.details).toEqual([{ field, rule, message: expect.any(String) }]);
      expect(await canLogIn(username, OLD)).toBe(true);
    });

    it('refuse the username and the e-mail address, whatever their case', async () => {
      const { username, key } = await freshUser();
      for (const password of [username.toUpperCase(), `${username}.MAIL@example.com`, `My-${username}-Pass`]) {
        const response = await changeTo(key, password);
        expect(response.status).toBe(400);
        expect(response.body.error.details).toEqual([{ field: 'new_password1', rule: 'password_too_similar', message: expect.any(String) }]);
      }
    });

    it('are checked before the old password, so a refused new password spends no check of the throttle', async () => {
      const { username, key } = await freshUser();
      for (let attempt = 0; attempt < 8; attempt += 1) expect((await changeTo(key, 'password', 'wrong')).status).toBe(400);
      expect(await db().loginThrottle.count({ where: { username } })).toBe(0);
    });
  });

  describe('bad input', () => {
    it.each([
      ['no body', undefined, 'body'],
      ['no old password', { new_password1: NEW, new_password2: NEW }, 'old_password'],
      ['no second copy', { old_password: OLD, new_password1: NEW }, 'new_password2'],
      ['a number for a password', { old_password: OLD, new_password1: 12345678, new_password2: 12345678 }, 'new_password1'],
      ['a password of over 1024 characters', { old_password: OLD, new_password1: 'x'.repeat(1025), new_password2: 'x'.repeat(1025) }, 'new_password1'],
    ])('answers 400 naming the field for %s', async (_case, body, field) => {
      const { key } = await freshUser();
      const request = callFunction('auth-password-change').post('/api/v1/auth/password/change/').set(tokenHeader(key));
      const response = body === undefined ? await request : await request.send(body);
      expect(response.status).toBe(400);
      expect(response.body.error.details.map((detail: { field: string }) => detail.field)).toContain(field);
    });
  });

  it('answers 401 to a logged-out key, changing nothing and counting nothing', async () => {
    const { username, key } = await freshUser();
    await logout(key);
    expect((await changeTo(key, NEW)).status).toBe(401);
    expect((await changeTo(key, NEW, 'wrong')).status).toBe(401);
    expect(await canLogIn(username, OLD)).toBe(true);
    expect(await db().loginThrottle.count({ where: { username } })).toBe(0);
  });

  it('answers 401 for an inactive user', async () => {
    const { user, key } = await freshUser();
    await db().user.update({ where: { id: user.id }, data: { isActive: false } });
    expect((await changeTo(key, NEW)).status).toBe(401);
  });

  it('never writes a password, old or new, to a log line, whatever the answer', async () => {
    const { key } = await freshUser();
    const lines: string[] = [];
    const restore = setLogSink((line) => lines.push(line));
    const previousLevel = process.env.LOG_LEVEL;
    process.env.LOG_LEVEL = 'info'; // the tests run silent
    try {
      expect((await changeTo(key, 'Secret-Wrong-Old-1', 'Secret-Wrong-Old-1')).status).toBe(400); // wrong old password
      expect((await change(key, { old_password: OLD, new_password1: 'Secret-New-2a', new_password2: 'Secret-New-2b' })).status).toBe(400);
      expect((await changeTo(key, 'Secret-Saved-3!')).status).toBe(200);
    } finally {
      restore();
      process.env.LOG_LEVEL = previousLevel;
    }
    expect(lines.length).toBeGreaterThanOrEqual(3);
    for (const secret of [OLD, 'Secret-Wrong-Old-1', 'Secret-New-2a', 'Secret-New-2b', 'Secret-Saved-3!']) {
      expect(lines.filter((line) => line.includes(secret))).toEqual([]);
    }
  });

  describe('at the same moment', () => {
    it('two changes from two sessions of one user: one is saved, the other refused, and only the saved one logs in', async () => {
      const { username, key } = await freshUser();
      const other = await loginAs(username, OLD);
      const [first, second] = await Promise.all([changeTo(key, 'first-new-passphrase'), changeTo(other, 'second-new-passphrase')]);
      const statuses = [first.status, second.status].sort();
      // The loser is refused either as a wrong old password (the hash it checked is gone) or as an ended session.
      expect(statuses[0]).toBe(200);
      expect([400, 401]).toContain(statuses[1]);
      const winner = first.status === 200 ? 'first-new-passphrase' : 'second-new-passphrase';
      const loser = first.status === 200 ? 'second-new-passphrase' : 'first-new-passphrase';
      expect(await canLogIn(username, winner)).toBe(true);
      expect(await canLogIn(username, loser)).toBe(false);
      expect(await canLogIn(username, OLD)).toBe(false);
    });

    it('five changes with one key: exactly one is saved, the rest are refused naming old_password', async () => {
      const { username, key } = await freshUser();
      const passwords = Array.from({ length: 5 }, (_, index) => `concurrent-passphrase-${index}`);
      const answers = await Promise.all(passwords.map((password) => changeTo(key, password)));
      const saved = answers.flatMap((answer, index) => (answer.status === 200 ? [passwords[index]] : []));
      expect(saved).toHaveLength(1);
      for (const refused of answers.filter((answer) => answer.status !== 200)) {
        expect(refused.status).toBe(400);
        expect(refused.body.error.details[0].field).toBe('old_password');
      }
      expect(await canLogIn(username, saved[0])).toBe(true);
      for (const other of passwords.filter((password) => password !== saved[0])) expect(await canLogIn(username, other)).toBe(false);
    });
  });
});

describe('with every password-check slot of the instance taken', () => {
  useSettings({ PASSWORD_CHECKS_PER_INSTANCE: '2' });

  it('answers 429 with Retry-After at once, changing and counting nothing, and saves once a slot frees', async () => {
    const { username, key } = await freshUser();
    // Two checks of someone else's hold both slots until released: no timing involved.
    const releases: Array<() => void> = [];
    const held = Array.from({ length: 2 }, () => withPasswordCheckSlot(() => new Promise<void>((resolve) => releases.push(resolve))));
    const refused = await changeTo(key, NEW);
    expect([refused.status, refused.body.error.code, refused.headers['retry-after']]).toEqual([429, 'too_many_requests', '1']);
    expect(await db().loginThrottle.count()).toBe(0);
    releases[0]();
    await held[0];
    expect(await canLogIn(username, OLD)).toBe(true);
    expect((await changeTo(key, NEW)).status).toBe(200);
    releases[1]();
    await held[1];
  });
});
