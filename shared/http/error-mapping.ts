import { classifyDbError } from '../db/errors';
import { DeadlineExceeded } from '../deadline/deadline';
import { ApiError } from '../core/errors';

/**
 * What a client sees for an error nobody threw on purpose: the database being
 * busy, away or too slow is a 503 worth retrying, with Retry-After; anything
 * else is an opaque 500 whose details stay in the logs.
 */
export function toApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  if (error instanceof DeadlineExceeded) {
    return new ApiError(503, 'deadline_exceeded', 'The request could not be completed in time; retry the request', [], { 'Retry-After': '2' });
  }
  switch (classifyDbError(error)) {
    case 'conflict':
    case 'busy':
      return new ApiError(503, 'busy', 'The service is busy; retry the request', [], { 'Retry-After': '1' });
    case 'unavailable':
      return new ApiError(503, 'database_unavailable', 'The database is unavailable; retry the request', [], { 'Retry-After': '5' });
    case 'commit-outcome-unknown':
      return commitOutcomeUnknown(error);
    case 'constraint':
      // The database kept an invariant the request would have broken (a race
      // the checks before the write did not see): nothing was written.
      return new ApiError(
        409,
        'state_conflict',
        'The account changed while this request was being made; nothing was changed, read it again and retry',
        [],
        {},
        error,
      );
    default:
      return new ApiError(500, 'internal_error', 'An unexpected error occurred');
  }
}

/**
 * The connection was lost while a COMMIT was on its way, the deadline passed
 * before its answer came, or the server said the COMMIT failed part way: the writes may or may not have happened,
 * and the server alone knows. A client that sent an Idempotency-Key retries
 * with it and gets either the stored answer or a first run; one that did not
 * must look (the transactions list) before trying again.
 */
export function commitOutcomeUnknown(cause: unknown): ApiError {
  return new ApiError(
    503,
    'commit_outcome_unknown',
    'The database connection was lost while the change was being committed, so it may or may not have been made; retry with the same Idempotency-Key',
    [],
    { 'Retry-After': '2' },
    cause,
  );
}
