import { sqlExecute, sqlRows, type SqlTx } from '../db/sql';

/** A session that still lets its key in: neither revoked nor expired. Times are ISO 8601 in UTC, to the microsecond. */
export interface LiveSession {
  id: string;
  createdAt: string;
  expiresAt: string;
}

const LIVE = 'revoked_at IS NULL AND expires_at > NOW(6)';
const ISO = "'%Y-%m-%dT%H:%i:%s.%fZ'";

/**
 * A user's live sessions, newest first. When each was last used is not
 * recorded: it would cost a write on every request of every function.
 */
export async function liveSessionsOf(userId: string): Promise<LiveSession[]> {
  return sqlRows<LiveSession>(
    `SELECT id, DATE_FORMAT(created_at, ${ISO}) AS createdAt, DATE_FORMAT(expires_at, ${ISO}) AS expiresAt
     FROM sessions WHERE user_id = ? AND ${LIVE} ORDER BY created_at DESC, id`,
    [userId],
  );
}

/**
 * Ends one of the user's live sessions; false when the user has no such live
 * session (another user's, unknown, already ended: all alike). Stamped with
 * SYSDATE(6) as a logout is (./tokens, revokeSession).
 */
export async function endSessionOf(userId: string, sessionId: string): Promise<boolean> {
  return (await sqlExecute(`UPDATE sessions SET revoked_at = SYSDATE(6) WHERE id = ? AND user_id = ? AND ${LIVE}`, [sessionId, userId])) === 1;
}

/** Ends every live session of the user but `keep` (the one making the call, if any); how many it ended. */
export async function endSessionsOf(userId: string, options: { keep?: string; tx?: SqlTx } = {}): Promise<number> {
  const sql = `UPDATE sessions SET revoked_at = SYSDATE(6) WHERE user_id = ? AND ${LIVE}${options.keep ? ' AND id <> ?' : ''}`;
  const values = options.keep ? [userId, options.keep] : [userId];
  return options.tx ? options.tx.execute(sql, values) : sqlExecute(sql, values);
}
