import { randomBytes } from 'node:crypto';
import { resetConfigForTests } from '../shared/config/config';
import { disconnectDb } from '../shared/db/prisma';
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
