import { historyFor, lastCloseTimestamp, quoteFor } from '../../scripts/ml-standin/market-data';
import { seedDemoUsers } from '../../shared/demo/seed';
import { useMlStandin } from '../../testing/ml-standin';
import { findTicker } from '../../shared/ml/tickers';
import { callFunction, loginAs, tokenHeader } from '../../testing/http';
import { useTestDatabase } from '../../testing/test-database';
import endpoint from './handler';

useTestDatabase();
const ml = useMlStandin();
let key: string;
beforeAll(async () => {
  await seedDemoUsers();
  key = await loginAs('alexray');
});

const stat = (assetName: string) => callFunction('assets-stat').get(`/api/v1/assets/${assetName}/stat/`).set(tokenHeader(key));
const cents = (value: number) => (Math.round(Math.abs(value) * 100) / 100).toFixed(2);

describe('GET /api/v1/assets/{asset_name}/stat/', () => {
  it("answers the asset's quote, in 2-decimal strings with directions, and its history as numbers", async () => {
    const response = await stat('AAPL');
    expect(response.status).toBe(200);
    const quote = quoteFor(findTicker('AAPL')!);
    const now = new Date();
    expect(response.body).toEqual({
      previous_close: cents(quote.previous_close),
      current_price: cents(quote.current_price),
      change_for_day: cents(quote.change_for_day),
      change_for_day_direction: quote.change_for_day < 0 ? '-' : '+',
      change_for_day_sum: cents(quote.change_for_day_sum),
      change_for_day_sum_direction: quote.change_for_day_sum < 0 ? '-' : '+',
      long_name: 'Apple Inc.',
      exchange: 'NMS',
      timezone: 'America/New_York',
      currency: 'USD',
      volume: `${Math.round(quote.volume! / 1e6)}M`,
      day_range_low: cents(quote.day_range_low),
      day_range_high: cents(quote.day_range_high),
      year_range_low: cents(quote.year_range_low),
      year_range_high: cents(quote.year_range_high),
      timestamp: lastCloseTimestamp(now),
      history: historyFor(findTicker('AAPL')!, now),
    });
    expect(Object.keys(response.body.history)).toHaveLength(150);
    expect(response.text).toMatch(/"history":\{"\d+":\d+(\.\d+)?,/); // numbers, not strings
    expect(endpoint.responses[200].schema!.parse(response.body)).toBeTruthy();
  });

  it('shows a falling asset with "-" directions and absolute amounts', async () => {
    const falling = ['AAPL', 'MSFT', 'GOOG', 'TSLA', 'JPM', 'V', 'MA', 'PFE'].find((name) => quoteFor(findTicker(name)!).change_for_day < 0)!;
    const response = await stat(falling);
    expect([response.body.change_for_day_direction, response.body.change_for_day_sum_direction]).toEqual(['-', '-']);
    expect(response.body.change_for_day).toBe(cents(quoteFor(findTicker(falling)!).change_for_day));
  });

  it('gives a null volume where the market reports none', async () => {
    const response = await stat('FXAIX');
    expect(response.status).toBe(200);
    expect(response.body.volume).toBeNull();
  });

  it.each(['NOPE', 'aapl'])('answers 404 for %s, an asset the service does not know', async (name) => {
    const response = await stat(name);
    expect(response.status).toBe(404);
    expect(response.body.error.code).toBe('not_found');
  });

  it.each(['AA1', 'A%20B', 'ABCDEFGHIJKLMNOPQRSTU'])('answers 404 for %s without asking the service', async (name) => {
    const before = ml.standin().requests;
    expect((await stat(name)).status).toBe(404);
    expect(ml.standin().requests).toBe(before);
  });

  it.each([
    ['error500', 'detailed', 503, 'ml_unavailable'],
    ['hang', 'history', 504, 'ml_timeout'],
    ['garbage', 'history', 502, 'ml_bad_response'],
    ['wrong-shape', 'detailed', 502, 'ml_bad_response'],
  ] as const)('maps %s on /stat/%s/ to %i', async (mode, route, status, code) => {
    ml.setTimeoutMs(300);
    ml.standin().setMode(mode, { route });
    const response = await stat('MSFT');
    expect(response.status).toBe(status);
    expect(response.body.error.code).toBe(code);
    if (status === 503) expect(response.headers['retry-after']).toMatch(/^\d+$/);
  });

  it('asks for the quote and the history at once', async () => {
    ml.setTimeoutMs(1000);
    ml.standin().setMode('hang', { route: 'detailed' });
    const pending = stat('GOOG').then((response) => response.status);
    await new Promise((resolve) => setTimeout(resolve, 200));
    // The quote is still hanging, yet the history was asked for already.
    expect(
      ml
        .standin()
        .log.slice(-2)
        .map((request) => request.path)
        .sort(),
    ).toEqual(['/stat/detailed/', '/stat/history/']);
    expect(await pending).toBe(504);
  });

  it('documents an example its response schema accepts', () => {
    expect(endpoint.responses[200].schema!.safeParse(endpoint.responses[200].example).success).toBe(true);
  });
});
