import { config } from '../config/config';
import { db, Prisma } from './client';

/**
 * Rows that only matter for a while — sessions, login attempts, remembered
 * idempotent answers — are purged a batch at a time by the requests that add
 * such rows, so no table grows without bound and no cron job is needed.
 *
 * Only one request in HOUSEKEEPING_EVERY pays for it, so the others send no extra
 * statement: each request adds at most one row and a purge removes up to
 * BATCH, so the tables still shrink far faster than they grow.
 *
 * Found with a plain read, deleted by primary key: a ranged DELETE would take
 * range locks and wait on other requests' uncommitted rows.
 */
const EXPIRY_COLUMN = {
  sessions: 'expires_at',
  login_failures: 'created_at',
  idempotency_records: 'created_at',
} as const;

const BATCH = 100;

export async function purgeExpired(table: keyof typeof EXPIRY_COLUMN, before: Date): Promise<number> {
  const rows = await db().$queryRaw<Array<{ id: string | bigint }>>(
    Prisma.sql`SELECT id FROM ${Prisma.raw(table)} WHERE ${Prisma.raw(EXPIRY_COLUMN[table])} < ${before} LIMIT ${BATCH}`,
  );
  if (rows.length === 0) return 0;
  return db().$executeRaw(Prisma.sql`DELETE FROM ${Prisma.raw(table)} WHERE id IN (${Prisma.join(rows.map((row) => row.id))})`);
}

/** `purgeExpired`, on about one call in HOUSEKEEPING_EVERY. */
export async function purgeExpiredSometimes(table: keyof typeof EXPIRY_COLUMN, before: Date): Promise<number> {
  return Math.random() * config().HOUSEKEEPING_EVERY < 1 ? purgeExpired(table, before) : 0;
}
