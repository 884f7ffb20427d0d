import { randomUUID } from 'node:crypto';
import { storedCard } from '../cards/card-number';
import { ApiError } from '../core/errors';
import type { SqlTx } from '../db/sql';
import type { OwnWallet } from './session-wallets';

/** The one refusal for a user who holds as many wallets as MAX_WALLETS_PER_USER allows. */
export const walletLimit = (max: number) => new ApiError(422, 'wallet_limit', `A user can hold at most ${max} wallets`);

/**
 * A new wallet of `userId`, balance 0, in the caller's transaction.
 *
 * The user's row is locked first (FOR UPDATE), which does two things:
 * - creations of one user run one after another, so the count read after the
 *   lock (a fresh read under READ COMMITTED) sees every wallet committed
 *   before, and `maxWallets` holds however many arrive at once;
 * - the user's row is taken before the wallet row, the order every money move
 *   uses (docs/architecture.md, "One lock order"). Without it, MariaDB inserts
 *   the wallet row first and only then takes a shared lock on the user's row
 *   for the foreign key check, and a purchase holding the user's row and
 *   reading the user's wallets waits for the new, uncommitted wallet, which
 *   waits for the user's row: a deadlock.
 *
 * Only the card's hash, last four digits and length are written (and, for
 * the revision still serving during this change's rollout, its mask in
 * card_number); a card the same user already registered fails the INSERT on
 * the unique (user_id, card_hash) index.
 */
export async function createWallet(
  tx: SqlTx,
  { userId, bankName, cardNumber, cardKey, maxWallets }: { userId: string; bankName: string; cardNumber: string; cardKey: string; maxWallets: number },
): Promise<OwnWallet> {
  await tx.rows('SELECT id FROM users WHERE id = ? FOR UPDATE', [userId]);
  const [{ wallets }] = await tx.rows<{ wallets: number | bigint }>('SELECT COUNT(*) AS wallets FROM wallets WHERE user_id = ?', [userId]);
  if (Number(wallets) >= maxWallets) throw walletLimit(maxWallets);

  const card = storedCard(cardKey, userId, cardNumber);
  const wallet = { id: randomUUID(), bankName, maskedCardNumber: card.masked, balance: '0.00' };
  await tx.execute(
    `INSERT INTO wallets (id, user_id, bank_name, card_number, card_hash, card_last4, card_length, balance, created_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, 0, NOW(6))`,
    [wallet.id, userId, bankName, card.masked, card.hash, card.lastFour, card.length],
  );
  return wallet;
}
