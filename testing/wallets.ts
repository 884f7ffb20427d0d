import { randomInt } from 'node:crypto';
import { passesLuhn, storedCard } from '../shared/cards/card-number';
import { cardHmacKey } from '../shared/config/config';
import { db, Prisma } from '../shared/db/prisma';
import { inSqlTransaction } from '../shared/db/sql';
import { rebuildDailyFlows } from '../shared/wallets/money-moves';
import { callFunction, tokenHeader } from './http';

/** Test support for the wallet functions: real HTTP and real rows, no mocks. */

/** A 16-digit card number that passes the Luhn check and no demo wallet uses (demo cards start with 3, 4, 5 or 6). */
export const randomCardNumber = () => withLuhnDigit(`9${String(randomInt(1e9)).padStart(9, '0')}${String(randomInt(1e5)).padStart(5, '0')}`);

/** `digits` and the check digit that makes them pass the Luhn check. */
export function withLuhnDigit(digits: string): string {
  const check = [...'0123456789'].find((digit) => passesLuhn(digits + digit));
  return digits + check;
}

/** The card columns of a wallet that tests write straight to the database, as wallets-create would write them. */
export function storedCardData(userId: string, cardNumber: string) {
  const card = storedCard(cardHmacKey(), userId, cardNumber);
  return { cardNumber: card.masked, cardHash: card.hash, cardLast4: card.lastFour, cardLength: card.length };
}

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

/** For tests that write transactions straight to the database: brings the wallet owner's roll-up in step. */
export async function rebuildFlowsOfWallet(walletId: string): Promise<void> {
  const { userId } = await db().wallet.findUniqueOrThrow({ where: { id: walletId }, select: { userId: true } });
  await inSqlTransaction((tx) => rebuildDailyFlows(tx, userId));
}

/**
 * Days whose roll-up (daily_flows, read by the expenses stat) differs from
 * the transactions of that day, either way round. Every money move keeps
 * them equal; tests that move money assert it after each case.
 */
export async function dailyFlowsOutOfStep(): Promise<Array<{ user_id: string; day: string; kept: string; actual: string }>> {
  return db().$queryRaw`
    SELECT user_id, day, CAST(kept AS CHAR) AS kept, CAST(actual AS CHAR) AS actual FROM (
      SELECT COALESCE(f.user_id, a.user_id) AS user_id, CAST(COALESCE(f.day, a.day) AS CHAR) AS day,
             CONCAT(f.money_in, '/', f.money_out) AS kept, CONCAT(a.money_in, '/', a.money_out) AS actual
      FROM daily_flows f
      LEFT JOIN (${ACTUAL_FLOWS}) a ON a.user_id = f.user_id AND a.day = f.day
      UNION
      SELECT a.user_id, CAST(a.day AS CHAR), CONCAT(f.money_in, '/', f.money_out), CONCAT(a.money_in, '/', a.money_out)
      FROM (${ACTUAL_FLOWS}) a
      LEFT JOIN daily_flows f ON a.user_id = f.user_id AND a.day = f.day
    ) compared
    WHERE kept IS NULL OR actual IS NULL OR kept <> actual`;
}

const ACTUAL_FLOWS = Prisma.sql`
  SELECT w.user_id, DATE(t.created_at) AS day,
         SUM(CASE WHEN t.sum > 0 THEN t.sum ELSE 0 END) AS money_in, SUM(CASE WHEN t.sum < 0 THEN -t.sum ELSE 0 END) AS money_out
  FROM transactions t JOIN wallets w ON w.id = t.wallet_id
  GROUP BY w.user_id, DATE(t.created_at)`;
