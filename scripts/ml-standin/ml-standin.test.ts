import { TICKERS } from '../../shared/ml/tickers';
import { startMlStandin, type MlStandin } from './server';

const JOHN = 'user-0000000000000001';
const DAY_MS = 86_400_000;

let standin: MlStandin;

beforeAll(async () => {
  standin = await startMlStandin({ port: 0 });
});

afterEach(() => standin.setMode('normal'));

afterAll(async () => {
  await standin.close();
});

async function get(path: string, init?: RequestInit) {
  const res = await fetch(`${standin.url}${path}`, init);
  return { status: res.status, contentType: res.headers.get('content-type'), body: await res.text() };
}

async function getJson<T = Record<string, unknown>>(path: string): Promise<T> {
  const res = await get(path);
  expect(res.status).toBe(200);
  return JSON.parse(res.body) as T;
}

interface PortfolioBody {
  portfolioComposition: Record<string, { weight: number; expectedReturn: number; expectedVolatility: number }>;
  portfolioMetrics: { expectedReturn: number; annualVolatility: number; sharpeRatio: number };
  riskAversion: number;
}

const portfolio = (riskAversion: number, uuid = JOHN) => getJson<PortfolioBody>(`/?uuid=${uuid}&riskAversion=${riskAversion}`);
const weights = (body: PortfolioBody) => Object.values(body.portfolioComposition).map(({ weight }) => weight);
const sum = (values: number[]) => values.reduce((total, value) => total + value, 0);

describe('GET /?uuid=&riskAversion=', () => {
  it('answers a JSON portfolio over all 27 tickers whose weights sum to 1 with some exact zeros', async () => {
    const res = await get(`/?uuid=${JOHN}&riskAversion=0.51`);
    expect(res.status).toBe(200);
    expect(res.contentType).toBe('application/json');
    const body = JSON.parse(res.body) as PortfolioBody;

    expect(Object.keys(body.portfolioComposition).sort()).toEqual(TICKERS.map((t) => t.symbol).sort());
    expect(Math.abs(sum(weights(body)) - 1)).toBeLessThan(1e-9);
    expect(weights(body).filter((weight) => weight === 0).length).toBeGreaterThanOrEqual(3);
    expect(body.portfolioComposition.AAPL).toEqual({ weight: expect.any(Number), expectedReturn: 22.5, expectedVolatility: 27 });
    expect(body.portfolioMetrics).toEqual({
      expectedReturn: expect.any(Number),
      annualVolatility: expect.any(Number),
      sharpeRatio: expect.any(Number),
    });
    expect(body.riskAversion).toBe(0.51);
  });

  it("answers whole basis points summing to 1 whose rounded percentages, like a real optimiser's, may miss 100", async () => {
    const roundedTotals = new Set<number>();
    for (const uuid of ['user-0000000000000001', 'user-0000000000000501', 'user-0000000000000999']) {
      for (let level = 0; level <= 100; level += 5) {
        const body = await portfolio(1 - level / 100, uuid);
        const basisPoints = weights(body).map((weight) => weight * 10_000);
        expect(basisPoints.every((bp) => Math.abs(bp - Math.round(bp)) < 1e-6)).toBe(true);
        expect(sum(basisPoints.map(Math.round))).toBe(10_000);
        roundedTotals.add(sum(weights(body).map((weight) => Math.round(weight * 100))));
      }
    }
    // Callers must turn weights into percentages themselves (shared/portfolio/parts.ts).
    expect(roundedTotals.has(100)).toBe(true);
    expect([...roundedTotals].some((total) => total !== 100)).toBe(true);
  });

  it('moves toward higher-return tickers as riskAversion falls from 1 to 0', async () => {
    const answers = [];
    for (const riskAversion of [1, 0.75, 0.5, 0.25, 0]) answers.push(await portfolio(riskAversion));

    const returns = answers.map((body) => body.portfolioMetrics.expectedReturn);
    const volatilities = answers.map((body) => body.portfolioMetrics.annualVolatility);
    for (let i = 1; i < answers.length; i += 1) {
      expect(returns[i]).toBeGreaterThan(returns[i - 1]);
    }
    expect(volatilities[4]).toBeGreaterThan(volatilities[0]);

    const [spread, concentrated] = [answers[0], answers[4]];
    const held = (body: PortfolioBody) => weights(body).filter((weight) => weight > 0).length;
    expect(held(concentrated)).toBeLessThan(held(spread));
    const heaviest = (body: PortfolioBody) => Object.entries(body.portfolioComposition).sort(([, a], [, b]) => b.weight - a.weight)[0][0];
    expect(heaviest(concentrated)).toBe('TSLA'); // the highest expected return
    expect(['JNJ', 'FXAIX', 'SPY', 'VFINX']).toContain(heaviest(spread)); // the calmest
  });

  it('is deterministic per user, and differs slightly between users', async () => {
    expect(await portfolio(0.3)).toEqual(await portfolio(0.3));
    expect(weights(await portfolio(0.3, 'user-0000000000000501'))).not.toEqual(weights(await portfolio(0.3)));
  });

  it('uses riskAversion 0.5 when none is sent', async () => {
    const body = await getJson<PortfolioBody>(`/?uuid=${JOHN}`);
    expect(body.riskAversion).toBe(0.5);
    expect(body).toEqual(await portfolio(0.5));
  });

  it.each([
    ['/', 'UUID is not specified'],
    ['/?uuid=', 'UUID is not specified'],
    ['/?riskAversion=0.5', 'UUID is not specified'],
    ['/?uuid=user-0000000000000002', 'Received unexpected UUID'],
    [`/?uuid=${JOHN}&riskAversion=abc`, 'Received invalid risk aversion'],
    [`/?uuid=${JOHN}&riskAversion=`, 'Received invalid risk aversion'],
    [`/?uuid=${JOHN}&riskAversion=1.5`, 'Received invalid risk aversion'],
    [`/?uuid=${JOHN}&riskAversion=-0.1`, 'Received invalid risk aversion'],
    [`/?uuid=${JOHN}&riskAversion=NaN`, 'Received invalid risk aversion'],
  ])('answers GET %s with 400 plain text %j', async (path, message) => {
    expect(await get(path)).toEqual({ status: 400, contentType: 'text/plain; charset=utf-8', body: message });
  });

  it.each(['0', '1', '0.51', '.5', '1.0'])('accepts riskAversion=%s', async (riskAversion) => {
    expect((await get(`/?uuid=${JOHN}&riskAversion=${riskAversion}`)).status).toBe(200);
  });
});

