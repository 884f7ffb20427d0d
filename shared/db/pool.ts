import type { Pool } from 'mariadb';
import { config, databaseUrl } from '../config/config';
import { logger } from '../core/logging';
import { closeCloudSqlConnector, cloudSqlConnectorPoolOptions } from './cloud-sql-connector';
import { poolConfigFromUrl } from './connection-options';
import { guardedByDeadline } from './deadline-guard';
import { createFailFastPool } from './fail-fast';
import { sessionSql } from './session-settings';

/**
 * The process's one pool of database connections, created on first use.
 * Prisma's adapter is handed this same pool (./prisma), so the SQL helper
 * (./sql) and Prisma never hold more than DATABASE_POOL_SIZE connections
 * between them.
 */
let pool: Pool | undefined;

export function sqlPool(): Pool {
  if (!pool) {
    const settings = config();
    // Required here, not imported: a function that never touches the database skips loading the driver.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const mariadb = require('mariadb') as typeof import('mariadb');
    const created = createFailFastPool(
      mariadb,
      {
        ...poolConfigFromUrl(databaseUrl(settings), { poolSize: settings.DATABASE_POOL_SIZE, connectTimeoutMs: settings.DATABASE_CONNECT_TIMEOUT_MS }),
        ...cloudSqlConnectorPoolOptions(settings),
        initSql: sessionSql(settings.REQUEST_DEADLINE_MS),
      },
      settings.DATABASE_PROBE_INTERVAL_MS,
    );
    // The pool reports a connection it failed to open as an 'error' event,
    // which, unheard, would crash the process. The request waiting for that
    // connection fails on its own (and is answered 503); the pool retries.
    (created as unknown as NodeJS.EventEmitter).on('error', (error: Error) =>
      logger.warn('The database pool could not open a connection', { error: error.message }),
    );
    pool = guardedByDeadline(created);
  }
  return pool;
}

export async function closePool(): Promise<void> {
  const current = pool;
  pool = undefined;
  await current?.end();
  closeCloudSqlConnector();
}
