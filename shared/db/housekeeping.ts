import { db, Prisma } from './client';

/**
 * Rows that only matter for a while — sessions, login attempts, remembered
 * idempotent answers — are purged a batch at a time by the requests that add
 * such rows, so no table grows without bound and no cron job is needed.
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
