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

export interface HandlerContext<P, Q, B> {
  /** The registry path pattern that matched, for a function serving several. */
  route: string;
  params: P;
  query: Q;
  body: B;
  /** Present when the function's auth is 'user', unless the endpoint confirmsSessionItself. */
  user: AuthenticatedUser;
  sessionId: string;
  /** Present when the endpoint confirmsSessionItself: the caller's key, its session still to confirm. */
  unconfirmedSession: SessionToConfirm;
  headers: Record<string, string | string[] | undefined>;
  requestId: string;
  log: Logger;
  /**
   * Runs `work` in one database transaction on the driver (shared/db/sql;
   * again, whole, if the database picked it as a deadlock victim). When the
   * request carried an Idempotency-Key, the answer is stored under the key at
   * the end of that same transaction (shared/http/idempotency), so money moves
   * at most once per key.
   */
  sqlTransaction(work: (tx: SqlTx) => Promise<Result>): Promise<Result>;
  /**
   * The answer stored under the request's Idempotency-Key, for the handler's
   * first statement to read along with the session (./idempotency); a NULL
   * column when no key was sent.
   */
  storedAnswer: StoredAnswerLookup;
  /**
   * For a refusal reached before any transaction: the answer stored under the
   * request's Idempotency-Key, if a first attempt succeeded, else `refusal`
   * thrown, so a key always replays what it first got.
   */
  replayOrRefuse(refusal: unknown): Promise<Result>;
}

export interface Endpoint<P = unknown, Q = unknown, B = unknown> {
  summary: string;
  description?: string;
  params?: z.ZodType<P>;
  query?: z.ZodType<Q>;
  body?: z.ZodType<B>;
  bodyExample?: unknown;
  /** Honours the Idempotency-Key header (SPEC §2). */
  idempotent?: boolean;
  /**
   * The handler confirms the caller's session in its own first statement
   * (see SessionToConfirm) rather than the pipeline reading it first.
   */
  confirmsSessionItself?: boolean;
  responses: Record<number, ResponseDoc>;
  handle(ctx: HandlerContext<P, Q, B>): Promise<Result>;
}

/** Keeps P, Q and B inferred from the schemas, so handlers get typed input. */
export function defineEndpoint<P = Record<string, never>, Q = Record<string, never>, B = undefined>(endpoint: Endpoint<P, Q, B>): Endpoint<P, Q, B> {
  return endpoint;
}

export interface DeploySettings {
  memory: string;
  timeoutSeconds: number;
  concurrency: number;
  maxInstances: number;
  /** Instances kept warm; when absent, the deploy's MIN_INSTANCES setting decides (infra/settings.ts). */
  minInstances?: number;
  /** Needs Cloud SQL and the JWT secret (everything but the docs). */
  database: boolean;
  /** Calls the ML service (ML_SERVICE_URL). */
  ml: boolean;
}

export interface FunctionDefinition {
  name: string;
  methods: HttpMethod[];
  /** OpenAPI-style pattern with `{param}` segments and the trailing slash clients send. */
  paths: string[];
  auth: AuthKind;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  endpoint: Endpoint<any, any, any>;
  deploy?: Partial<DeploySettings>;
  /**
   * This function's request deadline, instead of REQUEST_DEADLINE_MS: for a
   * batch job no client waits on (the scheduled seed), inside its Cloud Run timeout.
   */
  deadlineMs?: number;
}
