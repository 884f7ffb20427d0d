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
  // Read from the daily roll-up each money move keeps (./money-moves): one
  // row per day with money, however many transactions the user has.
  const from = range.start ? Prisma.sql`AND day >= ${range.start}` : Prisma.empty;
  const to = range.end ? Prisma.sql`AND day <= ${range.end}` : Prisma.empty;
  // TIMESTAMPDIFF from the epoch reads the stored UTC date as is, whatever
  // the session time zone, where UNIX_TIMESTAMP would shift it by that zone.
  return client.$queryRaw<DayRow[]>(Prisma.sql`
    SELECT TIMESTAMPDIFF(SECOND, '1970-01-01 00:00:00', day) AS day, money_in, money_out
    FROM daily_flows
    WHERE user_id = ${userId} ${from} ${to}
    ORDER BY day`);
}

export function renderExpensesStat(rows: DayRow[]): Record<string, { purchases: JsonNumber; sells: JsonNumber }> {
  return Object.fromEntries(
    rows.map((row) => [String(row.day), { purchases: jsonNumber(row.money_in), sells: jsonNumber(row.money_out) }]),
  );
}
