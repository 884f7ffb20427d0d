import { randomUUID } from 'node:crypto';
import type { Test } from 'supertest';
import { quoteFor } from '../../scripts/ml-standin/market-data';
import { DEMO_USERS } from '../demo/demo-data';
import { findTicker } from '../ml/tickers';
import { Decimal } from '../money/decimal';
import { isStatement } from '../../testing/fault-proxy';
import { useDatabaseBehindProxy } from '../../testing/database-behind-proxy';
import { disconnectDb } from './prisma';
import { callFunction, tokenHeader } from '../../testing/http';
import { useMlStandin } from '../../testing/ml-standin';
import { useTestDatabase } from '../../testing/test-database';

/**
 * The functions talk to MariaDB through a proxy that cuts or black-holes the
 * connections (testing/fault-behindProxy.proxy.ts). Whatever the network does, a
 * client gets a bounded answer it can act on — a 503 with Retry-After, never a
 * 500 or a hang — nothing is half-written, and the service heals by itself.
 * Checks read the database directly, past the behindProxy.proxy.
 */
const database = useTestDatabase();
useMlStandin();

const DEADLINE_MS = 1500;
/** What a bounded answer may take beyond the deadline: the answer itself, a rollback, the event loop. */
const MARGIN_MS = 1000;
/**
 * How soon, once the database has been found away (./database-breaker), a
 * request may try it again; until then requests are answered 503 at once
 * (./fail-fast.test.ts). After a restore, the next request waits that long.
 */
const PROBE_INTERVAL_MS = 100;
const untilTriedAgain = () => new Promise((resolve) => setTimeout(resolve, PROBE_INTERVAL_MS));

const behindProxy = useDatabaseBehindProxy(
  database,
  DEMO_USERS.map((user) => user.username),
  {
    REQUEST_DEADLINE_MS: String(DEADLINE_MS),
    // Within the deadline, so a black-holed connect fails before it; not shorter: a connect that times out
    // finds the database away (./database-breaker), and on a loaded machine a local one took over 500 ms.
    DATABASE_CONNECT_TIMEOUT_MS: '1000',
    DATABASE_PROBE_INTERVAL_MS: String(PROBE_INTERVAL_MS),
    // The sampled purge of expired rows would add a statement to a random request
    // and shift which statement a cut hits: none here.
    HOUSEKEEPING_EVERY: String(Number.MAX_SAFE_INTEGER),
  },
);
const { sql, keys, walletOf } = behindProxy;

afterEach(async () => {
  behindProxy.proxy.restore();
  expect(await ledgerProblems()).toEqual([]);
});

/**
 * SPEC §4's invariants, checked past the proxy: balances equal the sum of
 * their transactions, the daily roll-up matches, and a purchase's row has all
 * its assets (the debit, to the cent) or does not exist.
 */
async function ledgerProblems(): Promise<string[]> {
  const unbalanced = await sql<{ id: string }>(`
    SELECT w.id FROM wallets w LEFT JOIN transactions t ON t.wallet_id = w.id
    GROUP BY w.id, w.balance HAVING w.balance <> COALESCE(SUM(t.sum), 0)`);
  const flows = await sql<{ user_id: string; day: string }>(`
    SELECT a.user_id, a.day FROM (
      SELECT w.user_id, DATE(t.created_at) AS day,
             SUM(CASE WHEN t.sum > 0 THEN t.sum ELSE 0 END) AS money_in, SUM(CASE WHEN t.sum < 0 THEN -t.sum ELSE 0 END) AS money_out
      FROM transactions t JOIN wallets w ON w.id = t.wallet_id GROUP BY w.user_id, DATE(t.created_at)) a
    LEFT JOIN daily_flows f ON f.user_id = a.user_id AND f.day = a.day
    WHERE f.user_id IS NULL OR f.money_in <> a.money_in OR f.money_out <> a.money_out`);
  // A sold portfolio's assets are deleted, so only a purchase that still has assets must have all of them.
  const purchases = await sql<{ id: string }>(`
    SELECT t.id FROM transactions t JOIN assets a ON a.transaction_id = t.id
    GROUP BY t.id, t.sum HAVING SUM(a.overall_sum) <> -t.sum`);
  return [
    ...unbalanced.map(({ id }) => `wallet ${id}: balance is not the sum of its transactions`),
    ...flows.map(({ user_id, day }) => `daily_flows of ${user_id} on ${day} out of step`),
    ...purchases.map(({ id }) => `purchase ${id}: assets do not add up to the debit`),
  ];
}

