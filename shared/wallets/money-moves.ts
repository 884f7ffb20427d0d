import { randomUUID } from 'node:crypto';
import { Prisma, type Db, type Tx } from '../db/client';
import type { Decimal } from '../money/decimal';

/**
 * Every change to a wallet's money is a transaction row plus its share of the
 * user's daily roll-up (daily_flows, which the expenses stat reads), written
 * in the same database transaction so the two never disagree.
 *
 * Times come from the database's clock, read by the locking statement that
 * started the move (see `lockedAt`), so every transaction is stamped by one
 * clock, after its wallet lock was granted, and no row is read back for its
 * stamp.
 */
export interface MoneyMove {
  walletId: string;
  userId: string;
  name: string;
  /** Signed: + money in, − money out. */
  sum: Decimal;
  /** `YYYY-MM-DD HH:MM:SS.ffffff`, UTC, from the database (see `lockedAt`). */
  at: string;
}

export interface RecordedMove {
  id: string;
  /** ISO 8601 with microseconds and Z, as statements show it. */
  createdAt: string;
  name: string;
  sum: Decimal;
}

/**
 * The database's clock in the form `at` takes, for the select list of a
 * locking read: SYSDATE is evaluated when the row is returned, after the lock
 * was granted (NOW would be the statement's start, before any wait), so moves
 * on one wallet are stamped in the order they hold its lock.
 */
export const lockedAt = Prisma.sql`DATE_FORMAT(SYSDATE(6), '%Y-%m-%d %H:%i:%s.%f')`;

/**
 * The first statement of every money move: the user's row, locked until the
 * move commits, so one user's purchases and top-ups run one after another
 * and every lock they take after it (wallet rows in whatever order a plan
 * reads them, the daily_flows row an upsert inserts or updates, the
 * Idempotency-Key record) is uncontended between them — a lock order no plan
 * or new wallet row can reverse. Different users' moves still run in
 * parallel.
 */
export async function lockUserForMoneyMove(tx: Tx, userId: string): Promise<void> {
  await tx.$queryRaw`SELECT id FROM users WHERE id = ${userId} FOR UPDATE`;
}

/**
 * The first statement of creating a wallet: a shared lock on the user's row,
 * so creations run side by side but never during a money move of that user.
 * Without it, MariaDB inserts the new wallet row first and only then takes
 * the same shared lock for the foreign key check: a purchase holding the
 * user's row and reading the user's wallets waits for the new, uncommitted
 * wallet, which waits for the user's row — a deadlock.
 */
export async function lockUserForNewWallet(tx: Tx, userId: string): Promise<void> {
  await tx.$queryRaw`SELECT id FROM users WHERE id = ${userId} LOCK IN SHARE MODE`;
}

export async function recordMoneyMove(tx: Tx, move: MoneyMove): Promise<RecordedMove> {
  const id = randomUUID();
  const amount = move.sum.toFixed(2);
  await tx.$executeRaw`INSERT INTO transactions (id, wallet_id, name, sum, created_at) VALUES (${id}, ${move.walletId}, ${move.name}, ${amount}, ${move.at})`;
  const moneyIn = move.sum.isNegative() ? '0.00' : amount;
  const moneyOut = move.sum.isNegative() ? move.sum.negated().toFixed(2) : '0.00';
  // CAST: a bound value added to a column would be computed as a double.
  await tx.$executeRaw`
    INSERT INTO daily_flows (user_id, day, money_in, money_out) VALUES (${move.userId}, DATE(${move.at}), ${moneyIn}, ${moneyOut})
    ON DUPLICATE KEY UPDATE money_in = money_in + CAST(${moneyIn} AS DECIMAL(20, 2)), money_out = money_out + CAST(${moneyOut} AS DECIMAL(20, 2))`;
  return { id, createdAt: `${move.at.replace(' ', 'T')}Z`, name: move.name, sum: move.sum };
}

/**
 * Sets a locked wallet's balance to one computed in decimals from the locked
 * row: `balance = balance + ?` would be computed by MariaDB as a double, and
 * Prisma's update would read the row before and after its UPDATE.
 */
export async function setWalletBalance(tx: Tx, walletId: string, balance: Decimal): Promise<void> {
  await tx.$executeRaw`UPDATE wallets SET balance = ${balance.toFixed(2)} WHERE id = ${walletId}`;
}

/** `at` one microsecond later, for a second move in one database transaction (a purchase after its sale). */
export function microsecondAfter(at: string): string {
  const [seconds, fraction] = at.split('.');
  const micros = BigInt(Date.parse(`${seconds.replace(' ', 'T')}Z`)) * 1000n + BigInt(fraction) + 1n;
  const date = new Date(Number(micros / 1000n));
  return `${date.toISOString().slice(0, 19).replace('T', ' ')}.${String(micros % 1_000_000n).padStart(6, '0')}`;
}

/**
 * Recomputes a user's roll-up from their transactions: for writers that add
 * transactions in bulk (the demo seed, benchmarks) rather than move by move.
 */
export async function rebuildDailyFlows(client: Db | Tx, userId: string): Promise<void> {
  await client.$executeRaw`DELETE FROM daily_flows WHERE user_id = ${userId}`;
  await client.$executeRaw`
    INSERT INTO daily_flows (user_id, day, money_in, money_out)
    SELECT w.user_id, DATE(t.created_at), SUM(CASE WHEN t.sum > 0 THEN t.sum ELSE 0 END), SUM(CASE WHEN t.sum < 0 THEN -t.sum ELSE 0 END)
    FROM transactions t JOIN wallets w ON w.id = t.wallet_id
    WHERE w.user_id = ${userId}
    GROUP BY w.user_id, DATE(t.created_at)`;
}
