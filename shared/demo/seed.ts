import { createHash } from 'node:crypto';
import { hashPassword, verifyPassword } from '../auth/passwords';
import { asSqlTx, type Db, type Tx } from '../db/prisma';
import { Decimal, toCents } from '../money/decimal';
import { findTicker } from '../ml/tickers';
import { TOP_UP_NAME, purchaseName } from '../wallets/transaction-names';
import { rebuildDailyFlows } from '../wallets/money-moves';
import { DEMO_USERS, type DemoUser, demoEmail } from './demo-data';

/**
 * Creates or resets the demo users in one transaction. Ids are derived from
 * the demo data and times from the seeding day, so a second run on the same
 * UTC day writes exactly what is already there, and the scheduled daily run
 * moves the history forward so the expenses stat always shows recent days.
 */
const DAY_MS = 24 * 3600_000;
const HISTORY_DAYS = 10;

/** A stable UUID (version 5 layout) for a piece of demo data. */
export function demoId(...parts: Array<string | number>): string {
  const hex = createHash('sha1')
    .update(`fulfillment-demo:${parts.join(':')}`)
    .digest('hex');
  const variant = ((parseInt(hex[16], 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** Purchase prices a little under the stand-in's base prices: small, real profits. */
export function demoPurchasePrice(assetName: string, index: number): Decimal {
  const ticker = findTicker(assetName);
  if (!ticker) throw new Error(`Demo asset ${assetName} is not a known ticker`);
  return toCents(new Decimal(ticker.basePrice).times(new Decimal('0.97').plus(new Decimal(index).times('0.01'))));
}

interface DemoEvent {
  walletIndex: number;
  name: string;
  sum: Decimal;
  isPurchase: boolean;
}

/** Every money movement of a demo user, in the order SPEC §5 lists them. */
export function demoEvents(user: DemoUser): DemoEvent[] {
  const events: DemoEvent[] = user.wallets.flatMap((wallet, walletIndex) =>
    wallet.topUps.map((sum) => ({ walletIndex, name: TOP_UP_NAME, sum: new Decimal(sum), isPurchase: false })),
  );
  if (user.portfolio) {
    events.push({
      walletIndex: user.portfolio.paidFrom,
      name: purchaseName(user.portfolio.parts.length),
      sum: new Decimal(user.portfolio.investedSum).negated(),
      isPurchase: true,
    });
  }
  return events;
}

/** Spreads n events over the 10 days before the seeding day, at 09:00 UTC plus a minute per event. */
export function demoEventTimes(count: number, seededAt: Date): Date[] {
  const today = Date.UTC(seededAt.getUTCFullYear(), seededAt.getUTCMonth(), seededAt.getUTCDate());
  const first = today - HISTORY_DAYS * DAY_MS;
  return Array.from({ length: count }, (_, i) => {
    const day = count === 1 ? 0 : Math.round((i * (HISTORY_DAYS - 1)) / (count - 1));
    return new Date(first + day * DAY_MS + 9 * 3600_000 + i * 60_000);
  });
}

async function seedUser(tx: Tx, user: DemoUser, seededAt: Date): Promise<void> {
  const userId = demoId(user.username);
  const existing = await tx.user.findUnique({ where: { username: user.username } });
  // bcrypt salts every hash; keep the stored one when it still matches so a rerun changes nothing.
  const passwordHash = existing && (await verifyPassword(user.username, existing.passwordHash)) ? existing.passwordHash : await hashPassword(user.username);
  const profile = {
    email: demoEmail(user.username),
    passwordHash,
    firstName: user.firstName,
    lastName: user.lastName,
    mlUuid: user.mlUuid,
    isActive: true,
  };
  // A demo username taken by a row with another id (a hand-made user) is replaced wholesale.
  if (existing && existing.id !== userId) await tx.user.delete({ where: { id: existing.id } });
  await tx.user.upsert({ where: { id: userId }, create: { id: userId, username: user.username, ...profile }, update: profile });

  // Reset: everything the user owns goes, then the canonical state comes back.
  await tx.metrics.deleteMany({ where: { userId } });
  await tx.wallet.deleteMany({ where: { userId } });
  const taken = await tx.wallet.findFirst({ where: { cardNumber: { in: user.wallets.map((wallet) => wallet.cardNumber) } } });
  // Never delete a real user's wallet to make room for demo data.
  if (taken) throw new Error(`Demo card ${taken.cardNumber} belongs to another user; demo seed refused`);

  const events = demoEvents(user);
  const times = demoEventTimes(events.length, seededAt);
  const balances = user.wallets.map(() => new Decimal(0));
  for (const event of events) balances[event.walletIndex] = balances[event.walletIndex].plus(event.sum);

  await tx.wallet.createMany({
    data: user.wallets.map((wallet, index) => ({
      id: demoId(user.username, 'wallet', index),
      userId,
      bankName: wallet.bankName,
      cardNumber: wallet.cardNumber,
      balance: balances[index],
      // Opened when its first top-up arrived, so the wallets list in SPEC order.
      createdAt: times[events.findIndex((event) => event.walletIndex === index)],
    })),
  });
  await tx.transaction.createMany({
    data: events.map((event, index) => ({
      id: demoId(user.username, 'transaction', index),
      walletId: demoId(user.username, 'wallet', event.walletIndex),
      name: event.name,
      sum: event.sum,
      createdAt: times[index],
    })),
  });

  await rebuildDailyFlows(asSqlTx(tx), userId);

  const { portfolio } = user;
  if (!portfolio) return;
  const purchaseId = demoId(
    user.username,
    'transaction',
    events.findIndex((event) => event.isPurchase),
  );
  await tx.asset.createMany({
    data: portfolio.parts.map(([assetName, percent], index) => ({
      id: demoId(user.username, 'asset', index),
      transactionId: purchaseId,
      assetName,
      pricePerUnit: demoPurchasePrice(assetName, index),
      overallSum: toCents(new Decimal(portfolio.investedSum).times(percent).dividedBy(100)),
    })),
  });
  await tx.metrics.create({
    data: {
      id: demoId(user.username, 'metrics'),
      userId,
      rateOfReturn: new Decimal(portfolio.metrics.rateOfReturn),
      volatility: new Decimal(portfolio.metrics.volatility),
      valueAtRisk: new Decimal(portfolio.metrics.valueAtRisk),
    },
  });
}

export async function seedDemoUsers(client: Db, seededAt = new Date()): Promise<{ users: string[] }> {
  await client.$transaction(
    async (tx) => {
      for (const user of DEMO_USERS) await seedUser(tx, user, seededAt);
    },
    { maxWait: 10_000, timeout: 60_000 },
  );
  return { users: DEMO_USERS.map((user) => user.username) };
}
