import { cardNumberHash } from '../cards/card-number';
import { cardHmacKey } from '../config/config';
import { db } from '../db/prisma';
import { storedCardData } from '../../testing/wallets';
import { useTestDatabase } from '../../testing/test-database';
import { TOP_UP_NAME } from '../wallets/transaction-names';
import { DEMO_USERS, demoEmail } from './demo-data';
import { demoEventTimes, seedDemoUsers } from './seed';

useTestDatabase();

const seededAt = new Date('2026-11-20T15:30:00Z');

/** Everything the seed owns, in a stable order, for before/after comparison. */
async function snapshot() {
  return db().user.findMany({
    orderBy: { username: 'asc' },
    include: {
      metrics: true,
      wallets: {
        orderBy: { id: 'asc' },
        include: { transactions: { orderBy: { createdAt: 'asc' }, include: { assets: { orderBy: { assetName: 'asc' } } } } },
      },
    },
  });
}

describe('seedDemoUsers', () => {
  beforeAll(() => seedDemoUsers(seededAt));

  it('creates exactly the three demo users of SPEC §5', async () => {
    const users = await db().user.findMany({ orderBy: { username: 'asc' } });
    expect(users.map((u) => [u.username, u.firstName, u.lastName, u.mlUuid, u.email])).toEqual([
      ['alexray', 'Alex', 'Ray', 'user-0000000000000999', demoEmail('alexray')],
      ['johnwick', 'John', 'Wick', 'user-0000000000000001', demoEmail('johnwick')],
      ['lyraking', 'Lyra', 'King', 'user-0000000000000501', demoEmail('lyraking')],
    ]);
  });

  it('creates the wallets with the balances of SPEC §5, each equal to the sum of its transactions, cards stored as hash and last four', async () => {
    const wallets = await db().wallet.findMany({ include: { user: true, transactions: true }, orderBy: [{ user: { username: 'asc' } }, { createdAt: 'asc' }] });
    const key = cardHmacKey();
    const owner = (index: number) => wallets[index].userId;
    expect(wallets.map((w) => [w.user.username, w.bankName, w.cardHash, w.cardLast4, w.cardLength, w.cardNumber, w.balance.toFixed(2)])).toEqual([
      ['alexray', 'The Bank', cardNumberHash(key, owner(0), '378285203711297'), '1297', 15, '***********1297', '2650.00'],
      ['johnwick', 'The name of bank', cardNumberHash(key, owner(1), '4532580928888213'), '8213', 16, '************8213', '650.00'],
      ['lyraking', 'Bank of Banks', cardNumberHash(key, owner(2), '5587258023401650'), '1650', 16, '************1650', '1950.50'],
      ['lyraking', 'Bank example', cardNumberHash(key, owner(3), '6011453600253939'), '3939', 16, '************3939', '1281.99'],
    ]);
    for (const wallet of wallets) {
      const total = wallet.transactions.reduce((sum, t) => sum.plus(t.sum), wallet.balance.minus(wallet.balance));
      expect(total.toFixed(2)).toBe(wallet.balance.toFixed(2));
    }
  });

  it('lists lyraking’s wallets in SPEC order: opened with their first top-up', async () => {
    const wallets = await db().wallet.findMany({ where: { user: { username: 'lyraking' } }, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] });
    expect(wallets.map((wallet) => wallet.bankName)).toEqual(['Bank of Banks', 'Bank example']);
  });

  it('creates the transactions in SPEC order, spread over the 10 days before seeding', async () => {
    const johnwick = await db().transaction.findMany({ where: { wallet: { user: { username: 'johnwick' } } }, orderBy: { createdAt: 'asc' } });
    expect(johnwick.map((t) => [t.name, t.sum.toFixed(2)])).toEqual([
      [TOP_UP_NAME, '1000.00'],
      [TOP_UP_NAME, '250.00'],
      [TOP_UP_NAME, '400.00'],
      ['Purchase of 5 asset(s)', '-1000.00'],
    ]);
    const lyraking = await db().transaction.findMany({ where: { wallet: { user: { username: 'lyraking' } } }, orderBy: { createdAt: 'asc' } });
    expect(lyraking.map((t) => t.sum.toFixed(2))).toEqual([
      '5000.00',
      '100.50',
      '100.00',
      '200.00',
      '50.00',
      '1500.00',
      '10.00',
      '60.00',
      '1200.00',
      '11.99',
      '-5000.00',
    ]);
    const all = await db().transaction.findMany();
    expect(all).toHaveLength(4 + 11 + 5);
    const earliest = Date.UTC(2026, 10, 10);
    const seedDay = Date.UTC(2026, 10, 20);
    for (const t of all) {
      expect(t.createdAt.getTime()).toBeGreaterThanOrEqual(earliest);
      expect(t.createdAt.getTime()).toBeLessThan(seedDay);
    }
    expect(new Set(all.map((t) => t.createdAt.toISOString().slice(0, 10))).size).toBeGreaterThanOrEqual(8);
  });

  it('creates the portfolios and metrics of SPEC §5', async () => {
    const assets = await db().asset.findMany({ include: { transaction: { include: { wallet: { include: { user: true } } } } } });
    const byUser = (username: string) =>
      assets
        .filter((a) => a.transaction.wallet.user.username === username)
        .map((a) => [a.assetName, a.overallSum.toFixed(2)])
        .sort();
    expect(byUser('johnwick')).toEqual([
      ['AAPL', '300.00'],
      ['GOOG', '200.00'],
      ['JNJ', '150.00'],
      ['MSFT', '250.00'],
      ['SPY', '100.00'],
    ]);
    expect(byUser('lyraking')).toEqual([
      ['FXAIX', '1000.00'],
      ['JPM', '750.00'],
      ['MA', '500.00'],
      ['PLD', '500.00'],
      ['SPY', '1250.00'],
      ['UNH', '500.00'],
      ['V', '500.00'],
    ]);
    expect(byUser('alexray')).toEqual([]);
    for (const asset of assets) expect(asset.transaction.name).toMatch(/^Purchase of \d asset\(s\)$/);
    expect(assets.every((a) => a.pricePerUnit.greaterThan(0))).toBe(true);

    const metrics = await db().metrics.findMany({ include: { user: true }, orderBy: { rateOfReturn: 'desc' } });
    expect(metrics.map((m) => [m.user.username, m.rateOfReturn.toFixed(2), m.volatility.toFixed(2), m.valueAtRisk.toFixed(2)])).toEqual([
      ['johnwick', '14.20', '18.50', '0.63'],
      ['lyraking', '9.80', '11.20', '0.65'],
    ]);
  });

  it('changes nothing when run again the same day', async () => {
    const before = await snapshot();
    await seedDemoUsers(new Date('2026-11-20T23:59:00Z'));
    expect(await snapshot()).toEqual(before);
  });

  it('resets a demo user the app has changed, and leaves other users alone', async () => {
    const canonical = await snapshot();
    const stranger = await db().user.create({ data: { username: 'stranger', passwordHash: 'x', mlUuid: 'u' } });
    const wallet = await db().wallet.findFirstOrThrow({ where: { user: { username: 'alexray' } } });
    await db().transaction.create({ data: { walletId: wallet.id, name: TOP_UP_NAME, sum: 5 } });
    await db().wallet.update({ where: { id: wallet.id }, data: { balance: { increment: 5 } } });
    await db().wallet.create({ data: { userId: wallet.userId, bankName: 'Extra', ...storedCardData(wallet.userId, '1111222233334444') } });
    await db().metrics.deleteMany({ where: { user: { username: 'johnwick' } } });

    await seedDemoUsers(seededAt);
    const after = await snapshot();
    expect(after.filter((user) => user.id !== stranger.id)).toEqual(canonical);
    expect(after.find((user) => user.id === stranger.id)).toBeDefined();
  });

  it('seeds a demo card that a real user holds too, and leaves that user’s wallet alone (uniqueness is per user)', async () => {
    const stranger = await db().user.findUniqueOrThrow({ where: { username: 'stranger' } });
    const strangers = await db().wallet.create({ data: { userId: stranger.id, bankName: 'Mine', ...storedCardData(stranger.id, '378285203711297') } });
    const canonical = (await snapshot()).filter((user) => user.id !== stranger.id);

    await seedDemoUsers(seededAt);
    expect((await snapshot()).filter((user) => user.id !== stranger.id)).toEqual(canonical);
    expect(await db().wallet.findUnique({ where: { id: strangers.id } })).toEqual(strangers);
    await db().user.delete({ where: { id: stranger.id } });
  });

  it('moves the history forward on a later day', async () => {
    const later = new Date('2026-11-25T08:00:00Z');
    await seedDemoUsers(later);
    const first = await db().transaction.findFirstOrThrow({ where: { wallet: { user: { username: 'johnwick' } } }, orderBy: { createdAt: 'asc' } });
    expect(first.createdAt).toEqual(demoEventTimes(4, later)[0]);
  });

  it('lets every demo user log in with the username as password', async () => {
    const { verifyPassword } = await import('../auth/passwords');
    for (const demo of DEMO_USERS) {
      const user = await db().user.findUniqueOrThrow({ where: { username: demo.username } });
      expect(await verifyPassword(demo.username, user.passwordHash)).toBe(true);
    }
  });
});
