import { config } from '../config/config';
import { ApiError } from '../core/errors';
import { windowedCounter } from './windowed-count';

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
 * the per-client limit (./client-throttle) stands in front of it.
 */

const reserve = windowedCounter({ table: 'password_reset_throttle', keyColumn: 'email', countColumn: 'requests' });

/** Counts one reset request for `email`, or throws 429. */
export async function reservePasswordReset(email: string): Promise<void> {
  const { PASSWORD_RESET_MAX_REQUESTS: limit, PASSWORD_RESET_WINDOW_SECONDS: window } = config();
  const secondsLeft = await reserve(email, limit, window);
  if (secondsLeft === undefined) return;
  throw new ApiError(429, 'too_many_requests', 'Too many password reset requests for this address; try again later', [], {
    'Retry-After': String(secondsLeft),
  });
}
