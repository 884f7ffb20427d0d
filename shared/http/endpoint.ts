import type { z } from 'zod';
import type { SessionToConfirm } from '../auth/tokens';
import type { AuthenticatedUser } from '../auth/user';
import type { Result } from '../core/result';
import type { SqlTx } from '../db/sql';
import type { StoredAnswerLookup } from '../idempotency/idempotency';
import type { Logger } from '../core/logging';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** Who may call a function: a logged-in user, Cloud Scheduler, or anyone. */
export type AuthKind = 'user' | 'scheduler' | 'public';

export interface ResponseDoc {
  description: string;
  schema?: z.ZodType;
  example?: unknown;
}

/**
 * Who confirms the caller's session, which decides what a handler is given:
 * - `pipeline`: the request pipeline reads the session before the handler
 *   runs, and hands it `user` (most endpoints of a logged-in user);
 * - `handler`: the handler confirms it in its own first statement, joined
 *   with the rows it reads or locks anyway (`unconfirmedSession`, see
 *   SessionToConfirm): the reads that need one statement, every money move;
 * - `none`: there is no session (login, docs, the scheduled seed).
 * The registry's `auth` must agree: `user` for the first two, else `public`
 * or `scheduler`.
 */
export type SessionMode = 'pipeline' | 'handler' | 'none';

interface RequestContext<P, Q, B> {
  /** The registry path pattern that matched, for a function serving several. */
  route: string;
  params: P;
  query: Q;
  body: B;
  headers: Record<string, string | string[] | undefined>;
  /** The client's address as Google's front end saw it (./client-address): for per-client limits, never for logs. */
  clientAddress: string;
  requestId: string;
  log: Logger;
  /**
   * Runs `work` in one database transaction on the driver (shared/db/sql;
   * again, whole, if the database picked it as a deadlock victim). When the
   * request carried an Idempotency-Key, the answer is stored under the key at
   * the end of that same transaction (shared/idempotency), so money moves at
   * most once per key.
   */
  sqlTransaction(work: (tx: SqlTx) => Promise<Result>): Promise<Result>;
  /**
   * The answer stored under the request's Idempotency-Key, for the handler's
   * first statement to read along with the session; a NULL column when no
   * key was sent.
   */
  storedAnswer: StoredAnswerLookup;
  /**
   * For a refusal reached before any transaction: the answer stored under the
   * request's Idempotency-Key, if a first attempt succeeded, else `refusal`
   * thrown, so a key always replays what it first got.
   */
  replayOrRefuse(refusal: unknown): Promise<Result>;
}

/** What a handler of each session mode is given. */
export type HandlerContext<P, Q, B, S extends SessionMode = SessionMode> = RequestContext<P, Q, B> &
  (S extends 'pipeline'
    ? { user: AuthenticatedUser; sessionId: string }
    : S extends 'handler'
      ? { unconfirmedSession: SessionToConfirm }
      : Record<never, never>);

export interface Endpoint<P = unknown, Q = unknown, B = unknown, S extends SessionMode = SessionMode> {
  /** Who confirms the caller's session (see SessionMode). */
  session: S;
  summary: string;
  description?: string;
  params?: z.ZodType<P>;
  query?: z.ZodType<Q>;
  body?: z.ZodType<B>;
  /**
   * Where methods of one function take different bodies, the body of each
   * that differs from `body` (PUT auth/user/ wants every required field,
   * PATCH only those it changes).
   */
  bodyByMethod?: Partial<Record<HttpMethod, z.ZodType<B>>>;
  bodyExample?: unknown;
  /** Honours the Idempotency-Key header (SPEC §2). */
  idempotent?: boolean;
  responses: Record<number, ResponseDoc>;
  handle(ctx: HandlerContext<P, Q, B, S>): Promise<Result>;
}

/** Keeps P, Q and B inferred from the schemas, and S from `session`, so handlers get typed input and context. */
export function defineEndpoint<P = Record<string, never>, Q = Record<string, never>, B = undefined, S extends SessionMode = SessionMode>(
  endpoint: Endpoint<P, Q, B, S>,
): Endpoint<P, Q, B, S> {
  return endpoint;
}

export interface DeploySettings {
  memory: string;
  timeoutSeconds: number;
  concurrency: number;
  maxInstances: number;
  /** Instances kept warm; when absent, the deploy's MIN_INSTANCES setting decides (infra/settings.ts). */
  minInstances?: number;
  /** Needs Cloud SQL and the public keys that check API keys (everything but the docs). */
  database: boolean;
  /** Issues API keys: gets the signing private key as SIGNING_PRIVATE_KEY (shared/auth/tokens issueToken), and a service account of its own (docs/auth.md). */
  signs: boolean;
  /** Makes or checks password-reset links: gets the password-reset-key secret as PASSWORD_RESET_KEY. */
  resetKey: boolean;
  /** Calls the ML service (ML_SERVICE_URL). */
  ml: boolean;
  /** Hashes card numbers: gets the card-hmac-key secret as CARD_HMAC_KEY (shared/cards). */
  cardKey: boolean;
  /** Sends e-mail (SMTP_URL, mounted from Secret Manager for these functions only). */
  mail: boolean;
}

export interface FunctionDefinition {
  name: string;
  methods: HttpMethod[];
  /** OpenAPI-style pattern with `{param}` segments and the trailing slash clients send. */
  paths: string[];
  auth: AuthKind;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  endpoint: Endpoint<any, any, any, any>;
  deploy?: Partial<DeploySettings>;
  /**
   * Not part of the API clients call: left out of the OpenAPI document they
   * generate SDKs from (the scheduled seed; the docs serving that document).
   */
  internal?: true;
  /**
   * This function's request deadline, instead of REQUEST_DEADLINE_MS: for a
   * batch job no client waits on (the scheduled seed), inside its Cloud Run timeout.
   */
  deadlineMs?: number;
}
