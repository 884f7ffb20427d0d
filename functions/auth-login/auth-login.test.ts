import { IN_FLIGHT_ALLOWANCE } from '../../shared/auth/login-throttle';
import { hashPassword } from '../../shared/auth/passwords';
import { resetConfigForTests } from '../../shared/config/config';
import { db } from '../../shared/db/prisma';
import { seedDemoUsers } from '../../shared/demo/seed';
import { callFunction, tokenHeader } from '../../testing/http';
import { useSettings } from '../../testing/settings';
import { useTestDatabase } from '../../testing/test-database';

useTestDatabase();
beforeAll(() => seedDemoUsers());
beforeEach(() => db().loginThrottle.deleteMany());

/** Moves a username's throttle window `seconds` into the past, as if that much time had gone by. */
const age = (username: string, seconds: number) =>
  db().$executeRawUnsafe('UPDATE login_throttle SET window_started_at = window_started_at - INTERVAL ? SECOND WHERE username = ?', seconds, username);

const login = (body: unknown) =>
  callFunction('auth-login')
    .post('/api/v1/auth/login/')
    .send(body as object);

describe('POST /api/v1/auth/login/', () => {
  it('returns a key that works on auth/user', async () => {
    const response = await login({ username: 'johnwick', password: 'johnwick' });
    expect(response.status).toBe(200);
    expect(Object.keys(response.body)).toEqual(['key']);
    const me = await callFunction('auth-user').get('/api/v1/auth/user/').set(tokenHeader(response.body.key));
    expect(me.body.username).toBe('johnwick');
  });

  describe('with housekeeping on every request', () => {
    useSettings({ HOUSEKEEPING_EVERY: '1' });

    it('purges attempts past the window, for usernames nobody tries again', async () => {
      for (const ghost of ['ghost1', 'ghost2', 'ghost3']) await login({ username: ghost, password: 'x' });
      for (const ghost of ['ghost1', 'ghost2', 'ghost3']) await age(ghost, 16 * 60);
      await login({ username: 'someone-else', password: 'x' });
      expect(await db().loginThrottle.count({ where: { username: { startsWith: 'ghost' } } })).toBe(0);
    });

    it('clears expired sessions when someone logs in', async () => {
      const first = await login({ username: 'alexray', password: 'alexray' });
      const user = await db().user.findUniqueOrThrow({ where: { username: 'alexray' } });
      await db().session.updateMany({ where: { userId: user.id }, data: { expiresAt: new Date(Date.now() - 1000) } });
      await login({ username: 'alexray', password: 'alexray' });
      const sessions = await db().session.findMany({ where: { userId: user.id } });
      expect(sessions).toHaveLength(1);
      expect(sessions[0].expiresAt.getTime()).toBeGreaterThan(Date.now());
      expect(first.status).toBe(200);
    });
  });

  it('accepts the path without its trailing slash', async () => {
    expect((await callFunction('auth-login').post('/api/v1/auth/login').send({ username: 'alexray', password: 'alexray' })).status).toBe(200);
  });

  it('gives a wrong password and an unknown user the same answer', async () => {
    const wrongPassword = await login({ username: 'johnwick', password: 'not-his' });
    const unknownUser = await login({ username: 'nobody-here', password: 'whatever' });
    expect(wrongPassword.status).toBe(401);
    expect(unknownUser.status).toBe(401);
    expect(wrongPassword.body).toEqual(unknownUser.body);
    expect(wrongPassword.body.error.code).toBe('invalid_credentials');
  });

  it('does not log in an inactive user', async () => {
    await db().user.update({ where: { username: 'alexray' }, data: { isActive: false } });
    try {
      expect((await login({ username: 'alexray', password: 'alexray' })).status).toBe(401);
    } finally {
      await db().user.update({ where: { username: 'alexray' }, data: { isActive: true } });
    }
  });

  it('throttles a username after repeated failures, even with the right password, and only that username', async () => {
    for (let attempt = 0; attempt < 5; attempt += 1) {
      expect((await login({ username: 'lyraking', password: 'wrong' })).status).toBe(401);
    }
    const throttled = await login({ username: 'lyraking', password: 'lyraking' });
    expect(throttled.status).toBe(429);
    expect(throttled.body.error.code).toBe('too_many_attempts');
    // The seconds left in the 15-minute window.
    expect(Number(throttled.headers['retry-after'])).toBeGreaterThan(14 * 60);
    expect(Number(throttled.headers['retry-after'])).toBeLessThanOrEqual(15 * 60);
    expect((await login({ username: 'johnwick', password: 'johnwick' })).status).toBe(200);
  });

  it('checks at most LOGIN_MAX_FAILURES + IN_FLIGHT_ALLOWANCE passwords of a burst of 30 wrong ones, and refuses the rest', async () => {
    const burst = await Promise.all(Array.from({ length: 30 }, () => login({ username: 'alexray', password: 'wrong' })));
    const statuses = burst.map((response) => response.status);
    expect(statuses.filter((status) => status !== 401 && status !== 429)).toEqual([]);
    const checked = statuses.filter((status) => status === 401).length;
    expect(checked).toBeGreaterThanOrEqual(5);
    expect(checked).toBeLessThanOrEqual(5 + IN_FLIGHT_ALLOWANCE);
    expect((await login({ username: 'alexray', password: 'alexray' })).status).toBe(429);
    const second = await Promise.all(Array.from({ length: 10 }, () => login({ username: 'alexray', password: 'wrong' })));
    expect(second.map((response) => response.status)).toEqual(Array(10).fill(429));
  });

  it('bounds the checks of a burst spread over the username’s case and trailing spaces too', async () => {
    const variants = ['alexray', 'ALEXRAY', 'AlexRay', 'alexray ', 'aLeXrAy'];
    const burst = await Promise.all(Array.from({ length: 30 }, (_, index) => login({ username: variants[index % variants.length], password: 'wrong' })));
    const statuses = burst.map((response) => response.status);
    expect(statuses.filter((status) => status !== 401 && status !== 429)).toEqual([]);
    const checked = statuses.filter((status) => status === 401).length;
    expect(checked).toBeGreaterThanOrEqual(5);
    expect(checked).toBeLessThanOrEqual(5 + IN_FLIGHT_ALLOWANCE);
  });

  it('lets 4 correct logins of one user at the same moment all in, again and again', async () => {
    for (let round = 0; round < 3; round += 1) {
      const burst = await Promise.all(Array.from({ length: 4 }, () => login({ username: 'johnwick', password: 'johnwick' })));
      expect(burst.map((response) => response.status)).toEqual(Array(4).fill(200));
    }
  });

  it('lets correct logins through a burst that also carries a few wrong ones, below the limit', async () => {
    const burst = await Promise.all([
      ...Array.from({ length: 3 }, () => login({ username: 'lyraking', password: 'lyraking' })),
      ...Array.from({ length: 2 }, () => login({ username: 'lyraking', password: 'wrong' })),
    ]);
    expect(burst.map((response) => response.status)).toEqual([200, 200, 200, 401, 401]);
  });

  it('lets the right password in once the window has passed, even after a burst', async () => {
    await Promise.all(Array.from({ length: 30 }, () => login({ username: 'lyraking', password: 'wrong' })));
    expect((await login({ username: 'lyraking', password: 'lyraking' })).status).toBe(429);
    await age('lyraking', 15 * 60 + 1);
    expect((await login({ username: 'lyraking', password: 'lyraking' })).status).toBe(200);
  });

  describe('with a 4-second window', () => {
    useSettings({ LOGIN_FAILURE_WINDOW_SECONDS: '4' });

    it('lets the right password in five seconds after a burst of 30 wrong ones', async () => {
      const burst = await Promise.all(Array.from({ length: 30 }, () => login({ username: 'lyraking', password: 'wrong' })));
      expect(burst.filter((response) => response.status === 401).length).toBeLessThanOrEqual(5 + IN_FLIGHT_ALLOWANCE);
      const refused = await login({ username: 'lyraking', password: 'lyraking' });
      expect(refused.status).toBe(429);
      expect(Number(refused.headers['retry-after'])).toBeLessThanOrEqual(4);
      await age('lyraking', 5);
      expect((await login({ username: 'lyraking', password: 'lyraking' })).status).toBe(200);
    });
  });

  it('refuses a password longer than 72 bytes even when its first 72 are the password, which bcrypt alone would let in', async () => {
    const password = 'a-password-of-exactly-seventy-two-bytes-'.padEnd(72, 'x');
    await db().user.update({ where: { username: 'lyraking' }, data: { passwordHash: await hashPassword(password) } });
    try {
      expect((await login({ username: 'lyraking', password })).status).toBe(200);
      for (const longer of [password + 'y', password + 'anything at all', password + '€']) {
        const response = await login({ username: 'lyraking', password: longer });
        expect(response.status).toBe(401);
        expect(response.body.error.code).toBe('invalid_credentials');
      }
    } finally {
      await db().user.update({ where: { username: 'lyraking' }, data: { passwordHash: await hashPassword('lyraking') } });
    }
  });

  it('matches the username exactly, not by the column’s case- and space-blind collation', async () => {
    for (const username of ['JOHNWICK', 'johnwick ', 'JohnWick']) {
      expect((await login({ username, password: 'johnwick' })).status).toBe(401);
    }
  });

  it('clears the count after a successful login', async () => {
    for (let attempt = 0; attempt < 4; attempt += 1) await login({ username: 'lyraking', password: 'wrong' });
    expect((await login({ username: 'lyraking', password: 'lyraking' })).status).toBe(200);
    expect(await db().loginThrottle.count({ where: { username: 'lyraking' } })).toBe(0);
    // Five more failures are needed before the username is throttled again.
    for (let attempt = 0; attempt < 4; attempt += 1) expect((await login({ username: 'lyraking', password: 'wrong' })).status).toBe(401);
    expect((await login({ username: 'lyraking', password: 'lyraking' })).status).toBe(200);
  });

  describe('bad input', () => {
    it.each([
      ['no body at all', undefined, 'body'],
      ['a missing password', { username: 'johnwick' }, 'password'],
      ['a number for a username', { username: 12345, password: 'x' }, 'username'],
      ['an empty username', { username: '', password: 'x' }, 'username'],
      ['an overlong username', { username: 'u'.repeat(151), password: 'x' }, 'username'],
      ['an overlong password', { username: 'johnwick', password: 'p'.repeat(129) }, 'password'],
      ['an array body', [{ username: 'johnwick', password: 'johnwick' }], 'body'],
    ])('answers 400 naming the field for %s', async (_case, body, field) => {
      const request = callFunction('auth-login').post('/api/v1/auth/login/');
      const response = body === undefined ? await request : await request.send(body as object);
      expect(response.status).toBe(400);
      expect(response.body.error.code).toBe('invalid_request');
      expect(response.body.error.details.map((d: { field: string }) => d.field)).toContain(field);
    });

    it('answers 400 JSON (not an HTML page) for garbled JSON', async () => {
      const response = await callFunction('auth-login')
        .post('/api/v1/auth/login/')
        .set('Content-Type', 'application/json')
        .send('{"username": "johnwick", "password": ');
      expect(response.status).toBe(400);
      expect(response.headers['content-type']).toMatch(/application\/json/);
      expect(response.body).toEqual({
        error: { code: 'invalid_json', message: 'Request body is not valid JSON', details: [{ field: 'body', message: 'is not valid JSON' }] },
      });
    });

    it('answers 415 for a body that is not JSON', async () => {
      const response = await callFunction('auth-login').post('/api/v1/auth/login/').set('Content-Type', 'text/plain').send('username=johnwick');
      expect(response.status).toBe(415);
      expect(response.body.error.code).toBe('unsupported_media_type');
    });

    it('answers 413 for a body over the limit', async () => {
      const response = await login({ username: 'johnwick', password: 'johnwick', padding: 'x'.repeat(70 * 1024) });
      expect(response.status).toBe(413);
      expect(response.body.error.code).toBe('payload_too_large');
    });

    it('never echoes a stack trace', async () => {
      const response = await callFunction('auth-login').post('/api/v1/auth/login/').set('Content-Type', 'application/json').send('{');
      expect(JSON.stringify(response.body)).not.toMatch(/at .*\.js|SyntaxError/);
    });
  });

  it('answers 405 with Allow for another method', async () => {
    const response = await callFunction('auth-login').get('/api/v1/auth/login/');
    expect(response.status).toBe(405);
    expect(response.headers.allow).toBe('POST');
    expect(response.body.error.code).toBe('method_not_allowed');
  });

  it('answers 404 for a path that is not this function', async () => {
    const response = await callFunction('auth-login').post('/api/v1/auth/login/extra/').send({});
    expect(response.status).toBe(404);
    expect(response.body.error.code).toBe('not_found');
  });

  it('sets a request id and echoes a valid incoming one', async () => {
    const generated = await login({ username: 'johnwick', password: 'johnwick' });
    expect(generated.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    const echoed = await callFunction('auth-login')
      .post('/api/v1/auth/login/')
      .set('X-Request-Id', 'abc-123')
      .send({ username: 'johnwick', password: 'johnwick' });
    expect(echoed.headers['x-request-id']).toBe('abc-123');
  });

  describe('CORS', () => {
    afterEach(() => {
      delete process.env.ALLOWED_ORIGINS;
      resetConfigForTests();
    });

    it('answers a preflight from an allowed origin, and gives other origins no CORS headers', async () => {
      process.env.ALLOWED_ORIGINS = 'https://app.example.com';
      resetConfigForTests();
      const garbled = await callFunction('auth-login')
        .post('/api/v1/auth/login/')
        .set('Origin', 'https://app.example.com')
        .set('Content-Type', 'application/json')
        .send('{');
      expect(garbled.status).toBe(400);
      // A browser can only read the error if it carries the CORS headers too.
      expect(garbled.headers['access-control-allow-origin']).toBe('https://app.example.com');
      expect(garbled.headers['x-request-id']).toEqual(expect.any(String));
      const allowed = await callFunction('auth-login').options('/api/v1/auth/login/').set('Origin', 'https://app.example.com');
      expect(allowed.status).toBe(204);
      expect(allowed.headers['access-control-allow-origin']).toBe('https://app.example.com');
      expect(allowed.headers['access-control-allow-headers']).toMatch(/Idempotency-Key/);
      const other = await callFunction('auth-login').options('/api/v1/auth/login/').set('Origin', 'https://evil.example.com');
      expect(other.headers['access-control-allow-origin']).toBeUndefined();
      expect(other.headers.vary).toMatch(/Origin/);
    });
  });
});
