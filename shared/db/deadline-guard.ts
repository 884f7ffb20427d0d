import type { Pool, PoolConnection } from 'mariadb';
import { currentDeadline, untilAborted, type RequestDeadline } from '../deadline/deadline';
import { classifyDbError } from './errors';

/**
 * Binds every use of the pool to the deadline of the request making it
 * (shared/deadline). The driver has no client-side statement timeout (its
 * `timeout` option is the server's max_statement_time, which a server that
 * cannot be reached never applies), so the bound is enforced here:
 *
 * - waiting for a connection stops at the deadline; one handed over later goes straight back;
 * - a connection the request holds when the deadline passes is destroyed,
 *   not returned: its statement may still be running or its bytes stuck in
 *   the network, and the server rolls back the open transaction when the
 *   socket closes; whatever the request awaits fails at once;
 * - after the deadline, the request gets no connection at all, so work still
 *   running for a client that was already answered can never commit.
 *
 * It also notes a COMMIT that fails for want of a connection (or is still in
 * flight at the deadline) on the deadline: its outcome is unknown, which the
 * client must be told (shared/http/error-mapping).
 *
 * Prisma's adapter and ./sql both reach the database through the pool's
 * getConnection, query and execute; outside a request (scripts, tests) the
 * pool is used as is.
 */
export function guardedByDeadline(pool: Pool): Pool {
  const getConnection = async (): Promise<PoolConnection> => {
    const deadline = currentDeadline();
    if (!deadline) return pool.getConnection();
    if (deadline.signal.aborted) throw deadline.signal.reason;
    const pending = pool.getConnection();
    try {
      return watch(await untilAborted(pending, deadline.signal), deadline);
    } catch (error) {
      if (deadline.signal.aborted)
        pending.then(
          (late) => late.release(),
          () => undefined,
        );
      throw error;
    }
  };

  // The pool's own query/execute take a connection internally, out of reach of
  // the deadline; under a deadline they take it through getConnection instead.
  const onConnection =
    (method: 'query' | 'execute') =>
    async (sql: unknown, values?: unknown): Promise<unknown> => {
      if (!currentDeadline()) return (pool[method] as (sql: unknown, values?: unknown) => Promise<unknown>)(sql, values);
      const conn = await getConnection();
      try {
        return await (conn[method] as (sql: unknown, values?: unknown) => Promise<unknown>)(sql, values);
      } finally {
        await conn.release().catch(() => undefined);
      }
    };

  const overrides: Partial<Pool> = { getConnection, query: onConnection('query') as Pool['query'], execute: onConnection('execute') as Pool['execute'] };
  return new Proxy(pool, {
    get(target, property, receiver) {
      if (property in overrides) return overrides[property as keyof Pool];
      const value = Reflect.get(target, property, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

const isCommit = (sql: unknown) => /^\s*COMMIT\s*$/i.test(typeof sql === 'string' ? sql : String((sql as { sql?: unknown } | null)?.sql ?? ''));

/** The pool hands out a fresh wrapper per acquisition, so its methods can be patched for this holder alone. */
function watch(conn: PoolConnection, deadline: RequestDeadline): PoolConnection {
  const destroy = () => conn.destroy();
  deadline.signal.addEventListener('abort', destroy, { once: true });
  const letGo = () => deadline.signal.removeEventListener('abort', destroy);

  const release = conn.release.bind(conn);
  conn.release = async () => {
    letGo();
    await release();
  };
  conn.end = conn.release;
  const nativeDestroy = conn.destroy.bind(conn);
  conn.destroy = () => {
    letGo();
    nativeDestroy();
  };

  const committing = async <T>(run: () => Promise<T>): Promise<T> => {
    deadline.commitsInFlight += 1;
    try {
      return await run();
    } catch (error) {
      const failure = classifyDbError(error);
      if (deadline.signal.aborted || failure === 'unavailable' || failure === 'commit-outcome-unknown') deadline.commitOutcomeUnknown = true;
      throw error;
    } finally {
      deadline.commitsInFlight -= 1;
    }
  };
  const commit = conn.commit.bind(conn);
  conn.commit = () => committing(commit);
  // Prisma's adapter commits with a plain query.
  const query = conn.query.bind(conn) as (sql: unknown, values?: unknown) => Promise<unknown>;
  conn.query = ((sql: unknown, values?: unknown) => (isCommit(sql) ? committing(() => query(sql, values)) : query(sql, values))) as PoolConnection['query'];
  return conn;
}
