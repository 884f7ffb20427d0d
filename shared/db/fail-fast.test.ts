import { randomUUID } from 'node:crypto';
import type { Test } from 'supertest';
import { quoteFor } from '../../scripts/ml-standin/market-data';
import { setLogSink } from '../core/logging';
import { findTicker } from '../ml/tickers';
import { Decimal } from '../money/decimal';
import { useDatabaseBehindProxy } from '../../testing/database-behind-proxy';
import { callFunction, tokenHeader } from '../../testing/http';
import { useMlStandin } from '../../testing/ml-standin';
import { useSettings } from '../../testing/settings';
import { useTestDatabase } from '../../testing/test-database';
import { closePool, sqlPool } from './pool';

/**
 * A database that is away is answered at once (./database-breaker,
 * ./fail-fast): the functions reach MariaDB through testing/fault-proxy,
 * which refuses connections (a stopped server) or black-holes them. Speed is
 * shown by structure, never by a clock: the deadline and the pool's own
 * timeouts are set far beyond the test's timeout, so only the fast path can
 * answer in time, and the answer must be 503 `database_unavailable` (not
 * `deadline_exceeded`, not `busy`); connection attempts are counted at the
 * behindProxy.proxy. Checks read the database directly, past the behindProxy.proxy.
 */
const database = useTestDatabase();
useMlStandin();

/** Beyond jest's 30 s: a request still waiting on any of these fails the test by timing out. */
const LONG = { REQUEST_DEADLINE_MS: '120000', DATABASE_CONNECT_TIMEOUT_MS: '60000' };

// The sampled purge of expired rows would add statements to requests: none here.
const behindProxy = useDatabaseBehindProxy(database, ['johnwick', 'alexray', 'lyraking'], {
  HOUSEKEEPING_EVERY: String(Number.MAX_SAFE_INTEGER),
});
const { sql, keys, walletOf } = behindProxy;

afterEach(async () => {
  behindProxy.proxy.restore();
  expect(await walletsOutOfBalance()).toEqual([]);
});

/** A pool made afresh with the describe block's settings (useSettings, registered before this). */
const freshPool = () => beforeAll(closePool);

const walletsOutOfBalance = () =>
  sql<{ id: string }>(
    `SELECT w.id FROM wallets w LEFT JOIN transactions t ON t.wallet_id = w.id GROUP BY w.id, w.balance HAVING w.balance <> COALESCE(SUM(t.sum), 0)`,
  );

const balanceOf = async (walletId: string) =>
  (await sql<{ balance: string }>('SELECT CAST(balance AS CHAR) AS balance FROM wallets WHERE id = ?', [walletId]))[0].balance;

const walletsOf = (username: string) => callFunction('wallets-list').get('/api/v1/wallets/').set(tokenHeader(keys[username]));

const topUp = (username: string, sum: string, idempotencyKey = randomUUID()) =>
  callFunction('wallets-topup')
    .post(`/api/v1/wallets/${walletOf[username]}/topup/`)
    .set(tokenHeader(keys[username]))
    .set('Idempotency-Key', idempotencyKey)
    .send({ sum });

const quote = (assetName: string) => new Decimal(quoteFor(findTicker(assetName)!).current_price).toDecimalPlaces(2, Decimal.ROUND_HALF_UP).toFixed(2);

const purchase = (username: string, investedSum: string) =>
  callFunction('assets-purchase')
    .post('/api/v1/assets/')
    .set(tokenHeader(keys[username]))
    .set('Idempotency-Key', randomUUID())
    .send({
      assets: (['AAPL', 'MSFT'] as const).map((asset_name) => ({ asset_name, part_of_portfolio: 50, statistics: { current_price: quote(asset_name) } })),
      metrics: { rate_of_return: '10.00', volatility: '12.00', value_at_risk: '0.50' },
      invested_sum: investedSum,
    });

/** A read, a top-up and a purchase, each a different user's. */
const everyKind = (): Test[] => [walletsOf('alexray'), topUp('johnwick', '2.00'), purchase('lyraking', '20.00')];

