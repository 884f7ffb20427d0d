// The deploy step that applies migrations (never done at a function's cold start).
import { applyMigrations } from '../shared/db/migrations';
import { logger } from '../shared/core/logging';

const databaseUrl = process.env.DATABASE_URL ?? 'mysql://root@127.0.0.1:3306/fulfillment';

applyMigrations(databaseUrl)
  .then((applied) => logger.info(applied.length ? `Applied migrations: ${applied.join(', ')}` : 'Database is up to date'))
  .catch((error: Error) => {
    logger.error(error.message);
    process.exitCode = 1;
  });
