import { seedDemoUsers } from '../demo/seed';
import { toApiError } from '../http/error-mapping';
import { useTestDatabase } from '../../testing/test-database';
import { classifyDbError } from './errors';
import { sqlExecute } from './sql';

/** The shapes met in the fault tests and the logs, as the driver, Node and Prisma produce them. */
const driverError = (errno: number, message: string, fatal = true) =>
  Object.assign(new Error(message), { name: 'SqlError', errno, sqlState: '08S01', sqlMessage: message, fatal });
const prismaError = (code: string, cause: { originalCode?: string; kind?: string } = {}) =>
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
    ['MariaDB: a CHECK constraint failed', driverError(4025, 'CONSTRAINT `wallets_balance_non_negative` failed', false), 'constraint'],
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
    expect(classifyDbError('a string')).toBeUndefined();
  });
});

describe('a CHECK constraint, as this MariaDB refuses it', () => {
  useTestDatabase();

  it('is a constraint failure, answered 409 state_conflict, not a 500', async () => {
    await seedDemoUsers();
    const refusal = await sqlExecute("UPDATE wallets SET balance = -1 WHERE card_last4 = '8213'").catch((error: unknown) => error);
    expect(classifyDbError(refusal)).toBe('constraint');
    const answer = toApiError(refusal);
    expect([answer.status, answer.code]).toEqual([409, 'state_conflict']);
  });
});
