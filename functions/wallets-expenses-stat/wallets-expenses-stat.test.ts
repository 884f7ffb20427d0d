import { db } from '../../shared/db/prisma';
import { DEMO_USERS } from '../../shared/demo/demo-data';
import { seedDemoUsers } from '../../shared/demo/seed';
import { Decimal } from '../../shared/money/decimal';
import { callFunction, loginAs, tokenHeader } from '../../testing/http';
import { useTestDatabase } from '../../testing/test-database';
import { hashPassword } from '../../shared/auth/passwords';
import { dailyFlowsOutOfStep, rebuildFlowsOfWallet, storedCardData, walletsOutOfBalance } from '../../testing/wallets';

useTestDatabase();

// A fixed seeding day far from today, so a top-up made now lands on a day of its own.
const SEEDED_AT = new Date('2025-01-15T12:00:00Z');
const DAY_SECONDS = 86_400;

const keys: Record<string, string> = {};
beforeAll(async () => {
  await seedDemoUsers(SEEDED_AT);
  for (const user of DEMO_USERS) keys[user.username] = await loginAs(user.username);
});

afterEach(async () => {
  expect(await walletsOutOfBalance()).toEqual([]);
  expect(await dailyFlowsOutOfStep()).toEqual([]);
});

const stat = (username: string, query: Record<string, string> = {}) =>
  callFunction('wallets-expenses-stat').get('/api/v1/wallets/expenses/stat/').query(query).set(tokenHeader(keys[username]));

type Day = [day: number, moneyIn: string, moneyOut: string];

/**
 * SPEC §5's money in and out per UTC day, written out by hand for SEEDED_AT
 * (2025-01-15): each user's transactions, in SPEC order, spread over the 10
 * days before it, 2025-01-05 (1736035200) to 2025-01-14 (1736812800).
 */
const SPEC_DAYS: Record<string, Day[]> = {
  // 1000.00, 250.00, 400.00 topped up, then 1000.00 spent on the portfolio.
  johnwick: [
    [1736035200, '1000.00', '0.00'], // 2025-01-05
    [1736294400, '250.00', '0.00'], // 2025-01-08
    [1736553600, '400.00', '0.00'], // 2025-01-11
    [1736812800, '0.00', '1000.00'], // 2025-01-14
  ],
  // Bank of Banks: 5000.00, 100.50, 100.00, 200.00, 50.00, 1500.00; Bank example: 10.00, 60.00, 1200.00, 11.99; then 5000.00 spent.
  lyraking: [
    [1736035200, '5000.00', '0.00'], // 2025-01-05
    [1736121600, '100.50', '0.00'], // 2025-01-06
    [1736208000, '100.00', '0.00'], // 2025-01-07
    [1736294400, '200.00', '0.00'], // 2025-01-08
    [1736380800, '50.00', '0.00'], // 2025-01-09
    [1736467200, '1510.00', '0.00'], // 2025-01-10: 1500.00 on one card and 10.00 on the other
    [1736553600, '60.00', '0.00'], // 2025-01-11
    [1736640000, '1200.00', '0.00'], // 2025-01-12
    [1736726400, '11.99', '0.00'], // 2025-01-13
    [1736812800, '0.00', '5000.00'], // 2025-01-14
  ],
  // 150.00, 200.00, 300.00, 1000.00, 1000.00; no portfolio.
  alexray: [
    [1736035200, '150.00', '0.00'], // 2025-01-05
    [1736208000, '200.00', '0.00'], // 2025-01-07
    [1736467200, '300.00', '0.00'], // 2025-01-10
    [1736640000, '1000.00', '0.00'], // 2025-01-12
    [1736812800, '1000.00', '0.00'], // 2025-01-14
  ],
};

const asJson = (days: Day[]) => `{${days.map(([day, moneyIn, moneyOut]) => `"${day}":{"purchases":${moneyIn},"sells":${moneyOut}}`).join(',')}}`;

const isoDay = (epochSeconds: number) => new Date(epochSeconds * 1000).toISOString().slice(0, 10);

