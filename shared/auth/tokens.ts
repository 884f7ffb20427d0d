import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { config } from '../config/config';
import { purgeExpiredSometimes } from '../db/housekeeping';
import { sqlExecute, sqlRows, type SqlTx } from '../db/sql';
import type { AuthenticatedUser } from '../auth/user';
import { unauthorized } from '../core/errors';
import { signingKey, verifyingKeys, type VerifyingKeys } from './signing-keys';

/**
 * A key is a JWT naming a session row. The signature proves we issued it; the
 * row makes logout real (revoked_at) and lets expiry be enforced server-side.
 * One algorithm, ES256: only the functions that issue keys hold the private
 * key, every other one can check a key but not make one (docs/auth.md).
 */
const ALGORITHM = 'ES256';

// Required on first use, not imported: every function loads this module with
// the request pipeline, but jsonwebtoken and the semver modules it loads (a
// measurable part of a cold start, docs/performance.md) are only needed to
// sign or verify a key, which docs and the scheduled seed never do.
let jsonwebtoken: typeof import('jsonwebtoken') | undefined;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const jwt = () => (jsonwebtoken ??= require('jsonwebtoken') as typeof import('jsonwebtoken'));

const claimsSchema = z.object({ sub: z.string(), jti: z.string() });

export async function issueToken(userId: string): Promise<string> {
  const sessionId = randomUUID();
  const ttlSeconds = config().TOKEN_TTL_SECONDS;
  // The key first: a function that cannot sign writes no session.
  const { kid, privateKey } = await signingKey();
  await purgeExpiredSometimes('sessions');
  await sqlExecute('INSERT INTO sessions (id, user_id, created_at, expires_at) VALUES (?, ?, NOW(6), NOW(6) + INTERVAL ? SECOND)', [
    sessionId,
    userId,
    ttlSeconds,
  ]);
  return jwt().sign({}, privateKey, { algorithm: ALGORITHM, keyid: kid, subject: userId, jwtid: sessionId, expiresIn: ttlSeconds });
}

// Schemes are case-insensitive (RFC 7235): old clients send `token`, others `Token` or `Bearer`.
const AUTH_HEADER = /^(?:token|bearer)\s+(\S+)$/i;

export interface Authenticated {
  user: AuthenticatedUser;
  sessionId: string;
}

/** A key whose signature checked out: it names a session, which the database has yet to confirm. */
export interface VerifiedKey {
  sessionId: string;
  userId: string;
}

/** The row checkSession reads: a session and its user, SESSION_COLUMNS of SESSION_FROM. */
export interface SessionRow {
  userId: string;
  expired: number;
  revoked: number;
  isActive: number;
  username: string;
  email: string;
  firstName: string;
  lastName: string;
  mlUuid: string;
}

/** The rows SESSION_COLUMNS names, `s` and `u`: a statement that confirms a session reads FROM this, then joins its own tables. */
export const SESSION_FROM = 'sessions s JOIN users u ON u.id = s.user_id';

export const SESSION_COLUMNS = `s.user_id AS userId, s.expires_at <= NOW(6) AS expired, s.revoked_at IS NOT NULL AS revoked, u.is_active AS isActive,
  u.username, u.email, u.first_name AS firstName, u.last_name AS lastName, u.ml_uuid AS mlUuid`;

export async function authenticate(header: string | undefined): Promise<Authenticated> {
  const key = await verifyKeyHeader(header);
  // The session and its user in one read: every authenticated request pays for it.
  return { sessionId: key.sessionId, user: await new SessionToConfirm(key).confirmAlone() };
}

/** The Authorization header's key, its signature and expiry checked; no database read. */
export async function verifyKeyHeader(header: string | undefined): Promise<VerifiedKey> {
  if (!header) throw unauthorized('Authentication credentials were not provided');
  const key = AUTH_HEADER.exec(header.trim())?.[1];
  if (!key) throw unauthorized('Authorization header must be "token <key>"');
  const claims = verifyKey(key, await verifyingKeys());
  return { sessionId: claims.jti, userId: claims.sub };
}

/** Whether the session row (absent when no such session exists) lets this key in: its user, or the 401 that says why not. */
export function checkSession(key: VerifiedKey, session: SessionRow | undefined): AuthenticatedUser {
  if (!session || session.userId !== key.userId) throw unauthorized('Invalid token');
  if (session.revoked) throw unauthorized('Token has been revoked');
  if (session.expired) throw unauthorized('Token has expired');
  if (!session.isActive) throw unauthorized('User inactive or deleted');
  const { userId: id, username, email, firstName, lastName, mlUuid } = session;
  return { id, username, email, firstName, lastName, mlUuid };
}

type Claims = z.infer<typeof claimsSchema>;

/**
 * Keys whose signature checked out, until they expire: a client sends the
 * same key with every request, and checking an ES256 signature and its
 * claims again costs more than the rest of a cheap read. Keyed by the whole
 * key and the key set it was checked against, so a new set starts afresh;
 * only keys we signed get in, at most MAX_VERIFIED_KEYS of them. The session
 * row is still read for every request: a revoked key is refused as before.
 */
