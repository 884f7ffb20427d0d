import { z } from 'zod';
import { liveSessionsOf } from '../../shared/auth/sessions';
import { defineEndpoint } from '../../shared/http/endpoint';
import { errorResponses } from '../../shared/http/error-docs';

const sessionJson = z
  .object({
    id: z.uuid().describe('End it with `DELETE /api/v1/auth/sessions/{id}/`'),
    created_at: z.iso.datetime({ precision: 6 }).describe('When the key was issued (logged in)'),
    last_used_at: z.iso
      .datetime({ precision: 6 })
      .nullable()
      .describe('When the key was last used; not recorded (it would cost a write on every request), so null for now'),
    expires_at: z.iso.datetime({ precision: 6 }),
    current: z.boolean().describe('Whether this is the session of the key making this request'),
  })
  .meta({ id: 'Session', description: 'A live session: a key that still works' });

export default defineEndpoint({
  session: 'pipeline',
  summary: 'The logged-in user’s live sessions',
  description:
    'Every key of the user that still works (neither logged out, ended nor expired), newest first; `current` marks the ' +
    'one making the request. When a session was last used is not recorded.',
  responses: {
    200: {
      description: 'The live sessions',
      schema: z.array(sessionJson),
      example: [
        {
          id: '3f1c2b4a-5d6e-4f70-8a9b-0c1d2e3f4a5b',
          created_at: '2026-12-07T09:15:02.123456Z',
          last_used_at: null,
          expires_at: '2026-12-08T09:15:02.123456Z',
          current: true,
        },
      ],
    },
    ...errorResponses(401),
  },
  async handle({ user, sessionId }) {
    const sessions = await liveSessionsOf(user.id);
    return {
      status: 200,
      body: sessions.map((session) => ({
        id: session.id,
        created_at: session.createdAt,
        last_used_at: null,
        expires_at: session.expiresAt,
        current: session.id === sessionId,
      })),
    };
  },
});