const outcome = async (request: Test) => {
  const response = await request;
  return { status: response.status, code: response.body?.error?.code as string | undefined, retryAfter: response.headers['retry-after'] as string | undefined };
};
const DATABASE_UNAVAILABLE = { status: 503, code: 'database_unavailable', retryAfter: '5' };

/** Polls a condition of the process's own state (never the clock's): the pool's queue, say. */
async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 5));
}

const balances = async () => Object.fromEntries(await Promise.all(Object.entries(walletOf).map(async ([user, id]) => [user, await balanceOf(id)])));

describe('a database that refuses connections', () => {
  // No probe gets through during a test: every answer here comes from the breaker or the refusal itself.
  useSettings({ ...LONG, DATABASE_PROBE_INTERVAL_MS: '600000' });
  freshPool();

  it('answers a read, a top-up and a purchase 503 database_unavailable at once, on a pool that never connected', async () => {
    await closePool();
    const before = await balances();
    behindProxy.proxy.refuse();
    // The pool would retry the refused connect until its 61 s acquire timeout; the deadline is 120 s.
    expect(await Promise.all(everyKind().map(outcome))).toEqual([DATABASE_UNAVAILABLE, DATABASE_UNAVAILABLE, DATABASE_UNAVAILABLE]);
    expect(await Promise.all(everyKind().map(outcome))).toEqual([DATABASE_UNAVAILABLE, DATABASE_UNAVAILABLE, DATABASE_UNAVAILABLE]);
    expect(await balances()).toEqual(before);
  });

  it('answers 503 at once when the database goes while the pool sits idle', async () => {
    await closePool();
    expect((await walletsOf('alexray')).status).toBe(200);
    behindProxy.proxy.refuse();
    behindProxy.proxy.cut();
    expect(await Promise.all(everyKind().map(outcome))).toEqual([DATABASE_UNAVAILABLE, DATABASE_UNAVAILABLE, DATABASE_UNAVAILABLE]);
  });

  describe('with one connection, held by a top-up waiting for a row lock', () => {
    useSettings({ DATABASE_POOL_SIZE: '1' });
    freshPool();

    it('answers the requests queued for it 503 database_unavailable the moment the database goes, and writes nothing', async () => {
      const before = await balances();
      await behindProxy.direct.beginTransaction();
      try {
        await behindProxy.direct.query("SELECT id FROM users WHERE username = 'johnwick' FOR UPDATE");
        const holder = outcome(topUp('johnwick', '3.00'));
        await until(() => sqlPool().activeConnections() === 1);
        const queued = [walletsOf('alexray'), topUp('alexray', '4.00'), purchase('lyraking', '30.00')].map(outcome);
        await until(() => sqlPool().taskQueueSize() === 3);

        behindProxy.proxy.refuse();
        behindProxy.proxy.cut();
        // The holder's statement was cut before its COMMIT: nothing written, and it says so.
        expect(await holder).toEqual(DATABASE_UNAVAILABLE);
        expect(await Promise.all(queued)).toEqual([DATABASE_UNAVAILABLE, DATABASE_UNAVAILABLE, DATABASE_UNAVAILABLE]);
      } finally {
        await behindProxy.direct.rollback();
      }
      expect(await balances()).toEqual(before);
    });
  });
});

describe('a database that never answers (black-holed)', () => {
  useSettings({ REQUEST_DEADLINE_MS: '120000', DATABASE_CONNECT_TIMEOUT_MS: '1000', DATABASE_PROBE_INTERVAL_MS: '600000' });
  freshPool();

  it('answers 503 database_unavailable after one connect timeout, then answers without trying to connect', async () => {
    behindProxy.proxy.blackHole();
    expect(await outcome(walletsOf('alexray'))).toEqual(DATABASE_UNAVAILABLE);
    // The pool's own retries for the request it was asked for end with that request's acquire timeout.
    await until(() => sqlPool().taskQueueSize() === 0);
    const attempts = behindProxy.proxy.accepted();

    const answers = await Promise.all([...everyKind(), ...everyKind()].map(outcome));
    expect(answers).toEqual(answers.map(() => DATABASE_UNAVAILABLE));
    expect(behindProxy.proxy.accepted()).toBe(attempts);
  });
});

