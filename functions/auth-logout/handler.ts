import { revokeSession } from '../../shared/auth/tokens';
import { detailJson } from '../../shared/http/detail';
import { defineEndpoint } from '../../shared/http/endpoint';
import { errorResponses } from '../../shared/http/error-docs';

export default defineEndpoint({
  session: 'pipeline',
  summary: 'Log out: revoke the key used',
  description: 'The key stops working at once, everywhere. Logging out twice with the same key gives 401 the second time.',
  responses: {
    200: {
      description: 'Logged out',
      schema: detailJson,
      example: { detail: 'Successfully logged out.' },
    },
    ...errorResponses(401),
  },
  async handle({ sessionId }) {
    await revokeSession(sessionId);
    return { status: 200, body: { detail: 'Successfully logged out.' } };
  },
});
