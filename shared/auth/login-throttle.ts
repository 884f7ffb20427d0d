import { config } from '../config/config';
import { purgeExpiredSometimes } from '../db/housekeeping';
import { sqlExecute, sqlInsertId } from '../db/sql';
import { ApiError } from '../core/errors';

/**
 * Password checks per username are bounded per window, across every instance
 * of auth-login, whatever arrives at once: one row per username (its case and
 * trailing spaces ignored, as the users table compares them) counts the
 * failures in the current window and the checks in flight, and a check is
 * only made once a single statement has reserved it on that row.
 *
 * - A check is reserved while the window holds fewer than LOGIN_MAX_FAILURES
 *   failures and fewer than LOGIN_MAX_FAILURES + IN_FLIGHT_ALLOWANCE failures
 *   and checks in flight together: at most that many checks per window (10
 *   with the defaults), however many requests arrive at once, while a few
 *   correct logins of one user at the same moment all get through.
 * - A failure adds to the count; a success clears the row.
 * - The window starts at the first check after the last one expired and lasts
 *   LOGIN_FAILURE_WINDOW_SECONDS; when it has passed, the next check starts a
 *   new one with nothing counted, so the right password gets in.
 * - Refused: 429 with Retry-After, the seconds left in the window.
 *
 * A check whose instance dies before releasing it stays counted until its
 * window passes, never longer.
 */
export const IN_FLIGHT_ALLOWANCE = 5;

/**
 * The decision comes back in the statement's own answer, as the insert id:
 * LAST_INSERT_ID(expr) sets it, on MySQL and MariaDB alike, for an INSERT or
 * UPDATE that stores it. 1 is "reserved"; n ≥ 2 is "refused, n − 1 seconds
 * left in the window". Every branch calls it, so 0 means the server did not
 * do as documented, and nothing is checked.
 *
 * Assignments read the row's old values wherever order could matter, so the
 * statement means the same whether the server assigns left to right (the
 * default) or all at once (MariaDB's SIMULTANEOUS_ASSIGNMENT).
 */
const RESERVE = `
  INSERT INTO login_throttle (username, window_started_at, failures, checks_in_flight)
  VALUES (?, NOW(6), 0, LAST_INSERT_ID(1))
  ON DUPLICATE KEY UPDATE
    failures = IF(window_started_at <= NOW(6) - INTERVAL ? SECOND, 0, failures),
    checks_in_flight = CASE
      WHEN window_started_at <= NOW(6) - INTERVAL ? SECOND THEN LAST_INSERT_ID(1)
      WHEN failures < ? AND failures + checks_in_flight < ? THEN checks_in_flight + LAST_INSERT_ID(1)
      ELSE IF(LAST_INSERT_ID(1 + GREATEST(1, TIMESTAMPDIFF(SECOND, NOW(6), window_started_at + INTERVAL ? SECOND) + 1)) > 0, checks_in_flight, checks_in_flight)
    END,
    window_started_at = IF(window_started_at <= NOW(6) - INTERVAL ? SECOND, NOW(6), window_started_at)`;

/** Reserves one password check for `username`, or throws 429. */
export async function reservePasswordCheck(username: string): Promise<void> {
  const { LOGIN_MAX_FAILURES: limit, LOGIN_FAILURE_WINDOW_SECONDS: window } = config();
  const decision = await sqlInsertId(RESERVE, [username, window, window, limit, limit + IN_FLIGHT_ALLOWANCE, window, window]);
  if (decision === 1) return;
  if (!(decision >= 2)) throw new Error(`The login throttle's reservation came back with ${decision}: LAST_INSERT_ID(expr) did not reach the client`);
  throw new ApiError(429, 'too_many_attempts', 'Too many failed login attempts; try again later', [], { 'Retry-After': String(decision - 1) });
}

/**
 * The reserved check failed: counted, its reservation given back. An upsert,
 * since a success may have cleared the row in the meantime.
 */
export async function recordLoginFailure(username: string): Promise<void> {
  await purgeExpiredSometimes('login_throttle');
  await sqlExecute(
    `INSERT INTO login_throttle (username, window_started_at, failures, checks_in_flight) VALUES (?, NOW(6), 1, 0)
     ON DUPLICATE KEY UPDATE failures = failures + 1, checks_in_flight = GREATEST(checks_in_flight - 1, 0)`,
    [username],
  );
}

/**
 * The reserved check will not be made after all (the client's own limit
 * refused it, or the user could not be read): its reservation given back,
 * nothing counted.
 */
export async function releasePasswordCheck(username: string): Promise<void> {
  await sqlExecute('UPDATE login_throttle SET checks_in_flight = GREATEST(checks_in_flight - 1, 0) WHERE username = ?', [username]);
}

/** The reserved check succeeded: the username starts afresh. */
export async function clearLoginFailures(username: string): Promise<void> {
  await sqlExecute('DELETE FROM login_throttle WHERE username = ?', [username]);
}
