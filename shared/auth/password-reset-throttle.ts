import { config } from '../config/config';
import { purgeExpiredSometimes } from '../db/housekeeping';
import { sqlInsertId } from '../db/sql';
import { ApiError } from '../core/errors';

/**
 * Password-reset requests per e-mail address are bounded per window, across
 * every instance, whatever arrives at once: one row per address (its case and
 * trailing spaces ignored, as the users table compares addresses) counts the
 * window's requests, and a request goes on only once a single statement has
 * counted it there, in the style of the login throttle (./login-throttle.ts).
 *
 * - At most PASSWORD_RESET_MAX_REQUESTS per PASSWORD_RESET_WINDOW_SECONDS;
 *   the rest get 429 with Retry-After (the seconds left in the window).
 * - Known and unknown addresses are counted alike, so the 429 says nothing
 *   about whether anyone owns the address.
 * - The window starts at the first request after the last one ended.
 *
 * This bounds the mail one address can be sent (and what asking costs);
 * the per-client limit (issue 23) goes in front of it once merged.
 */

/**
 * The decision comes back as the statement's insert id (LAST_INSERT_ID(expr)
 * in every branch): 1 is "counted"; n ≥ 2 is "refused, n − 1 seconds left".
 * Assignments read the row's old values, so the statement means the same
 * under MariaDB's SIMULTANEOUS_ASSIGNMENT: `requests` is assigned before
 * `window_started_at` and reads its old value either way.
 */
const RESERVE = `
  INSERT INTO password_reset_throttle (email, window_started_at, requests)
  VALUES (?, NOW(6), LAST_INSERT_ID(1))
  ON DUPLICATE KEY UPDATE
    requests = CASE
      WHEN window_started_at <= NOW(6) - INTERVAL ? SECOND THEN LAST_INSERT_ID(1)
      WHEN requests < ? THEN requests + LAST_INSERT_ID(1)
      ELSE IF(LAST_INSERT_ID(1 + GREATEST(1, TIMESTAMPDIFF(SECOND, NOW(6), window_started_at + INTERVAL ? SECOND) + 1)) > 0, requests, requests)
    END,
    window_started_at = IF(window_started_at <= NOW(6) - INTERVAL ? SECOND, NOW(6), window_started_at)`;

/** Counts one reset request for `email`, or throws 429. */
export async function reservePasswordReset(email: string): Promise<void> {
  const { PASSWORD_RESET_MAX_REQUESTS: limit, PASSWORD_RESET_WINDOW_SECONDS: window } = config();
  await purgeExpiredSometimes('password_reset_throttle');
  const decision = await sqlInsertId(RESERVE, [email, window, limit, window, window]);
  if (decision === 1) return;
  if (!(decision >= 2)) throw new Error(`The reset throttle's reservation came back with ${decision}: LAST_INSERT_ID(expr) did not reach the client`);
  throw new ApiError(429, 'too_many_requests', 'Too many password reset requests for this address; try again later', [], {
    'Retry-After': String(decision - 1),
  });
}
