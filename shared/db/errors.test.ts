import { randomBytes } from 'node:crypto';
import mariadb from 'mariadb';
import { seedDemoUsers } from '../demo/seed';
import { toApiError } from '../http/error-mapping';
import { describeOnMysql, mysqlServer, testServerFlavor } from '../../testing/mysql-server';
import { useTestDatabase } from '../../testing/test-database';
import { poolConfigFromUrl } from './connection-options';
import { sessionSql } from './session-settings';
import { classifyDbError } from './errors';
import { sqlExecute } from './sql';

const database = useTestDatabase();

/** The shapes met in the fault tests and the logs, as the driver, Node and Prisma produce them. */
const driverError = (errno: number, message: string, fatal = true, sqlState = '08S01') =>
  Object.assign(new Error(message), { name: 'SqlError', errno, sqlState, sqlMessage: message, fatal });
const prismaError = (code: string, cause: { originalCode?: string; kind?: string; state?: string } = {}) =>
  Object.assign(new Error('prisma'), { name: 'PrismaClientKnownRequestError', code, meta: { driverAdapterError: { cause } } });
const socketError = (code: string) => Object.assign(new Error(`write ${code}`), { code, errno: -32, syscall: 'write' });

describe('classifyDbError', () => {
  it.each([
    ['a deadlock, from the driver', driverError(1213, 'Deadlock found', false), 'conflict'],
    ['a deadlock, through Prisma raw SQL', prismaError('P2010', { originalCode: '1213' }), 'conflict'],
    ['a duplicate key', prismaError('P2002'), 'duplicate'],
    ['a lock wait past innodb_lock_wait_timeout', driverError(1205, 'Lock wait timeout exceeded', false), 'busy'],
    ['a statement past max_statement_time', driverError(1969, 'Query execution was interrupted', false), 'busy'],
    ['MySQL: a SELECT past max_execution_time', driverError(3024, 'Query execution was interrupted, maximum statement execution time exceeded', false), 'busy'],
    ['MySQL: a CHECK constraint violated', driverError(3819, "Check constraint 'wallets_balance_non_negative' is violated.", false), 'constraint'],
    ['MariaDB: a CHECK constraint failed', driverError(4025, 'CONSTRAINT `wallets_balance_non_negative` failed', false, '23000'), 'constraint'],
    ['MariaDB: a CHECK constraint failed, through Prisma raw SQL', prismaError('P2010', { originalCode: '4025', kind: 'mysql', state: '23000' }), 'constraint'],
    [
      'MariaDB and MySQL 8.4: a sort aborted by the statement bound',
      driverError(1028, 'Sort aborted: Query execution was interrupted', false, 'HY000'),
      'busy',
    ],
    ['MySQL: a server in offline mode (maintenance)', driverError(3032, 'The server is currently in offline mode', true, 'HY000'), 'unavailable'],
    ['MySQL: offline mode, through Prisma', prismaError('P2010', { originalCode: '3032', kind: 'mysql', state: 'HY000' }), 'unavailable'],
    ['a write in a read-only transaction', driverError(1792, 'Cannot execute statement in a READ ONLY transaction.', false, '25006'), 'unavailable'],
    ['an error during COMMIT', driverError(1180, "Got error 149 - 'Lock deadlock; Retry transaction' during COMMIT", false, 'HY000'), 'commit-outcome-unknown'],
    ['an error during COMMIT, through Prisma', prismaError('P2010', { originalCode: '1180', kind: 'mysql', state: 'HY000' }), 'commit-outcome-unknown'],
    ['MySQL: a server gone read-only in a failover', driverError(1290, 'The MySQL server is running with the --super-read-only option', false), 'unavailable'],
    ['MySQL: a killed session', driverError(3169, 'Session was killed'), 'unavailable'],
    ['MySQL: a connection closed for inactivity', driverError(4031, 'The client was disconnected by the server because of inactivity'), 'unavailable'],
    ['a pool with no free connection', Object.assign(driverError(45028, 'pool timeout', false), { code: 'ER_GET_CONNECTION_TIMEOUT' }), 'busy'],
    [
      'a pool timeout because the pool could not open any connection',
      Object.assign(driverError(45028, 'pool timeout', false), { code: 'ER_GET_CONNECTION_TIMEOUT', cause: socketError('ECONNREFUSED') }),
      'unavailable',
    ],
    [
      'a pool timeout because the server refused more connections',
      Object.assign(driverError(45028, 'pool timeout', false), { code: 'ER_GET_CONNECTION_TIMEOUT', cause: driverError(1040, 'Too many connections', false) }),
      'busy',
    ],
    ['an expired interactive transaction', prismaError('P2028'), 'busy'],
    ['write EPIPE on a cut socket', socketError('EPIPE'), 'unavailable'],
    ['a reset connection', socketError('ECONNRESET'), 'unavailable'],
    ['a socket closed under a statement', driverError(45009, 'socket has unexpectedly been closed'), 'unavailable'],
    ['a connection destroyed at the deadline', driverError(45004, 'Connection destroyed, command was killed'), 'unavailable'],
    ['a closed socket, through Prisma', prismaError('P2010', { originalCode: '45009', kind: 'mysql' }), 'unavailable'],
    ['a socket error wrapped as the cause', Object.assign(new Error('Error executing initial sql command'), { cause: socketError('EPIPE') }), 'unavailable'],
    ['an unreachable server, at Prisma start', Object.assign(new Error('x'), { name: 'PrismaClientInitializationError' }), 'unavailable'],
  ])('%s is %s', (_name, error, expected) => {
    expect(classifyDbError(error)).toBe(expected);
  });

  it('leaves other errors alone (a bug stays a 500)', () => {
    expect(classifyDbError(new TypeError('x is undefined'))).toBeUndefined();
    expect(classifyDbError(driverError(1054, "Unknown column 'x'", false))).toBeUndefined();
    // MySQL's 4025 is an out-of-range AUTOEXTEND_SIZE, not MariaDB's CHECK failure.
    expect(classifyDbError(driverError(4025, 'AUTOEXTEND_SIZE value should be between 4M and 4096M', false, 'HY000'))).toBeUndefined();
    expect(classifyDbError(prismaError('P2010', { originalCode: '4025', kind: 'mysql', state: 'HY000' }))).toBeUndefined();
  });

  it('answers an error during COMMIT as commit_outcome_unknown: the writes may or may not be there', () => {
    const answer = toApiError(driverError(1180, 'Got error 149 during COMMIT', false, 'HY000'));
    expect([answer.status, answer.code, answer.headers['Retry-After']]).toEqual([503, 'commit_outcome_unknown', '2']);
    expect(classifyDbError('a string')).toBeUndefined();
  });
});

