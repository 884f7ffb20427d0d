import { randomUUID } from 'node:crypto';
import type { Request, Response } from '@google-cloud/functions-framework';
import { config } from '../config/config';
import { applyCors } from './cors';
import type { Result } from './endpoint';
import { toApiError } from './error-mapping';
import { ApiError } from './errors';
import { createLogger, type Logger } from './logging';

/**
 * The start and end every request shares, whoever answers it — a function's
 * pipeline, the local router, or the framework-level error handler: a request
 * id, CORS headers, the response, and exactly one JSON log line.
 */
const REQUEST_ID = /^[\w.:-]{1,128}$/;

export interface RequestScope {
  requestId: string;
  log: Logger;
  started: bigint;
  /** Set once authenticated, for the log line. */
  userId?: string;
}

export function beginRequest(req: Request, res: Response, functionName: string | undefined, corsMethods: readonly string[]): RequestScope {
  const incomingId = req.get('x-request-id');
  const requestId = incomingId && REQUEST_ID.test(incomingId) ? incomingId : randomUUID();
  const trace = req.get('x-cloud-trace-context')?.split('/')[0];
  const project = process.env.GOOGLE_CLOUD_PROJECT;
  const log = createLogger({
    requestId,
    ...(functionName ? { function: functionName } : {}),
    ...(trace && project ? { 'logging.googleapis.com/trace': `projects/${project}/traces/${trace}` } : {}),
  });
  res.set('X-Request-Id', requestId);
  try {
    applyCors(req, res, config().ALLOWED_ORIGINS, corsMethods);
  } catch {
    // A configuration problem is reported by the request itself; CORS is not worth failing over.
  }
  return { requestId, log, started: process.hrtime.bigint() };
}

/** What an error becomes on the wire, and what the log keeps of it (a 5xx's cause, never sent). */
export function errorResult(error: unknown): { result: Result; logged?: unknown } {
  const apiError = toApiError(error);
  return {
    result: { status: apiError.status, body: apiError.toBody(), headers: apiError.headers },
    // A 5xx's cause, and a database refusal answered as a 4xx (a CHECK constraint: a race the code did not foresee).
    logged: apiError.status >= 500 || !(error instanceof ApiError) ? describeError(error) : undefined,
  };
}

export function endRequest(req: Request, res: Response, scope: RequestScope, result: Result, logged?: unknown): void {
  send(res, result);
  const latencyMs = Number(process.hrtime.bigint() - scope.started) / 1e6;
  scope.log[result.status >= 500 ? 'error' : 'info'](`${req.method} ${req.path} ${result.status}`, {
    httpRequest: {
      requestMethod: req.method,
      requestUrl: req.originalUrl,
      status: result.status,
      latency: `${(latencyMs / 1000).toFixed(3)}s`,
      userAgent: req.get('user-agent'),
    },
    userId: scope.userId,
    ...(logged === undefined ? {} : { error: logged }),
  });
}

function send(res: Response, result: Result): void {
  if (res.headersSent) return;
  for (const [name, value] of Object.entries(result.headers ?? {})) res.set(name, value);
  res.status(result.status);
  if (result.raw) {
    res.type(result.raw.contentType).send(result.raw.payload);
  } else if (result.body === undefined || result.status === 204) {
    res.end();
  } else {
    res.type('application/json').send(JSON.stringify(result.body));
  }
}

/** For the logs only: the error, its stack and whatever caused it. */
function describeError(error: unknown): unknown {
  if (!(error instanceof Error)) return String(error);
  const redact = isDatabaseError(error) ? withoutQuotedValues : (text: string) => text;
  return {
    name: error.name,
    message: redact(error.message),
    stack: error.stack === undefined ? undefined : redact(error.stack),
    cause: error.cause === undefined ? undefined : describeError(error.cause),
  };
}

/**
 * The server quotes values in some of its messages (`Duplicate entry
 * '4111…' for key …`, `Incorrect decimal value: '…'`); bound values never
 * reach a database error at all (the driver's logParam is off). Every quoted
 * literal of a database error's text is blanked, names and all.
 */
const isDatabaseError = (error: Error) => 'sqlState' in error || typeof (error as { errno?: unknown }).errno === 'number' || error.name.startsWith('Prisma');
const withoutQuotedValues = (text: string) => text.replace(/'(?:[^'\\]|\\.|'')*'/g, "'…'");
