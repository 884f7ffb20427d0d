import { randomUUID } from 'node:crypto';
import type { Connection } from 'mariadb';
import { TOP_UP_NAME, purchaseName } from '../shared/wallets/transaction-names';

/**
 * Bulk history for the expenses-stat scenario: `count` transactions on one
 * wallet, spread evenly over `days` days ending now, inserted with SQL in one
 * database transaction (the API would take minutes and measure nothing).
 *
 * Rows only the API would otherwise keep in step are rebuilt by the steps in
 * DERIVED_DATA, after the insert and inside the same transaction. The wallet's
 * balance is the first, the expenses stat's daily roll-up the second.
 */
export interface ManyTransactions {
  walletId: string;
  count: number;
  days: number;
  /** The same seed gives the same sums, so runs compare. */
  seed?: number;
}

type DerivedDataStep = (conn: Connection, walletIds: string[]) => Promise<void>;

/** The balance is the sum of the transactions (SPEC §4); the CHECK refuses a negative one. */
const syncWalletBalances: DerivedDataStep = async (conn, walletIds) => {
  await conn.query('UPDATE wallets w SET balance = (SELECT COALESCE(SUM(t.sum), 0) FROM transactions t WHERE t.wallet_id = w.id) WHERE w.id IN (?)', [
    walletIds,
  ]);
};

/** The expenses stat's roll-up (shared/wallets/money-moves), which money moves keep in step one by one. */
const rebuildDailyFlows: DerivedDataStep = async (conn, walletIds) => {
  const owners = 'SELECT DISTINCT user_id FROM wallets WHERE id IN (?)';
  await conn.query(`DELETE FROM daily_flows WHERE user_id IN (${owners})`, [walletIds]);
  await conn.query(
    `INSERT INTO daily_flows (user_id, day, money_in, money_out)
     SELECT w.user_id, DATE(t.created_at), SUM(CASE WHEN t.sum > 0 THEN t.sum ELSE 0 END), SUM(CASE WHEN t.sum < 0 THEN -t.sum ELSE 0 END)
     FROM transactions t JOIN wallets w ON w.id = t.wallet_id
     WHERE w.user_id IN (${owners})
     GROUP BY w.user_id, DATE(t.created_at)`,
    [walletIds],
  );
};

export const DERIVED_DATA: DerivedDataStep[] = [syncWalletBalances, rebuildDailyFlows];

const BATCH_ROWS = 5000;
const DAY_MS = 86_400_000;

/** A small seeded PRNG (mulberry32): reproducible without a dependency. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const cents = (value: number) => (Math.round(value * 100) / 100).toFixed(2);
// DATETIME(6) text in UTC, so the driver's time zone handling never shifts it.
const sqlTime = (ms: number) => new Date(ms).toISOString().replace('T', ' ').replace('Z', '');

export async function seedManyTransactions(conn: Connection, options: ManyTransactions): Promise<{ inserted: number }> {
  const next = random(options.seed ?? 1);
  const end = Date.now() - 60_000;
  const start = end - options.days * DAY_MS;
  const step = (end - start) / options.count;

  await conn.beginTransaction();
  try {
    for (let first = 0; first < options.count; first += BATCH_ROWS) {
      const rows: unknown[][] = [];
      for (let i = first; i < Math.min(options.count, first + BATCH_ROWS); i++) {
        // Three in four are money in (top-ups); the rest are purchases, smaller on
        // average, so the balance only grows and stays within its CHECK.
        const isPurchase = next() < 0.25;
        const sum = isPurchase ? -(10 + next() * 290) : 10 + next() * 490;
        rows.push([randomUUID(), options.walletId, isPurchase ? purchaseName(1 + Math.floor(next() * 7)) : TOP_UP_NAME, cents(sum), sqlTime(start + i * step)]);
      }
      await conn.batch('INSERT INTO transactions (id, wallet_id, name, sum, created_at) VALUES (?, ?, ?, ?, ?)', rows);
    }
    for (const rebuild of DERIVED_DATA) await rebuild(conn, [options.walletId]);
    await conn.commit();
  } catch (error) {
    await conn.rollback();
    throw error;
  }
  return { inserted: options.count };
}
