import { Prisma } from './client';

/**
 * Whether the database gave up on a transaction because it conflicted with
 * another (InnoDB deadlock 1213, or a write conflict): running it again is
 * the cure. Prisma reports this as P2034 for its own queries, but as P2010
 * with the driver's code inside for raw SQL such as `SELECT … FOR UPDATE`.
 */
const DEADLOCK = '1213';

export function isWriteConflict(error: unknown): boolean {
  if (!(error instanceof Prisma.PrismaClientKnownRequestError)) return false;
  if (error.code === 'P2034') return true;
  if (error.code !== 'P2010') return false;
  const cause = (error.meta?.driverAdapterError as { cause?: { originalCode?: unknown; kind?: unknown } } | undefined)?.cause;
  return String(cause?.originalCode) === DEADLOCK || cause?.kind === 'TransactionWriteConflict';
}

/** A duplicate key (1062): Prisma's P2002 for its own queries, P2010 with the driver's code for raw SQL. */
export function isUniqueViolation(error: unknown): boolean {
  if (!(error instanceof Prisma.PrismaClientKnownRequestError)) return false;
  if (error.code === 'P2002') return true;
  if (error.code !== 'P2010') return false;
  const cause = (error.meta?.driverAdapterError as { cause?: { originalCode?: unknown; kind?: unknown } } | undefined)?.cause;
  return String(cause?.originalCode) === '1062' || cause?.kind === 'UniqueConstraintViolation';
}
