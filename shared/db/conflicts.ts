import { classifyDbError } from './errors';

/** InnoDB gave up on a transaction because it conflicted with another (deadlock 1213): running it again is the cure. */
export const isWriteConflict = (error: unknown) => classifyDbError(error) === 'conflict';

/** A duplicate key (1062). */
export const isUniqueViolation = (error: unknown) => classifyDbError(error) === 'duplicate';
