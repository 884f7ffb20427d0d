import { classifyDbError } from '../db/errors';
import { ApiError } from './errors';

/**
 * What a client sees for an error nobody threw on purpose: the database being
 * busy or away is a 503 worth retrying; anything else is an opaque 500 whose
 * details stay in the logs.
 */
export function toApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  switch (classifyDbError(error)) {
    case 'conflict':
    case 'busy':
      return new ApiError(503, 'busy', 'The service is busy; retry the request', [], { 'Retry-After': '1' });
    case 'unavailable':
      return new ApiError(503, 'database_unavailable', 'The database is unavailable; retry the request', [], { 'Retry-After': '5' });
    default:
      return new ApiError(500, 'internal_error', 'An unexpected error occurred');
  }
}