const balanceOf = async (walletId: string) =>
  (await sql<{ balance: string }>('SELECT CAST(balance AS CHAR) AS balance FROM wallets WHERE id = ?', [walletId]))[0].balance;

const topUp = (username: string, sum: string, idempotencyKey = randomUUID()) =>
  callFunction('wallets-topup')
    .post(`/api/v1/wallets/${walletOf[username]}/topup/`)
    .set(tokenHeader(keys[username]))
    .set('Idempotency-Key', idempotencyKey)
    .send({ sum });

const transactionsOf = (username: string) =>
  callFunction('wallets-transactions').get(`/api/v1/wallets/${walletOf[username]}/transactions/`).set(tokenHeader(keys[username]));

const walletsOf = (username: string) => callFunction('wallets-list').get('/api/v1/wallets/').set(tokenHeader(keys[username]));

const login = (username: string) => callFunction('auth-login').post('/api/v1/auth/login/').send({ username, password: username });

const quote = (assetName: string) => new Decimal(quoteFor(findTicker(assetName)!).current_price).toDecimalPlaces(2, Decimal.ROUND_HALF_UP).toFixed(2);

const purchase = (username: string, investedSum: string, idempotencyKey = randomUUID()) =>
  callFunction('assets-purchase')
    .post('/api/v1/assets/')
    .set(tokenHeader(keys[username]))
    .set('Idempotency-Key', idempotencyKey)
    .send({
      assets: (['AAPL', 'MSFT'] as const).map((asset_name) => ({ asset_name, part_of_portfolio: 50, statistics: { current_price: quote(asset_name) } })),
      metrics: { rate_of_return: '10.00', volatility: '12.00', value_at_risk: '0.50' },
      invested_sum: investedSum,
    });

interface Answer {
  status: number | 'no answer';
  code?: string;
  retryAfter?: string;
  ms: number;
}

/** The answer, or 'no answer' once `limitMs` has passed (the request is then abandoned). */
async function answerWithin(request: Test, limitMs: number): Promise<Answer> {
  const started = Date.now();
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => resolve('late'), limitMs);
  });
  const outcome = await Promise.race([request.then((response) => response), late]);
  clearTimeout(timer);
  const ms = Date.now() - started;
  if (outcome === 'late') {
    request.abort();
    return { status: 'no answer', ms };
  }
  return { status: outcome.status, code: outcome.body?.error?.code, retryAfter: outcome.headers['retry-after'], ms };
}

/**
 * A statement a request sends: not the session setup of a connection the pool
 * opens in the background to replace a cut one, which would shift the count.
 */
const requestStatement = (chunk: Buffer) => isStatement(chunk) && !chunk.includes('SET time_zone');

/** A failure the client can act on: 503, told when to retry. */
const unavailable = (answer: Answer) => answer.status === 503 && Number(answer.retryAfter) > 0;

