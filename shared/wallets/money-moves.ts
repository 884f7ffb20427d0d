import { randomUUID } from 'node:crypto';
import { SESSION_COLUMNS, SESSION_FROM, type SessionRow, type SessionToConfirm } from '../auth/tokens';
import { placeholderRows, type SqlTx } from '../db/sql';
import type { Result } from '../core/result';
import type { StoredAnswerLookup } from '../idempotency/idempotency';
import { notFound } from '../core/errors';
import { Decimal } from '../money/decimal';

/**
 * Every change to a wallet's money is a transaction row plus its share of the
 * user's daily roll-up (daily_flows, which the expenses stat reads), written
 * in the same database transaction so the two never disagree. Plain SQL over
 * SqlTx (shared/db/sql), which top-ups and purchases run on.
 *
 * Times come from the database's clock, read by the locking statement that
 * started the move (see LOCKED_AT), so every transaction is stamped by one
 * clock, after its wallet lock was granted, and no row is read back for its
 * stamp.
 */
export interface MoneyMove {
  walletId: string;
  userId: string;
  name: string;
  /** Signed: + money in, − money out. */
  sum: Decimal;
  /** `YYYY-MM-DD HH:MM:SS.ffffff`, UTC, from the database (see LOCKED_AT). */
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
export const LOCKED_AT = "DATE_FORMAT(SYSDATE(6), '%Y-%m-%d %H:%i:%s.%f')";

/**
 * A one-wallet move's first statement: the caller's session confirmed in the
 * transaction (see SessionToConfirm), the session's, the user's and the
 * wallet's rows locked, in one round trip. STRAIGHT_JOIN keeps that order,
 * the one a purchase locks in too (shared/portfolio/store lockForPurchase),
 * so one user's money moves run one after another and this never waits for
 * a wallet while holding nothing a purchase of the same user wants. Locked
 * rows are current however long the locks took to get, even under REPEATABLE
 * READ. Someone else's wallet is the same 404 as an unknown one
 * (./ownership); a refused session is a 401 before that. The answer stored
 * under the request's Idempotency-Key comes with it: a retry writes nothing.
 */
export async function lockOwnWallet(
  tx: SqlTx,
  session: SessionToConfirm,
  walletId: string,
  storedAnswer: StoredAnswerLookup,
): Promise<{ replay: Result } | { replay?: undefined; id: string; balance: Decimal; lockedAt: string }> {
  const [row] = await tx.rows<SessionRow & { walletId: string | null; balance: string; lockedAt: string; storedAnswer: string | null }>(
    `SELECT STRAIGHT_JOIN ${SESSION_COLUMNS}, w.id AS walletId, w.balance, ${LOCKED_AT} AS lockedAt, ${storedAnswer.column('u.id')}
     FROM ${SESSION_FROM} LEFT JOIN wallets w ON w.user_id = u.id AND w.id = ?
     WHERE s.id = ? FOR UPDATE`,
    [...storedAnswer.values, walletId, session.key.sessionId],
  );
  session.confirm(row, tx);
  const replay = storedAnswer.replay(row.storedAnswer);
  if (replay) return { replay };
  if (!row.walletId) throw notFound();
  return { id: row.walletId, balance: new Decimal(row.balance), lockedAt: row.lockedAt };
}

export async function recordMoneyMove(tx: SqlTx, move: MoneyMove): Promise<RecordedMove> {
  const [recorded] = await recordMoneyMoves(tx, { walletId: move.walletId, userId: move.userId, at: move.at }, [move]);
  return recorded;
}

/**
 * Several moves of one wallet in one database transaction (a purchase's sale,
 * then its debit), in two statements whatever their number: one INSERT of all
 * their transaction rows and one upsert of the day's roll-up. They are
 * stamped a microsecond apart, in the order given, so statements list them in
 * that order; all within `at`'s UTC day (moved back a few microseconds if
 * `at` is the day's very end), so one roll-up row takes them all.
 */
export async function recordMoneyMoves(
  tx: SqlTx,
  { walletId, userId, at }: { walletId: string; userId: string; at: string },
  moves: ReadonlyArray<{ name: string; sum: Decimal }>,
): Promise<RecordedMove[]> {
  const stamps = consecutiveStamps(at, moves.length);
  const recorded = moves.map((move, index) => ({ id: randomUUID(), name: move.name, sum: move.sum, at: stamps[index] }));
  await tx.execute(
    `INSERT INTO transactions (id, wallet_id, name, sum, created_at) VALUES ${placeholderRows(recorded.length, 5)}`,
    recorded.flatMap((move) => [move.id, walletId, move.name, move.sum.toFixed(2), move.at]),
  );
  const moneyIn = moves.reduce((total, move) => (move.sum.isNegative() ? total : total.plus(move.sum)), new Decimal(0)).toFixed(2);
  const moneyOut = moves.reduce((total, move) => (move.sum.isNegative() ? total.minus(move.sum) : total), new Decimal(0)).toFixed(2);
  // CAST: a bound value added to a column would be computed as a double.
  await tx.execute(
    `INSERT INTO daily_flows (user_id, day, money_in, money_out) VALUES (?, DATE(?), ?, ?)
     ON DUPLICATE KEY UPDATE money_in = money_in + CAST(? AS DECIMAL(20, 2)), money_out = money_out + CAST(? AS DECIMAL(20, 2))`,
    [userId, stamps[0], moneyIn, moneyOut, moneyIn, moneyOut],
  );
  return recorded.map((move) => ({ id: move.id, createdAt: `${move.at.replace(' ', 'T')}Z`, name: move.name, sum: move.sum }));
}

/**
 * Sets a locked wallet's balance to one computed in decimals from the locked
 * row: `balance = balance + ?` would be computed by MariaDB as a double.
 */
export async function setWalletBalance(tx: SqlTx, walletId: string, balance: Decimal): Promise<void> {
  await tx.execute('UPDATE wallets SET balance = ? WHERE id = ?', [balance.toFixed(2), walletId]);
}

const MICROS_PER_DAY = 86_400_000_000n;

/**
 * `count` stamps a microsecond apart, in `YYYY-MM-DD HH:MM:SS.ffffff` form,
 * starting at `at`, or as much earlier as keeps the last within `at`'s UTC day.
 */
export function consecutiveStamps(at: string, count: number): string[] {
  const [seconds, fraction] = at.split('.');
  const micros = BigInt(Date.parse(`${seconds.replace(' ', 'T')}Z`)) * 1000n + BigInt(fraction ?? 0);
  const dayEnd = (micros / MICROS_PER_DAY + 1n) * MICROS_PER_DAY - 1n;
  const first = micros + BigInt(count - 1) > dayEnd ? dayEnd - BigInt(count - 1) : micros;
  return Array.from({ length: count }, (_, index) => formatMicros(first + BigInt(index)));
}

function formatMicros(micros: bigint): string {
  const date = new Date(Number(micros / 1000n));
  return `${date.toISOString().slice(0, 19).replace('T', ' ')}.${String(micros % 1_000_000n).padStart(6, '0')}`;
}

/**
 * Recomputes a user's roll-up from their transactions: for writers that add
 * transactions in bulk (the demo seed, tests) rather than move by move.
 */
export async function rebuildDailyFlows(tx: SqlTx, userId: string): Promise<void> {
  await tx.execute('DELETE FROM daily_flows WHERE user_id = ?', [userId]);
  await tx.execute(
    `INSERT INTO daily_flows (user_id, day, money_in, money_out)
     SELECT w.user_id, DATE(t.created_at), SUM(CASE WHEN t.sum > 0 THEN t.sum ELSE 0 END), SUM(CASE WHEN t.sum < 0 THEN -t.sum ELSE 0 END)
     FROM transactions t JOIN wallets w ON w.id = t.wallet_id
     WHERE w.user_id = ?
     GROUP BY w.user_id, DATE(t.created_at)`,
    [userId],
  );
}
