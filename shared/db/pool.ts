import type { Pool } from 'mariadb';
import { config, databaseUrl } from '../config/config';
import { poolConfigFromUrl } from './connection-options';

/**
 * The process's one pool of database connections, created on first use.
 * Prisma's adapter is handed this same pool (./client), so the SQL helper
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
    pool = mariadb.createPool(
      poolConfigFromUrl(databaseUrl(settings), { poolSize: settings.DATABASE_POOL_SIZE, connectTimeoutMs: settings.DATABASE_CONNECT_TIMEOUT_MS }),
    );
  }
  return pool;
}

export async function closePool(): Promise<void> {
  const current = pool;
  pool = undefined;
  await current?.end();
}
