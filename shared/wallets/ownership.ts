import { z } from 'zod';
import { sqlRows } from '../db/sql';
import { notFound } from '../core/errors';

/**
 * A user only ever reaches their own wallets. Someone else's wallet, an
 * unknown id and a malformed id (rejected by the params schema, which the
 * HTTP layer turns into this same 404) must be indistinguishable, so every
 * miss throws the one generic not-found error.
 */
export const walletIdParams = z.object({
  wallet_id: z.uuid().transform((id) => id.toLowerCase()),
});

export async function findOwnWallet(userId: string, walletId: string): Promise<{ id: string }> {
  const [wallet] = await sqlRows<{ id: string }>('SELECT id FROM wallets WHERE id = ? AND user_id = ?', [walletId, userId]);
  if (!wallet) throw notFound();
  return wallet;
}
