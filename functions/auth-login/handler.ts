import { z } from 'zod';
import { clearLoginFailures, recordLoginFailure, reservePasswordCheck } from '../../shared/auth/login-throttle';
import { findUserByUsername } from '../../shared/auth/users';
import { verifyPassword } from '../../shared/auth/passwords';
import { issueToken } from '../../shared/auth/tokens';
import { defineEndpoint } from '../../shared/http/endpoint';
import { ApiError } from '../../shared/core/errors';
import { errorResponses } from '../../shared/http/error-docs';

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
  description: 'Exchanges a username and password for a key. Repeated failures for one username are throttled (429 with Retry-After).',
  body: loginBody,
  bodyExample: { username: 'johnwick', password: 'johnwick' },
  responses: {
    200: { description: 'Logged in', schema: loginResponse, example: { key: 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9…' } },
    ...errorResponses(400, 401, 429),
  },
  async handle({ body }) {
    // The throttle's reservation and the user's row at once: a login costs
    // its bcrypt comparison, these two statements, and two writes after it
    // (the session, and clearing the throttle's row).
    const [, user] = await Promise.all([reservePasswordCheck(body.username), findUserByUsername(body.username)]);
    const passwordMatches = await verifyPassword(body.password, user?.passwordHash);
    // The column's collation ignores case and trailing spaces; a username is matched exactly, as before.
    if (!user || user.username !== body.username || !passwordMatches || !user.isActive) {
      await recordLoginFailure(body.username);
      throw invalidCredentials();
    }
    const [key] = await Promise.all([issueToken(user.id), clearLoginFailures(body.username)]);
    return { status: 200, body: { key } };
  },
});
