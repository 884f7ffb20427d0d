/**
 * What a database error means for the request that met it, for errors from
 * Prisma (its own queries and raw SQL through the adapter) and from the driver
 * (./sql) alike. Duck-typed on purpose: the HTTP layer classifies errors
 * without loading the Prisma client.
 *
 * - conflict: InnoDB chose this transaction as a deadlock victim (1213); run it again.
 * - duplicate: a unique key refused the row (1062).
 * - constraint: a CHECK constraint refused the row (a balance below zero, an
 *   asset under a cent): the code checks these first, so only a race it did
 *   not foresee reaches them; the transaction rolls back, nothing is written.
 * - busy: no connection, row lock or statement finished in time, or the
 *   interactive transaction expired; nothing was written, retry shortly.
 * - unavailable: the database could not be reached, the connection broke, in
 *   whatever phase (connect, a statement, COMMIT), or the server will not
 *   take writes now (read-only or offline during a failover or maintenance).
 *   Whether a lost COMMIT happened is not knowable from the error;
 *   shared/db/deadline-guard notes it.
 * - commit-outcome-unknown: the server itself says the COMMIT failed part way
 *   (1180); the writes may or may not be there, as with a lost COMMIT.
 */
export type DbFailure = 'conflict' | 'duplicate' | 'constraint' | 'busy' | 'unavailable' | 'commit-outcome-unknown';

interface MaybeDbError {
  name?: unknown;
  code?: unknown;
  errno?: unknown;
  sqlState?: unknown;
  fatal?: unknown;
  message?: unknown;
  cause?: unknown;
  meta?: { driverAdapterError?: { cause?: { originalCode?: unknown; kind?: unknown; state?: unknown } } };
}

/**
 * Server error numbers (MariaDB's and MySQL 8.4's where they differ) and the
 * driver's own (45xxx), as both the driver and Prisma's adapter report them.
 * Only numbers this driver can meet: it speaks the protocol itself, so
 * libmysqlclient's client errors (2006 "gone away", 2013 "lost connection")
 * never reach it; a broken connection is one of its 45xxx or a socket error.
 */
const BY_ERRNO: Record<string, DbFailure> = {
  1213: 'conflict',
  1062: 'duplicate',
  3819: 'constraint', // MySQL: Check constraint … is violated
  1040: 'busy', // too many connections
  1203: 'busy', // user has too many connections
  1205: 'busy', // a row-lock or table-lock wait timed out (innodb_lock_wait_timeout, lock_wait_timeout: set from the deadline)
  1969: 'busy', // MariaDB: statement ran past max_statement_time (set from the deadline)
  3024: 'busy', // MySQL: SELECT ran past max_execution_time (set from the deadline)
  1028: 'busy', // sort aborted: a sort cut short by its statement's time bound (MariaDB; MySQL 8.4, whose 9.x says 3024)
  45028: 'busy', // no connection free in the pool within acquireTimeout
  1180: 'commit-outcome-unknown', // error during COMMIT
  1053: 'unavailable', // server shutting down
  1290: 'unavailable', // MySQL: running with --read-only / --super-read-only (a failover under way)
  1792: 'unavailable', // a write in a read-only transaction (the server made read-only while the session was open)
  1836: 'unavailable', // running in read-only mode
  3032: 'unavailable', // MySQL: offline mode (maintenance), refusing everyone but administrators
  1927: 'unavailable', // MariaDB: connection killed (the server's own message to a killed session)
  3169: 'unavailable', // MySQL: session was killed
  4031: 'unavailable', // MySQL: disconnected by the server for inactivity
  45001: 'unavailable', // connection already closed
  45004: 'unavailable', // connection destroyed, command killed
  45009: 'unavailable', // socket unexpectedly closed
  45012: 'unavailable', // connect timed out
  45013: 'unavailable', // connection closed before the command ran
  45019: 'unavailable', // socket error
  45026: 'unavailable', // socket timeout
  45030: 'unavailable', // the connection's initial SQL failed
  45060: 'unavailable', // pool could not open its first connection
  45061: 'unavailable', // pool could not open a connection
};
/**
 * Numbers the two servers give different meanings, told apart by SQLSTATE:
 * 4025 is MariaDB's CHECK failure (23000, an integrity violation) and, on
 * MySQL, an out-of-range AUTOEXTEND_SIZE (HY000), which is no constraint.
 */
