import { recommendPortfolio } from '../../scripts/ml-standin/portfolio';
import { hashPassword } from '../../shared/auth/passwords';
import { db } from '../../shared/db/prisma';
import { seedDemoUsers } from '../../shared/demo/seed';
import { Decimal } from '../../shared/money/decimal';
import { buildOpenApiDocument } from '../../shared/openapi/document';
import { registry } from '../registry';
import { useMlStandin } from '../../testing/ml-standin';
import { callFunction, loginAs, logout, tokenHeader } from '../../testing/http';
import { useTestDatabase } from '../../testing/test-database';
import { storedCardData } from '../../testing/wallets';
import endpoint from './handler';

useTestDatabase();
const ml = useMlStandin();
const LYRA = 'user-0000000000000501';

beforeAll(async () => {
  await seedDemoUsers();
  // A user without wallets and one whose only wallet is empty.
  const passwordHash = await hashPassword('secret-pass');
  await db().user.create({ data: { username: 'nowallet', passwordHash, mlUuid: 'user-0000000000000999' } });
  const broke = await db().user.create({ data: { username: 'broke', passwordHash, mlUuid: 'user-0000000000000999' } });
  await db().wallet.create({ data: { userId: broke.id, bankName: 'Empty', ...storedCardData(broke.id, '9000000000000001') } });
});

interface AdviceAsset {
  part_of_portfolio: number;
  overall_sum: string;
  asset_name: string;
  statistics: Record<string, unknown> | null;
}

const keys = new Map<string, string>();
async function advice(query: Record<string, string> = {}, username = 'lyraking') {
  if (!keys.has(username)) keys.set(username, await loginAs(username, username === 'nowallet' || username === 'broke' ? 'secret-pass' : username));
  return callFunction('assets-advice')
    .get('/api/v1/assets/advice/')
    .query(query)
    .set(tokenHeader(keys.get(username)!));
}
const lastMlQuery = () =>
  ml
    .standin()
    .log.filter((request) => request.path === '/')
    .at(-1)?.query;
const sumOfParts = (assets: AdviceAsset[]) => assets.reduce((sum, asset) => sum + asset.part_of_portfolio, 0);

/** SPEC §3 worked by hand: round(weight × 100) half up, zeros dropped, largest part first, then by name. */
function specParts(uuid: string, riskAversion: number): Array<[string, number]> {
  return Object.entries(recommendPortfolio(uuid, riskAversion).portfolioComposition)
    .map(([assetName, { weight }]): [string, number] => [
      assetName,
      new Decimal(String(weight)).times(100).toDecimalPlaces(0, Decimal.ROUND_HALF_UP).toNumber(),
    ])
    .filter(([, part]) => part > 0)
    .sort(([a, pa], [b, pb]) => pb - pa || (a < b ? -1 : 1));
}

/** SPEC §3: overall_sum = part × investing_sum / 100, to the cent, half up. */
const specSum = (part: number, investingSum: string) =>
  new Decimal(investingSum).times(part).dividedBy(100).toDecimalPlaces(2, Decimal.ROUND_HALF_UP).toFixed(2);

