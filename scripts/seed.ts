// `npm run seed`: create or reset the demo users (the same module the scheduled function runs).
import { disconnectDb } from '../shared/db/prisma';
import { seedDemoUsers } from '../shared/demo/seed';
import { logger } from '../shared/core/logging';

process.env.DATABASE_URL ??= 'mysql://root@127.0.0.1:3306/fulfillment';
seedDemoUsers()
  .then(({ users }) => logger.info(`Seeded demo users: ${users.join(', ')}`))
  .catch((error: Error) => {
    logger.error(`Seeding failed: ${error.message}`);
    process.exitCode = 1;
  })
  .finally(disconnectDb);
