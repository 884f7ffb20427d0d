import { z } from 'zod';
import { checkPasswordChange, savePasswordChange } from '../../shared/auth/password-change';
import { passwordInput } from '../../shared/auth/password-rules';
import { detailJson } from '../../shared/http/detail';
import { defineEndpoint } from '../../shared/http/endpoint';
import { errorResponses } from '../../shared/http/error-docs';

const passwordChangeBody = z
  .object({
    old_password: passwordInput().describe('Required here, unlike the original by default: a stolen key alone cannot change the password'),
    new_password1: passwordInput().describe('8 characters to 72 bytes, not the username or e-mail, not a commonly used password'),
    new_password2: passwordInput().describe('new_password1 again'),
  })
  .meta({ id: 'PasswordChange' });

export default defineEndpoint({
  session: 'handler',
  summary: 'Change the logged-in user’s password',
  description:
    'Sets a new password once the old one checks out; every other session of the user ends (their keys answer 401), ' +
    'the one making the request stays. A new password the rules refuse is 400 naming the field and its `rule` ' +
    '(`password_mismatch`, `password_too_short`, `password_too_long`, `password_too_similar`, `password_too_common`). ' +
    'A wrong old password is 400 naming `old_password`, and counts as a failed login of the user: once the login ' +
    'throttle is spent, 429 with Retry-After.',
  body: passwordChangeBody,
  bodyExample: { old_password: 'johnwick', new_password1: 'a-new-and-long-passphrase', new_password2: 'a-new-and-long-passphrase' },
  responses: {
    200: { description: 'Saved', schema: detailJson, example: { detail: 'New password has been saved.' } },
    ...errorResponses(400, 401, 429),
  },
  async handle({ body, unconfirmedSession, sqlTransaction }) {
    const change = await checkPasswordChange(unconfirmedSession, {
      oldPassword: body.old_password,
      newPassword: body.new_password1,
      repeated: body.new_password2,
    });
    return sqlTransaction(async (tx) => {
      await savePasswordChange(tx, unconfirmedSession, change);
      return { status: 200, body: { detail: 'New password has been saved.' } };
    });
  },
});