describe('the database coming back', () => {
  const PROBE_INTERVAL_MS = 200;
  useSettings({ ...LONG, DATABASE_PROBE_INTERVAL_MS: String(PROBE_INTERVAL_MS), LOG_LEVEL: 'info' });
  freshPool();

  let lines: string[] = [];
  let stopCapture: () => void = () => undefined;
  beforeEach(() => {
    lines = [];
    stopCapture = setLogSink((line) => lines.push(line));
  });
  afterEach(() => stopCapture());
  const breakerLines = () =>
    lines
      .map((line) => JSON.parse(line) as { severity: string; message: string })
      .filter((line) => /^The database (cannot be reached|answers again)/.test(line.message));

  it('is found by the first request after the probe interval, and the outage is logged once as it starts and once as it ends', async () => {
    expect((await walletsOf('alexray')).status).toBe(200);
    behindProxy.proxy.refuse();
    behindProxy.proxy.cut();
    for (let round = 0; round < 3; round += 1)
      expect(await Promise.all(everyKind().map(outcome))).toEqual([DATABASE_UNAVAILABLE, DATABASE_UNAVAILABLE, DATABASE_UNAVAILABLE]);

    behindProxy.proxy.restore();
    // The last failure was before the restore: after one interval the next request is let through.
    await new Promise((resolve) => setTimeout(resolve, PROBE_INTERVAL_MS));
    expect((await walletsOf('alexray')).status).toBe(200);
    expect((await topUp('johnwick', '1.00')).status).toBe(201);
    expect((await purchase('lyraking', '10.00')).status).toBe(201);

    expect(breakerLines().map(({ severity, message }) => ({ severity, message }))).toEqual([
      { severity: 'ERROR', message: 'The database cannot be reached; requests are answered 503 at once until it answers again' },
      { severity: 'INFO', message: 'The database answers again; requests go to it' },
    ]);
  });

  describe('with one connection', () => {
    useSettings({ DATABASE_POOL_SIZE: '1' });
    freshPool();

    it('keeps to the commit-outcome rule: a top-up whose COMMIT is lost as the database goes is 503 commit_outcome_unknown, and its retry applies it once', async () => {
      const before = await balanceOf(walletOf.alexray);
      const key = randomUUID();
      await behindProxy.direct.beginTransaction();
      let first: Promise<Awaited<ReturnType<typeof outcome>>>;
      try {
        await behindProxy.direct.query("SELECT id FROM users WHERE username = 'alexray' FOR UPDATE");
        first = outcome(topUp('alexray', '6.00', key));
        await until(() => sqlPool().activeConnections() === 1);
        // The database stops taking connections while the top-up waits; its COMMIT is the last thing it hears.
        behindProxy.proxy.refuse();
        behindProxy.proxy.cutWhen({ match: 'COMMIT', times: 1 });
      } finally {
        await behindProxy.direct.commit();
      }
      expect(await first).toEqual({ status: 503, code: 'commit_outcome_unknown', retryAfter: '2' });
      expect(await outcome(walletsOf('alexray'))).toEqual(DATABASE_UNAVAILABLE);
      expect(await balanceOf(walletOf.alexray)).toBe(before);

      behindProxy.proxy.restore();
      await new Promise((resolve) => setTimeout(resolve, PROBE_INTERVAL_MS));
      expect((await topUp('alexray', '6.00', key)).status).toBe(201);
      expect((await topUp('alexray', '6.00', key)).status).toBe(201);
      expect(await balanceOf(walletOf.alexray)).toBe(new Decimal(before).plus(6).toFixed(2));
    });
  });
});
