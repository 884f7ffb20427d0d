import { randomBytes } from 'node:crypto';
import mariadb, { type Connection, type Pool } from 'mariadb';
import { DeadlineExceeded, startDeadline } from '../deadline/deadline';
import { toApiError } from '../http/error-mapping';
import { describeOnMysql, mysqlServer } from '../../testing/mysql-server';
import { poolConfigFromUrl } from './connection-options';
import { guardedByDeadline } from './deadline-guard';
import { classifyDbError } from './errors';
import { sessionSql } from './session-settings';

/**
 * On MySQL, max_execution_time bounds SELECTs only and innodb_lock_wait_timeout
 * row-lock waits only: a write that is slow for any other reason (a function
 * in its WHERE, a table lock) is bounded by the deadline guard, whose
 * destroy() of the connection at the deadline makes the driver KILL it from
 * a second connection (shared/db/deadline-guard, docs/database.md). These
 * tests run a pool set up as sqlPool() sets it up, on a MySQL of their own.
 */
describeOnMysql('a write on MySQL, which max_execution_time does not bound', () => {
  const DEADLINE_MS = 1500;
  const url = `${mysqlServer()}/fftest_${process.env.TEST_RUN_ID}_bounds_${randomBytes(3).toString('hex')}`;
  let admin: Connection;
  let pool: Pool;

  beforeAll(async () => {
    admin = await mariadb.createConnection(poolConfigFromUrl(mysqlServer() as string, { poolSize: 1, connectTimeoutMs: 3000 }));
    const database = new URL(url).pathname.slice(1);
    await admin.query(`CREATE DATABASE \`${database}\``);
    await admin.query(`CREATE TABLE \`${database}\`.counters (id INT PRIMARY KEY, n INT NOT NULL) ENGINE=InnoDB`);
    await admin.query(`INSERT INTO \`${database}\`.counters VALUES (1, 0)`);
    await admin.query(`USE \`${database}\``);
    pool = guardedByDeadline(mariadb.createPool({ ...poolConfigFromUrl(url, { poolSize: 2, connectTimeoutMs: 3000 }), initSql: sessionSql(DEADLINE_MS) }));
  });

  afterAll(async () => {
    await pool.end();
    await admin.query(`DROP DATABASE IF EXISTS \`${new URL(url).pathname.slice(1)}\``);
    await admin.end();
  });

  const counter = async () => ((await admin.query<Array<{ n: number }>>('SELECT n FROM counters WHERE id = 1'))[0] as { n: number }).n;

  /** Statements of this test's database still running on the server, waited for a bounded while to go. */
  async function stillRunning(marker: string): Promise<string[]> {
    let running: string[] = [];
    for (let tries = 0; tries < 50; tries += 1) {
      const rows = await admin.query<Array<{ info: string }>>(
        "SELECT info FROM information_schema.processlist WHERE info LIKE ? AND info NOT LIKE '%processlist%'",
        [`%${marker}%`],
      );
      running = rows.map((row) => row.info);
      if (running.length === 0) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    return running;
  }

  it('does not cut a slow UPDATE by itself: max_execution_time leaves it running', async () => {
    // What the deadline guard makes up for: the session's bound (1.5 s here) does not reach a write.
    const conn = await mariadb.createConnection({ ...poolConfigFromUrl(url, { poolSize: 1, connectTimeoutMs: 3000 }), initSql: sessionSql(300) });
    try {
      expect(await conn.query('UPDATE counters SET n = n + 0 WHERE id = 1 AND SLEEP(1) >= 0')).toMatchObject({ affectedRows: 1 });
      await expect(conn.query('SELECT SLEEP(1) FROM counters')).rejects.toMatchObject({ errno: 3024 });
    } finally {
      await conn.end();
    }
  });

  it('cuts a write waiting on a table lock by the server itself: lock_wait_timeout, set from the deadline, is 1205 (busy)', async () => {
    const holder = await mariadb.createConnection(poolConfigFromUrl(url, { poolSize: 1, connectTimeoutMs: 3000 }));
    const writer = await mariadb.createConnection({ ...poolConfigFromUrl(url, { poolSize: 1, connectTimeoutMs: 3000 }), initSql: sessionSql(300) });
    try {
      await holder.query('LOCK TABLES counters READ');
      const refusal = await writer.query('UPDATE counters SET n = n + 1 WHERE id = 1').catch((error: unknown) => error);
      expect(refusal).toMatchObject({ errno: 1205 });
      expect(classifyDbError(refusal)).toBe('busy');
    } finally {
      await holder.query('UNLOCK TABLES');
      await Promise.all([holder.end(), writer.end()]);
    }
    expect(await counter()).toBe(0);
  });

  it('cuts a slow UPDATE at the deadline: deadline_exceeded, the statement killed on the server, nothing written', async () => {
    const marker = `slow_update_${randomBytes(3).toString('hex')}`;
    const deadline = startDeadline(DEADLINE_MS);
    // 30 s of SLEEP, far past the deadline; `>= 0` holds whether SLEEP ends or is interrupted, so only a killed statement writes nothing.
    const outcome = await deadline
      .run(() => pool.query(`UPDATE counters SET n = n + 1 WHERE id = 1 AND SLEEP(30) >= 0 /* ${marker} */`))
      .catch((error: unknown) => error);
    expect(outcome).toBeInstanceOf(DeadlineExceeded);
    expect([toApiError(outcome).status, toApiError(outcome).code]).toEqual([503, 'deadline_exceeded']);
    expect(await stillRunning(marker)).toEqual([]);
    expect(await counter()).toBe(0);
  });

  it('cuts an UPDATE waiting on a table lock (no row lock, so no innodb_lock_wait_timeout) at the deadline, nothing written', async () => {
    const marker = `locked_update_${randomBytes(3).toString('hex')}`;
    const holder = await mariadb.createConnection(poolConfigFromUrl(url, { poolSize: 1, connectTimeoutMs: 3000 }));
    try {
      await holder.query('LOCK TABLES counters READ');
      const deadline = startDeadline(DEADLINE_MS);
      const outcome = await deadline.run(() => pool.query(`UPDATE counters SET n = n + 1 WHERE id = 1 /* ${marker} */`)).catch((error: unknown) => error);
      // The server's own bound (lock_wait_timeout, from the deadline) or the guard's kill, whichever is first: a 503 either way.
      expect(toApiError(outcome).status).toBe(503);
      expect(outcome instanceof DeadlineExceeded || classifyDbError(outcome) === 'busy').toBe(true);
      expect(await stillRunning(marker)).toEqual([]);
    } finally {
      await holder.query('UNLOCK TABLES');
      await holder.end();
    }
    expect(await counter()).toBe(0);
  });
});
