import { randomUUID } from 'node:crypto';
import { withPasswordCheckSlot } from '../../shared/auth/password-check-slots';
import { encodeUid, makeResetToken } from '../../shared/auth/reset-tokens';
import { resetConfigForTests } from '../../shared/config/config';
import { setLogSink } from '../../shared/core/logging';
import { db } from '../../shared/db/prisma';
import { seedDemoUsers } from '../../shared/demo/seed';
import { callFunction, loginAs, tokenHeader } from '../../testing/http';
import { useMailCatcher } from '../../testing/mail-catcher';
import { useSettings } from '../../testing/settings';
import { useTestDatabase } from '../../testing/test-database';

useTestDatabase();
const mail = useMailCatcher();
useSettings({ PASSWORD_RESET_ANSWER_MS: '20', PASSWORD_RESET_MAX_REQUESTS: '100' });
// Each test starts from the demo users with their demo passwords.
beforeEach(() => seedDemoUsers());

const NEW_PASSWORD = 'correct horse battery staple';
const DONE = { detail: 'Password has been reset with the new password.' };

const askReset = (email: string) => callFunction('auth-password-reset').post('/api/v1/auth/password/reset/').send({ email });
const confirm = (body: Record<string, unknown>) =>
  callFunction('auth-password-reset-confirm')
    .post('/api/v1/auth/password/reset/confirm/')
    .send({ new_password1: NEW_PASSWORD, new_password2: NEW_PASSWORD, ...body });
const login = (username: string, password: string) => callFunction('auth-login').post('/api/v1/auth/login/').send({ username, password });
const me = (key: string) => callFunction('auth-user').get('/api/v1/auth/user/').set(tokenHeader(key));
const userRow = (username: string) => db().user.findUniqueOrThrow({ where: { username } });
const tokenFor = async (username: string, issuedAt?: number) => {
  const user = await userRow(username);
  return makeResetToken({ id: user.id, email: user.email, passwordHash: user.passwordHash }, issuedAt);
};

/** Asks for a reset of `email` and returns the link's uid and token, read from the mail catcher. */
async function resetLinkFor(email: string) {
  expect((await askReset(email)).status).toBe(200);
  const messages = mail.messagesTo(email);
  return mail.resetLinkIn(messages[messages.length - 1]);
}

const fieldsOf = (response: { body: { error: { details: Array<{ field: string }> } } }) => response.body.error.details.map((detail) => detail.field);

describe('the password reset, end to end through the mail catcher', () => {
  it('asks, reads the mail, confirms, logs in with the new password; old sessions answer 401 and the token works once; no log line holds it', async () => {
    const lines: string[] = [];
    const restore = setLogSink((line) => lines.push(line));
    const previousLevel = process.env.LOG_LEVEL;
    process.env.LOG_LEVEL = 'info';
    try {
      const sessions = [await loginAs('johnwick'), await loginAs('johnwick')];
      const { uid, token } = await resetLinkFor('johnwick@example.com');

      const confirmed = await confirm({ uid, token });
      expect([confirmed.status, confirmed.body]).toEqual([200, DONE]);

      expect((await login('johnwick', NEW_PASSWORD)).status).toBe(200);
      expect((await login('johnwick', 'johnwick')).status).toBe(401);
      for (const key of sessions) expect((await me(key)).status).toBe(401);

      const again = await confirm({ uid, token, new_password1: 'another passphrase', new_password2: 'another passphrase' });
      expect(again.status).toBe(400);
      expect(fieldsOf(again)).toEqual(['token']);
      expect((await login('johnwick', NEW_PASSWORD)).status).toBe(200);

      expect(lines.length).toBeGreaterThan(5);
      // Neither the token nor its signature alone (after the first '-': base64url has '-' of its own,
      // so split('-')[1] was at times a few letters, or empty, and found in every line).
      const signature = token.slice(token.indexOf('-') + 1);
      expect(signature.length).toBeGreaterThan(40);
      expect(lines.filter((line) => line.includes(token) || line.includes(signature))).toEqual([]);
      expect(lines.filter((line) => line.includes(NEW_PASSWORD))).toEqual([]);
    } finally {
      restore();
      process.env.LOG_LEVEL = previousLevel;
    }
  });

  it('leaves other users’ sessions alone', async () => {
    const alex = await loginAs('alexray');
    const { uid, token } = await resetLinkFor('johnwick@example.com');
    expect((await confirm({ uid, token })).status).toBe(200);
    expect((await me(alex)).status).toBe(200);
  });
});