const verifiedKeys = new Map<string, { claims: Claims; keys: VerifyingKeys; expiresAtMs: number }>();
const MAX_VERIFIED_KEYS = 1000;

function verifyKey(key: string, keys: VerifyingKeys): Claims {
  const known = verifiedKeys.get(key);
  if (known && known.keys === keys && known.expiresAtMs > Date.now()) return known.claims;
  verifiedKeys.delete(key);
  const { claims, expiresAtMs } = checkSignature(key, keys);
  if (verifiedKeys.size >= MAX_VERIFIED_KEYS) verifiedKeys.delete(verifiedKeys.keys().next().value!);
  verifiedKeys.set(key, { claims, keys, expiresAtMs });
  return claims;
}

/**
 * The header we write, and nothing else: our one algorithm and a `kid`. A
 * key that names another algorithm (`none`, HS256 keyed with a public key),
 * carries its own key (`jwk`, `jku`, `x5u`, `x5c`) or names none is refused
 * before any signature is checked, whatever the library would make of it.
 */
const headerSchema = z.strictObject({ alg: z.literal(ALGORITHM), typ: z.literal('JWT').optional(), kid: z.string() });

function headerKid(key: string): string | undefined {
  const dot = key.indexOf('.');
  if (dot < 1) return undefined;
  try {
    const header = headerSchema.safeParse(JSON.parse(Buffer.from(key.slice(0, dot), 'base64url').toString('utf8')));
    return header.success ? header.data.kid : undefined;
  } catch {
    return undefined;
  }
}

function checkSignature(key: string, keys: VerifyingKeys): { claims: Claims; expiresAtMs: number } {
  const kid = headerKid(key);
  const publicKey = kid === undefined ? undefined : keys.get(kid);
  if (!publicKey) throw unauthorized('Invalid token');
  try {
    const payload = jwt().verify(key, publicKey, { algorithms: [ALGORITHM] }) as { exp?: unknown };
    // Every key we sign expires; one that does not is checked each time rather than kept.
    return { claims: claimsSchema.parse(payload), expiresAtMs: typeof payload.exp === 'number' ? payload.exp * 1000 : 0 };
  } catch (error) {
    if (error instanceof jwt().TokenExpiredError) throw unauthorized('Token has expired');
    throw unauthorized('Invalid token');
  }
}

/**
 * Stamped with SYSDATE(6), the moment the row is updated, as money moves
 * stamp theirs: a top-up that held the session's lock commits before this
 * update runs, so every move the session made is dated before its revocation.
 * NOW(6) would be the statement's start, before any wait for that lock.
 */
export async function revokeSession(sessionId: string): Promise<void> {
  await sqlExecute('UPDATE sessions SET revoked_at = SYSDATE(6) WHERE id = ? AND revoked_at IS NULL', [sessionId]);
}

/**
 * The session of a request whose handler confirms it itself, in its own first
 * statement, joined with the rows that statement reads or locks anyway (GET
 * /wallets/: the wallets; a top-up: the user's and the wallet's rows, locked)
 * instead of the pipeline's read before it: one statement fewer. The pipeline
 * only verifies the key's signature, and answers nothing but an error unless
 * `confirm` ran (shared/http/http-function). A locking read (FOR UPDATE) locks
 * the session row too: only a logout of this very session waits for it.
 *
 * Confirmation counts per database transaction: a transaction commits only if
 * a statement inside it confirmed the session (`confirm(row, tx)`), so a
 * logout that lands between a plain read and a write is seen by the write.
 */
export class SessionToConfirm {
  #user: AuthenticatedUser | undefined;
  readonly #transactions = new WeakSet<SqlTx>();

  constructor(readonly key: VerifiedKey) {}

  /**
   * checkSession on the row the handler's statement read (SESSION_COLUMNS of
   * SESSION_FROM); `tx`, when that statement ran in a transaction.
   */
  confirm(row: SessionRow | undefined, tx?: SqlTx): AuthenticatedUser {
    this.#user = checkSession(this.key, row);
    if (tx) this.#transactions.add(tx);
    return this.#user;
  }

  /** Whether any statement of the request confirmed the session. */
  get confirmed(): boolean {
    return this.#user !== undefined;
  }

  /** Whether a statement of this transaction confirmed the session. */
  confirmedIn(tx: SqlTx): boolean {
    return this.#transactions.has(tx);
  }

  /**
   * The session read on its own, for an error the handler met before it
   * confirmed the session: a refused key must learn nothing but its 401, not
   * what the handler would have refused it for.
   */
  async confirmAlone(): Promise<AuthenticatedUser> {
    const [row] = await sqlRows<SessionRow>(`SELECT ${SESSION_COLUMNS} FROM ${SESSION_FROM} WHERE s.id = ?`, [this.key.sessionId]);
    return this.confirm(row);
  }
}
