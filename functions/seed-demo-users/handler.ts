import { z } from 'zod';
import { seedDemoUsers } from '../../shared/demo/seed';
import { defineEndpoint } from '../../shared/http/endpoint';
import { errorResponses } from '../../shared/http/error-docs';

export default defineEndpoint({
  session: 'none',
  summary: 'Create or reset the demo users (Cloud Scheduler only)',
  description:
    'Called by Cloud Scheduler with an OIDC token (`Authorization: Bearer <id token>`) for the scheduler service account; ' +
    'any other caller is refused. Idempotent: resets johnwick, lyraking and alexray to the demo state of SPEC §5 in one transaction.',
  responses: {
    200: {
      description: 'Demo users seeded',
      schema: z.object({ detail: z.string(), users: z.array(z.string()) }),
      example: { detail: 'Demo users seeded', users: ['johnwick', 'lyraking', 'alexray'] },
    },
    ...errorResponses(401, 403),
  },
  async handle({ log }) {
    const { users } = await seedDemoUsers();
    log.info('Demo users seeded', { users });
    return { status: 200, body: { detail: 'Demo users seeded', users } };
  },
});
