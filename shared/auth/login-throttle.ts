import { config } from '../config/config';
import { purgeExpiredSometimes } from '../db/housekeeping';
import { sqlExecute, sqlRows } from '../db/sql';
import { ApiError } from '../http/errors';

/**
 * At most LOGIN_MAX_FAILURES failed password checks per username per window,
 * across every instance of auth-login.
 *
 * Only failures count: a burst of correct logins never throttles itself. The
 * price is that failures still in flight are not seen yet, so a burst of wrong
 * passwords may get up to (limit + attempts already in flight) through before
 * the username is locked; everything after that gets 429 until the window
 * passes. A success clears the username's failures.
 */
export interface LoginCandidate {
  /** The user the username names, if any (its password is still to be checked). */
  user?: { id: string; username: string; passwordHash: string; isActive: boolean };
  /** Ids of the username's failures within the window. */
  failureIds: string[];
}

/** One read: the user and the username's recent failures; 429 when they reach the limit. */
export async function loginCandidate(username: string): Promise<LoginCandidate> {
  const { LOGIN_MAX_FAILURES, LOGIN_FAILURE_WINDOW_SECONDS } = config();
  const [row] = await sqlRows<{ failures: string | null; id: string | null; username: string | null; passwordHash: string | null; isActive: number | null }>(
    `SELECT (SELECT CAST(GROUP_CONCAT(f.id) AS CHAR) FROM login_failures f WHERE f.username = ? AND f.created_at > NOW(6) - INTERVAL ? SECOND) AS failures,
            u.id, u.username, u.password_hash AS passwordHash, u.is_active AS isActive
     FROM (SELECT 1 AS one) AS anyone LEFT JOIN users u ON u.username = ?`,
    [username, LOGIN_FAILURE_WINDOW_SECONDS, username],
  );
  const failureIds = row.failures ? row.failures.split(',') : [];
  if (failureIds.length >= LOGIN_MAX_FAILURES) {
    throw new ApiError(429, 'too_many_attempts', 'Too many failed login attempts; try again later', [], {
      'Retry-After': String(LOGIN_FAILURE_WINDOW_SECONDS),
    });
  }
  const user =
    row.id && row.username !== null && row.passwordHash !== null
      ? { id: row.id, username: row.username, passwordHash: row.passwordHash, isActive: Boolean(row.isActive) }
      : undefined;
  return { user, failureIds };
}

export async function recordLoginFailure(username: string): Promise<void> {
  await purgeExpiredSometimes('login_failures');
  await sqlExecute('INSERT INTO login_failures (username, created_at) VALUES (?, NOW(6))', [username]);
}

/** Deleted by primary key, so concurrent logins of the same username never wait on a range lock. */
export async function clearLoginFailures(candidate: LoginCandidate): Promise<void> {
  if (candidate.failureIds.length === 0) return;
  await sqlExecute('DELETE FROM login_failures WHERE id IN (?)', [candidate.failureIds]);
}
