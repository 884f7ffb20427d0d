import { randomInt } from 'node:crypto';
import { db } from '../db/client';
import { callFunction, tokenHeader } from './http';

/** Test support for the wallet functions: real HTTP and real rows, no mocks. */

/** A 16-digit card number no demo wallet uses (demo cards start with 3, 4, 5 or 6). */
export const randomCardNumber = () => `9${String(randomInt(1e9)).padStart(9, '0')}${String(randomInt(1e6)).padStart(6, '0')}`;

/** Creates a wallet through wallets-create and returns its id. */
export async function createWallet(key: string, bankName = 'Test bank'): Promise<string> {
  const response = await callFunction('wallets-create')
    .post('/api/v1/wallets/')
    .set(tokenHeader(key))
    .send({ bank_name: bankName, card_number: randomCardNumber() });
  if (response.status !== 201) throw new Error(`create wallet failed: ${response.status} ${response.text}`);
  return response.body.id as string;
}

/**
 * Wallets whose balance differs from the sum of their transactions. SPEC §4
 * says there are none, ever; tests that move money assert it after each case.
 */
export async function walletsOutOfBalance(): Promise<Array<{ id: string; balance: string; ledger: string }>> {
  return db().$queryRaw`
    SELECT w.id, CAST(w.balance AS CHAR) AS balance, CAST(COALESCE(SUM(t.sum), 0) AS CHAR) AS ledger
    FROM wallets w
    LEFT JOIN transactions t ON t.wallet_id = w.id
    GROUP BY w.id, w.balance
    HAVING w.balance <> COALESCE(SUM(t.sum), 0)`;
}
