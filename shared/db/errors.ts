/**
 * What a database error means for the request that met it, for errors from
 * Prisma (its own queries and raw SQL through the adapter) and from the driver
 * (./sql) alike. Duck-typed on purpose: the HTTP layer classifies errors
 * without loading the Prisma client.
 *
 * - conflict: InnoDB chose this transaction as a deadlock victim (1213); run it again.
 * - duplicate: a unique key refused the row (1062).
 * - busy: no connection could be had in time, or the interactive transaction expired.
 * - unavailable: the database could not be reached or the connection broke.
 */
export type DbFailure = 'conflict' | 'duplicate' | 'busy' | 'unavailable';

interface MaybeDbError {
  name?: unknown;
  code?: unknown;
  errno?: unknown;
  fatal?: unknown;
  message?: unknown;
  meta?: { driverAdapterError?: { cause?: { originalCode?: unknown; kind?: unknown } } };
}

const BY_ERRNO: Record<string, DbFailure> = { '1213': 'conflict', '1062': 'duplicate' };
const BY_ADAPTER_KIND: Record<string, DbFailure> = { TransactionWriteConflict: 'conflict', UniqueConstraintViolation: 'duplicate' };
const BY_PRISMA_CODE: Record<string, DbFailure> = { P2034: 'conflict', P2002: 'duplicate', P2024: 'busy', P2028: 'busy' };
const CONNECTION_LOST = /pool timeout|ECONNREFUSED|ECONNRESET|EPIPE|ETIMEDOUT|connect ETIMEDOUT|Connection closed|socket has unexpectedly been closed|Cannot execute new commands: connection closed/i;

export function classifyDbError(error: unknown): DbFailure | undefined {
  if (!error || typeof error !== 'object') return undefined;
  const candidate = error as MaybeDbError;
  if (candidate.name === 'PrismaClientKnownRequestError' && typeof candidate.code === 'string') {
    const cause = candidate.meta?.driverAdapterError?.cause;
    const fromDriver = BY_ERRNO[String(cause?.originalCode)] ?? BY_ADAPTER_KIND[String(cause?.kind)];
    if (fromDriver) return fromDriver;
    if (BY_PRISMA_CODE[candidate.code]) return BY_PRISMA_CODE[candidate.code];
  }
  if (candidate.name === 'PrismaClientInitializationError') return 'unavailable';
  if (typeof candidate.errno === 'number' && BY_ERRNO[String(candidate.errno)]) return BY_ERRNO[String(candidate.errno)];
  if (candidate.code === 'ER_GET_CONNECTION_TIMEOUT') return 'busy';
  if (candidate.fatal === true) return 'unavailable';
  if (typeof candidate.message === 'string' && CONNECTION_LOST.test(candidate.message)) return 'unavailable';
  return undefined;
}
