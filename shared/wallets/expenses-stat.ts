import { sqlRows } from '../db/sql';
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
  day: number;
  /** Exact decimal text. */
  money_in: string;
  money_out: string;
}

export async function expensesByDay(userId: string, range: DayRange): Promise<DayRow[]> {
  // Read from the daily roll-up each money move keeps (./money-moves): one
  // row per day with money, however many transactions the user has.
  // TIMESTAMPDIFF from the epoch reads the stored UTC date as is, whatever
  // the session time zone, where UNIX_TIMESTAMP would shift it by that zone.
  return sqlRows<DayRow>(
    `SELECT TIMESTAMPDIFF(SECOND, '1970-01-01 00:00:00', day) AS day, money_in, money_out
     FROM daily_flows
     WHERE user_id = ? ${range.start ? 'AND day >= ?' : ''} ${range.end ? 'AND day <= ?' : ''}
     ORDER BY day`,
    [userId, ...(range.start ? [range.start] : []), ...(range.end ? [range.end] : [])],
  );
}

export function renderExpensesStat(rows: DayRow[]): Record<string, { purchases: JsonNumber; sells: JsonNumber }> {
  return Object.fromEntries(rows.map((row) => [String(row.day), { purchases: jsonNumber(row.money_in), sells: jsonNumber(row.money_out) }]));
}
