import { renderUser, userExample, userJson } from '../../shared/auth/user-json';
import { defineEndpoint } from '../../shared/http/endpoint';
import { errorResponses } from '../../shared/http/error-docs';

export default defineEndpoint({
  session: 'pipeline',
  summary: 'The logged-in user',
  description:
    'The user the key belongs to. `pk` is the user id (a UUID); `ml_uuid` is the id the investment recommendation ' +
    'service knows the user by. Behind the API Gateway the key may arrive in `X-Forwarded-Authorization`.',
  responses: {
    200: { description: 'The user the key belongs to', schema: userJson, example: userExample },
    ...errorResponses(401),
  },
  async handle({ user }) {
    return { status: 200, body: renderUser(user) };
  },
});
