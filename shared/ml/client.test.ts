import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startMlStandin, type MlStandin } from '../../scripts/ml-standin/server';
import { startHostileMl, type HostileMl } from '../../testing/hostile-ml';
import { ApiError } from '../core/errors';
import { createMlClient, type MlClient } from './client';
import { MlRejectedError } from './errors';
import { MAX_HISTORY_ENTRIES } from './schemas';

const JOHN = 'user-0000000000000001';

let standin: MlStandin;
let ml: MlClient;

beforeAll(async () => {
  standin = await startMlStandin({ port: 0 });
  ml = createMlClient({ baseUrl: standin.url });
});

afterEach(() => standin.setMode('normal'));

afterAll(async () => {
  await standin.close();
});

/** The ApiError a call failed with; fails the test if the call succeeded. */
async function failure(call: Promise<unknown>): Promise<ApiError> {
  const outcome = await call.then(
    () => undefined,
    (error: unknown) => error,
  );
  expect(outcome).toBeInstanceOf(ApiError);
  return outcome as ApiError;
}

describe('parsing the service answers', () => {
  it('parses a portfolio, passing riskAversion through as sent', async () => {
    const portfolio = await ml.recommendPortfolio(JOHN, '0.51');
    expect(portfolio.riskAversion).toBe(0.51);
    expect(Object.keys(portfolio.portfolioComposition)).toHaveLength(27);
    expect(portfolio.portfolioComposition.TSLA).toEqual({
      weight: expect.any(Number),
      expectedReturn: 38.6,
      expectedVolatility: 58.4,
    });
    expect(portfolio.portfolioMetrics.annualVolatility).toBeGreaterThan(0);
    expect(standin.log[standin.log.length - 1].query).toEqual({ uuid: JOHN, riskAversion: '0.51' });
  });

  it('leaves riskAversion out when none is given', async () => {
    expect((await ml.recommendPortfolio(JOHN)).riskAversion).toBe(0.5);
    expect(standin.log[standin.log.length - 1].query).toEqual({ uuid: JOHN });
  });

  it('parses a stat', async () => {
    expect(await ml.getStat('AAPL')).toEqual({
      current_price: expect.any(Number),
      change_for_day: expect.any(Number),
      long_name: 'Apple Inc.',
    });
  });

  it('parses a detailed stat, including a null volume', async () => {
    const detailed = await ml.getDetailedStat('VFINX');
    expect(detailed).toMatchObject({ long_name: 'Vanguard Index Trust 500 Index', exchange: 'NAS', currency: 'USD', volume: null });
    expect(Number.isInteger(detailed.timestamp)).toBe(true);
  });

  it('parses the history even though it is labelled text/html', async () => {
    const history = await ml.getHistory('GOOG');
    expect(Object.keys(history).length).toBeGreaterThan(100);
    expect(Object.values(history).every((price) => typeof price === 'number')).toBe(true);
  });
});

