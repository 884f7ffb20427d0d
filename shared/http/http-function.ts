import type { HttpFunction, Request, Response } from '@google-cloud/functions-framework';
import { authenticate, SessionToConfirm, verifyKeyHeader, type Authenticated } from '../auth/tokens';
import { config } from '../config/config';
import { startDeadline, type RequestDeadline } from '../deadline/deadline';
import { inSqlTransaction, type SqlTx } from '../db/sql';
import type { FunctionDefinition, HttpMethod } from './endpoint';
import type { Result } from '../core/result';
import { ApiError, notFound } from '../core/errors';
import { idempotencyScope, runIdempotent, storedAnswerLookup, storedResponse } from '../idempotency/idempotency';
import { checkJsonLimits } from './json-limits';
import { clientAddressOf } from './client-address';
import { commitOutcomeUnknown } from './error-mapping';
import { beginRequest, endRequest, errorResult, type LoggedError, type RequestScope } from './request-lifecycle';
import { compilePath } from './route-path';
import { parseInput } from './validation';

/**
 * Turns a registry entry into the function the framework calls: route and
 * method check, CORS, auth, zod parsing of path/query/body, the handler, and
 * one JSON log line — the same steps, in the same order, for every endpoint.
 */
const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH']);

export interface HttpFunctionOptions {
  /**
   * Every method served at this function's paths, by it or by a sibling
   * function (GET and POST /wallets/ are two functions): a CORS preflight may
   * reach either, and must allow both.
   */
  corsMethods?: readonly string[];
}

export function toHttpFunction(definition: FunctionDefinition, options: HttpFunctionOptions = {}): HttpFunction {
  const paths = definition.paths.map(compilePath);
  const corsMethods = options.corsMethods ?? definition.methods;

  return async (req: Request, res: Response) => {
    const scope = beginRequest(req, res, definition.name, corsMethods);
    let result: Result;
    let logged: LoggedError | undefined;

    let deadline: RequestDeadline | undefined;
    try {
      deadline = startDeadline(definition.deadlineMs ?? config().REQUEST_DEADLINE_MS);
      result = await deadline.run(() => answer(req, scope));
    } catch (error) {
      // A COMMIT was lost or left in flight: whatever failed after it, the client must settle it with its Idempotency-Key.
      ({ result, logged } = errorResult(deadline?.commitOutcomeUnknown ? commitOutcomeUnknown(error) : error));
    }
    endRequest(req, res, scope, result, logged);
  };

  async function answer(req: Request, scope: RequestScope): Promise<Result> {
    const matched = paths.map((path) => ({ route: path.pattern, params: path.match(req.path) })).find((found) => found.params);
    if (!matched?.params) throw new ApiError(404, 'not_found', `Unknown route ${req.method} ${req.path}`);
    const rawParams = matched.params;
    if (req.method === 'OPTIONS') {
      return { status: 204 };
    } else {
      if (!(definition.methods as string[]).includes(req.method)) throw methodNotAllowed(req.method, definition.methods);

      const { endpoint } = definition;
      let identity: Authenticated | undefined;
      let unconfirmed: SessionToConfirm | undefined;
      if (definition.auth === 'user') {
        // Behind API Gateway, Authorization carries the gateway's own Google
        // ID token and the client's header arrives as X-Forwarded-Authorization.
        const header = req.get('x-forwarded-authorization') ?? req.get('authorization');
        if (endpoint.session === 'handler') unconfirmed = new SessionToConfirm(await verifyKeyHeader(header));
        else identity = await authenticate(header);
        scope.userId = unconfirmed?.key.userId ?? identity?.user.id;
      } else if (definition.auth === 'scheduler') {
        // Loaded here: only the scheduled function needs Google's token library.
        const { authenticateScheduler } = await import('../auth/scheduler');
        await authenticateScheduler(req.get('authorization'));
      }

      const params = endpoint.params ? parseParams(endpoint.params, rawParams) : {};
      const query = endpoint.query ? parseInput(endpoint.query, req.query ?? {}, 'query') : {};
      const bodySchema = endpoint.bodyByMethod?.[req.method as HttpMethod] ?? endpoint.body;
      const body = bodySchema && BODY_METHODS.has(req.method) ? parseInput(bodySchema, readBody(req), 'body') : undefined;

      // Scoped by the route pattern and the parsed parameters, not the raw path:
      // /wallets/ABC…/ and /wallets/abc…/ are one wallet, one request.
      const idempotency =
        endpoint.idempotent && scope.userId
          ? idempotencyScope(req.headers['idempotency-key'], scope.userId, `${req.method} ${matched.route}`, { params, body: req.body })
          : undefined;
      const request = {
        route: matched.route,
        params,
        query,
        body,
        headers: req.headers,
        clientAddress: clientAddressOf(req.get('x-forwarded-for'), req.socket.remoteAddress, config().CLIENT_ADDRESS_HOPS),
        requestId: scope.requestId,
        log: scope.log,
        sqlTransaction: (work: (tx: SqlTx) => Promise<Result>) =>
          runIdempotent(idempotency, inSqlTransaction, unconfirmed ? confirmedBeforeCommit(work, unconfirmed, definition.name) : work),
        storedAnswer: storedAnswerLookup(idempotency),
        replayOrRefuse: async (refusal: unknown) => {
          const stored = idempotency && (await storedResponse(idempotency));
          if (stored) return stored;
          throw refusal;
        },
      };
      // Each session mode gets what it is entitled to and nothing else (SessionMode).
      const context = identity
        ? { ...request, user: identity.user, sessionId: identity.sessionId }
        : unconfirmed
          ? { ...request, unconfirmedSession: unconfirmed }
          : request;
      let result: Result;
      try {
        result = await endpoint.handle(context);
      } catch (error) {
        // Unconfirmed, or a transaction that wrote without confirming: the key is checked before anything is said.
        throw unconfirmed && (!unconfirmed.confirmed || error instanceof UnconfirmedSession) ? await refusalOr(error, unconfirmed) : error;
      }
      // Fails closed: a handler that forgot to confirm the session must not let a revoked key through.
      if (unconfirmed && !unconfirmed.confirmed)
        throw await refusalOr(new UnconfirmedSession(`${definition.name} answered without confirming the caller's session`), unconfirmed);
      return result;
    }
  }
}

