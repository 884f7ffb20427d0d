import { randomUUID } from 'node:crypto';
import { sqlRows, type SqlTx } from '../db/sql';
import { Decimal } from '../money/decimal';
import { LOCKED_AT } from '../wallets/money-moves';
import type { StoredAsset, StoredMetrics } from './holdings';
import type { Funds } from './wallets';

/**
 * A user's portfolio rows (assets and metrics) and the wallets that pay for
 * one, in plain SQL on the driver (shared/db/sql) rather than Prisma: the
 * purchase is their only writer, and on the driver its process never loads
 * Prisma's client, which cost its cold start ~40 MB and ~150–250 ms of CPU
 * (README, Performance). An asset belongs to a user through its purchase
 * transaction's wallet. DECIMALs come back as exact strings and go in as
 * 2-decimal text, never through a JavaScript number.
 */
export interface HeldAsset extends StoredAsset {
  id: string;
}

export interface PayingWalletRow extends Funds {
  bankName: string;
  cardNumber: string;
  /** The database's clock once the locks were held (LOCKED_AT). */
  lockedAt: string;
}

const HELD = `FROM assets a JOIN transactions t ON t.id = a.transaction_id JOIN wallets w ON w.id = t.wallet_id WHERE w.user_id = ?`;

/** Unlocked, outside any transaction: what a purchase checks and prices before it takes any lock. */
export async function walletFunds(userId: string): Promise<Funds[]> {
  const rows = await sqlRows<{ id: string; balance: string }>('SELECT id, balance FROM wallets WHERE user_id = ? ORDER BY id', [userId]);
  return rows.map((row) => ({ id: row.id, balance: new Decimal(row.balance) }));
}

export async function heldAssetNames(userId: string): Promise<string[]> {
  const rows = await sqlRows<{ assetName: string }>(`SELECT DISTINCT a.asset_name AS assetName ${HELD}`, [userId]);
  return rows.map((row) => row.assetName);
}

/**
 * The user's wallets, locked, with the database's clock after the locks were
 * granted. Call after lockUserForMoneyMove: ORDER BY id does not order these
 * locks (rows are locked as the plan reads them, then sorted), the user's row does.
 */
export async function lockWallets(tx: SqlTx, userId: string): Promise<PayingWalletRow[]> {
  const rows = await tx.rows<{ id: string; balance: string; bankName: string; cardNumber: string; lockedAt: string }>(
    `SELECT id, balance, bank_name AS bankName, card_number AS cardNumber, ${LOCKED_AT} AS lockedAt
     FROM wallets WHERE user_id = ? ORDER BY id FOR UPDATE`,
    [userId],
  );
  return rows.map((row) => ({ ...row, balance: new Decimal(row.balance) }));
}

/** A plain read: under READ COMMITTED it sees what committed while the locks were awaited. */
export async function heldAssets(tx: SqlTx, userId: string): Promise<HeldAsset[]> {
  const rows = await tx.rows<{ id: string; assetName: string; pricePerUnit: string; overallSum: string }>(
    `SELECT a.id, a.asset_name AS assetName, a.price_per_unit AS pricePerUnit, a.overall_sum AS overallSum ${HELD}`,
    [userId],
  );
  return rows.map((row) => ({ id: row.id, assetName: row.assetName, pricePerUnit: new Decimal(row.pricePerUnit), overallSum: new Decimal(row.overallSum) }));
}

export async function deleteAssets(tx: SqlTx, assets: readonly HeldAsset[]): Promise<void> {
  if (assets.length === 0) return;
  await tx.execute(
    `DELETE FROM assets WHERE id IN (${assets.map(() => '?').join(', ')})`,
    assets.map((asset) => asset.id),
  );
}

/** The assets bought by the purchase transaction `transactionId`, in one INSERT. */
export async function storeAssets(tx: SqlTx, transactionId: string, assets: readonly StoredAsset[]): Promise<void> {
  if (assets.length === 0) return;
  await tx.execute(
    `INSERT INTO assets (id, transaction_id, asset_name, price_per_unit, overall_sum) VALUES ${assets.map(() => '(?, ?, ?, ?, ?)').join(', ')}`,
    assets.flatMap((asset) => [randomUUID(), transactionId, asset.assetName, asset.pricePerUnit.toFixed(2), asset.overallSum.toFixed(2)]),
  );
}

/** The user's one metrics row (SPEC §4), replaced: the old one deleted, the new one stored. */
export async function replaceMetrics(tx: SqlTx, userId: string, metrics: StoredMetrics): Promise<void> {
  await tx.execute('DELETE FROM metrics WHERE user_id = ?', [userId]);
  await tx.execute('INSERT INTO metrics (id, user_id, rate_of_return, volatility, value_at_risk) VALUES (?, ?, ?, ?, ?)', [
    randomUUID(),
    userId,
    metrics.rateOfReturn.toFixed(2),
    metrics.volatility.toFixed(2),
    metrics.valueAtRisk.toFixed(2),
  ]);
}
