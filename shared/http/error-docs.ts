import { z } from 'zod';
import type { ResponseDoc } from './endpoint';

/** SPEC §2's error shape, documented once for every endpoint that can answer it. */
export const errorBody = z
  .object({
    error: z.object({
      code: z.string().describe('What went wrong, for programs: `invalid_request`, `unauthorized`, `insufficient_funds`…'),
      message: z.string().describe('What went wrong, for people'),
      details: z
        .array(
          z.object({
            field: z.string(),
            message: z.string(),
            rule: z.string().optional().describe('Which rule the value breaks, where it matters to a client: `password_too_short`, `password_too_common`…'),
          }),
        )
        .describe('For 400 and some 409/422: each field concerned'),
    }),
  })
  .meta({ id: 'Error' });

const descriptions: Record<number, string> = {
  400: 'Invalid input; `details` names each bad field',
  401: 'Missing, invalid, expired or revoked key (or bad credentials)',
  403: 'The caller may not use this function',
  404: 'No such route, or a resource that does not exist or is not yours',
  405: 'A method this path does not answer (`Allow` lists those it does)',
  409: 'Conflict: an Idempotency-Key reused with a different request, or one still in progress',
  413: 'Request body too large',
  415: 'Request body is not JSON',
  422: 'A valid request the rules refuse',
  429: 'Too many login attempts for the username, too many logins or reset requests from the client address, too many password checks at once, or too many reset requests for one address; see Retry-After',
  431: 'Request line and headers over 16 KiB together; the connection is closed',
  502: 'The investment service answered badly',
  503: 'The investment service, the mail server or the database is unavailable or too slow (see Retry-After); `commit_outcome_unknown`: retry with the same Idempotency-Key',
  504: 'The investment service timed out',
};

export function errorResponses(...statuses: number[]): Record<number, ResponseDoc> {
  return Object.fromEntries(statuses.map((status) => [status, { description: descriptions[status], schema: errorBody }]));
}
