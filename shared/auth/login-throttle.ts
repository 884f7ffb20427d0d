import { config } from '../config/config';
import { db } from '../db/client';
import { purgeExpired } from '../db/housekeeping';
import { ApiError } from '../http/errors';

/**
 * At most LOGIN_MAX_FAILURES password checks per username per window, across
 * every instance of auth-login and however many requests arrive at once.
 *
 * Each attempt first writes its own row, then counts the rows in the window:
 * the k-th attempt to commit sees at least k, so no burst gets more than the
 * limit through to bcrypt. A success deletes the username's rows; a failure
 * keeps its row; a refused attempt takes its row back, so hammering a locked
 * username does not extend the lock.
 */
function windowStart(): Date {
  return new Date(Date.now() - config().LOGIN_FAILURE_WINDOW_SECONDS * 1000);
}

export interface LoginAttempt {
  succeeded(): Promise<void>;
}

export async function beginLoginAttempt(username: string): Promise<LoginAttempt> {
  const { LOGIN_MAX_FAILURES, LOGIN_FAILURE_WINDOW_SECONDS } = config();
  const since = windowStart();
  // Rows older than the window no longer count, whoever's they are.
  await purgeExpired('login_failures', since);
  const attempt = await db().loginFailure.create({ data: { username } });
  const attempts = await db().loginFailure.count({ where: { username, createdAt: { gt: since } } });
  if (attempts > LOGIN_MAX_FAILURES) {
    await db().loginFailure.deleteMany({ where: { id: attempt.id } });
    throw new ApiError(429, 'too_many_attempts', 'Too many failed login attempts; try again later', [], {
      'Retry-After': String(LOGIN_FAILURE_WINDOW_SECONDS),
    });
  }
  return {
    async succeeded() {
      await db().loginFailure.deleteMany({ where: { username } });
    },
  };
}
