import { recommendPortfolio } from '../../scripts/ml-standin/portfolio';
import { hashPassword } from '../../shared/auth/passwords';
import { db } from '../../shared/db/client';
import { seedDemoUsers } from '../../shared/demo/seed';
import { Decimal } from '../../shared/money/decimal';
import { useMlStandin } from '../../shared/testing/ml-standin';
import { percentParts } from '../../shared/portfolio/apportion';
import { callFunction, loginAs, tokenHeader } from '../../shared/testing/http';
import { useTestDatabase } from '../../shared/testing/test-database';
import endpoint from './handler';

useTestDatabase();
const ml = useMlStandin();
const LYRA = 'user-0000000000000501';

beforeAll(async () => {
  await seedDemoUsers(db());
  // A user without wallets and one whose only wallet is empty.
  const passwordHash = await hashPassword('secret-pass');
  await db().user.create({ data: { username: 'nowallet', passwordHash, mlUuid: 'user-0000000000000999' } });
  const broke = await db().user.create({ data: { username: 'broke', passwordHash, mlUuid: 'user-0000000000000999' } });
  await db().wallet.create({ data: { userId: broke.id, bankName: 'Empty', cardNumber: '9000000000000001' } });
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
  return callFunction('assets-advice').get('/api/v1/assets/advice/').query(query).set(tokenHeader(keys.get(username)!));
}
const lastMlQuery = () => ml.standin().log.filter((request) => request.path === '/').at(-1)?.query;
const total = (assets: AdviceAsset[]) => assets.reduce((sum, asset) => sum.plus(asset.overall_sum), new Decimal(0)).toFixed(2);

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
    const parts = percentParts(Object.values(raw.portfolioComposition).map(({ weight }) => weight));
    const expected = Object.keys(raw.portfolioComposition)
      .map((assetName, index) => ({ assetName, part: parts[index] }))
      .filter(({ part }) => part > 0)
      .sort((a, b) => b.part - a.part || a.assetName.localeCompare(b.assetName));
    expect(body.assets.map((asset) => [asset.asset_name, asset.part_of_portfolio])).toEqual(expected.map(({ assetName, part }) => [assetName, part]));
    expect(total(body.assets)).toBe('1950.50');
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
  ])('sends risk_level=%s as riskAversion=%s and reads the level back from the answer', async (level, aversion) => {
    const response = await advice({ risk_level: level });
    expect(response.status).toBe(200);
    expect(lastMlQuery()).toEqual({ uuid: LYRA, riskAversion: aversion });
    expect(response.body.risk_level).toBe(Number(level));
  });

  it('keeps the parts adding up to 100 where rounding the weights would give 101', async () => {
    const weights = Object.values(recommendPortfolio(LYRA, 1).portfolioComposition).map(({ weight }) => weight);
    expect(weights.reduce((sum, weight) => sum + Math.round(weight * 100), 0)).toBe(101);
    const response = await advice({ risk_level: '0' });
    const assets = response.body.assets as AdviceAsset[];
    expect(assets.reduce((sum, asset) => sum + asset.part_of_portfolio, 0)).toBe(100);
    expect(assets.every((asset) => asset.part_of_portfolio > 0)).toBe(true);
    expect(total(assets)).toBe('1950.50');
  });

  it('advises on a given investing_sum, split to the cent', async () => {
    const response = await advice({ investing_sum: '100.5', risk_level: '30' });
    expect(response.status).toBe(200);
    expect(response.body.suggested_sum).toBe('100.50');
    expect(total(response.body.assets)).toBe('100.50');
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
    expect(response.text).not.toMatch(/ at |stack/i);
  });

  it('reports 502 when the service does not know the user', async () => {
    await db().user.update({ where: { username: 'broke' }, data: { mlUuid: 'user-0000000000000002' } });
    await db().wallet.updateMany({ where: { user: { username: 'broke' } }, data: { balance: 10 } });
    const response = await advice({}, 'broke');
    expect([response.status, response.body.error.code]).toEqual([502, 'ml_rejected']);
  });

  it('documents an example its response schema accepts', () => {
    expect(endpoint.responses[200].schema!.safeParse(endpoint.responses[200].example).success).toBe(true);
  });
});
