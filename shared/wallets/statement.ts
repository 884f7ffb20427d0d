import { sqlRows } from '../db/sql';
import { Decimal } from '../money/decimal';

/**
 * Transactions as a statement shows them, with `created_at` read as text in
 * SQL. The database stamps each row to the microsecond; a JavaScript Date
 * would drop the microseconds, so the stamp never passes through one.
 * DATETIME(6) stores the UTC wall time as is (the pool's session time zone
 * is UTC), and the text is SPEC §2's form: `2021-06-03T13:04:22.335512Z`.
 */
export interface StatementRow {
  /** ISO 8601 UTC with six fractional digits and `Z`, exactly as stored. */
  createdAt: string;
  name: string;
  sum: Decimal;
}

/** MariaDB has no OFFSET without LIMIT; this is its documented "no limit". */
const NO_LIMIT = '18446744073709551615';

/** A wallet's transactions, oldest first; ties in created_at broken by id so pages are stable. */
export async function walletStatement(walletId: string, page: { limit?: number; offset?: number } = {}): Promise<StatementRow[]> {
  const count = (value: number) => {
    if (!Number.isSafeInteger(value) || value < 0) throw new Error(`walletStatement: ${value} is not a row count`);
    return String(value);
  };
  const paged = page.limit !== undefined || page.offset !== undefined;
  const limit = paged ? `LIMIT ${page.limit === undefined ? NO_LIMIT : count(page.limit)}` : '';
  const offset = page.offset !== undefined ? `OFFSET ${count(page.offset)}` : '';
  const rows = await sqlRows<{ createdAt: string; name: string; sum: string }>(
    `SELECT DATE_FORMAT(created_at, '%Y-%m-%dT%H:%i:%s.%fZ') AS createdAt, name, sum FROM transactions
     WHERE wallet_id = ? ORDER BY created_at, id ${limit} ${offset}`,
    [walletId],
  );
  return rows.map((row) => ({ createdAt: row.createdAt, name: row.name, sum: new Decimal(row.sum) }));
}
