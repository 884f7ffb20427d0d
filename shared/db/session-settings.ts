/**
 * The session every pooled connection starts with: UTC (money and times are
 * grouped by UTC day in SQL), and the server's own bound on each statement,
 * each row-lock wait (innodb_lock_wait_timeout) and each table-lock wait
 * (lock_wait_timeout, a year by default), set from the request deadline, so a
 * request that gave up does not leave a statement running or a lock wait
 * queued for the next request to trip over.
 *
 * It is the driver's `initSql`, which runs as part of opening the connection,
 * before the pool can hand it to anyone; a failure there fails the opening
 * (the driver's connect chain handles it: the pool retries, the waiting
 * request gets its 503). One statement serves both servers, because the
 * statement bound has a different name on each and the server is not known
 * before the connection is open:
 * - what a comment opened with `/*M!100100` holds is run by MariaDB (10.1.1+)
 *   and is a comment to MySQL: MariaDB's `max_statement_time` (seconds)
 *   bounds every statement;
 * - what one opened with `/*!80000` holds is run by MySQL 8.0+ and is a
 *   comment to MariaDB, which ignores MySQL 5.7+ version comments: MySQL's
 *   `max_execution_time` (milliseconds) bounds only SELECTs; a write's lock
 *   waits are bounded by the two lock-wait timeouts, and the rest of its
 *   time by the deadline guard, which has the driver KILL it at the deadline
 *   (shared/db/deadline-guard).
 * group_concat_max_len: the expenses stat builds its answer with
 * GROUP_CONCAT, and MySQL's default cuts it at 1 KB.
 *
 * Every transaction runs READ COMMITTED rather than the servers' default
 * REPEATABLE READ. Each transaction here either locks what it reads (money
 * moves, wallet creation) or reads once; under REPEATABLE READ a plain read
 * after a lock wait would see the snapshot from before the wait, and locking
 * reads would take gap locks that make one user's move wait on another's.
 * (MySQL requires row-based binary logging for it: Cloud SQL's, and 8.4's,
 * default.) The variable is `tx_isolation` on MariaDB 10.11 and
 * `transaction_isolation` on MySQL 8, so it rides in the same comments.
 */

/** 16 MiB: the expenses stat of 800 years of days. */
export const GROUP_CONCAT_MAX_LEN = 16 * 1024 * 1024;

export function sessionSql(statementTimeoutMs: number): string {
  const lockWaitSeconds = Math.max(1, Math.ceil(statementTimeoutMs / 1000));
  return (
    `SET time_zone = '+00:00', innodb_lock_wait_timeout = ${lockWaitSeconds}, lock_wait_timeout = ${lockWaitSeconds}, group_concat_max_len = ${GROUP_CONCAT_MAX_LEN}` +
    ` /*M!100100 , max_statement_time = ${statementTimeoutMs / 1000}, tx_isolation = 'READ-COMMITTED' */` +
    ` /*!80000 , max_execution_time = ${statementTimeoutMs}, transaction_isolation = 'READ-COMMITTED' */`
  );
}