/** A handler's bug, never a client's: it answered, or wrote, without confirming the session where it had to. */
class UnconfirmedSession extends Error {}

/**
 * A transaction whose own statements did not confirm the caller's session
 * rolls back: nothing a refused key sent may be written, and a confirmation
 * by an earlier read does not cover a logout that landed since.
 */
function confirmedBeforeCommit<T>(work: (tx: SqlTx) => Promise<T>, session: SessionToConfirm, name: string): (tx: SqlTx) => Promise<T> {
  return async (tx) => {
    const result = await work(tx);
    if (!session.confirmedIn(tx)) throw new UnconfirmedSession(`${name} wrote in a transaction that did not confirm the caller's session`);
    return result;
  };
}

/**
 * What a handler that failed before confirming the session answers: its
 * session is read then, and a refused key gets the 401 that says why, never
 * the handler's own error (a 422 would tell a logged-out key about the
 * wallets). A live session gets the error; when the session cannot be read,
 * the read's own failure (a 503), not the handler's error.
 */
async function refusalOr(error: unknown, session: SessionToConfirm): Promise<unknown> {
  if (error instanceof ApiError && error.status === 401) return error;
  try {
    await session.confirmAlone();
  } catch (refusal) {
    return refusal;
  }
  return error;
}

export function methodNotAllowed(method: string, allowed: readonly string[]): ApiError {
  return new ApiError(405, 'method_not_allowed', `Method ${method} is not allowed here`, [], { Allow: allowed.join(', ') });
}

/** A path parameter that cannot name anything (a malformed UUID) is simply not found. */
function parseParams<P>(schema: NonNullable<FunctionDefinition['endpoint']['params']>, raw: Record<string, string>): P {
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw notFound();
  return parsed.data as P;
}

/** The parsed body; its size was held to MAX_BODY_BYTES before anything read it (./body-limit). */
function readBody(req: Request): unknown {
  const size = req.rawBody?.length ?? Number(req.get('content-length') ?? 0);
  if (size === 0) return undefined;
  if (!req.is('application/json')) {
    throw new ApiError(415, 'unsupported_media_type', 'Request body must be JSON (Content-Type: application/json)');
  }
  // Before validation, hashing or logging walks it.
  checkJsonLimits(req.body);
  return req.body;
}
