import { randomUUID } from 'node:crypto';
import type { HttpFunction, Request, Response } from '@google-cloud/functions-framework';
import { authenticate } from '../auth/tokens';
import { authenticateScheduler } from '../auth/scheduler';
import { config } from '../config/config';
import { db } from '../db/client';
import { toJson } from '../money/json-number';
import { applyCors } from './cors';
import type { FunctionDefinition, HandlerContext, Result, TransactionOptions } from './endpoint';
import { ApiError, notFound } from './errors';
import { idempotencyScope, runIdempotent } from './idempotency';
import { createLogger } from './logging';
import { toApiError } from './error-mapping';
import { compilePath } from './route-path';
import { parseInput } from './validation';

/**
 * Turns a registry entry into the function the framework calls: route and
 * method check, CORS, auth, zod parsing of path/query/body, the handler, and
 * one JSON log line — the same steps, in the same order, for every endpoint.
 */
const REQUEST_ID = /^[\w.:-]{1,128}$/;
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
  const { endpoint } = definition;
  const corsMethods = options.corsMethods ?? definition.methods;

  return async (req: Request, res: Response) => {
    const started = process.hrtime.bigint();
    const incomingId = req.get('x-request-id');
    const requestId = incomingId && REQUEST_ID.test(incomingId) ? incomingId : randomUUID();
    const trace = req.get('x-cloud-trace-context')?.split('/')[0];
    const log = createLogger({
      requestId,
      function: definition.name,
      ...(trace && process.env.GOOGLE_CLOUD_PROJECT
        ? { 'logging.googleapis.com/trace': `projects/${process.env.GOOGLE_CLOUD_PROJECT}/traces/${trace}` }
        : {}),
    });
    res.set('X-Request-Id', requestId);
    let userId: string | undefined;
    let result: Result;

    try {
      const settings = config();
      applyCors(req, res, settings.ALLOWED_ORIGINS, corsMethods);

      const matched = paths.map((path) => ({ route: path.pattern, params: path.match(req.path) })).find((found) => found.params);
      if (!matched?.params) throw new ApiError(404, 'not_found', `Unknown route ${req.method} ${req.path}`);
      const rawParams = matched.params;
      if (req.method === 'OPTIONS') {
        result = { status: 204 };
      } else {
        if (!(definition.methods as string[]).includes(req.method)) {
          throw new ApiError(405, 'method_not_allowed', `Method ${req.method} is not allowed here`, [], {
            Allow: definition.methods.join(', '),
          });
        }

        let identity: Awaited<ReturnType<typeof authenticate>> | undefined;
        if (definition.auth === 'user') {
          // Behind API Gateway, Authorization carries the gateway's own Google
          // ID token and the client's header arrives as X-Forwarded-Authorization.
          identity = await authenticate(req.get('x-forwarded-authorization') ?? req.get('authorization'));
          userId = identity.user.id;
        } else if (definition.auth === 'scheduler') {
          await authenticateScheduler(req.get('authorization'));
        }

        const params = endpoint.params ? parseParams(endpoint.params, rawParams) : {};
        const query = endpoint.query ? parseInput(endpoint.query, req.query ?? {}, 'query') : {};
        const body = endpoint.body && BODY_METHODS.has(req.method) ? parseInput(endpoint.body, readBody(req, settings.MAX_BODY_BYTES), 'body') : undefined;

        const scope =
          endpoint.idempotent && identity
            ? idempotencyScope(req.headers['idempotency-key'], identity.user.id, `${req.method} ${req.path.replace(/\/?$/, '/')}`, req.body)
            : undefined;
        const transaction = (work: Parameters<HandlerContext<unknown, unknown, unknown>['transaction']>[0], options?: TransactionOptions) =>
          // Generous waits: under a burst, requests queue for the wallet row lock
          // and for one of the pool's few connections instead of failing.
          db().$transaction(work, { maxWait: 10_000, timeout: 20_000, ...options });

        const context: HandlerContext<unknown, unknown, unknown> = {
          route: matched.route,
          params,
          query,
          body,
          user: identity?.user as HandlerContext<unknown, unknown, unknown>['user'],
          sessionId: identity?.sessionId ?? '',
          headers: req.headers,
          requestId,
          log,
          transaction: (work, options) => runIdempotent(scope, (inner) => transaction(inner, options), work),
        };
        result = await endpoint.handle(context);
      }
    } catch (error) {
      const apiError = toApiError(error);
      if (apiError.status >= 500) {
        log.error(apiError.message, { error: describeError(error) });
      }
      result = { status: apiError.status, body: apiError.toBody(), headers: apiError.headers };
    }

    send(res, result);
    const latencyMs = Number(process.hrtime.bigint() - started) / 1e6;
    log[result.status >= 500 ? 'error' : 'info'](`${req.method} ${req.path} ${result.status}`, {
      httpRequest: {
        requestMethod: req.method,
        requestUrl: req.originalUrl,
        status: result.status,
        latency: `${(latencyMs / 1000).toFixed(3)}s`,
        userAgent: req.get('user-agent'),
      },
      userId,
    });
  };
}

/** For the logs only: the error, its stack and whatever caused it. */
function describeError(error: unknown): unknown {
  if (!(error instanceof Error)) return String(error);
  return { name: error.name, message: error.message, stack: error.stack, cause: error.cause === undefined ? undefined : describeError(error.cause) };
}

/** A path parameter that cannot name anything (a malformed UUID) is simply not found. */
function parseParams<P>(schema: NonNullable<FunctionDefinition['endpoint']['params']>, raw: Record<string, string>): P {
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw notFound();
  return parsed.data as P;
}

function readBody(req: Request, maxBytes: number): unknown {
  const size = req.rawBody?.length ?? Number(req.get('content-length') ?? 0);
  if (size > maxBytes) throw new ApiError(413, 'payload_too_large', `Request body must be at most ${maxBytes} bytes`);
  if (size === 0) return undefined;
  if (!req.is('application/json')) {
    throw new ApiError(415, 'unsupported_media_type', 'Request body must be JSON (Content-Type: application/json)');
  }
  return req.body;
}

function send(res: Response, result: Result): void {
  for (const [name, value] of Object.entries(result.headers ?? {})) res.set(name, value);
  res.status(result.status);
  if (result.raw) {
    res.type(result.raw.contentType).send(result.raw.payload);
  } else if (result.body === undefined || result.status === 204) {
    res.end();
  } else {
    res.type('application/json').send(toJson(result.body));
  }
}
