import { purgeExpiredSometimes } from '../db/housekeeping';
import { sqlInsertId } from '../db/sql';

/**
 * A count of attempts per key in a window, across every instance, exact
 * however many arrive at once: one row per key, and an attempt goes on only
 * once a single statement has counted it there. The window starts at the
 * first attempt after the last window ended. The per-client login limit
 * (./client-throttle) and the per-address reset limit
 * (./password-reset-throttle) are each one of these.
 *
 * The decision comes back as the statement's insert id (LAST_INSERT_ID(expr)
 * in every branch): 1 is "counted"; n ≥ 2 is "refused, n − 1 seconds left in
 * the window". Assignments read the row's old values, so the statement means
 * the same under MariaDB's SIMULTANEOUS_ASSIGNMENT: the count is assigned
 * before `window_started_at` and reads its old value either way.
 */
export interface WindowedCount {
  table: 'login_client_throttle' | 'password_reset_throttle';
  keyColumn: string;
  countColumn: string;
}

/** Counts one attempt for `key`: undefined when counted, else the seconds left in the window. */
export function windowedCounter({ table, keyColumn, countColumn }: WindowedCount) {
  const reserve = `
    INSERT INTO ${table} (${keyColumn}, window_started_at, ${countColumn})
    VALUES (?, NOW(6), LAST_INSERT_ID(1))
    ON DUPLICATE KEY UPDATE
      ${countColumn} = CASE
        WHEN window_started_at <= NOW(6) - INTERVAL ? SECOND THEN LAST_INSERT_ID(1)
        WHEN ${countColumn} < ? THEN ${countColumn} + LAST_INSERT_ID(1)
        ELSE IF(LAST_INSERT_ID(1 + GREATEST(1, TIMESTAMPDIFF(SECOND, NOW(6), window_started_at + INTERVAL ? SECOND) + 1)) > 0, ${countColumn}, ${countColumn})
      END,
      window_started_at = IF(window_started_at <= NOW(6) - INTERVAL ? SECOND, NOW(6), window_started_at)`;

  return async (key: string, limit: number, windowSeconds: number): Promise<number | undefined> => {
    await purgeExpiredSometimes(table);
    const decision = await sqlInsertId(reserve, [key, windowSeconds, limit, windowSeconds, windowSeconds]);
    if (decision === 1) return undefined;
    if (!(decision >= 2)) throw new Error(`The ${table} reservation came back with ${decision}: LAST_INSERT_ID(expr) did not reach the client`);
    return decision - 1;
  };
}
