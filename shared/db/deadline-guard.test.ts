import type { Pool, PoolConnection } from 'mariadb';
import { startDeadline } from '../deadline/deadline';
import { guardedByDeadline } from './deadline-guard';

/**
 * A COMMIT the server answers with 1180 (error during COMMIT: the engine failed
 * part way) cannot be produced on a healthy local server, so the pool here is
 * a stand-in whose one connection's COMMIT fails that way, as the driver
 * reports it. What is checked is the guard's bookkeeping: such a COMMIT leaves
 * the request unable to say whether its writes happened, like a lost one, so
 * the client is told commit_outcome_unknown whatever error reaches the handler.
 */
function poolWhoseCommitFails(error: Error): Pool {
  const conn = {
    commit: () => Promise.reject(error),
    query: () => Promise.reject(error),
    release: () => Promise.resolve(),
    end: () => Promise.resolve(),
    destroy: () => undefined,
  } as unknown as PoolConnection;
  return { getConnection: () => Promise.resolve(conn) } as unknown as Pool;
}

const sqlError = (errno: number, message: string) => Object.assign(new Error(message), { name: 'SqlError', errno, sqlState: 'HY000', fatal: false });

describe('the deadline guard and a COMMIT the server says failed', () => {
  it.each([
    ['conn.commit()', (conn: PoolConnection) => conn.commit()],
    ["Prisma's plain COMMIT query", (conn: PoolConnection) => conn.query('COMMIT')],
  ])('notes an error during COMMIT (1180) from %s as an unknown outcome', async (_how, commit) => {
    const pool = guardedByDeadline(poolWhoseCommitFails(sqlError(1180, "Got error 149 - 'Lock deadlock; Retry transaction' during COMMIT")));
    const deadline = startDeadline(10_000);
    await expect(deadline.run(async () => commit(await pool.getConnection()))).rejects.toMatchObject({ errno: 1180 });
    expect(deadline.commitOutcomeUnknown).toBe(true);
  });

  it('does not for a COMMIT refused for a reason that leaves nothing written (a deadlock victim)', async () => {
    const pool = guardedByDeadline(poolWhoseCommitFails(sqlError(1213, 'Deadlock found when trying to get lock')));
    const deadline = startDeadline(10_000);
    await expect(deadline.run(async () => (await pool.getConnection()).commit())).rejects.toMatchObject({ errno: 1213 });
    expect(deadline.commitOutcomeUnknown).toBe(false);
  });
});
