import { z } from 'zod';
import { endSessionOf } from '../../shared/auth/sessions';
import { notFound } from '../../shared/core/errors';
import { detailJson } from '../../shared/http/detail';
import { defineEndpoint } from '../../shared/http/endpoint';
import { errorResponses } from '../../shared/http/error-docs';

export default defineEndpoint({
  session: 'pipeline',
  summary: 'End one of the logged-in user’s sessions',
  description:
    'Its key stops working at once. The session of the key making the request may be ended too (a logout). Another ' +
    'user’s session, an unknown id and a session already ended all answer the same 404.',
  params: z.object({
    session_id: z
      .uuid()
      .transform((id) => id.toLowerCase())
      .describe('The `id` from `GET /api/v1/auth/sessions/`'),
  }),
  responses: {
    200: { description: 'Ended', schema: detailJson, example: { detail: 'Session ended.' } },
    ...errorResponses(401, 404),
  },
  async handle({ user, params }) {
    if (!(await endSessionOf(user.id, params.session_id))) throw notFound();
    return { status: 200, body: { detail: 'Session ended.' } };
  },
});
