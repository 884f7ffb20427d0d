import { closePool, sqlPool } from './pool';
import { GROUP_CONCAT_MAX_LEN, sessionSql } from './session-settings';
import { useTestDatabase } from '../../testing/test-database';
import { testServerFlavor } from '../../testing/mysql-server';

useTestDatabase();

/**
 * The statement as a server reads it: MariaDB runs the parts in `/*M!` comments
 * and takes MySQL 5.7+ version comments for plain comments; MySQL 8 runs the
 * parts in `/*!8xxxx` comments and takes MariaDB's for plain comments (MySQL's
 * manual, "Comments"; MariaDB's knowledge base, "Comment Syntax").
 */
function asReadBy(server: 'mariadb' | 'mysql', sql: string): string {
  const own = server === 'mariadb' ? /\/\*M!\d{6} (.*?) \*\//g : /\/\*!8\d{4} (.*?) \*\//g;
  const foreign = server === 'mariadb' ? /\s*\/\*!8\d{4} .*? \*\//g : /\s*\/\*M!\d{6} .*? \*\//g;
  return sql.replace(foreign, '').replace(own, '$1').replace(/\s+,/g, ',');
}

describe('the session every connection starts with', () => {
  const sql = sessionSql(10_000);

  it('is, to MySQL 8.4, UTC, its SELECT bound in milliseconds, the lock-wait bounds and READ COMMITTED', () => {
    expect(asReadBy('mysql', sql)).toBe(
      `SET time_zone = '+00:00', innodb_lock_wait_timeout = 10, lock_wait_timeout = 10, group_concat_max_len = ${GROUP_CONCAT_MAX_LEN}, max_execution_time = 10000, transaction_isolation = 'READ-COMMITTED'`,
    );
  });

  it('is, to MariaDB, UTC, its statement bound in seconds, the lock-wait bounds and READ COMMITTED', () => {
    expect(asReadBy('mariadb', sql)).toBe(
      `SET time_zone = '+00:00', innodb_lock_wait_timeout = 10, lock_wait_timeout = 10, group_concat_max_len = ${GROUP_CONCAT_MAX_LEN}, max_statement_time = 10, tx_isolation = 'READ-COMMITTED'`,
    );
  });

  it('rounds a lock wait up to whole seconds, at least one', () => {
    expect(asReadBy('mysql', sessionSql(300))).toContain('innodb_lock_wait_timeout = 1, lock_wait_timeout = 1,');
    expect(asReadBy('mysql', sessionSql(2500))).toContain('innodb_lock_wait_timeout = 3, lock_wait_timeout = 3,');
  });

  // Each server's own names for the statement bound and the isolation level: what the comments above leave it.
  const asSet = {
    mariadb: { statementTime: '@@session.max_statement_time', statementTimeSet: 10, isolation: '@@session.tx_isolation' },
    mysql: { statementTime: '@@session.max_execution_time', statementTimeSet: 10_000n, isolation: '@@session.transaction_isolation' },
  }[testServerFlavor()];

  it(`is what this ${testServerFlavor() === 'mysql' ? 'MySQL' : 'MariaDB'} runs on a pooled connection before its first statement`, async () => {
    await closePool();
    const [session] = await sqlPool().query<Array<Record<string, unknown>>>(
      `SELECT @@session.time_zone AS timeZone, ${asSet.statementTime} AS statementTime, @@session.innodb_lock_wait_timeout AS lockWait, @@session.lock_wait_timeout AS tableLockWait, @@session.group_concat_max_len AS concatMax, ${asSet.isolation} AS isolation`,
    );
    expect(session).toEqual({
      timeZone: '+00:00',
      statementTime: asSet.statementTimeSet,
      lockWait: 10n,
      tableLockWait: 10n,
      concatMax: BigInt(GROUP_CONCAT_MAX_LEN),
      isolation: 'READ-COMMITTED',
    });
  });
});
