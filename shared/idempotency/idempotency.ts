import { createHash, randomUUID } from 'node:crypto';
import { config } from '../config/config';
import { isUniqueViolation } from '../db/conflicts';
import { purgeExpiredSometimes } from '../db/housekeeping';
import { sqlExecute, sqlRows, type SqlTx } from '../db/sql';
import { canonicalJson } from './canonical-json';
import { ApiError } from '../core/errors';
import type { Result } from '../core/result';

/**
 * Idempotency-Key (SPEC §2), per user, kept IDEMPOTENCY_TTL_HOURS (≥ 24 h).
 * The key's row is inserted, with the answer, at the end of the request's own
 * transaction (see runIdempotent), so money moves at most once per key. Only
 * successful responses are stored; a refused request can be retried.
 */
const KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;

export interface IdempotencyScope {
  userId: string;
  key: string;
  route: string;
  requestHash: string;
}

export function idempotencyScope(header: string | string[] | undefined, userId: string, route: string, body: unknown): IdempotencyScope | undefined {
  if (header === undefined) return undefined;
  const key = Array.isArray(header) ? header[0] : header;
  if (!KEY_PATTERN.test(key)) {
    throw new ApiError(400, 'invalid_request', 'Invalid Idempotency-Key header: 1 to 255 printable ASCII characters', [
      { field: 'Idempotency-Key', message: 'must be 1 to 255 printable ASCII characters' },
    ]);
  }
  const requestHash = createHash('sha256')
    .update(`${route}\n${canonicalJson(body)}`)
    .digest('hex');
  return { userId, key, route, requestHash };
}

/** The stored answer for this key, or undefined when the request must run. */
export async function storedResponse(scope: IdempotencyScope): Promise<Result | undefined> {
  const [record] = await sqlRows<{ id: string; requestHash: string; status: number; responseBody: string; expired: number }>(
    `SELECT id, request_hash AS requestHash, status, response_body AS responseBody, created_at < NOW(6) - INTERVAL ? HOUR AS expired
     FROM idempotency_records WHERE user_id = ? AND \`key\` = ?`,
    [config().IDEMPOTENCY_TTL_HOURS, scope.userId, scope.key],
  );
  if (!record) return undefined;
  if (record.expired) {
    // Past its lifetime but not purged yet: forget it now.
    await sqlExecute('DELETE FROM idempotency_records WHERE id = ?', [record.id]);
    return undefined;
  }
  return replayIfSame(scope, record);
}

function replayIfSame(scope: IdempotencyScope, record: { requestHash: string; status: number; responseBody: string }): Result {
  if (record.requestHash !== scope.requestHash) {
    throw new ApiError(409, 'idempotency_key_reused', 'This Idempotency-Key was already used with a different request', [
      { field: 'Idempotency-Key', message: 'was used with another request body or route' },
    ]);
  }
  const replay: Result = { status: record.status, raw: { contentType: 'application/json', payload: record.responseBody } };
  replays.add(replay);
  return replay;
}

/** Answers read back from a record: a transaction that returns one has nothing to store. */
const replays = new WeakSet<Result>();

/**
 * The answer stored under the request's key, read by the statement a handler
 * starts with (the one that confirms the caller's session), so that a retry
 * is answered before anything is priced, locked for long or written. A
 * correlated subquery of the select list: even in a locking statement it is
 * a plain read and locks nothing (MySQL and MariaDB lock a subquery's rows
 * only when it says FOR UPDATE itself). Without a key it is NULL.
 */
export interface StoredAnswerLookup {
  /** A select-list expression, `… AS storedAnswer`, for a statement in which `userIdColumn` is the caller's user id. */
  column(userIdColumn: string): string;
  /** What the expression's `?`s take, in order, before the statement's own. */
  values: readonly unknown[];
  /** The answer to replay from the column's value, or undefined: none stored, run the request. 409 when the key was used with another request. */
  replay(stored: string | null | undefined): Result | undefined;
}

const HASH_LENGTH = 64;
const STATUS_LENGTH = 3;

export function storedAnswerLookup(scope: IdempotencyScope | undefined): StoredAnswerLookup {
  if (!scope) return { column: () => 'NULL AS storedAnswer', values: [], replay: () => undefined };
  return {
    // One text, hash (64) then status (3) then body: a scalar subquery returns one column.
    column: (userIdColumn) =>
      `(SELECT CONCAT(i.request_hash, i.status, i.response_body) FROM idempotency_records i
        WHERE i.user_id = ${userIdColumn} AND i.\`key\` = ? AND i.created_at >= NOW(6) - INTERVAL ? HOUR) AS storedAnswer`,
    values: [scope.key, config().IDEMPOTENCY_TTL_HOURS],
    replay: (stored) =>
      stored
        ? replayIfSame(scope, {
            requestHash: stored.slice(0, HASH_LENGTH),
            status: Number(stored.slice(HASH_LENGTH, HASH_LENGTH + STATUS_LENGTH)),
            responseBody: stored.slice(HASH_LENGTH + STATUS_LENGTH),
          })
        : undefined,
  };
}

/**
 * The work runs first and the key's record is inserted last, with the answer,
 * in the same transaction: a first request costs one extra statement. The
 * unique (user_id, key) index makes the insert the arbiter: a retry whose
 * first attempt committed fails it (after waiting for that commit, if it was
 * still running), rolls back whatever it did, and replays the stored answer.
 * A retry the rules refuse (its money already spent, say) looks for a stored
 * answer too before refusing, so a key always replays what it first got.
 */
const MAX_RUNS = 3;

/** Runs work in one database transaction (inSqlTransaction). */
export type TransactionRunner = <R>(work: (tx: SqlTx) => Promise<R>) => Promise<R>;

export async function runIdempotent(
  scope: IdempotencyScope | undefined,
  inTransaction: TransactionRunner,
  work: (tx: SqlTx) => Promise<Result>,
): Promise<Result> {
  if (!scope) return inTransaction(work);
  // Keys past their lifetime are forgotten, anyone's, a batch at a time.
  await purgeExpiredSometimes('idempotency_records');
  for (let attempt = 1; attempt <= MAX_RUNS; attempt += 1) {
    try {
      return await inTransaction(async (tx) => {
        const result = await work(tx);
        if (replays.has(result)) return result;
        await tx.execute(
          `INSERT INTO idempotency_records (id, user_id, \`key\`, route, request_hash, status, response_body, created_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, NOW(6))`,
          [randomUUID(), scope.userId, scope.key, scope.route, scope.requestHash, result.status, JSON.stringify(result.body)],
        );
        return result;
      });
    } catch (error) {
      const keyTaken = isUniqueViolation(error);
      if (!keyTaken && !(error instanceof ApiError)) throw error;
      // A caller the work itself refused (a session confirmed in the transaction, revoked since) gets no stored answer.
      if (error instanceof ApiError && error.status === 401) throw error;
      const stored = await storedResponse(scope);
      if (stored) return stored;
      if (!keyTaken) throw error;
      // The record was past its lifetime and is gone now: run again.
    }
  }
  throw new ApiError(409, 'idempotency_in_progress', 'A request with this Idempotency-Key is still in progress; retry');
}
