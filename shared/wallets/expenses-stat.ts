import { sqlRows } from '../db/sql';

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

/**
 * The answer's JSON, built by the database in one row: `{"<epoch seconds>":
 * {"purchases": money_in, "sells": money_out}, …}` in day order, the sums
 * written as the DECIMAL(20,2) text MariaDB and MySQL both give (`400.00`),
 * exact JSON numbers. A year of days is ~700 values that would otherwise each
 * be read, wrapped and written again by this process.
 *
 * Read from the daily roll-up each money move keeps (./money-moves): one row
 * per day with money, however many transactions the user has. TIMESTAMPDIFF
 * from the epoch reads the stored UTC date as is, whatever the session time
 * zone, where UNIX_TIMESTAMP would shift it by that zone.
 */
export async function expensesStatJson(userId: string, range: DayRange): Promise<string> {
  const [row] = await sqlRows<{ json: string | null }>(
    `SELECT CONCAT('{', GROUP_CONCAT(
              CONCAT('"', TIMESTAMPDIFF(SECOND, '1970-01-01 00:00:00', day), '":{"purchases":', money_in, ',"sells":', money_out, '}')
              ORDER BY day SEPARATOR ','), '}') AS json
     FROM daily_flows
     WHERE user_id = ? ${range.start ? 'AND day >= ?' : ''} ${range.end ? 'AND day <= ?' : ''}`,
    [userId, ...(range.start ? [range.start] : []), ...(range.end ? [range.end] : [])],
  );
  return row?.json ?? '{}';
}
