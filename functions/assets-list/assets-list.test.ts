import { quoteFor } from '../../scripts/ml-standin/market-data';
import { resetConfigForTests } from '../../shared/config/config';
import { DEMO_USERS } from '../../shared/demo/demo-data';
import { demoPurchasePrice, seedDemoUsers } from '../../shared/demo/seed';
import { Decimal } from '../../shared/money/decimal';
import { useMlStandin } from '../../testing/ml-standin';
import { findTicker } from '../../shared/ml/tickers';
import { callFunction, loginAs, tokenHeader } from '../../testing/http';
import { useTestDatabase } from '../../testing/test-database';
import endpoint from './handler';

useTestDatabase();
const ml = useMlStandin();
beforeAll(() => seedDemoUsers());

const list = async (username: string) =>
  callFunction('assets-list')
    .get('/api/v1/assets/')
    .set(tokenHeader(await loginAs(username)));

/** What GET /assets/ must show for a seeded asset, worked out by hand from the stand-in's quote. */
function expectedStatistics(assetName: string, index: number, overallSum: string) {
  const quote = quoteFor(findTicker(assetName)!);
  const price = new Decimal(quote.current_price).toDecimalPlaces(2, Decimal.ROUND_HALF_UP);
  const gain = new Decimal(overallSum).times(price).dividedBy(demoPurchasePrice(assetName, index)).minus(overallSum).toDecimalPlaces(2, Decimal.ROUND_HALF_UP);
  const change = new Decimal(quote.change_for_day).toDecimalPlaces(2, Decimal.ROUND_HALF_UP);
  return {
    long_name: quote.long_name,
    current_price: price.toFixed(2),
    change_for_day: change.abs().toFixed(2),
    change_for_day_direction: change.isNegative() ? '-' : '+',
    profit: gain.abs().toFixed(2),
    profit_direction: gain.isNegative() ? '-' : '+',
  };
}

describe('GET /api/v1/assets/', () => {
  it("lists johnwick's portfolio: parts, sums, metrics and profits from the current quotes", async () => {
    const response = await list('johnwick');
    expect(response.status).toBe(200);
    const john = DEMO_USERS[0].portfolio!;
    expect(response.body).toEqual({
      metrics: { rate_of_return: '14.20', volatility: '18.50', value_at_risk: '0.63' },
      assets: john.parts.map(([assetName, percent], index) => {
        const overallSum = (percent * 10).toFixed(2);
        return { part_of_portfolio: percent, overall_sum: overallSum, asset_name: assetName, statistics: expectedStatistics(assetName, index, overallSum) };
      }),
      invested_sum: '1000.00',
    });
    expect(endpoint.responses[200].schema!.parse(response.body)).toBeTruthy();
    // Profits are small real numbers, not all zero.
    expect(response.body.assets.some((asset: { statistics: { profit: string } }) => asset.statistics.profit !== '0.00')).toBe(true);
  });

  it('shows each user only their own portfolio', async () => {
    const lyra = await list('lyraking');
    expect(lyra.status).toBe(200);
    expect(lyra.body.assets.map((asset: { asset_name: string }) => asset.asset_name)).toEqual(['SPY', 'FXAIX', 'JPM', 'MA', 'PLD', 'UNH', 'V']);
    expect(lyra.body.invested_sum).toBe('5000.00');
    expect(lyra.body.metrics.rate_of_return).toBe('9.80');
  });

  it('answers 204 with no body when the user holds no portfolio', async () => {
    const response = await list('alexray');
    expect(response.status).toBe(204);
    expect(response.text).toBe('');
  });

  it('still answers 200 when one quote fails, with null statistics for that asset', async () => {
    ml.standin().setMode('error500', { route: 'stat', assetName: 'MSFT' });
    const response = await list('johnwick');
    expect(response.status).toBe(200);
    const byName = Object.fromEntries(response.body.assets.map((asset: { asset_name: string }) => [asset.asset_name, asset]));
    expect(byName.MSFT).toEqual({ part_of_portfolio: 25, overall_sum: '250.00', asset_name: 'MSFT', statistics: null });
    expect(byName.AAPL.statistics).toEqual(expectedStatistics('AAPL', 0, '300.00'));
  });

  it('asks for all quotes at once: five hanging quotes cost one timeout, not five', async () => {
    ml.setTimeoutMs(300);
    ml.standin().setMode('hang', { route: 'stat' });
    const key = await loginAs('johnwick');
    const started = Date.now();
    const response = await callFunction('assets-list').get('/api/v1/assets/').set(tokenHeader(key));
    expect(Date.now() - started).toBeLessThan(1200);
    expect(response.status).toBe(200);
    expect(response.body.assets.every((asset: { statistics: unknown }) => asset.statistics === null)).toBe(true);
  });

  it('answers 503 naming the setting when no ML service is configured', async () => {
    const url = process.env.ML_SERVICE_URL;
    delete process.env.ML_SERVICE_URL;
    resetConfigForTests();
    try {
      const response = await list('johnwick');
      expect(response.status).toBe(503);
      expect(response.body.error).toMatchObject({ code: 'ml_unavailable', message: expect.stringContaining('ML_SERVICE_URL') });
      expect(response.headers['retry-after']).toBe('60');
    } finally {
      process.env.ML_SERVICE_URL = url;
      resetConfigForTests();
    }
  });

  it('reads metrics and assets from one snapshot while purchases replace them', async () => {
    // alexray switches back and forth between two portfolios, each with its own metrics; every listing must show
    // one portfolio whole, never one's metrics with the other's assets.
    const key = await loginAs('alexray');
    const portfolios = {
      '1.00': ['SPY'],
      '2.00': ['MA', 'V'],
    } as const;
    const bodyFor = (rate: keyof typeof portfolios) => ({
      assets: portfolios[rate].map((asset_name) => ({
        asset_name,
        part_of_portfolio: 100 / portfolios[rate].length,
        statistics: { current_price: new Decimal(quoteFor(findTicker(asset_name)!).current_price).toDecimalPlaces(2, Decimal.ROUND_HALF_UP).toFixed(2) },
      })),
      metrics: { rate_of_return: rate, volatility: '1.00', value_at_risk: '1.00' },
      invested_sum: '10.00',
    });
    let buying = true;
    const buyer = (async () => {
      for (let round = 0; round < 30; round += 1) {
        const response = await callFunction('assets-purchase')
          .post('/api/v1/assets/')
          .set(tokenHeader(key))
          .send(bodyFor(round % 2 ? '2.00' : '1.00'));
        expect(response.status).toBe(201);
      }
      buying = false;
    })();
    const seen: string[] = [];
    const lister = async () => {
      while (buying) {
        const response = await callFunction('assets-list').get('/api/v1/assets/').set(tokenHeader(key));
        if (response.status === 204) continue;
        const names = response.body.assets
          .map((asset: { asset_name: string }) => asset.asset_name)
          .sort()
          .join(',');
        seen.push(`${response.body.metrics.rate_of_return} ${names}`);
      }
    };
    await Promise.all([buyer, lister(), lister(), lister(), lister()]);
    expect(seen.length).toBeGreaterThan(10);
    expect(new Set(seen.filter((listing) => listing !== '1.00 SPY' && listing !== '2.00 MA,V'))).toEqual(new Set());
  });

  it('needs a key', async () => {
    expect((await callFunction('assets-list').get('/api/v1/assets/')).status).toBe(401);
  });

  it('documents an example its response schema accepts', () => {
    expect(endpoint.responses[200].schema!.safeParse(endpoint.responses[200].example).success).toBe(true);
  });
});