describe('POST /api/v1/auth/password/reset/confirm/ refuses', () => {
  it.each([
    ['not base64', 'not base64!'],
    ['base64 of something not a user id', Buffer.from('12345').toString('base64url')],
    ['base64 of a user id nobody has', encodeUid(randomUUID())],
    ['a user id in padded base64', `${Buffer.from(randomUUID()).toString('base64')}==`],
  ])('a uid that is %s: 400 naming uid', async (_case, uid) => {
    const response = await confirm({ uid, token: await tokenFor('johnwick') });
    expect(response.status).toBe(400);
    expect(fieldsOf(response)).toEqual(['uid']);
  });

  it('another user’s uid with a valid token: 400 naming token, and neither password changes', async () => {
    const { token } = await resetLinkFor('johnwick@example.com');
    const response = await confirm({ uid: encodeUid((await userRow('alexray')).id), token });
    expect(response.status).toBe(400);
    expect(fieldsOf(response)).toEqual(['token']);
    expect((await login('alexray', 'alexray')).status).toBe(200);
    expect((await login('johnwick', 'johnwick')).status).toBe(200);
  });

  it('a tampered token: 400 naming token, and the real one still works', async () => {
    const { uid, token } = await resetLinkFor('johnwick@example.com');
    // Split at the first '-' only: the base64url signature may hold '-' of its own.
    const issuedAt = token.slice(0, token.indexOf('-'));
    const signature = token.slice(token.indexOf('-') + 1);
    const flip = (text: string, at: number) => text.slice(0, at) + (text[at] === 'A' ? 'B' : 'A') + text.slice(at + 1);
    const tampered = [
      `${issuedAt}-${flip(signature, 0)}`,
      `${issuedAt}-${flip(signature, signature.length - 1)}`,
      `${(parseInt(issuedAt, 36) + 1).toString(36)}-${signature}`,
      `${issuedAt}-${signature}x`,
      signature,
      '',
    ];
    for (const candidate of tampered) {
      const response = await confirm({ uid, token: candidate });
      expect(response.status).toBe(400);
      expect(fieldsOf(response)).toEqual(['token']);
    }
    expect((await confirm({ uid, token })).status).toBe(200);
  });

  it('a token made with another key: the API signing key, or a key an attacker guessed', async () => {
    const user = await userRow('johnwick');
    const ours = process.env.PASSWORD_RESET_KEY;
    const made = (key: string | undefined) => {
      process.env.PASSWORD_RESET_KEY = key;
      resetConfigForTests();
      try {
        return makeResetToken({ id: user.id, email: user.email, passwordHash: user.passwordHash });
      } finally {
        process.env.PASSWORD_RESET_KEY = ours;
        resetConfigForTests();
      }
    };
    for (const key of ['an-attacker-guessed-this-secret-0123456789', process.env.SIGNING_PRIVATE_KEY]) {
      const response = await confirm({ uid: encodeUid(user.id), token: made(key) });
      expect(response.status).toBe(400);
      expect(fieldsOf(response)).toEqual(['token']);
    }
    expect((await confirm({ uid: encodeUid(user.id), token: made(ours) })).status).toBe(200);
  });

  describe('by its age (tokens made with the issue time set, the clock seam, not by waiting)', () => {
    useSettings({ PASSWORD_RESET_TTL_SECONDS: '600' });
    const now = () => Math.floor(Date.now() / 1000);

    it('an expired token: 400 naming token', async () => {
      const uid = encodeUid((await userRow('johnwick')).id);
      const response = await confirm({ uid, token: await tokenFor('johnwick', now() - 601) });
      expect(response.status).toBe(400);
      expect(fieldsOf(response)).toEqual(['token']);
    });

    it('a token from the future: 400 naming token', async () => {
      const uid = encodeUid((await userRow('johnwick')).id);
      const response = await confirm({ uid, token: await tokenFor('johnwick', now() + 3600) });
      expect(fieldsOf(response)).toEqual(['token']);
    });

    it('but a token just inside its time works', async () => {
      const uid = encodeUid((await userRow('johnwick')).id);
      expect((await confirm({ uid, token: await tokenFor('johnwick', now() - 590) })).status).toBe(200);
    });
  });

  it('a token issued before the password changed some other way', async () => {
    const { uid, token } = await resetLinkFor('johnwick@example.com');
    await db().user.update({ where: { username: 'johnwick' }, data: { passwordHash: (await userRow('lyraking')).passwordHash } });
    const response = await confirm({ uid, token });
    expect(fieldsOf(response)).toEqual(['token']);
  });

  it('new passwords that differ: 400 naming new_password2, nothing written, the token still good', async () => {
    const { uid, token } = await resetLinkFor('johnwick@example.com');
    const key = await loginAs('johnwick');
    const response = await confirm({ uid, token, new_password2: `${NEW_PASSWORD}!` });
    expect(response.status).toBe(400);
    expect(response.body.error.details).toEqual([expect.objectContaining({ field: 'new_password2', rule: 'password_mismatch' })]);
    expect((await me(key)).status).toBe(200);
    expect((await confirm({ uid, token })).status).toBe(200);
  });

  it.each([
    ['too short', 'short1!', 'new_password1', 'password_too_short'],
    ['over 72 bytes in UTF-8', 'ü'.repeat(37), 'new_password1', 'password_too_long'],
    ['the username in it', 'JohnWick-1990', 'new_password1', 'password_too_similar'],
    ['common', 'password123', 'new_password1', 'password_too_common'],
  ])('a new password that is %s: 400 naming the field and the rule, nothing written, the token still good', async (_case, password, field, rule) => {
    const { uid, token } = await resetLinkFor('johnwick@example.com');
    const response = await confirm({ uid, token, new_password1: password, new_password2: password });
    expect(response.status).toBe(400);
    expect(response.body.error.details).toEqual([expect.objectContaining({ field, rule })]);
    expect((await login('johnwick', 'johnwick')).status).toBe(200);
    expect((await confirm({ uid, token })).status).toBe(200);
  });

  it('checks the uid and the token before the password: a bad token with a bad password is 400 naming token', async () => {
    const response = await confirm({ uid: encodeUid((await userRow('johnwick')).id), token: 'x-y', new_password1: 'short', new_password2: 'other' });
    expect(fieldsOf(response)).toEqual(['token']);
  });

  it.each([
    ['no uid', { uid: undefined }, 'uid'],
    ['a number for a token', { token: 12 }, 'token'],
    ['no new_password1', { new_password1: undefined }, 'new_password1'],
    ['an overlong token', { token: 'x'.repeat(65) }, 'token'],
  ])('bad input (%s): 400 naming the field', async (_case, override, field) => {
    const response = await confirm({ uid: encodeUid((await userRow('johnwick')).id), token: await tokenFor('johnwick'), ...override });
    expect(response.status).toBe(400);
    expect(fieldsOf(response)).toContain(field);
  });

  describe('past the instance’s password checks at once', () => {
    useSettings({ PASSWORD_CHECKS_PER_INSTANCE: '2' });

    it('a valid confirmation: 429 with Retry-After at once, nothing written, the token still good once a slot frees', async () => {
      const { uid, token } = await resetLinkFor('johnwick@example.com');
      const before = (await userRow('johnwick')).passwordHash;
      // Two checks of someone else's hold both slots until released: no timing involved.
      const releases: Array<() => void> = [];
      const held = Array.from({ length: 2 }, () => withPasswordCheckSlot(() => new Promise<void>((resolve) => releases.push(resolve))));
      try {
        const refused = await confirm({ uid, token });
        expect(refused.status).toBe(429);
        expect(refused.body.error.code).toBe('too_many_requests');
        expect(refused.headers['retry-after']).toBe('1');
        expect((await userRow('johnwick')).passwordHash).toBe(before);
        // A bad token never reaches bcrypt, so it is answered as usual.
        expect(fieldsOf(await confirm({ uid, token: `${token.split('-')[0]}-${'A'.repeat(43)}` }))).toEqual(['token']);
      } finally {
        for (const release of releases) release();
        await Promise.all(held);
      }
      expect([(await confirm({ uid, token })).status, (await login('johnwick', NEW_PASSWORD)).status]).toEqual([200, 200]);
    });
  });

  it('the same token sent 6 times at once: exactly one sets the password', async () => {
    const { uid, token } = await resetLinkFor('johnwick@example.com');
    const passwords = Array.from({ length: 6 }, (_, index) => `concurrent passphrase ${index}`);
    const answers = await Promise.all(passwords.map((password) => confirm({ uid, token, new_password1: password, new_password2: password })));
    const winners = answers.flatMap((answer, index) => (answer.status === 200 ? [passwords[index]] : []));
    expect(winners).toHaveLength(1);
    expect(answers.filter((answer) => answer.status === 400).map(fieldsOf)).toEqual(Array(5).fill(['token']));
    expect((await login('johnwick', winners[0])).status).toBe(200);
  });
});
