import { createHash, randomUUID } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import mariadb, { type Connection } from 'mariadb';
import { cardHmacKey } from '../config/config';
import { logger } from '../core/logging';
import { backfillCardHashes } from './card-number-backfill';
import { databaseName, poolConfigFromUrl, serverUrl } from './connection-options';

/**
 * Applies prisma/migrations the way `prisma migrate deploy` does, with the
 * app's own driver, because Prisma's schema engine cannot be downloaded here
 * (SPEC §8). Bookkeeping goes to `_prisma_migrations` with Prisma's columns and
 * checksum (SHA-256 hex of the file), so a machine with the real engine sees
 * these migrations as applied.
 */
function projectRoot(from = __dirname): string {
  // The same code runs from shared/db (tsx, tests) and from dist/shared/db (built).
  if (existsSync(path.join(from, 'package.json'))) return from;
  const parent = path.dirname(from);
  if (parent === from) throw new Error(`No package.json above ${__dirname}: cannot find prisma/migrations`);
  return projectRoot(parent);
}

export const MIGRATIONS_DIR = path.join(projectRoot(), 'prisma/migrations');

export interface Migration {
  name: string;
  sql: string;
  checksum: string;
}

export function readMigrations(dir = MIGRATIONS_DIR): Migration[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort()
    .map((name) => {
      const sql = readFileSync(path.join(dir, name, 'migration.sql'), 'utf8');
      return { name, sql, checksum: createHash('sha256').update(sql).digest('hex') };
    });
}

/**
 * Data steps: work SQL cannot do, run right after their migration on every
 * migrate (applied now or before), until a later migration retires them
 * (removes the entry in the same commit). Each is idempotent and cheap when
 * there is nothing left to do.
 */
export const DATA_STEPS: Record<string, (conn: Connection) => Promise<void>> = {
  '20261207110000_card_number_hash': async (conn) => {
    const { converted, withoutHash, answersMasked } = await backfillCardHashes(conn, () => cardHmacKey());
    if (converted || answersMasked) logger.info('Card numbers converted to hashes and masks', { converted, withoutHash, answersMasked });
  },
};

const BOOKKEEPING_TABLE = `CREATE TABLE IF NOT EXISTS \`_prisma_migrations\` (
    \`id\` VARCHAR(36) PRIMARY KEY NOT NULL,
    \`checksum\` VARCHAR(64) NOT NULL,
    \`finished_at\` DATETIME(3),
    \`migration_name\` VARCHAR(255) NOT NULL,
    \`logs\` TEXT,
    \`rolled_back_at\` DATETIME(3),
    \`started_at\` DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    \`applied_steps_count\` INTEGER UNSIGNED NOT NULL DEFAULT 0
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`;

const connectionSettings = { poolSize: 1, connectTimeoutMs: 5000 };

export async function createDatabaseIfMissing(databaseUrl: string): Promise<void> {
  const name = databaseName(databaseUrl);
  const conn = await mariadb.createConnection({ ...poolConfigFromUrl(serverUrl(databaseUrl), connectionSettings) });
  try {
    await conn.query(`CREATE DATABASE IF NOT EXISTS \`${name.replace(/`/g, '``')}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
  } finally {
    await conn.end();
  }
}

export async function dropDatabase(databaseUrl: string): Promise<void> {
  const name = databaseName(databaseUrl);
  const conn = await mariadb.createConnection({ ...poolConfigFromUrl(serverUrl(databaseUrl), connectionSettings) });
  try {
    await conn.query(`DROP DATABASE IF EXISTS \`${name.replace(/`/g, '``')}\``);
  } finally {
    await conn.end();
  }
}

/** Returns the names of the migrations this call applied (none when up to date). */
export async function applyMigrations(databaseUrl: string, migrations = readMigrations(), lockWaitSeconds = 10): Promise<string[]> {
  await createDatabaseIfMissing(databaseUrl);
  const conn = await mariadb.createConnection({
    ...poolConfigFromUrl(databaseUrl, connectionSettings),
    multipleStatements: true,
  });
  const applied: string[] = [];
  try {
    // The same advisory lock Prisma Migrate takes, so two deploy steps never interleave.
    const [lock]: Array<{ acquired: number | bigint | null }> = await conn.query("SELECT GET_LOCK('prisma_migrate', ?) AS acquired", [lockWaitSeconds]);
    if (Number(lock.acquired) !== 1) throw new Error('Another migration run holds the migration lock; try again when it has finished');
    await conn.query(BOOKKEEPING_TABLE);
    const rows: Array<{ migration_name: string; checksum: string; finished_at: Date | null; rolled_back_at: Date | null }> = await conn.query(
      'SELECT migration_name, checksum, finished_at, rolled_back_at FROM `_prisma_migrations`',
    );
    const done = new Map(rows.filter((row) => row.rolled_back_at === null).map((row) => [row.migration_name, row]));

    for (const migration of migrations) {
      const previous = done.get(migration.name);
      if (previous && previous.finished_at === null) {
        throw new Error(`Migration ${migration.name} failed earlier and was never finished; fix the database by hand, then mark it rolled back`);
      }
      if (previous) {
        if (previous.checksum !== migration.checksum) {
          throw new Error(`Migration ${migration.name} was edited after it was applied (checksum differs); add a new migration instead`);
        }
        await runDataStep(conn, migration.name);
        continue;
      }
      const id = randomUUID();
      await conn.query('INSERT INTO `_prisma_migrations` (id, checksum, migration_name, started_at, applied_steps_count) VALUES (?, ?, ?, NOW(3), 0)', [
        id,
        migration.checksum,
        migration.name,
      ]);
      try {
        await conn.query(migration.sql);
      } catch (error) {
        await conn.query('UPDATE `_prisma_migrations` SET logs = ? WHERE id = ?', [String(error), id]);
        throw new Error(`Migration ${migration.name} failed: ${(error as Error).message}`, { cause: error });
      }
      await conn.query('UPDATE `_prisma_migrations` SET finished_at = NOW(3), applied_steps_count = 1 WHERE id = ?', [id]);
      applied.push(migration.name);
      await runDataStep(conn, migration.name);
    }
  } finally {
    await conn.query("SELECT RELEASE_LOCK('prisma_migrate')").catch(() => undefined);
    await conn.end();
  }
  return applied;
}

async function runDataStep(conn: Connection, migrationName: string): Promise<void> {
  const step = DATA_STEPS[migrationName];
  if (!step) return;
  try {
    await step(conn);
  } catch (error) {
    throw new Error(`The data step of migration ${migrationName} failed: ${(error as Error).message}`, { cause: error });
  }
}
