import { db } from '../../shared/db/client';
import { DEMO_USERS, type DemoUser } from '../../shared/demo/demo-data';
import { demoEvents, demoEventTimes, seedDemoUsers } from '../../shared/demo/seed';
import { Decimal } from '../../shared/money/decimal';
import { callFunction, loginAs, tokenHeader } from '../../shared/testing/http';
import { useTestDatabase } from '../../shared/testing/test-database';
import { walletsOutOfBalance } from '../../shared/testing/wallets';

useTestDatabase();

// A fixed seeding day far from today, so a top-up made now lands on a day of its own.
const SEEDED_AT = new Date('2025-01-15T12:00:00Z');
const DAY_SECONDS = 86_400;

const keys: Record<string, string> = {};
beforeAll(async () => {
  await seedDemoUsers(db(), SEEDED_AT);
  for (const user of DEMO_USERS) keys[user.username] = await loginAs(user.username);
});

afterEach(async () => {
  expect(await walletsOutOfBalance()).toEqual([]);
});

const stat = (username: string, query: Record<string, string> = {}) =>
  callFunction('wallets-expenses-stat').get('/api/v1/wallets/expenses/stat/').query(query).set(tokenHeader(keys[username]));

/** SPEC §5's money in and out per UTC day for one demo user, ascending by day. */
function expectedDays(user: DemoUser): Array<[day: number, moneyIn: Decimal, moneyOut: Decimal]> {
  const events = demoEvents(user);
  const times = demoEventTimes(events.length, SEEDED_AT);
  const days = new Map<number, [Decimal, Decimal]>();
  events.forEach((event, index) => {
    const day = Math.floor(times[index].getTime() / 1000 / DAY_SECONDS) * DAY_SECONDS;
    const [moneyIn, moneyOut] = days.get(day) ?? [new Decimal(0), new Decimal(0)];
    days.set(day, event.sum.isNegative() ? [moneyIn, moneyOut.minus(event.sum)] : [moneyIn.plus(event.sum), moneyOut]);
  });
  return [...days].sort(([a], [b]) => a - b).map(([day, [moneyIn, moneyOut]]) => [day, moneyIn, moneyOut]);
}

const asJson = (days: ReturnType<typeof expectedDays>) =>
  `{${days.map(([day, moneyIn, moneyOut]) => `"${day}":{"purchases":${moneyIn.toFixed(2)},"sells":${moneyOut.toFixed(2)}}`).join(',')}}`;

const isoDay = (epochSeconds: number) => new Date(epochSeconds * 1000).toISOString().slice(0, 10);

describe('GET /api/v1/wallets/expenses/stat/', () => {
  it.each(DEMO_USERS.map((user) => [user.username, user] as const))(
    'gives %s the money in and out of every seeded day, exactly',
    async (username, user) => {
      const response = await stat(username);
      expect(response.status).toBe(200);
      expect(response.text).toBe(asJson(expectedDays(user)));
    },
  );

  it('counts a purchase as money out ("sells") on its day, as a positive number', async () => {
    const response = await stat('johnwick');
    const lastDay = expectedDays(DEMO_USERS[0]).at(-1)![0];
    expect(response.body[String(lastDay)].sells).toBe(1000);
    expect(Object.keys(response.body)).toHaveLength(expectedDays(DEMO_USERS[0]).length);
  });

  it('adds both of lyraking’s wallets together', async () => {
    const days = expectedDays(DEMO_USERS[1]);
    const total = days.reduce((sum, [, moneyIn]) => sum.plus(moneyIn), new Decimal(0));
    // SPEC §5: 6950.50 topped up on Bank of Banks and 1281.99 on Bank example.
    expect(total.toFixed(2)).toBe('8232.49');
    const response = await stat('lyraking');
    const served = Object.values(response.body as Record<string, { purchases: number }>).reduce((sum, day) => sum.plus(String(day.purchases)), new Decimal(0));
    expect(served.toFixed(2)).toBe('8232.49');
  });

  it('bounds the range by start and end, both inclusive', async () => {
    const days = expectedDays(DEMO_USERS[1]);
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
    const topUp = await callFunction('wallets-topup')
      .post(`/api/v1/wallets/${wallet.id}/topup/`)
      .set(tokenHeader(keys.alexray))
      .send({ sum: '0.10' });
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

  it('answers 401 without a key', async () => {
    expect((await callFunction('wallets-expenses-stat').get('/api/v1/wallets/expenses/stat/')).status).toBe(401);
  });
});
