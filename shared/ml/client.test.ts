import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startMlStandin, type MlStandin } from '../../scripts/ml-standin/server';
import { ApiError } from '../core/errors';
import { createMlClient, type MlClient } from './client';
import { MlRejectedError } from './errors';

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