describe(`a CHECK constraint, as this ${testServerFlavor() === 'mysql' ? 'MySQL (3819)' : 'MariaDB (4025)'} refuses it`, () => {
  it('is a constraint failure, answered 409 state_conflict, not a 500', async () => {
    await seedDemoUsers();
    const refusal = await sqlExecute("UPDATE wallets SET balance = -1 WHERE card_last4 = '8213'").catch((error: unknown) => error);
    expect(classifyDbError(refusal)).toBe('constraint');
    const answer = toApiError(refusal);
    expect([answer.status, answer.code]).toEqual([409, 'state_conflict']);
  });
});

describe(`errors this ${testServerFlavor() === 'mysql' ? 'MySQL' : 'MariaDB'} really sends`, () => {
  const testServer = () => poolConfigFromUrl(database.url(), { poolSize: 1, connectTimeoutMs: 3000 });

  it('a write in a read-only transaction (1792) is database_unavailable, not a 500', async () => {
    const conn = await mariadb.createConnection(testServer());
    try {
      await conn.query('SET SESSION TRANSACTION READ ONLY');
      await conn.query('START TRANSACTION');
      const refusal = await conn.query('UPDATE wallets SET balance = balance + 1').catch((error: unknown) => error);
      expect(refusal).toMatchObject({ errno: 1792 });
      expect([toApiError(refusal).status, toApiError(refusal).code]).toEqual([503, 'database_unavailable']);
    } finally {
      await conn.end();
    }
  });

  it('a sort cut by the statement bound (3024 on MySQL 9, 1969 on MariaDB) is busy', async () => {
    const conn = await mariadb.createConnection({ ...testServer(), initSql: sessionSql(200) });
    try {
      const cut = await conn
        .query(
          'SELECT seq, SLEEP(0.01) FROM (WITH RECURSIVE s (seq) AS (SELECT 1 UNION ALL SELECT seq + 1 FROM s WHERE seq < 300) SELECT seq FROM s) a ORDER BY RAND()',
        )
        .catch((error: unknown) => error);
      expect(cut).toMatchObject({ errno: testServerFlavor() === 'mysql' ? 3024 : 1969 });
      expect(classifyDbError(cut)).toBe('busy');
    } finally {
      await conn.end();
    }
  });
});

describeOnMysql('errors only MySQL sends', () => {
  const server = () => poolConfigFromUrl(mysqlServer() as string, { poolSize: 1, connectTimeoutMs: 3000 });

  it('offline mode (3032), as an application user meets it, is database_unavailable; root (an administrator) turns it back off', async () => {
    const user = `fftest_offline_${randomBytes(3).toString('hex')}`;
    const admin = await mariadb.createConnection(server());
    try {
      await admin.query(`CREATE USER '${user}'@'%' IDENTIFIED BY 'pw'`);
      await admin.query('SET GLOBAL offline_mode = ON');
      const refusal = await mariadb.createConnection({ ...server(), user, password: 'pw' }).then(
        (conn) => conn.end(),
        (error: unknown) => error,
      );
      expect(refusal).toMatchObject({ errno: 3032 });
      expect([toApiError(refusal).status, toApiError(refusal).code]).toEqual([503, 'database_unavailable']);
    } finally {
      await admin.query('SET GLOBAL offline_mode = OFF');
      await admin.query(`DROP USER IF EXISTS '${user}'@'%'`);
      await admin.end();
    }
  });

  it("MySQL's 4025 (an AUTOEXTEND_SIZE out of range) is not read as MariaDB's CHECK failure", async () => {
    const admin = await mariadb.createConnection(server());
    const scratch = `fftest_${process.env.TEST_RUN_ID}_autoextend`;
    try {
      await admin.query(`CREATE DATABASE IF NOT EXISTS \`${scratch}\``);
      const refusal = await admin.query(`CREATE TABLE \`${scratch}\`.t (id INT) AUTOEXTEND_SIZE = 1M`).catch((error: unknown) => error);
      expect(refusal).toMatchObject({ errno: 4025, sqlState: 'HY000' });
      expect(classifyDbError(refusal)).toBeUndefined();
    } finally {
      await admin.query(`DROP DATABASE IF EXISTS \`${scratch}\``);
      await admin.end();
    }
  });
});