describe('a database connection cut mid-request (finding 3)', () => {
  // [name, request, its success status, whether it commits a write, the statements it sends at least]
  const requests: Array<[string, () => Test, number, boolean, number]> = [
    ['a top-up', () => topUp('johnwick', '5.00'), 201, true, 6],
    ['a purchase', () => purchase('lyraking', '100.00'), 201, true, 12],
    ['a transactions list', () => transactionsOf('johnwick'), 200, false, 3],
    // One statement: the session and the wallets in one read.
    ['a wallets list', () => walletsOf('alexray'), 200, false, 1],
    // Its one write, the session row, is a single autocommitted INSERT: no COMMIT to lose.
    ['a login', () => login('alexray'), 200, false, 2],
  ];

  it.each(requests)('answers %s with 503 and Retry-After at whichever statement it is cut, never 500', async (_name, send, success, writes, statements) => {
    // Cut at the 1st, 2nd, 3rd… statement the request sends, until one runs through uncut.
    const codes: string[] = [];
    let answered = false;
    for (let skip = 0; skip < 60 && !answered; skip += 1) {
      behindProxy.proxy.cutWhen({ match: requestStatement, skip, times: 1 });
      const answer = await answerWithin(send(), DEADLINE_MS + MARGIN_MS);
      const cutsBefore = behindProxy.proxy.cuts();
      behindProxy.proxy.restore();
      answered = answer.status === success;
      if (answered) break;
      expect({ skip, ...answer, retryable: unavailable(answer) }).toEqual({ skip, ...answer, status: 503, retryable: true });
      expect(cutsBefore).toBeGreaterThan(0);
      expect(await ledgerProblems()).toEqual([]);
      codes.push(answer.code as string);
    }
    expect(answered).toBe(true);
    // Every statement was cut, down to the COMMIT of a request that writes (a login writes its session).
    expect(codes.length).toBeGreaterThanOrEqual(statements);
    expect(codes.slice(0, -1)).toEqual(codes.slice(0, -1).map(() => 'database_unavailable'));
    expect(codes.at(-1)).toBe(writes ? 'commit_outcome_unknown' : 'database_unavailable');
    // The pool has dropped the dead connections: the next request just works.
    expect((await answerWithin(send(), DEADLINE_MS + MARGIN_MS)).status).toBe(success);
  });

  it('answers a storm of requests cut in flight with 2xx or 503, and their retries move money exactly once', async () => {
    const before = await balanceOf(walletOf.johnwick);
    const topUpKeys = Array.from({ length: 6 }, () => randomUUID());
    // Let a few statements through, then cut every connection that sends another, until restored.
    behindProxy.proxy.cutWhen({ match: isStatement, skip: 6 });
    const answers = await Promise.all([
      ...topUpKeys.map((key) => answerWithin(topUp('johnwick', '1.00', key), DEADLINE_MS + MARGIN_MS)),
      answerWithin(purchase('lyraking', '50.00'), DEADLINE_MS + MARGIN_MS),
      answerWithin(purchase('alexray', '50.00'), DEADLINE_MS + MARGIN_MS),
      answerWithin(transactionsOf('johnwick'), DEADLINE_MS + MARGIN_MS),
      answerWithin(transactionsOf('alexray'), DEADLINE_MS + MARGIN_MS),
      answerWithin(walletsOf('johnwick'), DEADLINE_MS + MARGIN_MS),
      answerWithin(login('johnwick'), DEADLINE_MS + MARGIN_MS),
      answerWithin(login('lyraking'), DEADLINE_MS + MARGIN_MS),
    ]);
    behindProxy.proxy.restore();
    expect(behindProxy.proxy.cuts()).toBeGreaterThan(0);
    await untilTriedAgain();
    const wrong = answers.filter((answer) => !(typeof answer.status === 'number' && answer.status < 300) && !unavailable(answer));
    expect(wrong).toEqual([]);
    expect(await ledgerProblems()).toEqual([]);

    // Every top-up retried with its key: each is applied exactly once, whatever its first attempt became.
    for (const key of topUpKeys) expect((await topUp('johnwick', '1.00', key)).status).toBe(201);
    expect(await balanceOf(walletOf.johnwick)).toBe(new Decimal(before).plus(topUpKeys.length).toFixed(2));
  });
});

describe('a connection cut while it is being opened', () => {
  it('answers 503 or, on a second connection, the result, never crashing: the session setup is part of opening', async () => {
    // Fresh connections, each cut as it sends its session setup (the driver's initSql).
    await disconnectDb();
    behindProxy.proxy.cutWhen({ match: 'SET time_zone', times: 3 });
    const answer = await answerWithin(walletsOf('johnwick'), DEADLINE_MS + MARGIN_MS);
    behindProxy.proxy.restore();
    expect(behindProxy.proxy.cuts()).toBeGreaterThan(0);
    expect(answer.status === 200 || unavailable(answer)).toBe(true);
    // Every new connection failed, so the database was found away; the next request, after the interval, finds it again.
    await untilTriedAgain();
    expect((await answerWithin(walletsOf('johnwick'), DEADLINE_MS + MARGIN_MS)).status).toBe(200);
    // A rejection the driver dropped surfaces after a turn of the event loop, and jest fails
    // the test on it (a listener of the test's own would not hear it: jest's process is a sandbox's).
    await new Promise((resolve) => setTimeout(resolve, 50));
  });
});

