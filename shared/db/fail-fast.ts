import type { Pool, PoolConfig, PoolConnection } from 'mariadb';
import { DatabaseBreaker } from './database-breaker';

type Driver = Pick<typeof import('mariadb'), 'createPool' | 'createConnection'>;

/**
 * The driver's pool with a DatabaseBreaker in front of `getConnection`
 * (which ./deadline-guard routes every request's query, execute and
 * transaction through): while the database is known to be away a request is
 * answered at once instead of waiting for the pool's retries, and requests
 * already waiting for a connection are released the moment it goes. The
 * breaker hears of every failed connect through the driver's `logger.error`,
 * and of every new connection through the pool's 'connection' event.
 * Outside a request (scripts, tests) the pool's own query and execute are
 * used as they are.
 */
export function createFailFastPool(driver: Driver, options: PoolConfig, probeIntervalMs: number): Pool {
  // One connection opened and closed with the same options: the same host or socket, TLS, login and session setup.
  const probe = async () => {
    const conn = await driver.createConnection(options);
    conn.end().catch(() => undefined);
  };
  const breaker = new DatabaseBreaker(probe, probeIntervalMs);
  const pool = driver.createPool({ ...options, logger: { ...options.logger, error: (error) => breaker.driverError(error) } });
  (pool as unknown as NodeJS.EventEmitter).on('connection', () => breaker.reachable());

  const waiting = new Set<(error: Error) => void>();
  breaker.onOpen((error) => {
    const stopped = [...waiting];
    waiting.clear();
    for (const stop of stopped) stop(error);
  });
  const fromPool = pool.getConnection.bind(pool);
  const untilBreakerOpens = () =>
    new Promise<PoolConnection>((resolve, reject) => {
      waiting.add(reject);
      fromPool().then(
        (conn) => {
          // Handed over after its waiter was answered 503: straight back to the pool.
          if (waiting.delete(reject)) resolve(conn);
          else conn.release().catch(() => undefined);
        },
        (error: unknown) => {
          if (waiting.delete(reject)) reject(error);
        },
      );
    });
  pool.getConnection = () => {
    const admitted = breaker.admit();
    return admitted ? admitted.then(untilBreakerOpens) : untilBreakerOpens();
  };
  return pool;
}
