import { config } from '../config/config';
import { sqlExecute, sqlRows } from './sql';

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
const EXPIRY = {
  sessions: 'expires_at < NOW(6)',
  login_failures: 'created_at < NOW(6) - INTERVAL ? SECOND',
  idempotency_records: 'created_at < NOW(6) - INTERVAL ? HOUR',
} as const;

/** How old a row is when it expires: sessions carry their own expiry. */
function lifetime(table: keyof typeof EXPIRY): number[] {
  if (table === 'login_failures') return [config().LOGIN_FAILURE_WINDOW_SECONDS];
  if (table === 'idempotency_records') return [config().IDEMPOTENCY_TTL_HOURS];
  return [];
}

const BATCH = 100;

export async function purgeExpired(table: keyof typeof EXPIRY): Promise<number> {
  const rows = await sqlRows<{ id: string | number }>(`SELECT id FROM ${table} WHERE ${EXPIRY[table]} LIMIT ${BATCH}`, lifetime(table));
  if (rows.length === 0) return 0;
  return sqlExecute(`DELETE FROM ${table} WHERE id IN (?)`, [rows.map((row) => row.id)]);
}

/** `purgeExpired`, on about one call in HOUSEKEEPING_EVERY. */
export async function purgeExpiredSometimes(table: keyof typeof EXPIRY): Promise<number> {
  return Math.random() * config().HOUSEKEEPING_EVERY < 1 ? purgeExpired(table) : 0;
}
