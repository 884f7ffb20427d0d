import { randomUUID } from 'node:crypto';
import { seedDemoUsers } from '../demo/seed';
import { useMlStandin } from '../../testing/ml-standin';
import { callFunction, loginAs, tokenHeader } from '../../testing/http';
import { useTestDatabase } from '../../testing/test-database';
import { createWallet, dailyFlowsOutOfStep, walletsOutOfBalance } from '../../testing/wallets';
import { checkJsonLimits, MAX_JSON_DEPTH, MAX_JSON_ENTRIES } from './json-limits';

useTestDatabase();
useMlStandin();

let key = '';
let walletId = '';
beforeAll(async () => {
  await seedDemoUsers();
  key = await loginAs('alexray');
  walletId = await createWallet(key);
});

afterEach(async () => {
  expect(await walletsOutOfBalance()).toEqual([]);
  expect(await dailyFlowsOutOfStep()).toEqual([]);
});

/** `{"sum":"1.00","x":[[[…]]]}` as raw text: an extra field no schema reads, nested `depth` levels. */
const deepBody = (depth: number, fields = '"sum":"1.00"') => `{${fields},"x":${'['.repeat(depth)}${']'.repeat(depth)}}`;

const expectLimitError = (response: { status: number; body: unknown; headers: Record<string, string> }, limit: RegExp) => {
  expect(response.status).toBe(400);
  expect(response.headers['x-request-id']).toBeTruthy();
  expect(response.body).toEqual({
    error: { code: 'invalid_request', message: expect.stringMatching(limit), details: [{ field: 'body', message: expect.stringMatching(limit) }] },
  });
};

describe('JSON nesting and size limits, checked before validation and hashing', () => {
  it('refuses a deep (4,000 levels) idempotent top-up with 400 naming the limit, not 500', async () => {
    const response = await callFunction('wallets-topup')
      .post(`/api/v1/wallets/${walletId}/topup/`)
      .set(tokenHeader(key))
      .set('Idempotency-Key', randomUUID())
      .set('Content-Type', 'application/json')
      .send(deepBody(4000));
    expectLimitError(response, new RegExp(`${MAX_JSON_DEPTH} levels`));
  });

  it('refuses a deep (4,000 levels) idempotent purchase with 400 naming the limit, not 500', async () => {
    const purchase =
      '"assets":[{"asset_name":"SPY","part_of_portfolio":100,"statistics":{"current_price":"1.00"}}],' +
      '"metrics":{"rate_of_return":"1.00","volatility":"1.00","value_at_risk":"1.00"},"invested_sum":"1.00"';
    const response = await callFunction('assets-purchase')
      .post('/api/v1/assets/')
      .set(tokenHeader(key))
      .set('Idempotency-Key', randomUUID())
      .set('Content-Type', 'application/json')
      .send(deepBody(4000, purchase));
    expectLimitError(response, new RegExp(`${MAX_JSON_DEPTH} levels`));
  });

  it('refuses an array of more than the allowed entries', async () => {
    const response = await callFunction('wallets-topup')
      .post(`/api/v1/wallets/${walletId}/topup/`)
      .set(tokenHeader(key))
      .send({ sum: '1.00', x: Array.from({ length: MAX_JSON_ENTRIES + 1 }, () => 0) });
    expectLimitError(response, new RegExp(`${MAX_JSON_ENTRIES}`));
  });

  it('still tops up with an unknown field nested to just within the limit', async () => {
    const response = await callFunction('wallets-topup')
      .post(`/api/v1/wallets/${walletId}/topup/`)
      .set(tokenHeader(key))
      .set('Idempotency-Key', randomUUID())
      .set('Content-Type', 'application/json')
      .send(deepBody(MAX_JSON_DEPTH - 1));
    expect(response.status).toBe(201);
  });
});

describe('checkJsonLimits', () => {
  const deep = (depth: number): unknown => {
    let value: unknown = 0;
    for (let level = 0; level < depth; level += 1) value = level % 2 ? [value] : { k: value };
    return value;
  };

  it('counts depth without recursion, however deep the value', () => {
    expect(() => checkJsonLimits(deep(MAX_JSON_DEPTH))).not.toThrow();
    expect(() => checkJsonLimits(deep(MAX_JSON_DEPTH + 1))).toThrow(`${MAX_JSON_DEPTH} levels`);
    expect(() => checkJsonLimits(deep(1_000_000))).toThrow(`${MAX_JSON_DEPTH} levels`);
  });

  it('bounds the keys of one object', () => {
    const wide = Object.fromEntries(Array.from({ length: MAX_JSON_ENTRIES + 1 }, (_, index) => [`k${index}`, index]));
    expect(() => checkJsonLimits(wide)).toThrow(`${MAX_JSON_ENTRIES}`);
  });
});
