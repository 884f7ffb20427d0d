import type { Pool } from 'mariadb';
import { logger } from '../http/logging';

/**
 * The session every pooled connection starts with: UTC (money and times are
 * grouped by UTC day in SQL), and the server's own bound on each statement and
 * each row-lock wait, set from the request deadline, so a request that gave
 * up does not leave a statement running or a lock wait queued for the next
 * request to trip over.
 *
 * Sent when the pool opens the connection, not as the driver's `initSql`: the
 * driver drops the promise of a failed initSql, and an unhandled rejection
 * makes the functions framework kill the instance with every request in it.
 * A cut at that moment is an ordinary network failure, and is met as one. The
 * statement is queued on the connection before the pool hands it out, so it
 * runs before any request's; if it fails the connection is destroyed, never
 * used with the wrong session.
 */
interface BaseConnection {
  info?: { isMariaDB(): boolean } | null;
  query(cmd: { sql: string }, resolve: (value: unknown) => void, reject: (error: Error) => void): void;
  destroy(): void;
}

/** 16 MiB: the expenses stat of 800 years of days. */
export const GROUP_CONCAT_MAX_LEN = 16 * 1024 * 1024;

export function sessionSql(isMariaDb: boolean, statementTimeoutMs: number): string {
  const lockWaitSeconds = Math.max(1, Math.ceil(statementTimeoutMs / 1000));
  // MariaDB bounds every statement (seconds); MySQL only SELECTs (milliseconds), and row-lock waits bound the writes.
  const statementBound = isMariaDb ? `max_statement_time = ${statementTimeoutMs / 1000}` : `max_execution_time = ${statementTimeoutMs}`;
  // group_concat_max_len: the expenses stat builds its answer with GROUP_CONCAT, and MySQL's default cuts it at 1 KB.
  return `SET time_zone = '+00:00', ${statementBound}, innodb_lock_wait_timeout = ${lockWaitSeconds}, group_concat_max_len = ${GROUP_CONCAT_MAX_LEN}`;
}

export function applySessionSettings(pool: Pool, statementTimeoutMs: number): void {
  (pool as unknown as NodeJS.EventEmitter).on('connection', (conn: BaseConnection) => {
    const sql = sessionSql(conn.info?.isMariaDB() ?? true, statementTimeoutMs);
    new Promise((resolve, reject) => conn.query({ sql }, resolve, reject)).catch((error: Error) => {
      logger.warn('A new database connection could not be set up; dropped', { error: error.message });
      conn.destroy();
    });
  });
}
