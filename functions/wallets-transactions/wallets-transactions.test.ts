import { randomUUID } from 'node:crypto';
import { db } from '../../shared/db/prisma';
import { DEMO_USERS } from '../../shared/demo/demo-data';
import { demoEvents, demoEventTimes, demoId, seedDemoUsers } from '../../shared/demo/seed';
import { Decimal } from '../../shared/money/decimal';
import { callFunction, loginAs, tokenHeader } from '../../testing/http';
import { useTestDatabase } from '../../testing/test-database';
import { createWallet, dailyFlowsOutOfStep, rebuildFlowsOfWallet, walletsOutOfBalance } from '../../testing/wallets';

useTestDatabase();

const SEEDED_AT = new Date('2025-01-15T12:00:00Z');
const lyra = DEMO_USERS[1];
const lyrasMainWallet = demoId('lyraking', 'wallet', 0);

let lyraKey: string;
let johnKey: string;
beforeAll(async () => {
  await seedDemoUsers(SEEDED_AT);
  lyraKey = await loginAs('lyraking');
  johnKey = await loginAs('johnwick');
});

afterEach(async () => {
  expect(await walletsOutOfBalance()).toEqual([]);
  expect(await dailyFlowsOutOfStep()).toEqual([]);
});

const list = (key: string, walletId: string, query: Record<string, string> = {}) =>
  callFunction('wallets-transactions').get(`/api/v1/wallets/${walletId}/transactions/`).query(query).set(tokenHeader(key));

/** What SPEC §5 says Lyra's first wallet holds, in the order it happened. */
function expectedMainWalletTransactions() {
  const events = demoEvents(lyra);
  const times = demoEventTimes(events.length, SEEDED_AT);
  return events
    .map((event, index) => ({ event, time: times[index] }))
    .filter(({ event }) => event.walletIndex === 0)
    .map(({ event, time }) => ({
      created_at: time.toISOString().replace('Z', '000Z'),
      name: event.name,
      sum: Math.abs(Number(event.sum)),
      sum_direction: event.sum.isNegative() ? '-' : '+',
    }));
}

describe('GET /api/v1/wallets/{wallet_id}/transactions/', () => {
  it('lists every transaction of the wallet, oldest first, with absolute sums and a direction', async () => {
    const response = await list(lyraKey, lyrasMainWallet);
    expect(response.status).toBe(200);
    expect(response.body).toEqual(expectedMainWalletTransactions());
    expect(response.body.at(-1)).toEqual(expect.objectContaining({ name: 'Purchase of 7 asset(s)', sum: 5000, sum_direction: '-' }));
    // Exact decimal text, microsecond times.
    expect(response.text).toContain('"sum":100.50');
    expect(response.text).toContain('"sum":5000.00,"sum_direction":"-"');
    expect(response.body[0].created_at).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/);
  });

  it.each([
    [{ limit: '2' }, 0, 2],
    [{ offset: '2', limit: '3' }, 2, 5],
    [{ offset: '4' }, 4, undefined],
    [{ offset: '100' }, 100, undefined],
    [{ limit: '1000' }, 0, undefined],
  ])('pages with %p', async (query, from, to) => {
    const response = await list(lyraKey, lyrasMainWallet, query);
    expect(response.status).toBe(200);
    expect(response.body).toEqual(expectedMainWalletTransactions().slice(from, to));
  });

  it.each([
    ['limit', '0'],
    ['limit', '1001'],
    ['limit', '-1'],
    ['limit', '1.5'],
    ['limit', '1e3'],
    ['limit', 'ten'],
    ['limit', ''],
    ['offset', '-1'],
    ['offset', 'x'],
    ['offset', '99999999999999999999'],
  ])('refuses %s=%p with 400 naming the field', async (field, value) => {
    const response = await list(lyraKey, lyrasMainWallet, { [field]: value });
    expect(response.status).toBe(400);
    expect(response.body.error.details.map((detail: { field: string }) => detail.field)).toEqual([field]);
  });

  it('refuses a repeated limit with 400', async () => {
    const response = await callFunction('wallets-transactions')
      .get(`/api/v1/wallets/${lyrasMainWallet}/transactions/?limit=1&limit=2`)
      .set(tokenHeader(lyraKey));
    expect(response.status).toBe(400);
    expect(response.body.error.details[0].field).toBe('limit');
  });

  it('answers one and the same 404 for a stranger’s, an unknown and a malformed wallet id', async () => {
    const strangers = await list(johnKey, lyrasMainWallet);
    const unknown = await list(lyraKey, randomUUID());
    const malformed = await list(lyraKey, `${lyrasMainWallet}x`);

    expect(strangers.status).toBe(404);
    expect(strangers.body.error.code).toBe('not_found');
    expect(unknown.status).toBe(404);
    expect(unknown.text).toBe(strangers.text);
    expect(malformed.status).toBe(404);
    expect(malformed.text).toBe(strangers.text);
  });

  it('lists nothing for a new wallet', async () => {
    const wallet = await createWallet(johnKey);
    const response = await list(johnKey, wallet);
    expect(response.status).toBe(200);
    expect(response.body).toEqual([]);
  });

  it('orders transactions made in the same instant by id, so pages are stable', async () => {
    const wallet = await createWallet(johnKey);
    const at = new Date('2025-02-01T10:00:00.123Z');
    const ids = ['ffffffff-0000-4000-8000-000000000000', '00000000-0000-4000-8000-000000000000', '88888888-0000-4000-8000-000000000000'];
    await db().$transaction([
      ...ids.map((id, index) => db().transaction.create({ data: { id, walletId: wallet, name: `T${index}`, sum: new Decimal(index + 1), createdAt: at } })),
      db().wallet.update({ where: { id: wallet }, data: { balance: new Decimal(6) } }),
    ]);
    await rebuildFlowsOfWallet(wallet);

    const response = await list(johnKey, wallet);
    expect(response.body.map((transaction: { name: string }) => transaction.name)).toEqual(['T1', 'T2', 'T0']);
    const pages = [await list(johnKey, wallet, { limit: '2' }), await list(johnKey, wallet, { offset: '2', limit: '2' })];
    expect(pages.flatMap((page) => page.body)).toEqual(response.body);
  });

  it('answers 401 without a key', async () => {
    const response = await callFunction('wallets-transactions').get(`/api/v1/wallets/${lyrasMainWallet}/transactions/`);
    expect(response.status).toBe(401);
  });
});
