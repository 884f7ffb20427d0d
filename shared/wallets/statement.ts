import { Prisma, type Db, type Tx } from '../db/client';
import type { Decimal } from '../money/decimal';

/**
 * Transactions as a statement shows them, with `created_at` read as text in
 * SQL. The database stamps each row with CURRENT_TIMESTAMP(6); a JavaScript
 * Date would drop the microseconds, so the stamp never passes through one.
 * DATETIME(6) stores the UTC wall time as is (the pool's session time zone
 * is UTC, so CURRENT_TIMESTAMP is UTC too), and the text is SPEC §2's form:
 * `2021-06-03T13:04:22.335512Z`.
 */
export interface StatementRow {
  id: string;
  /** ISO 8601 UTC with six fractional digits and `Z`, exactly as stored. */
  createdAt: string;
  name: string;
  sum: Decimal;
}

const COLUMNS = Prisma.sql`id, DATE_FORMAT(created_at, '%Y-%m-%dT%H:%i:%s.%fZ') AS createdAt, name, sum`;

/** MariaDB has no OFFSET without LIMIT; this is its documented "no limit". */
const NO_LIMIT = '18446744073709551615';

/** A wallet's transactions, oldest first; ties in created_at broken by id so pages are stable. */
export function walletStatement(client: Db | Tx, walletId: string, page: { limit?: number; offset?: number } = {}): Promise<StatementRow[]> {
  const count = (value: number) => {
    if (!Number.isSafeInteger(value) || value < 0) throw new Error(`walletStatement: ${value} is not a row count`);
    return String(value);
  };
  const paged = page.limit !== undefined || page.offset !== undefined;
  const limit = paged ? Prisma.raw(`LIMIT ${page.limit === undefined ? NO_LIMIT : count(page.limit)}`) : Prisma.empty;
  const offset = page.offset !== undefined ? Prisma.raw(`OFFSET ${count(page.offset)}`) : Prisma.empty;
  return client.$queryRaw<StatementRow[]>(Prisma.sql`
    SELECT ${COLUMNS} FROM transactions
    WHERE wallet_id = ${walletId}
    ORDER BY created_at, id
    ${limit} ${offset}`);
}

/** The given transactions as stored (read back after inserting them, for their stamps), in the order of `ids`. */
export async function statementRows(client: Db | Tx, ids: readonly string[]): Promise<StatementRow[]> {
  if (ids.length === 0) return [];
  const rows = await client.$queryRaw<StatementRow[]>(Prisma.sql`SELECT ${COLUMNS} FROM transactions WHERE id IN (${Prisma.join(ids)})`);
  const byId = new Map(rows.map((row) => [row.id, row]));
  return ids.map((id) => {
    const row = byId.get(id);
    if (!row) throw new Error(`statementRows: transaction ${id} not found`);
    return row;
  });
}
