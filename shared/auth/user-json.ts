import { z } from 'zod';
import type { AuthenticatedUser } from './user';

/** dj-rest-auth's UserDetailsSerializer, with the id the ML service knows the user by: what GET, PUT and PATCH auth/user/ answer. */
export const userJson = z
  .object({
    pk: z.string().uuid(),
    username: z.string(),
    email: z.string(),
    first_name: z.string(),
    last_name: z.string(),
    ml_uuid: z.string(),
  })
  .meta({ id: 'User', description: 'The logged-in user' });

export const userExample = {
  pk: '5b0c1d2e-3f40-5a6b-8c7d-9e0f1a2b3c4d',
  username: 'johnwick',
  email: 'johnwick@example.com',
  first_name: 'John',
  last_name: 'Wick',
  ml_uuid: 'user-0000000000000001',
};

export function renderUser(user: AuthenticatedUser): z.infer<typeof userJson> {
  return { pk: user.id, username: user.username, email: user.email, first_name: user.firstName, last_name: user.lastName, ml_uuid: user.mlUuid };
}