describe('COMMIT with its outcome unknown', () => {
  it.each([
    ['lost on the way, so nothing is written', false],
    ['carried out, but its answer is lost', true],
  ])('answers 503 commit_outcome_unknown when the COMMIT is %s, and a retry with the key applies it once', async (_name, deliver) => {
    const before = await balanceOf(walletOf.alexray);
    const key = randomUUID();
    behindProxy.proxy.cutWhen({ match: 'COMMIT', deliver, times: 1 });
    const first = await answerWithin(topUp('alexray', '7.00', key), DEADLINE_MS + MARGIN_MS);
    behindProxy.proxy.restore();
    expect({ ...first, retryable: unavailable(first) }).toEqual({ ...first, status: 503, code: 'commit_outcome_unknown', retryable: true });
    const committed = new Decimal(before).plus(7).toFixed(2);
    // A delivered COMMIT is carried out when the server reads it, which can be after the client heard of the cut
    // (sooner still now that the cut has the breaker open a connection to check the database): wait for it.
    if (deliver) while ((await balanceOf(walletOf.alexray)) !== committed) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(await balanceOf(walletOf.alexray)).toBe(deliver ? committed : before);

    const retry = await topUp('alexray', '7.00', key);
    expect(retry.status).toBe(201);
    expect(await balanceOf(walletOf.alexray)).toBe(new Decimal(before).plus(7).toFixed(2));
  });
});

describe('a black-holed database (finding 4)', () => {
  it('answers 503 with Retry-After within the deadline, and recovers by itself once the database is back', async () => {
    // Warm the pool, so some requests hold a connection that goes silent and others need a new one.
    await Promise.all([walletsOf('johnwick'), walletsOf('alexray'), transactionsOf('lyraking')]);
    behindProxy.proxy.blackHole();
    const answers = await Promise.all([
      answerWithin(topUp('johnwick', '3.00'), DEADLINE_MS + MARGIN_MS),
      answerWithin(purchase('lyraking', '50.00'), DEADLINE_MS + MARGIN_MS),
      answerWithin(transactionsOf('alexray'), DEADLINE_MS + MARGIN_MS),
      ...['johnwick', 'alexray', 'lyraking', 'johnwick', 'alexray', 'lyraking', 'johnwick'].map((user) =>
        answerWithin(walletsOf(user), DEADLINE_MS + MARGIN_MS),
      ),
      answerWithin(login('alexray'), DEADLINE_MS + MARGIN_MS),
    ]);
    expect(answers.map((answer) => ({ ...answer, ms: undefined, retryable: unavailable(answer) }))).toEqual(
      answers.map((answer) => ({ ...answer, ms: undefined, status: 503, retryable: true })),
    );
    expect(Math.max(...answers.map((answer) => answer.ms))).toBeLessThanOrEqual(DEADLINE_MS + MARGIN_MS);

    behindProxy.proxy.restore();
    // Nothing restarted: once the interval has passed, the next request finds the database again, and so do those after it.
    await untilTriedAgain();
    expect((await answerWithin(walletsOf('lyraking'), DEADLINE_MS + MARGIN_MS)).status).toBe(200);
    const after = await Promise.all(['johnwick', 'alexray', 'lyraking'].map((user) => answerWithin(walletsOf(user), DEADLINE_MS + MARGIN_MS)));
    expect(after.map((answer) => answer.status)).toEqual([200, 200, 200]);
    expect((await answerWithin(topUp('johnwick', '3.00'), DEADLINE_MS + MARGIN_MS)).status).toBe(201);
  });
});
