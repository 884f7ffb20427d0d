import { encodeUid } from '../../shared/auth/reset-tokens';
import { db } from '../../shared/db/prisma';
import { seedDemoUsers } from '../../shared/demo/seed';
import { callFunction } from '../../testing/http';
import { useMailCatcher } from '../../testing/mail-catcher';
import { useSettings } from '../../testing/settings';
import { useTestDatabase } from '../../testing/test-database';

useTestDatabase();
const mail = useMailCatcher();
// A short fixed answer time, so these tests do not wait 1.5 s per request.
useSettings({ PASSWORD_RESET_ANSWER_MS: '20' });
beforeAll(() => seedDemoUsers());
beforeEach(() => db().passwordResetThrottle.deleteMany());

const SENT = { detail: 'Password reset e-mail has been sent.' };

const askReset = (body: unknown) =>
  callFunction('auth-password-reset')
    .post('/api/v1/auth/password/reset/')
    .send(body as object);

const userId = async (username: string) => (await db().user.findUniqueOrThrow({ where: { username } })).id;

describe('POST /api/v1/auth/password/reset/', () => {
  it('mails a known address a link with its uid and a token, and answers 200', async () => {
    const response = await askReset({ email: 'johnwick@example.com' });
    expect(response.status).toBe(200);
    expect(response.body).toEqual(SENT);
    const [message, ...others] = mail.messagesTo('johnwick@example.com');
    expect(others).toEqual([]);
    expect(message.subject).toBe('Password reset');
    expect(message.text).toContain('"johnwick"');
    const { uid, token } = mail.resetLinkIn(message);
    expect(uid).toBe(encodeUid(await userId('johnwick')));
    expect(token).toMatch(/^[0-9a-z]+-[A-Za-z0-9_-]{43}$/);
  });

  it('answers an unknown address exactly as a known one, sends nothing, and still speaks to the mail server', async () => {
    const known = await askReset({ email: 'alexray@example.com' });
    const connectionsForKnown = mail.catcher().connections;
    const unknown = await askReset({ email: 'nobody-at-all@example.com' });
    expect(unknown.status).toBe(known.status);
    expect(unknown.body).toEqual(known.body);
    const headerNames = (response: { headers: Record<string, string> }) => Object.keys(response.headers).sort();
    expect(headerNames(unknown)).toEqual(headerNames(known));
    expect(unknown.headers['content-length']).toBe(known.headers['content-length']);
    expect(mail.catcher().messages.map((message) => message.to)).toEqual([['alexray@example.com']]);
    expect(mail.catcher().connections).toBe(connectionsForKnown + 1);
  });

  it('finds the address in any case, and writes to the address as the account has it', async () => {
    expect((await askReset({ email: '  LyraKing@EXAMPLE.com ' })).status).toBe(200);
    expect(mail.catcher().messages.map((message) => message.to)).toEqual([['lyraking@example.com']]);
  });

  it('sends nothing for an inactive account, and answers the same', async () => {
    await db().user.update({ where: { username: 'alexray' }, data: { isActive: false } });
    try {
      const response = await askReset({ email: 'alexray@example.com' });
      expect([response.status, response.body]).toEqual([200, SENT]);
      expect(mail.catcher().messages).toEqual([]);
    } finally {
      await db().user.update({ where: { username: 'alexray' }, data: { isActive: true } });
    }
  });

  describe('timing, measured as an attacker would (the one wall-clock comparison here: the issue asks for it)', () => {
    // Well above what either path takes here even on a busy machine (about 60 ms unpadded), as 1.5 s is in production.
    useSettings({ PASSWORD_RESET_ANSWER_MS: '250', PASSWORD_RESET_MAX_REQUESTS: '100' });

    const timed = async (email: string) => {
      const started = process.hrtime.bigint();
      const response = await askReset({ email });
      expect(response.status).toBe(200);
      return Number(process.hrtime.bigint() - started) / 1e6;
    };
    const median = (values: number[]) => {
      const sorted = [...values].sort((a, b) => a - b);
      return (sorted[(sorted.length - 1) >> 1] + sorted[sorted.length >> 1]) / 2;
    };

    it('gives 20 known and 20 unknown addresses medians within 10 % of each other', async () => {
      // Warmed up first (the first send loads and connects more), then interleaved, so drift on the machine hits both alike.
      await timed('johnwick@example.com');
      await timed('warm-up@example.com');
      const known: number[] = [];
      const unknown: number[] = [];
      for (let round = 0; round < 20; round += 1) {
        known.push(await timed('johnwick@example.com'));
        unknown.push(await timed(`nobody-${round}@example.com`));
      }
      expect(mail.messagesTo('johnwick@example.com')).toHaveLength(21);
      expect(Math.abs(median(known) - median(unknown)) / median(unknown)).toBeLessThan(0.1);
    });
  });

  describe('bad input', () => {
    it.each([
      ['no body at all', undefined, 'body'],
      ['no email', {}, 'email'],
      ['a number', { email: 42 }, 'email'],
      ['not an address', { email: 'johnwick' }, 'email'],
      ['an empty address', { email: '' }, 'email'],
      ['an address over 254 characters', { email: `${'a'.repeat(250)}@example.com` }, 'email'],
    ])('answers 400 naming the field for %s, and sends nothing', async (_case, body, field) => {
      const request = callFunction('auth-password-reset').post('/api/v1/auth/password/reset/');
      const response = body === undefined ? await request : await request.send(body as object);
      expect(response.status).toBe(400);
      expect(response.body.error.details.map((detail: { field: string }) => detail.field)).toContain(field);
      expect(mail.catcher().connections).toBe(0);
    });
  });

  describe('throttled per address', () => {
    it('counts a burst of 12 for one address exactly: 3 mails, 9 answers 429 with Retry-After', async () => {
      const burst = await Promise.all(Array.from({ length: 12 }, () => askReset({ email: 'johnwick@example.com' })));
      const statuses = burst.map((response) => response.status).sort();
      expect(statuses).toEqual([...Array(3).fill(200), ...Array(9).fill(429)]);
      const refused = burst.find((response) => response.status === 429)!;
      expect(refused.body.error.code).toBe('too_many_requests');
      expect(Number(refused.headers['retry-after'])).toBeGreaterThan(59 * 60);
      expect(Number(refused.headers['retry-after'])).toBeLessThanOrEqual(60 * 60);
      expect(mail.messagesTo('johnwick@example.com')).toHaveLength(3);
    });

    it('counts an unknown address the same way, so a 429 tells nothing either', async () => {
      const burst = await Promise.all(Array.from({ length: 12 }, () => askReset({ email: 'ghost@example.com' })));
      expect(burst.map((response) => response.status).sort()).toEqual([...Array(3).fill(200), ...Array(9).fill(429)]);
    });

    it('counts the address in any case as one, and other addresses apart', async () => {
      const variants = ['lyraking@example.com', 'LYRAKING@example.com', 'LyraKing@Example.Com', ' lyraking@example.com'];
      const burst = await Promise.all(Array.from({ length: 8 }, (_, index) => askReset({ email: variants[index % variants.length] })));
      expect(burst.filter((response) => response.status === 200)).toHaveLength(3);
      expect((await askReset({ email: 'alexray@example.com' })).status).toBe(200);
    });

    describe('with housekeeping on every request', () => {
      useSettings({ HOUSEKEEPING_EVERY: '1' });

      it('purges the rows of windows that have passed, for addresses nobody asks for again', async () => {
        for (const ghost of ['ghost1@example.com', 'ghost2@example.com']) await askReset({ email: ghost });
        await db().$executeRawUnsafe('UPDATE password_reset_throttle SET window_started_at = window_started_at - INTERVAL 3601 SECOND');
        await askReset({ email: 'someone-else@example.com' });
        expect((await db().passwordResetThrottle.findMany()).map((row) => row.email)).toEqual(['someone-else@example.com']);
      });
    });

    it('lets the address ask again once the window has passed', async () => {
      for (let request = 0; request < 3; request += 1) expect((await askReset({ email: 'johnwick@example.com' })).status).toBe(200);
      expect((await askReset({ email: 'johnwick@example.com' })).status).toBe(429);
      await db().$executeRawUnsafe('UPDATE password_reset_throttle SET window_started_at = window_started_at - INTERVAL 3601 SECOND');
      expect((await askReset({ email: 'johnwick@example.com' })).status).toBe(200);
    });
  });

  describe('limited per client address (shared with login)', () => {
    const from = (client: string) => ({ 'X-Forwarded-For': `${client}, 35.191.7.1` });
    const askFrom = (client: string, email: string) =>
      callFunction('auth-password-reset').post('/api/v1/auth/password/reset/').set(from(client)).send({ email });
    useSettings({ LOGIN_CLIENT_MAX_CHECKS: '10' });
    beforeEach(() => db().loginClientThrottle.deleteMany());

    it('serves exactly LOGIN_CLIENT_MAX_CHECKS of a burst of 30 addresses from one client, refuses the rest 429, and serves another client', async () => {
      const addresses = Array.from({ length: 30 }, (_, index) => (index % 10 === 0 ? 'alexray@example.com' : `probe-${index}@example.com`));
      const burst = await Promise.all(addresses.map((email) => askFrom('203.0.113.9', email)));
      const statuses = burst.map((response) => response.status);
      expect(statuses.filter((status) => status === 200)).toHaveLength(10);
      expect(statuses.filter((status) => status === 429)).toHaveLength(20);
      const refused = burst.find((response) => response.status === 429)!;
      expect(refused.body.error.code).toBe('too_many_attempts');
      expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
      expect(Number(refused.headers['retry-after'])).toBeLessThanOrEqual(60);
      // Only the served requests were counted against their addresses.
      expect(await db().passwordResetThrottle.count()).toBe(new Set(addresses.filter((_, index) => burst[index].status === 200)).size);
      // Another client is served, and johnwick's mail goes out.
      expect(await askFrom('203.0.113.10', 'johnwick@example.com')).toMatchObject({ status: 200, body: SENT });
      expect(mail.messagesTo('johnwick@example.com')).toHaveLength(1);
    });

    it('shares the client’s allowance with login: a client that spent it on logins is refused a reset', async () => {
      const logins = await Promise.all(
        Array.from({ length: 10 }, () =>
          callFunction('auth-login')
            .post('/api/v1/auth/login/')
            .set(from('203.0.113.11'))
            .send({ username: `spray-${Math.random().toString(36).slice(2)}`, password: 'x' }),
        ),
      );
      expect(logins.map((response) => response.status)).toEqual(Array(10).fill(401));
      expect((await askFrom('203.0.113.11', 'johnwick@example.com')).status).toBe(429);
      expect(mail.catcher().connections).toBe(0);
    });

    describe('refused alike for a known and an unknown address', () => {
      // A served request would answer only after 2 minutes, past jest's 30 s timeout: these answers come before the fixed answer time.
      useSettings({ PASSWORD_RESET_ANSWER_MS: '120000', REQUEST_DEADLINE_MS: '180000' });

      it('answers 429 at once, before the address is looked up or counted: same status, body and headers, no mail, no SMTP', async () => {
        // The client's window is spent (as 10 earlier requests would have left it).
        await db().$executeRawUnsafe("INSERT INTO login_client_throttle (client, window_started_at, password_checks) VALUES ('203.0.113.12', NOW(6), 10)");
        const known = await askFrom('203.0.113.12', 'johnwick@example.com');
        const unknown = await askFrom('203.0.113.12', 'nobody-at-all@example.com');
        expect([known.status, unknown.status]).toEqual([429, 429]);
        expect(unknown.body).toEqual(known.body);
        const headerNames = (response: { headers: Record<string, string> }) => Object.keys(response.headers).sort();
        expect(headerNames(unknown)).toEqual(headerNames(known));
        expect(unknown.headers['content-length']).toBe(known.headers['content-length']);
        expect(await db().passwordResetThrottle.count()).toBe(0);
        expect(mail.catcher().connections).toBe(0);
      });
    });
  });

  describe('when the mail server fails', () => {
    it.each(['refuse', 'reject-messages'] as const)('answers 503 with Retry-After (%s), and then every address at once, without trying', async (mode) => {
      mail.catcher().setMode(mode);
      const known = await askReset({ email: 'johnwick@example.com' });
      expect(known.status).toBe(503);
      expect(known.body.error.code).toBe('mail_unavailable');
      expect(known.headers['retry-after']).toBe('30');
      const connections = mail.catcher().connections;
      const unknown = await askReset({ email: 'nobody-at-all@example.com' });
      expect([unknown.status, unknown.body]).toEqual([503, known.body]);
      expect(Number(unknown.headers['retry-after'])).toBeGreaterThan(0);
      expect(mail.catcher().connections).toBe(connections);
    });

    it('answers an unknown address 503 too when the server refuses connections', async () => {
      mail.catcher().setMode('refuse');
      const unknown = await askReset({ email: 'nobody-at-all@example.com' });
      expect(unknown.status).toBe(503);
      expect(unknown.body.error.code).toBe('mail_unavailable');
    });

    describe('with a 300 ms SMTP timeout', () => {
      useSettings({ SMTP_TIMEOUT_MS: '300', REQUEST_DEADLINE_MS: '60000' });

      it.each(['johnwick@example.com', 'nobody-at-all@example.com'])(
        'answers %s 503 from the timeout when the server never greets, not from the 60 s deadline',
        async (email) => {
          mail.catcher().setMode('hang');
          const response = await askReset({ email });
          expect(response.status).toBe(503);
          expect(response.body.error.code).toBe('mail_unavailable');
        },
      );
    });
  });
});
