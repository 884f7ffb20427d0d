import { defineConfig } from 'prisma/config';
import { LOCAL_DATABASE_URL } from './scripts/local-defaults';

/**
 * Read by every Prisma CLI command (Prisma 7 takes the datasource URL from
 * here, not from schema.prisma).
 *
 * The URL falls back to the local default instead of using `env()`, which
 * throws when the variable is unset: `npm ci` runs `prisma generate` through
 * this file with no DATABASE_URL, and generating needs no database.
 *
 * Migrations are applied by `npm run migrate`, not Prisma Migrate (SPEC §8);
 * the path is here so that `prisma migrate deploy` on a machine with the
 * schema engine finds the same directory.
 */
export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  datasource: { url: process.env.DATABASE_URL || LOCAL_DATABASE_URL },
});