describe('GET /api/v1/assets/advice/', () => {
  it('advises on the largest balance at the service default risk when asked nothing', async () => {
    const response = await advice();
    expect(response.status).toBe(200);
    expect(lastMlQuery()).toEqual({ uuid: LYRA });
    const body = response.body as { assets: AdviceAsset[]; suggested_sum: string; risk_level: number; metrics: Record<string, string> };
    expect(body.suggested_sum).toBe('1950.50');
    expect(body.risk_level).toBe(50);
    expect(Object.values(body.metrics).every((value) => /^-?\d+\.\d{2}$/.test(value))).toBe(true);

    const raw = recommendPortfolio(LYRA, 0.5);
    const expected = specParts(LYRA, 0.5);
    expect(Math.abs(expected.reduce((sum, [, part]) => sum + part, 0) - 100)).toBeLessThanOrEqual(1);
    expect(body.assets.map((asset) => [asset.asset_name, asset.part_of_portfolio, asset.overall_sum])).toEqual(
      expected.map(([assetName, part]) => [assetName, part, specSum(part, '1950.50')]),
    );
    expect(body.metrics.rate_of_return).toBe(new Decimal(raw.portfolioMetrics.expectedReturn).toDecimalPlaces(2, Decimal.ROUND_HALF_UP).toFixed(2));
    for (const asset of body.assets) {
      expect(asset.statistics).toEqual({
        long_name: expect.any(String),
        current_price: expect.stringMatching(/^\d+\.\d{2}$/),
        change_for_day: expect.stringMatching(/^\d+\.\d{2}$/),
        change_for_day_direction: expect.stringMatching(/^[+-]$/),
      });
    }
    expect(endpoint.responses[200].schema!.parse(response.body)).toBeTruthy();
  });

  it.each([
    ['49', '0.51'],
    ['0', '1'],
    ['100', '0'],
    ['7', '0.93'],
    ['050', '0.5'],
  ])('sends risk_level=%s as riskAversion=%s and reads the level back from the answer', async (level, aversion) => {
    const response = await advice({ risk_level: level });
    expect(response.status).toBe(200);
    expect(lastMlQuery()).toEqual({ uuid: LYRA, riskAversion: aversion });
    expect(response.body.risk_level).toBe(Number(level));
  });

  it('keeps SPEC’s rounding where the parts add up to 101, which a purchase accepts', async () => {
    const expected = specParts(LYRA, 1);
    expect(expected.reduce((sum, [, part]) => sum + part, 0)).toBe(101);
    const response = await advice({ risk_level: '0' });
    const assets = response.body.assets as AdviceAsset[];
    expect(assets.map((asset) => [asset.asset_name, asset.part_of_portfolio, asset.overall_sum])).toEqual(
      expected.map(([assetName, part]) => [assetName, part, specSum(part, '1950.50')]),
    );
  });

  it('rounds each overall_sum half up on its own: 5 % of 656.30 is 32.82', async () => {
    const response = await advice({ risk_level: '49', investing_sum: '656.30' });
    expect(response.status).toBe(200);
    const assets = response.body.assets as AdviceAsset[];
    const fivePercent = assets.filter((asset) => asset.part_of_portfolio === 5);
    expect(fivePercent.map((asset) => asset.asset_name)).toEqual(['ABT', 'NVDA']);
    expect(fivePercent.map((asset) => asset.overall_sum)).toEqual(['32.82', '32.82']);
    expect(assets.map((asset) => [asset.asset_name, asset.part_of_portfolio, asset.overall_sum])).toEqual(
      specParts(LYRA, 0.51).map(([assetName, part]) => [assetName, part, specSum(part, '656.30')]),
    );
  });

  it('falls back to parts adding up to exactly 100 only where rounding gives more than 101 (or less than 99)', async () => {
    const ALEX = 'user-0000000000000999';
    const rounded = specParts(ALEX, 0.51);
    expect(rounded.reduce((sum, [, part]) => sum + part, 0)).toBe(102);
    const response = await advice({ risk_level: '49' }, 'alexray');
    expect(response.status).toBe(200);
    const assets = response.body.assets as AdviceAsset[];
    expect(sumOfParts(assets)).toBe(100);
    // Each part is the weight × 100 rounded down or up, and the tickers are those SPEC's rounding keeps.
    const weights = recommendPortfolio(ALEX, 0.51).portfolioComposition;
    for (const asset of assets) {
      const exact = new Decimal(String(weights[asset.asset_name].weight)).times(100);
      expect([exact.floor().toNumber(), exact.ceil().toNumber()]).toContain(asset.part_of_portfolio);
      expect(asset.overall_sum).toBe(specSum(asset.part_of_portfolio, '2650.00'));
    }
    expect(assets.map((asset) => asset.asset_name).sort()).toEqual(rounded.map(([assetName]) => assetName).sort());
  });

  it('advises on a given investing_sum, each part to the cent', async () => {
    const response = await advice({ investing_sum: '100.5', risk_level: '30' });
    expect(response.status).toBe(200);
    expect(response.body.suggested_sum).toBe('100.50');
    for (const asset of response.body.assets as AdviceAsset[]) expect(asset.overall_sum).toBe(specSum(asset.part_of_portfolio, '100.50'));
  });

  it.each([
    [{ investing_sum: '1950.51' }, 'investing_sum', 'insufficient_funds'],
    [{ investing_sum: 'abc' }, 'investing_sum', 'invalid_request'],
    [{ investing_sum: '0' }, 'investing_sum', 'invalid_request'],
    [{ investing_sum: '0.001' }, 'investing_sum', 'invalid_request'],
    [{ investing_sum: '-5' }, 'investing_sum', 'invalid_request'],
    [{ risk_level: '101' }, 'risk_level', 'invalid_request'],
    [{ risk_level: '-1' }, 'risk_level', 'invalid_request'],
    [{ risk_level: '1.5' }, 'risk_level', 'invalid_request'],
    [{ risk_level: 'high' }, 'risk_level', 'invalid_request'],
    [{ risk_level: '' }, 'risk_level', 'invalid_request'],
  ])('answers 400 for %j naming %s, without asking the service', async (query, field, code) => {
    const before = ml.standin().requests;
    const response = await advice(query);
    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe(code);
    expect(response.body.error.details.map((detail: { field: string }) => detail.field)).toContain(field);
    expect(ml.standin().requests).toBe(before);
  });

  it('answers 401 to a logged-out key, without asking the service (the session is confirmed in the wallets’ read)', async () => {
    const key = await loginAs('lyraking');
    await logout(key);
    const before = ml.standin().requests;
    const response = await callFunction('assets-advice').get('/api/v1/assets/advice/').set(tokenHeader(key));
    expect([response.status, response.body.error.message]).toEqual([401, 'Token has been revoked']);
    expect(ml.standin().requests).toBe(before);
  });

  it('answers 400 to a user without a wallet, and to one whose wallets are all empty', async () => {
    const none = await advice({}, 'nowallet');
    expect([none.status, none.body.error.code]).toEqual([400, 'no_wallet']);
    const empty = await advice({ investing_sum: '10' }, 'broke');
    expect([empty.status, empty.body.error.code]).toEqual([400, 'wallets_empty']);
  });

  it('gives null statistics for an asset whose quote failed, still 200', async () => {
    const first = (await advice({ risk_level: '49' })).body.assets as AdviceAsset[];
    const failing = first[1].asset_name;
    ml.standin().setMode('error500', { route: 'stat', assetName: failing });
    const response = await advice({ risk_level: '49' });
    expect(response.status).toBe(200);
    const assets = response.body.assets as AdviceAsset[];
    expect(assets.find((asset) => asset.asset_name === failing)!.statistics).toBeNull();
    expect(assets.filter((asset) => asset.statistics === null)).toHaveLength(1);
  });

  it.each([
    ['error500', 503, 'ml_unavailable'],
    ['hang', 504, 'ml_timeout'],
    ['garbage', 502, 'ml_bad_response'],
    ['wrong-shape', 502, 'ml_bad_response'],
  ] as const)('maps a recommendation that fails (%s) to %i', async (mode, status, code) => {
    ml.setTimeoutMs(300);
    ml.standin().setMode(mode, { route: 'portfolio' });
    const response = await advice({ risk_level: '10' });
    expect(response.status).toBe(status);
    expect(response.body.error.code).toBe(code);
    // Every 503 says when to come back.
    if (status === 503) expect(response.headers['retry-after']).toMatch(/^\d+$/);
    expect(response.text).not.toMatch(/ at |stack/i);
  });

  it('reports 502 when the service does not know the user', async () => {
    await db().user.update({ where: { username: 'broke' }, data: { mlUuid: 'user-0000000000000002' } });
    await db().wallet.updateMany({ where: { user: { username: 'broke' } }, data: { balance: 10 } });
    const response = await advice({}, 'broke');
    expect([response.status, response.body.error.code]).toEqual([502, 'ml_rejected']);
  });

  it('documents its query parameters: what they are, their limits and defaults, as typed values', () => {
    const { parameters } = buildOpenApiDocument(registry).paths['/api/v1/assets/advice/'].get;
    const byName = Object.fromEntries(parameters.map((parameter) => ('name' in parameter ? [parameter.name, parameter] : ['ref', parameter])));
    expect(byName.risk_level).toMatchObject({
      required: false,
      description: expect.stringMatching(/whole number from 0 .* to 100/),
      schema: { type: 'integer', minimum: 0, maximum: 100 },
    });
    expect(byName.investing_sum).toMatchObject({
      required: false,
      description: expect.stringMatching(/0\.01.*largest wallet balance/s),
      schema: { anyOf: [{ type: 'number', minimum: 0.01, multipleOf: 0.01 }, { type: 'string' }] },
    });
    // What the document says a string must look like, the server takes.
    const pattern = new RegExp((byName.investing_sum.schema as { anyOf: Array<{ pattern?: string }> }).anyOf[1].pattern!);
    expect(['100', '100.5', '0.01'].every((sum) => pattern.test(sum))).toBe(true);
    expect(['-1', '1.005', 'abc'].some((sum) => pattern.test(sum))).toBe(false);
  });
  it('documents an example its response schema accepts', () => {
    expect(endpoint.responses[200].schema!.safeParse(endpoint.responses[200].example).success).toBe(true);
  });
});
