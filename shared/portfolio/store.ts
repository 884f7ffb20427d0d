import { randomUUID } from 'node:crypto';
import { SESSION_COLUMNS, SESSION_FROM, type SessionRow, type SessionToConfirm } from '../auth/tokens';
import { placeholderList, placeholderRows, sqlRows, type SqlTx } from '../db/sql';
import type { Result } from '../core/result';
import type { StoredAnswerLookup } from '../idempotency/idempotency';
import { Decimal } from '../money/decimal';
import { MASKED_CARD_NUMBER } from '../wallets/card-columns';
import { LOCKED_AT } from '../wallets/money-moves';
import type { StoredAsset, StoredMetrics } from './holdings';
import type { Funds } from './paying-wallet';

/**
 * A user's portfolio rows (assets and metrics) and the wallets that pay for
 * one, in plain SQL on the driver (shared/db/sql) rather than Prisma: the
 * purchase is their only writer, and on the driver its process never loads
 * Prisma's client and the memory and cold-start CPU it costs
 * (docs/performance.md). An asset belongs to a user through its purchase
 * transaction's wallet. DECIMALs come back as exact strings and go in as
 * 2-decimal text, never through a JavaScript number.
 */
export interface HeldAsset extends StoredAsset {
  /** The purchase transaction it was bought by. */
  transactionId: string;
}

export interface PayingWalletRow extends Funds {
  bankName: string;
  maskedCardNumber: string;
  /** The database's clock once the locks were held (LOCKED_AT). */
  lockedAt: string;
}

/**
 * What a user holds (GET /assets/): the metrics and every asset, in one
 * statement, so one snapshot (a purchase committing between two separate
 * reads would pair the old metrics with the new assets); undefined for no
 * portfolio.
 */
export async function portfolioOf(userId: string): Promise<{ metrics: StoredMetrics; assets: StoredAsset[] } | undefined> {
  const rows = await sqlRows<Record<'rateOfReturn' | 'volatility' | 'valueAtRisk' | 'assetName' | 'pricePerUnit' | 'overallSum', string>>(
    `SELECT m.rate_of_return AS rateOfReturn, m.volatility, m.value_at_risk AS valueAtRisk,
            a.asset_name AS assetName, a.price_per_unit AS pricePerUnit, a.overall_sum AS overallSum
     FROM metrics m
     JOIN wallets w ON w.user_id = m.user_id
     JOIN transactions t ON t.wallet_id = w.id
     JOIN assets a ON a.transaction_id = t.id
     WHERE m.user_id = ?`,
    [userId],
  );
  if (rows.length === 0) return undefined;
  return {
    metrics: { rateOfReturn: new Decimal(rows[0].rateOfReturn), volatility: new Decimal(rows[0].volatility), valueAtRisk: new Decimal(rows[0].valueAtRisk) },
    assets: rows.map((row) => ({ assetName: row.assetName, pricePerUnit: new Decimal(row.pricePerUnit), overallSum: new Decimal(row.overallSum) })),
  };
}

/** The FROM and WHERE of a user's assets: an asset belongs to a user through its purchase transaction's wallet. */
const HELD_BY = (userIdExpression: '?' | 'u.id') =>
  `FROM assets a JOIN transactions t ON t.id = a.transaction_id JOIN wallets hw ON hw.id = t.wallet_id WHERE hw.user_id = ${userIdExpression}`;

/** What a purchase knows before it takes any lock: the buyer's wallets and the names of what they hold. */
export interface PurchaseStart {
  wallets: Funds[];
  heldNames: string[];
  /** The answer stored under the request's Idempotency-Key: the purchase is a retry, and this is its answer. */
  replay?: Result;
}

/**
 * The purchase's first statement, a plain read outside any transaction: the
 * caller's session (confirmed), their wallets, the names of the assets they
 * hold (to be quoted before any lock is taken) and the answer stored under
 * the request's Idempotency-Key, so that a retry is answered before it is
 * priced (ML calls), locked or written.
 */
export async function purchaseStart(session: SessionToConfirm, storedAnswer: StoredAnswerLookup): Promise<PurchaseStart> {
  const rows = await sqlRows<SessionRow & { walletId: string | null; balance: string | null; heldNames: string | null; storedAnswer: string | null }>(
    `SELECT ${SESSION_COLUMNS}, w.id AS walletId, w.balance,
       (SELECT GROUP_CONCAT(DISTINCT a.asset_name) ${HELD_BY('u.id')}) AS heldNames,
       ${storedAnswer.column('u.id')}
     FROM ${SESSION_FROM} LEFT JOIN wallets w ON w.user_id = u.id
     WHERE s.id = ? ORDER BY w.id`,
    [...storedAnswer.values, session.key.sessionId],
  );
  session.confirm(rows[0]);
  const [{ heldNames, storedAnswer: stored }] = rows;
  return {
    wallets: rows.flatMap(({ walletId, balance }) => (walletId === null || balance === null ? [] : [{ id: walletId, balance: new Decimal(balance) }])),
    heldNames: heldNames ? heldNames.split(',') : [],
    replay: storedAnswer.replay(stored),
  };
}

