import type { Connection } from 'mariadb';
import { maskedCardNumber, storedCard } from '../cards/card-number';
import { isUniqueViolation } from './conflicts';

/**
 * The data step of migration 20261207110000_card_number_hash (the "backfill"
 * between its expand and a later contract; docs/database.md, "Card numbers"):
 * every wallet whose card is still a clear number gets its HMAC, last four
 * digits and length, and its card_number is overwritten with the mask. SQL
 * cannot compute the HMAC (the key lives in Secret Manager, and MariaDB and
 * MySQL share no HMAC function), so the migrate runner does it, with the
 * functions' own key, one row per statement (autocommit: a row is either
 * converted whole or not at all, and an interrupted run resumes where it
 * stopped).
 *
 * It runs on every migrate until the contract migration retires it, so rows
 * the previous revision wrote while the functions rolled out are converted by
 * the next run. Such a row can repeat a card its user registered meanwhile
 * through the new revision (the old one checked the global index this
 * migration drops): it keeps its wallet and money, and is masked, but stays
 * without a hash (the unique index allows any number of NULLs). Remembered
 * purchase answers that name a card in clear are masked too.
 */
const BATCH = 500;

export interface BackfillOutcome {
  converted: number;
  withoutHash: number;
  /** Remembered purchase answers (idempotency_records) whose wallet's card_number was masked. */
  answersMasked: number;
}

/** `cardKey` is read only when a row needs it: a database with nothing to convert migrates without the key. */
export async function backfillCardHashes(conn: Connection, cardKey: () => string): Promise<BackfillOutcome> {
  const outcome: BackfillOutcome = { converted: 0, withoutHash: 0, answersMasked: 0 };
  outcome.answersMasked = await maskRememberedAnswers(conn);
  for (;;) {
    const rows: Array<{ id: string; userId: string; cardNumber: string }> = await conn.query(
      'SELECT id, user_id AS userId, card_number AS cardNumber FROM wallets WHERE card_last4 IS NULL ORDER BY id LIMIT ?',
      [BATCH],
    );
    if (!rows.length) return outcome;
    const key = cardKey();
    for (const row of rows) {
      const card = storedCard(key, row.userId, row.cardNumber);
      const convert = (hash: string | null) =>
        conn.query('UPDATE wallets SET card_hash = ?, card_last4 = ?, card_length = ?, card_number = ? WHERE id = ? AND card_last4 IS NULL', [
          hash,
          card.lastFour,
          card.length,
          card.masked,
          row.id,
        ]);
      try {
        await convert(card.hash);
      } catch (error) {
        if (!isUniqueViolation(error)) throw error;
        await convert(null);
        outcome.withoutHash++;
      }
      outcome.converted++;
    }
  }
}

/** A card number as a JSON answer carried it: `"card_number":"4532580928888213"`. */
const CLEAR_CARD_IN_JSON = /"card_number":"(\d{8,15})(\d{4})"/g;

/**
 * A purchase's remembered answer (kept up to IDEMPOTENCY_TTL_HOURS for retries)
 * names the paying wallet, and one stored before this change has its card
 * number in clear. It is masked in place, the rest of the answer untouched, so
 * a retry still replays it (deleting it would let a retry buy twice). The
 * REGEXP finds them on MariaDB and MySQL alike; the JSON text is rewritten here.
 */
async function maskRememberedAnswers(conn: Connection): Promise<number> {
  const records: Array<{ id: string; responseBody: string }> = await conn.query(
    `SELECT id, response_body AS responseBody FROM idempotency_records WHERE response_body REGEXP '"card_number":"[0-9]'`,
  );
  for (const record of records) {
    const masked = record.responseBody.replace(
      CLEAR_CARD_IN_JSON,
      (_, hidden: string, lastFour: string) => `"card_number":"${maskedCardNumber(lastFour, hidden.length + 4)}"`,
    );
    await conn.query('UPDATE idempotency_records SET response_body = ? WHERE id = ?', [masked, record.id]);
  }
  return records.length;
}