describe('GET /api/v1/wallets/expenses/stat/', () => {
  it.each(Object.keys(SPEC_DAYS))('gives %s the money in and out of every seeded day, exactly', async (username) => {
    const response = await stat(username);
    expect(response.status).toBe(200);
    expect(response.text).toBe(asJson(SPEC_DAYS[username]));
  });

  it('covers every demo user, and each user’s days hold all of their SPEC §5 money', () => {
    expect(Object.keys(SPEC_DAYS)).toEqual(DEMO_USERS.map((user) => user.username));
    for (const user of DEMO_USERS) {
      const topUps = user.wallets.flatMap((wallet) => wallet.topUps).reduce((sum, topUp) => sum.plus(topUp), new Decimal(0));
      const days = SPEC_DAYS[user.username];
      expect(days.reduce((sum, [, moneyIn]) => sum.plus(moneyIn), new Decimal(0)).toFixed(2)).toBe(topUps.toFixed(2));
      expect(days.reduce((sum, [, , moneyOut]) => sum.plus(moneyOut), new Decimal(0)).toFixed(2)).toBe(user.portfolio?.investedSum ?? '0.00');
    }
  });

  it('counts a purchase as money out ("sells") on its day, as a positive number', async () => {
    const response = await stat('johnwick');
    expect(response.body['1736812800']).toEqual({ purchases: 0, sells: 1000 });
    expect(response.text).toContain('"1736812800":{"purchases":0.00,"sells":1000.00}');
  });

  it('adds both of lyraking’s wallets together', async () => {
    const response = await stat('lyraking');
    // 2025-01-10: 1500.00 on Bank of Banks and 10.00 on Bank example.
    expect(response.body['1736467200']).toEqual({ purchases: 1510, sells: 0 });
    // SPEC §5: 6950.50 topped up on Bank of Banks and 1281.99 on Bank example.
    const served = Object.values(response.body as Record<string, { purchases: number }>).reduce((sum, day) => sum.plus(String(day.purchases)), new Decimal(0));
    expect(served.toFixed(2)).toBe('8232.49');
  });

  it('bounds the range by start and end, both inclusive', async () => {
    const days = SPEC_DAYS.lyraking;
    const [from, to] = [days[2][0], days[5][0]];

    expect((await stat('lyraking', { start: isoDay(from), end: isoDay(to) })).text).toBe(asJson(days.slice(2, 6)));
    expect((await stat('lyraking', { start: isoDay(from) })).text).toBe(asJson(days.slice(2)));
    expect((await stat('lyraking', { end: isoDay(to) })).text).toBe(asJson(days.slice(0, 6)));
    expect((await stat('lyraking', { start: isoDay(to), end: isoDay(to) })).text).toBe(asJson(days.slice(5, 6)));
  });

  it('answers {} for a range without transactions', async () => {
    const response = await stat('alexray', { start: '2000-01-01', end: '2000-12-31' });
    expect(response.status).toBe(200);
    expect(response.text).toBe('{}');
  });

  it('shows a top-up made now under today’s UTC day', async () => {
    const wallet = await db().wallet.findFirstOrThrow({ where: { user: { username: 'alexray' } } });
    const topUp = await callFunction('wallets-topup').post(`/api/v1/wallets/${wallet.id}/topup/`).set(tokenHeader(keys.alexray)).send({ sum: '0.10' });
    expect(topUp.status).toBe(201);

    const today = Math.floor(Date.now() / 1000 / DAY_SECONDS) * DAY_SECONDS;
    const response = await stat('alexray', { start: isoDay(today) });
    expect(response.text).toBe(`{"${today}":{"purchases":0.10,"sells":0.00}}`);
  });

  it.each([
    [{ start: '2025-02-30' }, ['start']],
    [{ start: '2025-1-5' }, ['start']],
    [{ end: 'yesterday' }, ['end']],
    [{ end: '2025-01-05T00:00:00Z' }, ['end']],
    [{ start: '2025-01-10', end: '2025-01-09' }, ['end']],
  ])('refuses %p with 400 naming the field', async (query, fields) => {
    const response = await stat('johnwick', query);
    expect(response.status).toBe(400);
    expect(response.body.error.details.map((detail: { field: string }) => detail.field)).toEqual(fields);
  });

  it('answers years of days in full, in day order, with exact sums (the JSON is built by the database)', async () => {
    const user = await db().user.create({ data: { username: 'longhistory', passwordHash: await hashPassword('longhistory'), mlUuid: 'u' } });
    const wallet = await db().wallet.create({
      data: { userId: user.id, bankName: 'B', ...storedCardData(user.id, '100000000777'), balance: new Decimal('0') },
    });
    // 1,500 days of one top-up of 1,000,000.01 and one purchase of 0.01: far past MySQL's default 1 KB group_concat_max_len.
    const first = Date.UTC(2020, 0, 1);
    const days = Array.from({ length: 1500 }, (_, index) => first + index * 86_400_000);
    await db().transaction.createMany({
      data: days.flatMap((day, index) => [
        { walletId: wallet.id, name: 'in', sum: new Decimal('1000000.01'), createdAt: new Date(day + 3600_000) },
        { walletId: wallet.id, name: 'out', sum: new Decimal('-0.01'), createdAt: new Date(day + 7200_000 + index) },
      ]),
    });
    await db().wallet.update({ where: { id: wallet.id }, data: { balance: new Decimal('1000000').times(1500) } });
    await rebuildFlowsOfWallet(wallet.id);
    keys.longhistory = await loginAs('longhistory');

    const response = await stat('longhistory');
    expect(response.status).toBe(200);
    expect(response.text.startsWith(`{"${days[0] / 1000}":{"purchases":1000000.01,"sells":0.01}`)).toBe(true);
    const body = JSON.parse(response.text) as Record<string, { purchases: number; sells: number }>;
    expect(Object.keys(body)).toEqual(days.map((day) => String(day / 1000)));
    expect(response.text.match(/"purchases":1000000\.01,"sells":0\.01/g)).toHaveLength(1500);
  });

  it('answers 401 without a key', async () => {
    expect((await callFunction('wallets-expenses-stat').get('/api/v1/wallets/expenses/stat/')).status).toBe(401);
  });
});
