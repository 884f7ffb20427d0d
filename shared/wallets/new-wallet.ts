import { randomUUID } from 'node:crypto';
import type { SqlTx } from '../db/sql';
import type { OwnWallet } from './session-wallets';

/**
 * A new wallet of `userId`, balance 0, in the caller's transaction. The user's
 * row is read first with a shared lock, so creations run side by side but
 * never during a money move of that user: without it, MariaDB inserts the
 * wallet row first and only then takes that same shared lock for the foreign
 * key check, and a purchase holding the user's row and reading the user's
 * wallets waits for the new, uncommitted wallet, which waits for the user's
 * row — a deadlock. A card number already registered fails the INSERT on the
 * unique index (the index, not a pre-check, settles concurrent creates).
 */
export async function createWallet(tx: SqlTx, userId: string, bankName: string, cardNumber: string): Promise<OwnWallet> {
  // LOCK IN SHARE MODE, not FOR SHARE: MariaDB 10.11 has only the former, MySQL 8.4 both.
  await tx.rows('SELECT id FROM users WHERE id = ? LOCK IN SHARE MODE', [userId]);
  const wallet = { id: randomUUID(), bankName, cardNumber, balance: '0.00' };
  await tx.execute('INSERT INTO wallets (id, user_id, bank_name, card_number, balance, created_at) VALUES (?, ?, ?, ?, 0, NOW(6))', [
    wallet.id,
    userId,
    bankName,
    cardNumber,
  ]);
  return wallet;
}
