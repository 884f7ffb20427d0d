import { z } from 'zod';
import { Prisma, type Db, type Tx } from '../db/client';
import type { Decimal } from '../money/decimal';
import { notFound } from '../http/errors';
import { lockedAt } from './money-moves';

/**
 * A user only ever reaches their own wallets. Someone else's wallet, an
 * unknown id and a malformed id (rejected by the params schema, which the
 * HTTP layer turns into this same 404) must be indistinguishable, so every
 * miss throws the one generic not-found error.
 */
export const walletIdParams = z.object({
  wallet_id: z.uuid().transform((id) => id.toLowerCase()),
});

export async function findOwnWallet(client: Db, userId: string, walletId: string) {
  const wallet = await client.wallet.findFirst({ where: { id: walletId, userId } });
  if (!wallet) throw notFound();
  return wallet;
}

/**
 * Locks the wallet row until the transaction ends, so concurrent money moves
 * on one wallet queue up instead of overwriting each other's balance. A
 * locking read sees the latest committed row even under REPEATABLE READ, so
 * the balance returned is current however long the lock took to get;
 * `lockedAt` is the database's clock once the lock was granted, for stamping
 * the move (shared/wallets/money-moves).
 */
export async function lockOwnWallet(tx: Tx, userId: string, walletId: string): Promise<{ id: string; balance: Decimal; lockedAt: string }> {
  const rows = await tx.$queryRaw<Array<{ id: string; balance: Decimal; lockedAt: string }>>(
    Prisma.sql`SELECT id, balance, ${lockedAt} AS lockedAt FROM wallets WHERE id = ${walletId} AND user_id = ${userId} FOR UPDATE`,
  );
  if (rows.length === 0) throw notFound();
  return rows[0];
}
