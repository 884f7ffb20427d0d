import { config } from '../config/config';
import { db } from '../db/client';
import { ApiError } from '../http/errors';

/**
 * Failed logins are counted per username in the database, so the limit holds
 * across every instance of auth-login, not per process.
 */
function windowStart(): Date {
  return new Date(Date.now() - config().LOGIN_FAILURE_WINDOW_SECONDS * 1000);
}

export async function assertNotThrottled(username: string): Promise<void> {
  const { LOGIN_MAX_FAILURES, LOGIN_FAILURE_WINDOW_SECONDS } = config();
  const failures = await db().loginFailure.count({ where: { username, createdAt: { gt: windowStart() } } });
  if (failures >= LOGIN_MAX_FAILURES) {
    throw new ApiError(429, 'too_many_attempts', 'Too many failed login attempts; try again later', [], {
      'Retry-After': String(LOGIN_FAILURE_WINDOW_SECONDS),
    });
  }
}

export async function recordFailedLogin(username: string): Promise<void> {
  await db().$transaction([
    db().loginFailure.deleteMany({ where: { username, createdAt: { lte: windowStart() } } }),
    db().loginFailure.create({ data: { username } }),
  ]);
}

export async function clearFailedLogins(username: string): Promise<void> {
  await db().loginFailure.deleteMany({ where: { username } });
}