describe('asset routes', () => {
  it('answers /stat/ with the price, the day change and the long name for every ticker', async () => {
    const changes: number[] = [];
    for (const ticker of TICKERS) {
      const res = await get(`/stat/?asset_name=${ticker.symbol}`);
      expect(res.contentType).toBe('application/json');
      const stat = JSON.parse(res.body);
      expect(Object.keys(stat).sort()).toEqual(['change_for_day', 'current_price', 'long_name']);
      expect(stat.long_name).toBe(ticker.longName);
      expect(Math.abs(stat.current_price / Number(ticker.basePrice) - 1)).toBeLessThan(0.02);
      changes.push(stat.change_for_day);
    }
    expect(changes.some((change) => change < 0)).toBe(true);
    expect(changes.some((change) => change > 0)).toBe(true);
  });

  it('answers /stat/detailed/ with consistent ranges, volume in millions and the exchange', async () => {
    const detailed = await getJson<Record<string, number>>('/stat/detailed/?asset_name=AAPL');
    expect(detailed).toEqual({
      previous_close: expect.any(Number),
      current_price: expect.any(Number),
      change_for_day: expect.any(Number),
      change_for_day_sum: expect.any(Number),
      volume: expect.any(Number),
      day_range_low: expect.any(Number),
      day_range_high: expect.any(Number),
      year_range_low: expect.any(Number),
      year_range_high: expect.any(Number),
      long_name: 'Apple Inc.',
      exchange: 'NMS',
      timezone: 'America/New_York',
      currency: 'USD',
      timestamp: expect.any(Number),
    });
    expect(Number.isInteger(detailed.volume) && detailed.volume >= 1_000_000).toBe(true);
    expect(detailed.day_range_low).toBeLessThanOrEqual(Math.min(detailed.previous_close, detailed.current_price));
    expect(detailed.day_range_high).toBeGreaterThanOrEqual(Math.max(detailed.previous_close, detailed.current_price));
    expect(detailed.year_range_low).toBeLessThanOrEqual(detailed.day_range_low);
    expect(detailed.year_range_high).toBeGreaterThanOrEqual(detailed.day_range_high);
    expect(detailed.change_for_day_sum).toBeCloseTo(detailed.current_price - detailed.previous_close, 2);
    expect(Number.isInteger(detailed.timestamp)).toBe(true);
    expect(detailed.timestamp).toBeLessThanOrEqual(Date.now() / 1000);
    expect(detailed.timestamp).toBeGreaterThan(Date.now() / 1000 - 2 * 86_400);

    const stat = await getJson('/stat/?asset_name=AAPL');
    expect(stat.current_price).toBe(detailed.current_price);
  });

  it('reports no volume for mutual funds', async () => {
    expect((await getJson('/stat/detailed/?asset_name=FXAIX')).volume).toBeNull();
  });

  it('answers /stat/history/ with ~5 months of daily UTC-midnight points as JSON labelled text/html', async () => {
    const res = await get('/stat/history/?asset_name=MSFT');
    expect(res.status).toBe(200);
    expect(res.contentType).toBe('text/html; charset=utf-8');
    const history = JSON.parse(res.body) as Record<string, number>;
    const days = Object.keys(history)
      .map(Number)
      .sort((a, b) => a - b);

    expect(days.length).toBe(150);
    expect(days.every((day) => day % DAY_MS === 0)).toBe(true);
    expect(days.every((day, i) => i === 0 || day - days[i - 1] === DAY_MS)).toBe(true);
    expect(days[days.length - 1]).toBe(Math.floor(Date.now() / DAY_MS) * DAY_MS);

    const { year_range_low, year_range_high } = await getJson<Record<string, number>>('/stat/detailed/?asset_name=MSFT');
    for (const price of Object.values(history)) {
      expect(price).toBeGreaterThanOrEqual(year_range_low);
      expect(price).toBeLessThanOrEqual(year_range_high);
    }
  });

  it('answers the same data twice', async () => {
    for (const path of ['/stat/?asset_name=TSLA', '/stat/detailed/?asset_name=TSLA', '/stat/history/?asset_name=TSLA']) {
      expect(await get(path)).toEqual(await get(path));
    }
  });

  it.each([
    ['/stat/', 'Asset name is not specified'],
    ['/stat/detailed/?asset_name=', 'Asset name is not specified'],
    ['/stat/history/', 'Asset name is not specified'],
    ['/stat/?asset_name=NOPE', 'Received unexpected asset name'],
    ['/stat/detailed/?asset_name=aapl', 'Received unexpected asset name'],
    ['/stat/history/?asset_name=NOPE', 'Received unexpected asset name'],
  ])('answers GET %s with 400 plain text %j', async (path, message) => {
    expect(await get(path)).toEqual({ status: 400, contentType: 'text/plain; charset=utf-8', body: message });
  });

  it('answers 404 for other paths and 405 for other methods', async () => {
    expect((await get('/stat?asset_name=AAPL')).status).toBe(404);
    expect((await get('/stats/?asset_name=AAPL')).status).toBe(404);
    expect((await get('/stat/?asset_name=AAPL', { method: 'POST' })).status).toBe(405);
  });
});

