import { z } from 'zod';
import { personNameSchema, updateOwnProfile, usernameSchema } from '../../shared/auth/profile';
import { renderUser, userExample, userJson } from '../../shared/auth/user-json';
import { defineEndpoint } from '../../shared/http/endpoint';
import { errorResponses } from '../../shared/http/error-docs';

// As DRF's ModelSerializer makes them: `username` is required by PUT (the
// model field may not be blank), the names are not (Django's `blank=True`);
// `pk`, `email` and `ml_uuid` are read-only, so a body that sends them is
// not refused, they are just ignored (zod drops unknown keys).
const putBody = z
  .object({ username: usernameSchema, first_name: personNameSchema.optional(), last_name: personNameSchema.optional() })
  .meta({ id: 'UserUpdate', description: 'The writable fields of the user; `pk`, `email` and `ml_uuid` are read-only and ignored if sent' });

const patchBody = z
  .object({ username: usernameSchema.optional(), first_name: personNameSchema.optional(), last_name: personNameSchema.optional() })
  .meta({ id: 'PatchedUserUpdate', description: 'Any of the writable fields of the user; what is left out stays as it is' });

export default defineEndpoint({
  session: 'handler',
  summary: 'Update the logged-in user',
  description:
    'Changes `username`, `first_name` and `last_name`: PUT requires `username`, PATCH changes only what it sends. `pk`, ' +
    '`email` and `ml_uuid` are read-only: sent, they are ignored. A username is at most 150 letters, digits and `@ . + - _`; ' +
    'one taken by another user, in any case or with trailing spaces (the database compares usernames so), is 400 naming ' +
    '`username`. Answers the user as GET does.',
  body: patchBody,
  bodyByMethod: { PUT: putBody },
  bodyExample: { username: 'johnwick', first_name: 'Jonathan', last_name: 'Wick' },
  responses: {
    200: { description: 'The user, as changed', schema: userJson, example: { ...userExample, first_name: 'Jonathan' } },
    ...errorResponses(400, 401),
  },
  async handle({ body, unconfirmedSession, sqlTransaction }) {
    return sqlTransaction(async (tx) => {
      const user = await updateOwnProfile(tx, unconfirmedSession, { username: body.username, firstName: body.first_name, lastName: body.last_name });
      return { status: 200, body: renderUser(user) };
    });
  },
});
