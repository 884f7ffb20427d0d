import { config } from '../config/config';
import { sqlExecute, sqlRows } from './sql';

/**
 * Rows that only matter for a while — sessions, login attempts (per username
 * and per client address), reset requests, remembered idempotent answers —
 * are purged a batch at a time by the requests that add such rows, so no
 * table grows without bound and no cron job is needed.
 *
 * Only one request in HOUSEKEEPING_EVERY pays for it, so the others send no extra
 * statement: each request adds at most one row and a purge removes up to
 * BATCH, so the tables still shrink far faster than they grow.
 *
 * Found with a plain read, deleted by primary key (`key`): a ranged DELETE would take
 * range locks and wait on other requests' uncommitted rows.
 */
const EXPIRY = {
  sessions: { key: 'id', expired: 'expires_at < NOW(6)' },
  // A window past its end counts nothing any more (shared/auth/login-throttle).
  login_throttle: { key: 'username', expired: 'window_started_at < NOW(6) - INTERVAL ? SECOND' },
  // Likewise per client address (shared/auth/client-throttle): kept one window, no longer.
  login_client_throttle: { key: 'client', expired: 'window_started_at < NOW(6) - INTERVAL ? SECOND' },
  password_reset_throttle: { key: 'email', expired: 'window_started_at < NOW(6) - INTERVAL ? SECOND' },
  idempotency_records: { key: 'id', expired: 'created_at < NOW(6) - INTERVAL ? HOUR' },
} as const;

/** How old a row is when it expires: sessions carry their own expiry. */
function lifetime(table: keyof typeof EXPIRY): number[] {
  if (table === 'login_throttle') return [config().LOGIN_FAILURE_WINDOW_SECONDS];
  if (table === 'login_client_throttle') return [config().LOGIN_CLIENT_WINDOW_SECONDS];
  if (table === 'password_reset_throttle') return [config().PASSWORD_RESET_WINDOW_SECONDS];
  if (table === 'idempotency_records') return [config().IDEMPOTENCY_TTL_HOURS];
  return [];
}

const BATCH = 100;

export async function purgeExpired(table: keyof typeof EXPIRY): Promise<number> {
  const { key, expired } = EXPIRY[table];
  const rows = await sqlRows<{ key: string }>(`SELECT ${key} AS \`key\` FROM ${table} WHERE ${expired} LIMIT ${BATCH}`, lifetime(table));
  if (rows.length === 0) return 0;
  return sqlExecute(`DELETE FROM ${table} WHERE ${key} IN (?)`, [rows.map((row) => row.key)]);
}

/** `purgeExpired`, on about one call in HOUSEKEEPING_EVERY. */
export async function purgeExpiredSometimes(table: keyof typeof EXPIRY): Promise<number> {
  return Math.random() * config().HOUSEKEEPING_EVERY < 1 ? purgeExpired(table) : 0;
}
