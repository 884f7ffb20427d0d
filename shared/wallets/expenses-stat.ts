import { Prisma, type Db } from '../db/client';
import type { Decimal } from '../money/decimal';
import { jsonNumber, type JsonNumber } from '../money/json-number';

/**
 * Money in and out per UTC day over all of a user's wallets, summed by the
 * database. The old clients call money in "purchases" and money out "sells";
 * the names stay for them.
 */
export interface DayRange {
  /** First day included, YYYY-MM-DD (UTC). */
  start?: string;
  /** Last day included, YYYY-MM-DD (UTC). */
  end?: string;
}

interface DayRow {
  day: bigint;
  money_in: Decimal;
  money_out: Decimal;
}

export async function expensesByDay(client: Db, userId: string, range: DayRange): Promise<DayRow[]> {
  // Bounds compare created_at itself (not DATE(created_at)) so the
  // (wallet_id, created_at) index narrows the scan; the end bound is the last
  // microsecond of the day because DATETIME(6) has nothing finer.
  const from = range.start ? Prisma.sql`AND t.created_at >= ${range.start}` : Prisma.empty;
  const to = range.end ? Prisma.sql`AND t.created_at <= ${`${range.end} 23:59:59.999999`}` : Prisma.empty;
  // TIMESTAMPDIFF from the epoch reads the stored UTC wall time as is, whatever
  // the session time zone, where UNIX_TIMESTAMP would shift it by that zone.
  return client.$queryRaw<DayRow[]>(Prisma.sql`
    SELECT TIMESTAMPDIFF(SECOND, '1970-01-01 00:00:00', DATE(t.created_at)) AS day,
           SUM(CASE WHEN t.sum > 0 THEN t.sum ELSE 0 END) AS money_in,
           SUM(CASE WHEN t.sum < 0 THEN -t.sum ELSE 0 END) AS money_out
    FROM transactions t
    JOIN wallets w ON w.id = t.wallet_id
    WHERE w.user_id = ${userId} ${from} ${to}
    GROUP BY day
    ORDER BY day`);
}

export function renderExpensesStat(rows: DayRow[]): Record<string, { purchases: JsonNumber; sells: JsonNumber }> {
  return Object.fromEntries(
    rows.map((row) => [String(row.day), { purchases: jsonNumber(row.money_in), sells: jsonNumber(row.money_out) }]),
  );
}
