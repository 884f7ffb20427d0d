import { IN_FLIGHT_ALLOWANCE } from '../../shared/auth/login-throttle';
import { withPasswordCheckSlot } from '../../shared/auth/password-check-slots';
import { hashPassword } from '../../shared/auth/passwords';
import { resetConfigForTests } from '../../shared/config/config';
import { db } from '../../shared/db/prisma';
import { seedDemoUsers } from '../../shared/demo/seed';
import { callFunction, tokenHeader } from '../../testing/http';
import { useSettings } from '../../testing/settings';
import { useTestDatabase } from '../../testing/test-database';

useTestDatabase();
beforeAll(() => seedDemoUsers());
beforeEach(() => Promise.all([db().loginThrottle.deleteMany(), db().loginClientThrottle.deleteMany()]));

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

  describe('a spray of usernames from one client', () => {
    // Google's front end appends `<client>, <its own address>`; what is left of them, the client wrote.
    const from = (client: string, forged?: string) => ({ 'X-Forwarded-For': [forged, client, '35.191.7.1'].filter(Boolean).join(', ') });
    const loginFrom = (headers: Record<string, string>, body: object) => callFunction('auth-login').post('/api/v1/auth/login/').set(headers).send(body);
    const randomName = () => `spray-${Math.random().toString(36).slice(2)}`;
    beforeEach(() => db().loginClientThrottle.deleteMany());

    describe('with the default limit per client, and no ceiling per instance in the way', () => {
      useSettings({ LOGIN_CLIENT_MAX_CHECKS: '20', PASSWORD_CHECKS_PER_INSTANCE: '100' });

      it('checks exactly LOGIN_CLIENT_MAX_CHECKS of 50 at once and refuses the rest, while another client logs in', async () => {
        const spray = await Promise.all(Array.from({ length: 50 }, () => loginFrom(from('203.0.113.9'), { username: randomName(), password: 'x' })));
        const statuses = spray.map((response) => response.status);
        expect(statuses.filter((status) => status === 401).length).toBe(20);
        expect(statuses.filter((status) => status === 429).length).toBe(30);
        const refused = spray.find((response) => response.status === 429)!;
        expect(refused.body.error.code).toBe('too_many_attempts');
        expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
        expect(Number(refused.headers['retry-after'])).toBeLessThanOrEqual(60);
        // The right password from the spraying client is refused too, before any check…
        expect((await loginFrom(from('203.0.113.9'), { username: 'johnwick', password: 'johnwick' })).status).toBe(429);
        // …while another client logs in as usual.
        expect((await loginFrom(from('203.0.113.10'), { username: 'johnwick', password: 'johnwick' })).status).toBe(200);
      });

      it('counts the address Google appended, whatever the client wrote to the left of it', async () => {
        const spray = await Promise.all(
          Array.from({ length: 30 }, (_, index) =>
            loginFrom(from('198.51.100.4', `10.0.0.${index}, 192.0.2.${index}`), { username: randomName(), password: 'x' }),
          ),
        );
        expect(spray.filter((response) => response.status === 401).length).toBe(20);
        expect((await loginFrom(from('198.51.100.4', '198.51.100.5'), { username: 'johnwick', password: 'johnwick' })).status).toBe(429);
      });

      it('counts an IPv6 client by its /64, however it spreads over the addresses in it', async () => {
        const spray = await Promise.all(
          Array.from({ length: 30 }, (_, index) =>
            loginFrom(from(`2001:db8:7:1:${index.toString(16)}::${index + 1}`), { username: randomName(), password: 'x' }),
          ),
        );
        expect(spray.filter((response) => response.status === 401).length).toBe(20);
        expect((await loginFrom(from('2001:0db8:0007:0001:ffff::1'), { username: 'johnwick', password: 'johnwick' })).status).toBe(429);
        expect((await loginFrom(from('2001:db8:7:2::1'), { username: 'johnwick', password: 'johnwick' })).status).toBe(200);
      });

      it('counts successes too: logging in over and over is no way round the limit', async () => {
        const statuses: number[] = [];
        for (let attempt = 0; attempt < 25; attempt += 1) {
          statuses.push((await loginFrom(from('203.0.113.20'), { username: 'alexray', password: 'alexray' })).status);
        }
        expect(statuses).toEqual([...Array(20).fill(200), ...Array(5).fill(429)]);
      });

      it('gives back the username’s reservation when the client is refused, so the user is not locked out by it', async () => {
        await Promise.all(Array.from({ length: 20 }, () => loginFrom(from('203.0.113.30'), { username: randomName(), password: 'x' })));
        // 20 tries at lyraking's password from the refused client: none checked, none left in flight for lyraking.
        const refused = await Promise.all(Array.from({ length: 20 }, () => loginFrom(from('203.0.113.30'), { username: 'lyraking', password: 'x' })));
        expect(refused.map((response) => response.status)).toEqual(Array(20).fill(429));
        expect(await db().loginThrottle.findUnique({ where: { username: 'lyraking' } })).toMatchObject({ failures: 0, checksInFlight: 0 });
        expect((await loginFrom(from('203.0.113.31'), { username: 'lyraking', password: 'lyraking' })).status).toBe(200);
      });

      describe('with a 30-second window', () => {
        useSettings({ LOGIN_CLIENT_WINDOW_SECONDS: '30' });

        it('lets the client in again once its window has passed', async () => {
          await Promise.all(Array.from({ length: 25 }, () => loginFrom(from('203.0.113.40'), { username: randomName(), password: 'x' })));
          const refused = await loginFrom(from('203.0.113.40'), { username: 'johnwick', password: 'johnwick' });
          expect(refused.status).toBe(429);
          expect(Number(refused.headers['retry-after'])).toBeLessThanOrEqual(30);
          await db().$executeRawUnsafe('UPDATE login_client_throttle SET window_started_at = window_started_at - INTERVAL 31 SECOND');
          expect((await loginFrom(from('203.0.113.40'), { username: 'johnwick', password: 'johnwick' })).status).toBe(200);
        });
      });
    });

    describe('with housekeeping on every request', () => {
      useSettings({ HOUSEKEEPING_EVERY: '1', LOGIN_CLIENT_MAX_CHECKS: '20' });

      it('purges client rows past their window, and keeps no address longer', async () => {
        await loginFrom(from('203.0.113.50'), { username: 'johnwick', password: 'johnwick' });
        await db().$executeRawUnsafe('UPDATE login_client_throttle SET window_started_at = window_started_at - INTERVAL 61 SECOND');
        await loginFrom(from('203.0.113.51'), { username: 'johnwick', password: 'johnwick' });
        expect((await db().loginClientThrottle.findMany()).map((row) => row.client)).toEqual(['203.0.113.51']);
      });
    });
  });

  describe('checks at once on one instance', () => {
    useSettings({ PASSWORD_CHECKS_PER_INSTANCE: '2' });

    it('refuses a check past the ceiling with 429 and Retry-After at once, and admits one when a slot frees', async () => {
      // Two checks of someone else's hold both slots until released: no timing involved.
      const releases: Array<() => void> = [];
      const held = Array.from({ length: 2 }, () => withPasswordCheckSlot(() => new Promise<void>((resolve) => releases.push(resolve))));
      const burst = await Promise.all(Array.from({ length: 5 }, () => login({ username: 'johnwick', password: 'johnwick' })));
      expect(burst.map((response) => response.status)).toEqual(Array(5).fill(429));
      expect(burst[0].body.error.code).toBe('too_many_requests');
      expect(burst[0].headers['retry-after']).toBe('1');
      // Refused before anything was reserved: no username row was touched.
      expect(await db().loginThrottle.count()).toBe(0);
      releases[0]();
      await held[0];
      expect((await login({ username: 'johnwick', password: 'johnwick' })).status).toBe(200);
      releases[1]();
      await held[1];
    });
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

  it('sets a request id of its own, whatever id the client sends (shared/http/request-ids.test.ts)', async () => {
    const generated = await login({ username: 'johnwick', password: 'johnwick' });
    expect(generated.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    const named = await callFunction('auth-login')
      .post('/api/v1/auth/login/')
      .set('X-Request-Id', 'abc-123')
      .send({ username: 'johnwick', password: 'johnwick' });
    expect(named.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
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
