import { z } from 'zod';
import { reserveClientCheck } from '../../shared/auth/client-throttle';
import { clearLoginFailures, recordLoginFailure, releasePasswordCheck, reservePasswordCheck } from '../../shared/auth/login-throttle';
import { withPasswordCheckSlot } from '../../shared/auth/password-check-slots';
import { findUserByUsername } from '../../shared/auth/users';
import { verifyPassword } from '../../shared/auth/passwords';
import { issueToken } from '../../shared/auth/tokens';
import { defineEndpoint } from '../../shared/http/endpoint';
import { ApiError } from '../../shared/core/errors';
import { errorResponses } from '../../shared/http/error-docs';
import type { Result } from '../../shared/core/result';

const loginBody = z
  .object({
    username: z.string().min(1).max(150),
    password: z.string().min(1).max(128),
  })
  .meta({ id: 'Credentials' });

const loginResponse = z
  .object({ key: z.string().describe('Send as `Authorization: Bearer <key>` (or `token <key>`, as the original clients do)') })
  .meta({ id: 'LoginKey' });

// One message for an unknown user and a wrong password, so neither can be probed.
const invalidCredentials = () => new ApiError(401, 'invalid_credentials', 'Unable to log in with provided credentials.');

export default defineEndpoint({
  session: 'none',
  summary: 'Log in and get an API key',
  description:
    'Exchanges a username and password for a key. Repeated failures for one username, too many attempts from one client address, and too many logins at once on one instance are refused (429 with Retry-After).',
  body: loginBody,
  bodyExample: { username: 'johnwick', password: 'johnwick' },
  responses: {
    200: { description: 'Logged in', schema: loginResponse, example: { key: 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9…' } },
    ...errorResponses(400, 401, 429),
  },
  async handle({ body, clientAddress }) {
    // A few checks at a time per instance; the rest are refused at once, not queued behind a spray.
    return withPasswordCheckSlot(() => logIn(body, clientAddress));
  },
});

async function logIn(body: z.infer<typeof loginBody>, clientAddress: string): Promise<Result> {
  // Both throttles' reservations and the user's row at once: a login costs its
  // bcrypt comparison, these three statements, and two writes after it (the
  // session, and clearing the username's throttle row).
  const [client, username, found] = await Promise.allSettled([
    reserveClientCheck(clientAddress),
    reservePasswordCheck(body.username),
    findUserByUsername(body.username),
  ]);
  const refused = [client, username, found].find((outcome) => outcome.status === 'rejected');
  if (refused) {
    // No check is made: the username's reservation is given back (if that fails too, it lapses with its window).
    if (username.status === 'fulfilled') await releasePasswordCheck(body.username).catch(() => undefined);
    throw refused.reason;
  }
  const user = found.status === 'fulfilled' ? found.value : undefined;
  const passwordMatches = await verifyPassword(body.password, user?.passwordHash);
  // The column's collation ignores case and trailing spaces; a username is matched exactly, as before.
  if (!user || user.username !== body.username || !passwordMatches || !user.isActive) {
    await recordLoginFailure(body.username);
    throw invalidCredentials();
  }
  const [key] = await Promise.all([issueToken(user.id), clearLoginFailures(body.username)]);
  return { status: 200, body: { key } };
}
