// The deploy step that applies migrations (never done at a function's cold start).
import { applyMigrations } from '../shared/db/migrations';
import { logger } from '../shared/core/logging';
import { LOCAL_CARD_HMAC_KEY, LOCAL_DATABASE_URL } from './local-defaults';

// CARD_HMAC_KEY converts card numbers left in clear (shared/db/card-number-backfill.ts); the local
// database's key only with the local database, or a deployed database would get hashes its functions never match.
if (!process.env.DATABASE_URL) process.env.CARD_HMAC_KEY ||= LOCAL_CARD_HMAC_KEY;
const databaseUrl = process.env.DATABASE_URL || LOCAL_DATABASE_URL;

applyMigrations(databaseUrl)
  .then((applied) => logger.info(applied.length ? `Applied migrations: ${applied.join(', ')}` : 'Database is up to date'))
  .catch((error: Error) => {
    logger.error(error.message);
    process.exitCode = 1;
  });
