import { randomBytes } from 'node:crypto';
import { resetConfigForTests } from '../shared/config/config';
import { db, disconnectDb } from '../shared/db/prisma';
import { applyMigrations, dropDatabase } from '../shared/db/migrations';

/**
 * Gives the calling test file a freshly migrated database of its own and
 * points the app's config at it; dropped when the file ends.
 */
export function useTestDatabase(): { url: () => string } {
  let url = '';
  beforeAll(async () => {
    url = `${process.env.TEST_DATABASE_SERVER}/fftest_${process.env.TEST_RUN_ID}_${randomBytes(4).toString('hex')}`;
    await applyMigrations(url);
    await disconnectDb();
    process.env.DATABASE_URL = url;
    resetConfigForTests();
  });
  afterAll(async () => {
    await disconnectDb();
    await dropDatabase(url);
  });
  return { url: () => url };
}

/** Empties every table, for tests that need a clean slate between cases. */
export async function truncateAll(): Promise<void> {
  const tables = ['idempotency_records', 'assets', 'metrics', 'transactions', 'wallets', 'sessions', 'login_throttle', 'users'];
  for (const table of tables) await db().$executeRawUnsafe(`DELETE FROM \`${table}\``);
}
