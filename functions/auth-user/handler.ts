import { z } from 'zod';
import { defineEndpoint } from '../../shared/http/endpoint';
import { errorResponses } from '../../shared/http/error-docs';

const userResponse = z
  .object({
    pk: z.string().uuid(),
    username: z.string(),
    email: z.string(),
    first_name: z.string(),
    last_name: z.string(),
    ml_uuid: z.string(),
  })
  .meta({ id: 'User', description: 'The logged-in user' });

export default defineEndpoint({
  session: 'pipeline',
  summary: 'The logged-in user',
  description:
    'The user the key belongs to. `pk` is the user id (a UUID); `ml_uuid` is the id the investment recommendation ' +
    'service knows the user by. Behind the API Gateway the key may arrive in `X-Forwarded-Authorization`.',
  responses: {
    200: {
      description: 'The user the key belongs to',
      schema: userResponse,
      example: {
        pk: '5b0c1d2e-3f40-5a6b-8c7d-9e0f1a2b3c4d',
        username: 'johnwick',
        email: 'johnwick@example.com',
        first_name: 'John',
        last_name: 'Wick',
        ml_uuid: 'user-0000000000000001',
      },
    },
    ...errorResponses(401),
  },
  async handle({ user }) {
    return {
      status: 200,
      body: {
        pk: user.id,
        username: user.username,
        email: user.email,
        first_name: user.firstName,
        last_name: user.lastName,
        ml_uuid: user.mlUuid,
      },
    };
  },
});