/**
 * The first statement of a purchase's transaction: the caller's session
 * confirmed in it (SessionToConfirm), and the session's, the user's and all
 * their wallets' rows locked, in that order (STRAIGHT_JOIN), as a top-up locks
 * the session, the user and its one wallet: one user's money moves run one
 * after another, a logout or deactivation waits for the move under way and
 * the next move sees it. ORDER BY id does not order the wallets' locks (rows
 * are locked as the plan reads them, then sorted); the user's row, taken
 * before any of them, is the lock that orders. The database's clock comes
 * with it, read once the locks were granted.
 */
export async function lockForPurchase(tx: SqlTx, session: SessionToConfirm): Promise<PayingWalletRow[]> {
  const rows = await tx.rows<SessionRow & { walletId: string | null; balance: string; bankName: string; maskedCardNumber: string; lockedAt: string }>(
    `SELECT STRAIGHT_JOIN ${SESSION_COLUMNS}, w.id AS walletId, w.balance, w.bank_name AS bankName, ${MASKED_CARD_NUMBER} AS maskedCardNumber, ${LOCKED_AT} AS lockedAt
     FROM ${SESSION_FROM} LEFT JOIN wallets w ON w.user_id = u.id
     WHERE s.id = ? ORDER BY w.id FOR UPDATE`,
    [session.key.sessionId],
  );
  session.confirm(rows[0], tx);
  return rows.flatMap(({ walletId, balance, bankName, maskedCardNumber, lockedAt }) =>
    walletId === null ? [] : [{ id: walletId, balance: new Decimal(balance), bankName, maskedCardNumber, lockedAt }],
  );
}

/** A plain read: under READ COMMITTED it sees what committed while the locks were awaited. */
export async function heldAssets(tx: SqlTx, userId: string): Promise<HeldAsset[]> {
  const rows = await tx.rows<{ transactionId: string; assetName: string; pricePerUnit: string; overallSum: string }>(
    `SELECT a.transaction_id AS transactionId, a.asset_name AS assetName, a.price_per_unit AS pricePerUnit, a.overall_sum AS overallSum ${HELD_BY('?')}`,
    [userId],
  );
  return rows.map((row) => ({
    transactionId: row.transactionId,
    assetName: row.assetName,
    pricePerUnit: new Decimal(row.pricePerUnit),
    overallSum: new Decimal(row.overallSum),
  }));
}

/**
 * The assets just read (heldAssets) deleted, by the purchase transactions that
 * bought them (one, normally): the user's row is locked, so nothing else can
 * have changed which assets those are.
 */
export async function deleteAssets(tx: SqlTx, assets: readonly HeldAsset[]): Promise<void> {
  const purchases = [...new Set(assets.map((asset) => asset.transactionId))];
  if (purchases.length === 0) return;
  await tx.execute(`DELETE FROM assets WHERE transaction_id IN (${placeholderList(purchases.length)})`, purchases);
}

/** The assets bought by the purchase transaction `transactionId`, in one INSERT. */
export async function storeAssets(tx: SqlTx, transactionId: string, assets: readonly StoredAsset[]): Promise<void> {
  if (assets.length === 0) return;
  await tx.execute(
    `INSERT INTO assets (id, transaction_id, asset_name, price_per_unit, overall_sum) VALUES ${placeholderRows(assets.length, 5)}`,
    assets.flatMap((asset) => [randomUUID(), transactionId, asset.assetName, asset.pricePerUnit.toFixed(2), asset.overallSum.toFixed(2)]),
  );
}

/** The user's one metrics row (SPEC §4), replaced in one upsert on its unique user_id. */
export async function replaceMetrics(tx: SqlTx, userId: string, metrics: StoredMetrics): Promise<void> {
  const values = [metrics.rateOfReturn.toFixed(2), metrics.volatility.toFixed(2), metrics.valueAtRisk.toFixed(2)];
  // The values bound twice: VALUES(col) is deprecated on MySQL 8.4 and its row alias (AS new) unknown to MariaDB.
  await tx.execute(
    `INSERT INTO metrics (id, user_id, rate_of_return, volatility, value_at_risk) VALUES (?, ?, ?, ?, ?)
     ON DUPLICATE KEY UPDATE rate_of_return = ?, volatility = ?, value_at_risk = ?`,
    [randomUUID(), userId, ...values, ...values],
  );
}
