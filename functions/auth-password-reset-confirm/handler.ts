import { z } from 'zod';
import { checkResetToken, resetPassword, userOfUid } from '../../shared/auth/password-reset';
import { assertPasswordAllowed, passwordInput } from '../../shared/auth/password-rules';
import { defineEndpoint } from '../../shared/http/endpoint';
import { errorResponses } from '../../shared/http/error-docs';

const confirmBody = z
  .object({
    uid: z.string().min(1).max(64).describe('From the link the reset e-mail carries'),
    token: z.string().min(1).max(64).describe('From the link the reset e-mail carries'),
    new_password1: passwordInput(),
    new_password2: passwordInput(),
  })
  .meta({ id: 'PasswordResetConfirm' });

const DONE = 'Password has been reset with the new password.';

const doneResponse = z.object({ detail: z.literal(DONE) }).meta({ id: 'PasswordResetDone' });

export default defineEndpoint({
  session: 'none',
  summary: 'Set a new password with the link from the reset e-mail',
  description:
    'Sets the password of the account `uid` names, if `token` is its unused, unexpired reset token, and ends every session of that account. ' +
    'A bad `uid` is 400 naming `uid`; a bad, used or expired token is 400 naming `token`; then a new password the password rules refuse ' +
    '(too short, over 72 bytes, like the username or e-mail, too common, or two copies that differ) is 400 naming the field and the rule. ' +
    'When the instance is already hashing as many passwords as it will at once, 429 with Retry-After, and nothing is written.',
  body: confirmBody,
  bodyExample: {
    uid: 'NWIwYzFkMmUtM2Y0MC01YTZiLThjN2QtOWUwZjFhMmIzYzRk',
    token: 'sxk3bq-8mOkK0dUq0m2m6Ugd3x4mWcTKoxEJkzYpOA9bFGRzDq',
    new_password1: 'a new passphrase',
    new_password2: 'a new passphrase',
  },
  responses: {
    200: { description: 'The password is set; every session of the account has ended', schema: doneResponse, example: { detail: DONE } },
    ...errorResponses(400, 429),
  },
  async handle({ body }) {
    const user = await userOfUid(body.uid);
    checkResetToken(user, body.token);
    // Checked in the original's order: uid, token, then the password (dj-rest-auth's PasswordResetConfirmSerializer).
    assertPasswordAllowed({ password: body.new_password1, repeated: body.new_password2, username: user.username, email: user.email });
    await resetPassword(user, body.token, body.new_password1);
    return { status: 200, body: { detail: DONE } };
  },
});