describe('failure modes', () => {
  it('fails only the scoped asset and route, then recovers', async () => {
    standin.setMode('error500', { route: 'stat', assetName: 'MSFT' });
    expect((await get('/stat/?asset_name=MSFT')).status).toBe(500);
    expect((await get('/stat/?asset_name=AAPL')).status).toBe(200);
    expect((await get('/stat/detailed/?asset_name=MSFT')).status).toBe(200);

    standin.setMode('normal', { route: 'stat', assetName: 'MSFT' });
    expect((await get('/stat/?asset_name=MSFT')).status).toBe(200);
  });

  it('answers garbage and wrong-shaped JSON with 200', async () => {
    standin.setMode('garbage');
    const garbage = await get('/stat/?asset_name=AAPL');
    expect(garbage.status).toBe(200);
    expect(() => JSON.parse(garbage.body)).toThrow();

    standin.setMode('wrong-shape');
    const wrong = await get(`/?uuid=${JOHN}`);
    expect(wrong.status).toBe(200);
    expect(JSON.parse(wrong.body)).not.toHaveProperty('portfolioComposition');
  });

  it('can be switched over HTTP by POST /__control', async () => {
    const control = (body: unknown) => get('/__control', { method: 'POST', body: JSON.stringify(body) });
    expect((await control({ mode: 'error500', route: 'history' })).status).toBe(200);
    expect((await get('/stat/history/?asset_name=AAPL')).status).toBe(500);
    expect((await get('/stat/?asset_name=AAPL')).status).toBe(200);

    expect((await control({ mode: 'normal' })).status).toBe(200);
    expect((await get('/stat/history/?asset_name=AAPL')).status).toBe(200);
    expect((await control({ mode: 'explode' })).status).toBe(400);
  });

  it('counts and logs the requests it serves', async () => {
    const before = standin.requests;
    await get('/stat/?asset_name=V');
    expect(standin.requests).toBe(before + 1);
    expect(standin.log[standin.log.length - 1]).toEqual({ method: 'GET', path: '/stat/', query: { asset_name: 'V' } });
  });

  it('answers normally, but late, in slow mode: a prompt call made after it is answered first', async () => {
    standin.setMode('slow', { route: 'stat' });
    const order: string[] = [];
    const [slow, prompt] = await Promise.all([
      get('/stat/?asset_name=AAPL').then((response) => (order.push('slow'), response)),
      get('/stat/detailed/?asset_name=AAPL').then((response) => (order.push('prompt'), response)),
    ]);
    standin.setMode('normal');
    expect([slow.status, prompt.status]).toEqual([200, 200]);
    expect(order).toEqual(['prompt', 'slow']);
    expect(slow.body).toEqual((await get('/stat/?asset_name=AAPL')).body);
  });

  it('hangs until closed, and close() drops the hanging connection', async () => {
    const own = await startMlStandin();
    own.setMode('hang');
    const pending = fetch(`${own.url}/stat/?asset_name=AAPL`);
    const settled = pending.then(
      () => 'answered',
      () => 'dropped',
    );
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(own.requests).toBe(1);

    const started = Date.now();
    await own.close();
    expect(Date.now() - started).toBeLessThan(1000);
    expect(await settled).toBe('dropped');
  });
});
