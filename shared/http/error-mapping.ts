import { Prisma } from '../db/client';
import { isWriteConflict } from '../db/conflicts';
import { ApiError } from './errors';

/**
 * What a client sees for an error nobody threw on purpose: the database being
 * busy or away is a 503 worth retrying; anything else is an opaque 500 whose
 * details stay in the logs.
 */
const BUSY_CODES = new Set(['P2024', 'P2028']);

export function toApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  if ((error instanceof Prisma.PrismaClientKnownRequestError && BUSY_CODES.has(error.code)) || isWriteConflict(error)) {
    return new ApiError(503, 'busy', 'The service is busy; retry the request', [], { 'Retry-After': '1' });
  }
  if (
    error instanceof Prisma.PrismaClientInitializationError ||
    (error instanceof Error && /pool timeout|ECONNREFUSED|connect ETIMEDOUT|Connection closed/i.test(error.message))
  ) {
    return new ApiError(503, 'database_unavailable', 'The database is unavailable; retry the request', [], { 'Retry-After': '5' });
  }
  return new ApiError(500, 'internal_error', 'An unexpected error occurred');
}