describe('mapping failures', () => {
  it('retries a 500 twice, then reports 503', async () => {
    standin.setMode('error500');
    const before = standin.requests;
    const error = await failure(ml.getStat('AAPL'));
    expect(standin.requests - before).toBe(3);
    expect(error.status).toBe(503);
    expect(error.code).toBe('ml_unavailable');
    expect(error.toBody()).toEqual({
      error: { code: 'ml_unavailable', message: 'The investment recommendation service is unavailable', details: [] },
    });
  });

  it('reports 504 when the service does not answer in time, without retrying', async () => {
    standin.setMode('hang');
    const quick = createMlClient({ baseUrl: standin.url, timeoutMs: 300 });
    const before = standin.requests;
    const started = Date.now();
    const error = await failure(quick.getDetailedStat('AAPL'));
    expect(Date.now() - started).toBeLessThan(2000);
    expect(standin.requests - before).toBe(1);
    expect([error.status, error.code, error.message]).toEqual([504, 'ml_timeout', 'The investment recommendation service timed out']);
  });

  it('reports 502 for an answer that is not JSON', async () => {
    standin.setMode('garbage');
    const error = await failure(ml.getHistory('AAPL'));
    expect([error.status, error.code]).toEqual([502, 'ml_bad_response']);
    expect(error.message).toBe('The investment recommendation service sent an invalid response');
  });

  it('reports 502 for JSON of the wrong shape', async () => {
    standin.setMode('wrong-shape');
    for (const call of [ml.recommendPortfolio(JOHN), ml.getStat('AAPL'), ml.getDetailedStat('AAPL'), ml.getHistory('AAPL')]) {
      const error = await failure(call);
      expect([error.status, error.code]).toEqual([502, 'ml_bad_response']);
    }
  });

  /** A client of a one-off service that answers every request with a portfolio of AAPL and NEWCO (not one of the 27). */
  async function withPortfolioWeighingNewco(newcoWeight: number, use: (client: MlClient) => Promise<void>): Promise<void> {
    const composition = {
      AAPL: { weight: 1 - newcoWeight, expectedReturn: 1, expectedVolatility: 1 },
      NEWCO: { weight: newcoWeight, expectedReturn: 1, expectedVolatility: 1 },
    };
    const body = JSON.stringify({
      portfolioComposition: composition,
      portfolioMetrics: { expectedReturn: 1, annualVolatility: 1, sharpeRatio: 1 },
      riskAversion: 0.5,
    });
    const server = createServer((_request, response) => response.writeHead(200, { 'Content-Type': 'application/json' }).end(body));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      await use(createMlClient({ baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/` }));
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  }

  it('refuses with 502 a portfolio that weighs a ticker outside the contract’s 27', async () => {
    await withPortfolioWeighingNewco(0.2, async (client) => {
      const error = await failure(client.recommendPortfolio(JOHN));
      expect([error.status, error.code]).toEqual([502, 'ml_bad_response']);
    });
  });

  it('ignores a ticker outside the contract that weighs nothing', async () => {
    await withPortfolioWeighingNewco(0, async (client) => {
      expect(Object.keys((await client.recommendPortfolio(JOHN)).portfolioComposition)).toEqual(['AAPL', 'NEWCO']);
    });
  });

  it('reports 503 when nothing listens at the address', async () => {
    const gone = await startMlStandin();
    await gone.close();
    const error = await failure(createMlClient({ baseUrl: gone.url }).getStat('AAPL'));
    expect([error.status, error.code]).toEqual([503, 'ml_unavailable']);
    expect(error.message).not.toMatch(/\bat |ECONNREFUSED|127\.0\.0\.1/);
  });

  it('turns a 400 into an MlRejectedError carrying the service text, without retrying', async () => {
    const before = standin.requests;
    const error = await failure(ml.getStat('NOPE'));
    expect(standin.requests - before).toBe(1);
    expect(error).toBeInstanceOf(MlRejectedError);
    expect(error).toMatchObject({ status: 502, code: 'ml_rejected', mlStatus: 400, mlMessage: 'Received unexpected asset name' });

    const unknownUser = await failure(ml.recommendPortfolio('user-0000000000000002'));
    expect(unknownUser).toMatchObject({ mlMessage: 'Received unexpected UUID' });
    const badAversion = await failure(ml.recommendPortfolio(JOHN, '2'));
    expect(badAversion).toMatchObject({ mlMessage: 'Received invalid risk aversion' });
  });
});

describe('getStats', () => {
  it('fetches each asset once and maps the one that failed to null', async () => {
    standin.setMode('error500', { route: 'stat', assetName: 'MSFT' });
    const stats = await ml.getStats(['AAPL', 'MSFT', 'JNJ', 'AAPL']);
    expect([...stats.keys()]).toEqual(['AAPL', 'MSFT', 'JNJ']);
    expect(stats.get('AAPL')).toMatchObject({ long_name: 'Apple Inc.' });
    expect(stats.get('JNJ')).toMatchObject({ long_name: 'Johnson & Johnson' });
    expect(stats.get('MSFT')).toBeNull();
  });
});

describe('getStats with statTtlMs (quotes shown in holdings and advice)', () => {
  it('reuses a quote within the TTL, shares one call among concurrent requests, and asks again after it', async () => {
    const cached = createMlClient({ baseUrl: standin.url, statTtlMs: 300 });
    const before = standin.requests;
    const [first, second] = await Promise.all([cached.getStats(['AAPL', 'MSFT']), cached.getStats(['AAPL', 'MSFT'])]);
    expect(standin.requests - before).toBe(2);
    expect(second).toEqual(first);
    await cached.getStats(['AAPL']);
    expect(standin.requests - before).toBe(2);
    await new Promise((resolve) => setTimeout(resolve, 350));
    await cached.getStats(['AAPL']);
    expect(standin.requests - before).toBe(3);
  });

  it('shares one user’s recommendation at one risk level within the TTL, not another level’s', async () => {
    const cached = createMlClient({ baseUrl: standin.url, statTtlMs: 300 });
    const before = standin.requests;
    const [first, second] = await Promise.all([
      cached.recommendPortfolio('user-0000000000000001', '0.5'),
      cached.recommendPortfolio('user-0000000000000001', '0.5'),
    ]);
    expect(second).toEqual(first);
    expect(standin.requests - before).toBe(1);
    await cached.recommendPortfolio('user-0000000000000001', '0.2');
    await cached.recommendPortfolio('user-0000000000000501', '0.5');
    expect(standin.requests - before).toBe(3);
    await new Promise((resolve) => setTimeout(resolve, 350));
    await cached.recommendPortfolio('user-0000000000000001', '0.5');
    expect(standin.requests - before).toBe(4);
  });

  it('never keeps a failure, and getStat always asks the service', async () => {
    const cached = createMlClient({ baseUrl: standin.url, statTtlMs: 60_000, retries: 0 });
    standin.setMode('error500', { route: 'stat', assetName: 'JNJ' });
    expect((await cached.getStats(['JNJ'])).get('JNJ')).toBeNull();
    standin.setMode('normal');
    expect((await cached.getStats(['JNJ'])).get('JNJ')).toMatchObject({ long_name: 'Johnson & Johnson' });
    const before = standin.requests;
    await cached.getStat('JNJ');
    expect(standin.requests - before).toBe(1);
  });
});

describe('getQuotes with quoteMaxAgeMs (the prices a purchase trades at)', () => {
  it('asks once per asset, shares a call made within the age among purchases, and asks again after it', async () => {
    const quoting = createMlClient({ baseUrl: standin.url, quoteMaxAgeMs: 300 });
    const before = standin.requests;
    const [first, second] = await Promise.all([quoting.getQuotes(['AAPL', 'MSFT', 'AAPL']), quoting.getQuotes(['MSFT', 'AAPL'])]);
    expect(standin.requests - before).toBe(2);
    expect(first.get('AAPL')).toEqual(second.get('AAPL'));
    await quoting.getQuotes(['AAPL']);
    expect(standin.requests - before).toBe(2);
    await new Promise((resolve) => setTimeout(resolve, 350));
    await quoting.getQuotes(['AAPL']);
    expect(standin.requests - before).toBe(3);
  });

  it('fails as a whole when one quote fails, and never keeps the failure', async () => {
    const quoting = createMlClient({ baseUrl: standin.url, quoteMaxAgeMs: 60_000, retries: 0 });
    standin.setMode('error500', { route: 'stat', assetName: 'JNJ' });
    await expect(quoting.getQuotes(['AAPL', 'JNJ'])).rejects.toMatchObject({ status: 503, code: 'ml_unavailable' });
    standin.setMode('normal');
    expect((await quoting.getQuotes(['JNJ'])).get('JNJ')).toMatchObject({ long_name: 'Johnson & Johnson' });
  });

  it('asks for every quote itself with an age of 0', async () => {
    const quoting = createMlClient({ baseUrl: standin.url, quoteMaxAgeMs: 0 });
    const before = standin.requests;
    await Promise.all([quoting.getQuotes(['AAPL']), quoting.getQuotes(['AAPL'])]);
    expect(standin.requests - before).toBe(2);
  });
});

describe('answers a hostile service sends (shared/ml/answer-limits)', () => {
  const MB = 1024 * 1024;
  let hostile: HostileMl;
  let elsewhere: HostileMl;
  // A minute per attempt: each refusal below is a 502 decided by what arrived, never a timeout.
  const patient = () => createMlClient({ baseUrl: hostile.url, timeoutMs: 60_000, retries: 0 });

  beforeAll(async () => {
    [hostile, elsewhere] = await Promise.all([startHostileMl(), startHostileMl()]);
    // The host a redirect points at prices AAPL at 1.00, as in the attack.
    elsewhere.answer({ kind: 'stat', price: 1 });
  });
  afterAll(async () => {
    await Promise.all([hostile.close(), elsewhere.close()]);
  });

  async function expectBadResponse(call: Promise<unknown>): Promise<void> {
    const error = await failure(call);
    expect([error.status, error.code]).toEqual([502, 'ml_bad_response']);
  }

  it.each([
    ['with its length declared', true],
    ['chunked, with no length', false],
  ])('refuses an answer past ML_MAX_RESPONSE_BYTES %s, long before it has all been sent', async (_case, declareLength) => {
    // A valid stat padded to 32 MB: read whole, it would parse.
    hostile.answer({ kind: 'padded-stat', bytes: 32 * MB, declareLength });
    const before = hostile.sent;
    await expectBadResponse(patient().getStat('AAPL'));
    // Give the server a moment to notice the closed connection, then look at what it managed to send.
    await new Promise((resolve) => setTimeout(resolve, 100));
    // Up to ~10 MB fit in the two sockets' kernel buffers before the client reads anything.
    expect(hostile.sent - before).toBeLessThan(16 * MB);
  });

  it('takes an answer within the limit, and refuses one just past a smaller limit', async () => {
    hostile.answer({ kind: 'padded-stat', bytes: 4096, declareLength: false });
    expect(await patient().getStat('AAPL')).toMatchObject({ current_price: 100, long_name: 'Apple Inc.' });
    await expectBadResponse(createMlClient({ baseUrl: hostile.url, maxResponseBytes: 4095, retries: 0 }).getStat('AAPL'));
  });

  it('refuses a compressed answer (a gzip bomb) without inflating it, and asks for none', async () => {
    hostile.answer({ kind: 'gzip-bomb', inflatedBytes: 64 * MB });
    await expectBadResponse(patient().getStat('AAPL'));
    expect(hostile.lastAcceptEncoding).toBe('identity');
  });

  it(`refuses a history of more than ${MAX_HISTORY_ENTRIES} entries, and takes one of exactly that many`, async () => {
    hostile.answer({ kind: 'history', entries: MAX_HISTORY_ENTRIES + 1 });
    await expectBadResponse(patient().getHistory('AAPL'));
    hostile.answer({ kind: 'history', entries: MAX_HISTORY_ENTRIES });
    expect(Object.keys(await patient().getHistory('AAPL'))).toHaveLength(MAX_HISTORY_ENTRIES);
  });

  it('reports 504 for a body that stops arriving: the body is bounded in time too, not only in size', async () => {
    hostile.answer({ kind: 'trickle' });
    const error = await failure(createMlClient({ baseUrl: hostile.url, timeoutMs: 300, retries: 0 }).getStat('AAPL'));
    expect([error.status, error.code]).toEqual([504, 'ml_timeout']);
  });

  it.each([301, 302, 303, 307, 308] as const)('refuses a %i to another origin without following it', async (status) => {
    hostile.answer({ kind: 'redirect', status, location: `${elsewhere.url}/stat/?asset_name=AAPL` });
    const before = elsewhere.requests;
    await expectBadResponse(patient().getStat('AAPL'));
    // Through getQuotes too, the path a purchase takes its prices by.
    await expectBadResponse(patient().getQuotes(['AAPL']));
    expect(elsewhere.requests - before).toBe(0);
  });
});
