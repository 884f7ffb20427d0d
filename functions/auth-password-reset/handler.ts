import { z } from 'zod';
import { requestPasswordReset } from '../../shared/auth/password-reset';
import { defineEndpoint } from '../../shared/http/endpoint';
import { errorResponses } from '../../shared/http/error-docs';

const resetBody = z
  .object({
    // Trimmed as Django's EmailField trims; the users table compares addresses case-blind.
    email: z.string().trim().max(254).pipe(z.email()),
  })
  .meta({ id: 'PasswordResetEmail' });

const SENT = 'Password reset e-mail has been sent.';

const sentResponse = z
  .object({ detail: z.literal(SENT).describe('The same for every address, whether an account has it or not') })
  .meta({ id: 'PasswordResetSent' });

export default defineEndpoint({
  session: 'none',
  summary: 'Ask for a password reset link by e-mail',
  description:
    'Mails a link carrying `uid` and `token` to every active account with this address, for `POST /api/v1/auth/password/reset/confirm/`. ' +
    'The answer is the same, and takes as long, whether or not an account has the address. The token works once, and for an hour by default. ' +
    'A few requests per address per hour, and a limit per client address shared with login (429 with Retry-After after either); ' +
    '503 with Retry-After when the mail server fails.',
  body: resetBody,
  bodyExample: { email: 'johnwick@example.com' },
  responses: {
    200: { description: 'Sent if an account has the address', schema: sentResponse, example: { detail: SENT } },
    ...errorResponses(400, 429, 503),
  },
  async handle({ body, clientAddress }) {
    await requestPasswordReset(body.email, clientAddress);
    return { status: 200, body: { detail: SENT } };
  },
});
