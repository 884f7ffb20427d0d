import { createHash } from 'node:crypto';
import { hashPassword, verifyPassword } from '../auth/passwords';
import { storedCard, type StoredCard } from '../cards/card-number';
import { cardHmacKey } from '../config/config';
import { inSqlTransaction, placeholderRows, type SqlTx } from '../db/sql';
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

/** A Date as the DATETIME(6) text the database stores, in UTC (every connection's time zone). */
const datetime = (date: Date) => `${date.toISOString().slice(0, 23).replace('T', ' ')}000`;

/** card_number (only the mask, for the revision serving during the rollout that adds hashes), card_hash, card_last4, card_length. */
const storedCardColumns = (card: StoredCard) => [card.masked, card.hash, card.lastFour, card.length];

async function seedUser(tx: SqlTx, user: DemoUser, seededAt: Date, cardKey: string): Promise<void> {
  const userId = demoId(user.username);
  const [existing] = await tx.rows<{ id: string; passwordHash: string }>('SELECT id, password_hash AS passwordHash FROM users WHERE username = ?', [
    user.username,
  ]);
  // bcrypt salts every hash; keep the stored one when it still matches so a rerun changes nothing.
  const passwordHash = existing && (await verifyPassword(user.username, existing.passwordHash)) ? existing.passwordHash : await hashPassword(user.username);
  const profile = [demoEmail(user.username), passwordHash, user.firstName, user.lastName, user.mlUuid];
  // A demo username taken by a row with another id (a hand-made user) is replaced wholesale (its rows cascade).
  if (existing && existing.id !== userId) await tx.execute('DELETE FROM users WHERE id = ?', [existing.id]);
  await tx.execute(
    `INSERT INTO users (id, username, email, password_hash, first_name, last_name, ml_uuid, is_active, date_joined) VALUES (?, ?, ?, ?, ?, ?, ?, 1, NOW(6))
     ON DUPLICATE KEY UPDATE email = ?, password_hash = ?, first_name = ?, last_name = ?, ml_uuid = ?, is_active = 1`,
    [userId, user.username, ...profile, ...profile],
  );

  // Reset: everything the user owns goes (transactions and assets with their wallets), then the canonical state comes back.
  await tx.execute('DELETE FROM metrics WHERE user_id = ?', [userId]);
  // Card numbers are unique per user only, so another user holding a demo card takes nothing from the demo user.
  await tx.execute('DELETE FROM wallets WHERE user_id = ?', [userId]);

  const events = demoEvents(user);
  const times = demoEventTimes(events.length, seededAt);
  const balances = user.wallets.map(() => new Decimal(0));
  for (const event of events) balances[event.walletIndex] = balances[event.walletIndex].plus(event.sum);

  await tx.execute(
    `INSERT INTO wallets (id, user_id, bank_name, card_number, card_hash, card_last4, card_length, balance, created_at) VALUES ${placeholderRows(user.wallets.length, 9)}`,
    user.wallets.flatMap((wallet, index) => [
      demoId(user.username, 'wallet', index),
      userId,
      wallet.bankName,
      ...storedCardColumns(storedCard(cardKey, userId, wallet.cardNumber)),
      balances[index].toFixed(2),
      // Opened when its first top-up arrived, so the wallets list in SPEC order.
      datetime(times[events.findIndex((event) => event.walletIndex === index)]),
    ]),
  );
  await tx.execute(
    `INSERT INTO transactions (id, wallet_id, name, sum, created_at) VALUES ${placeholderRows(events.length, 5)}`,
    events.flatMap((event, index) => [
      demoId(user.username, 'transaction', index),
      demoId(user.username, 'wallet', event.walletIndex),
      event.name,
      event.sum.toFixed(2),
      datetime(times[index]),
    ]),
  );
  await rebuildDailyFlows(tx, userId);

  const { portfolio } = user;
  if (!portfolio) return;
  const purchaseId = demoId(
    user.username,
    'transaction',
    events.findIndex((event) => event.isPurchase),
  );
  await tx.execute(
    `INSERT INTO assets (id, transaction_id, asset_name, price_per_unit, overall_sum) VALUES ${placeholderRows(portfolio.parts.length, 5)}`,
    portfolio.parts.flatMap(([assetName, percent], index) => [
      demoId(user.username, 'asset', index),
      purchaseId,
      assetName,
      demoPurchasePrice(assetName, index).toFixed(2),
      toCents(new Decimal(portfolio.investedSum).times(percent).dividedBy(100)).toFixed(2),
    ]),
  );
  const { rateOfReturn, volatility, valueAtRisk } = portfolio.metrics;
  await tx.execute('INSERT INTO metrics (id, user_id, rate_of_return, volatility, value_at_risk) VALUES (?, ?, ?, ?, ?)', [
    demoId(user.username, 'metrics'),
    userId,
    new Decimal(rateOfReturn).toFixed(2),
    new Decimal(volatility).toFixed(2),
    new Decimal(valueAtRisk).toFixed(2),
  ]);
}

/** On the driver, as every request's transactions are (shared/db/sql). */
export async function seedDemoUsers(seededAt = new Date()): Promise<{ users: string[] }> {
  const cardKey = cardHmacKey();
  await inSqlTransaction(async (tx) => {
    for (const user of DEMO_USERS) await seedUser(tx, user, seededAt, cardKey);
  });
  return { users: DEMO_USERS.map((user) => user.username) };
}
