import { createHash } from 'node:crypto';
import { config } from '../config/config';
import { db, Prisma, type Tx } from '../db/client';
import { purgeExpired } from '../db/housekeeping';
import { inTransaction, type TransactionOptions } from '../db/transactions';
import { ApiError } from './errors';
import type { Result } from './endpoint';

/**
 * Idempotency-Key (SPEC §2), per user, kept IDEMPOTENCY_TTL_HOURS (≥ 24 h).
 * The key is claimed by inserting its row inside the request's own transaction:
 * a concurrent retry blocks on the unique (user_id, key) index until the first
 * commits, then fails its insert and replays what the first one stored. Only
 * successful responses are stored; a refused request can be retried.
 */
const KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;

export interface IdempotencyScope {
  userId: string;
  key: string;
  route: string;
  requestHash: string;
}

export function idempotencyScope(
  header: string | string[] | undefined,
  userId: string,
  route: string,
  body: unknown,
): IdempotencyScope | undefined {
  if (header === undefined) return undefined;
  const key = Array.isArray(header) ? header[0] : header;
  if (!KEY_PATTERN.test(key)) {
    throw new ApiError(400, 'invalid_request', 'Invalid Idempotency-Key header: 1 to 255 printable ASCII characters', [
      { field: 'Idempotency-Key', message: 'must be 1 to 255 printable ASCII characters' },
    ]);
  }
  const requestHash = createHash('sha256').update(`${route}\n${canonicalJson(body)}`).digest('hex');
  return { userId, key, route, requestHash };
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

class KeyAlreadyClaimed extends Error {}

/** The stored answer for this key, or undefined when the request must run. */
export async function storedResponse(scope: IdempotencyScope): Promise<Result | undefined> {
  // Keys past their lifetime are forgotten, anyone's, a batch at a time.
  const cutoff = new Date(Date.now() - config().IDEMPOTENCY_TTL_HOURS * 3600_000);
  await purgeExpired('idempotency_records', cutoff);
  const record = await db().idempotencyRecord.findUnique({
    where: { userId_key: { userId: scope.userId, key: scope.key } },
  });
  if (!record) return undefined;
  if (record.createdAt < cutoff) {
    // Past its lifetime but not in the purged batch: forget it now.
    await db().idempotencyRecord.deleteMany({ where: { id: record.id } });
    return undefined;
  }
  if (record.requestHash !== scope.requestHash) {
    throw new ApiError(409, 'idempotency_key_reused', 'This Idempotency-Key was already used with a different request', [
      { field: 'Idempotency-Key', message: 'was used with another request body or route' },
    ]);
  }
  return { status: record.status, raw: { contentType: 'application/json', payload: record.responseBody } };
}

export async function runIdempotent(
  scope: IdempotencyScope | undefined,
  work: (tx: Tx) => Promise<Result>,
  options?: TransactionOptions,
): Promise<Result> {
  if (!scope) return inTransaction(work, options);
  const replay = await storedResponse(scope);
  if (replay) return replay;
  try {
    return await inTransaction(async (tx) => {
      try {
        await tx.idempotencyRecord.create({
          data: { userId: scope.userId, key: scope.key, route: scope.route, requestHash: scope.requestHash, status: 0, responseBody: '' },
        });
      } catch (error) {
        if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002') throw new KeyAlreadyClaimed();
        throw error;
      }
      const result = await work(tx);
      await tx.idempotencyRecord.update({
        where: { userId_key: { userId: scope.userId, key: scope.key } },
        data: { status: result.status, responseBody: JSON.stringify(result.body) },
      });
      return result;
    }, options);
  } catch (error) {
    if (!(error instanceof KeyAlreadyClaimed)) throw error;
    const stored = await storedResponse(scope);
    if (!stored) throw new ApiError(409, 'idempotency_in_progress', 'A request with this Idempotency-Key is still in progress; retry');
    return stored;
  }
}
