import { config } from '../config/config';
import { ApiError } from '../core/errors';

/**
 * A ceiling on the password checks one instance runs at once. bcryptjs works
 * on the one JavaScript thread, ~70 ms of CPU per check: n checks at once
 * each take about n times as long, and so does every other request on the
 * instance. Past PASSWORD_CHECKS_PER_INSTANCE, a request that needs a check
 * gets 429 with Retry-After at once, rather than queueing behind a spray (the
 * client retries, perhaps on another instance) — the total a spray from many
 * addresses can cost is this times the function's max instances.
 *
 * Login and the password-reset confirmation (its hash of the new password)
 * use it; any bcrypt hash or compare on a request's behalf belongs inside a slot.
 */
let running = 0;

/** Runs `check` in one of the instance's password-check slots, or throws 429 when none is free. */
export async function withPasswordCheckSlot<T>(check: () => Promise<T>): Promise<T> {
  if (running >= config().PASSWORD_CHECKS_PER_INSTANCE) {
    throw new ApiError(429, 'too_many_requests', 'Too many password checks at once; retry the request shortly', [], { 'Retry-After': '1' });
  }
  running += 1;
  try {
    return await check();
  } finally {
    running -= 1;
  }
}
