// `npm run seed`: create or reset the demo users (the same module the scheduled function runs).
import { disconnectDb } from '../shared/db/prisma';
import { seedDemoUsers } from '../shared/demo/seed';
import { logger } from '../shared/core/logging';
import { LOCAL_CARD_HMAC_KEY, LOCAL_DATABASE_URL } from './local-defaults';

// The local database's key only with the local database (scripts/local-defaults.ts).
if (!process.env.DATABASE_URL) {
  process.env.DATABASE_URL = LOCAL_DATABASE_URL;
  process.env.CARD_HMAC_KEY ||= LOCAL_CARD_HMAC_KEY;
}
seedDemoUsers()
  .then(({ users }) => logger.info(`Seeded demo users: ${users.join(', ')}`))
  .catch((error: Error) => {
    logger.error(`Seeding failed: ${error.message}`);
    process.exitCode = 1;
  })
  .finally(disconnectDb);