const BY_ERRNO_AND_SQLSTATE: Record<string, { sqlState: string; failure: DbFailure }> = {
  4025: { sqlState: '23000', failure: 'constraint' }, // MariaDB: CONSTRAINT … failed
};

function byErrno(errno: unknown, sqlState: unknown): DbFailure | undefined {
  const key = String(errno);
  if (BY_ERRNO[key]) return BY_ERRNO[key];
  const bySqlState = BY_ERRNO_AND_SQLSTATE[key];
  return bySqlState && bySqlState.sqlState === sqlState ? bySqlState.failure : undefined;
}

const BY_ADAPTER_KIND: Record<string, DbFailure> = {
  TransactionWriteConflict: 'conflict',
  UniqueConstraintViolation: 'duplicate',
  TooManyConnections: 'busy',
  SocketTimeout: 'unavailable',
  DatabaseNotReachable: 'unavailable',
  ConnectionClosed: 'unavailable',
};
const BY_PRISMA_CODE: Record<string, DbFailure> = {
  P2034: 'conflict',
  P2002: 'duplicate',
  P2024: 'busy',
  P2028: 'busy',
  P1001: 'unavailable',
  P1002: 'unavailable',
  P1008: 'unavailable',
  P1017: 'unavailable',
};
/** Node's socket errors, met when the driver writes to or reads from a dead connection. */
const SOCKET_CODES = new Set(['EPIPE', 'ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNABORTED', 'ERR_STREAM_DESTROYED']);
// Prisma sometimes keeps only the text of what failed underneath.
const CONNECTION_LOST =
  /pool timeout|ECONNREFUSED|ECONNRESET|EPIPE|ETIMEDOUT|Connection closed|socket has unexpectedly been closed|Cannot execute new commands: connection closed|Connection destroyed|socket timeout|connection lost|Server has gone away/i;

export function classifyDbError(error: unknown, depth = 0): DbFailure | undefined {
  if (!error || typeof error !== 'object' || depth > 3) return undefined;
  const candidate = error as MaybeDbError;
  if (candidate.name === 'PrismaClientKnownRequestError' && typeof candidate.code === 'string') {
    const cause = candidate.meta?.driverAdapterError?.cause;
    const fromDriver = byErrno(cause?.originalCode, cause?.state) ?? BY_ADAPTER_KIND[String(cause?.kind)];
    if (fromDriver) return fromDriver;
    if (BY_PRISMA_CODE[candidate.code]) return BY_PRISMA_CODE[candidate.code];
  }
  if (candidate.name === 'PrismaClientInitializationError') return 'unavailable';
  // A pool timeout while the pool holds no connection at all carries why it
  // could not open one: a database that refuses or never answers is away, not busy.
  if (candidate.code === 'ER_GET_CONNECTION_TIMEOUT' && classifyDbError(candidate.cause, depth + 1) === 'unavailable') return 'unavailable';
  const fromErrno = typeof candidate.errno === 'number' ? byErrno(candidate.errno, candidate.sqlState) : undefined;
  if (fromErrno) return fromErrno;
  if (candidate.code === 'ER_GET_CONNECTION_TIMEOUT') return 'busy';
  if (typeof candidate.code === 'string' && SOCKET_CODES.has(candidate.code)) return 'unavailable';
  if (candidate.fatal === true) return 'unavailable';
  if (typeof candidate.message === 'string' && CONNECTION_LOST.test(candidate.message)) return 'unavailable';
  // The driver wraps the socket's error (an initial SQL that failed because the socket closed, say).
  return classifyDbError(candidate.cause, depth + 1);
}
