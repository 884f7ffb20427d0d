import { randomUUID } from 'node:crypto';
import type { Request, Response } from '@google-cloud/functions-framework';
import { config } from '../config/config';
import { applyCors } from './cors';
import type { Result } from '../core/result';
import { toApiError } from './error-mapping';
import { ApiError } from '../core/errors';
import { createLogger, type Logger } from '../core/logging';
import { setSecurityHeaders } from './security-headers';
import { frontEndTraceContext, traceLogFields } from './trace-context';

/**
 * The start and end every request shares, whoever answers it — a function's
 * pipeline, the local router, or the framework-level error handler: a request
 * id, the security and CORS headers, the response, and exactly one JSON log line.
 *
 * The request id is always ours, a fresh UUID: a client's X-Request-Id is
 * logged under `clientRequestId` (cut to 128 characters of [A-Za-z0-9_.:-],
 * anything else replaced), so two lines can never share an id by a client's
 * choice. The trace comes only from Google's front end (./trace-context).
 */
const CLIENT_REQUEST_ID_LENGTH = 128;
const clientRequestIdOf = (header: string | undefined) => header?.slice(0, CLIENT_REQUEST_ID_LENGTH).replace(/[^\w.:-]/g, '_') || undefined;

export interface RequestScope {
  requestId: string;
  log: Logger;
  started: bigint;
  /** Set once authenticated, for the log line. */
  userId?: string;
  /** The registry name of the function answering, when one is. */
  functionName?: string;
}

export function beginRequest(req: Request, res: Response, functionName: string | undefined, corsMethods: readonly string[]): RequestScope {
  const requestId = randomUUID();
  const clientRequestId = clientRequestIdOf(req.get('x-request-id'));
  const trace = frontEndTraceContext((name) => req.get(name));
  const log = createLogger({
    requestId,
    ...(clientRequestId ? { clientRequestId } : {}),
    ...(functionName ? { function: functionName } : {}),
    ...traceLogFields(trace, process.env.GOOGLE_CLOUD_PROJECT),
  });
  setSecurityHeaders(res);
  res.set('X-Request-Id', requestId);
  try {
    applyCors(req, res, config().ALLOWED_ORIGINS, corsMethods);
  } catch {
    // A configuration problem is reported by the request itself; CORS is not worth failing over.
  }
  return { requestId, log, started: process.hrtime.bigint(), functionName };
}

/** What the log keeps of an error: never sent to the client. */
export interface LoggedError {
  /** Its name, message and causes. */
  error: unknown;
  /** Its stack, where Error Reporting reads it. */
  stackTrace?: string;
}

/** What an error becomes on the wire, and what the log keeps of it. */
export function errorResult(error: unknown): { result: Result; logged?: LoggedError } {
  const apiError = toApiError(error);
  // A 5xx's cause, and a database refusal answered as a 4xx (a CHECK constraint: a race the code did not foresee).
  const kept = apiError.status >= 500 || !(error instanceof ApiError);
  return {
    result: { status: apiError.status, body: apiError.toBody(), headers: apiError.headers },
    logged: kept ? { error: describeError(error), stackTrace: error instanceof Error ? redacted(error, error.stack) : undefined } : undefined,
  };
}

/**
 * One line per request. A 5xx's line is also an error report, in the shape
 * Error Reporting reads from Cloud Logging: the stack at the top level
 * (`stack_trace`) and `serviceContext` (the Cloud Run service, which is the
 * function, and its revision), so every 500 is grouped, counted and alerted on.
 */
export function endRequest(req: Request, res: Response, scope: RequestScope, result: Result, logged?: LoggedError): void {
  send(res, result);
  const latencyMs = Number(process.hrtime.bigint() - scope.started) / 1e6;
  const failed = result.status >= 500;
  scope.log[failed ? 'error' : 'info'](`${req.method} ${req.path} ${result.status}`, {
    httpRequest: {
      requestMethod: req.method,
      requestUrl: req.originalUrl,
      status: result.status,
      latency: `${(latencyMs / 1000).toFixed(3)}s`,
      userAgent: req.get('user-agent'),
    },
    userId: scope.userId,
    ...(logged ? { error: logged.error } : {}),
    ...(failed ? errorReport(scope, logged) : {}),
  });
}

const REPORTED_ERROR_EVENT = 'type.googleapis.com/google.devtools.clouderrorreporting.v1beta1.ReportedErrorEvent';

function errorReport(scope: RequestScope, logged: LoggedError | undefined): Record<string, unknown> {
  const serviceContext = {
    service: process.env.K_SERVICE ?? scope.functionName ?? 'fulfillment-functions',
    ...(process.env.K_REVISION ? { version: process.env.K_REVISION } : {}),
  };
  // Without a stack, the type tells Error Reporting that the line is a report all the same.
  return logged?.stackTrace ? { stack_trace: logged.stackTrace, serviceContext } : { '@type': REPORTED_ERROR_EVENT, serviceContext };
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

/** For the logs only: the error and whatever caused it (the causes with their stacks; the error's own is the report's). */
function describeError(error: unknown, withStack = false): unknown {
  if (!(error instanceof Error)) return String(error);
  return {
    name: error.name,
    message: redacted(error, error.message),
    ...(withStack && error.stack ? { stack: redacted(error, error.stack) } : {}),
    cause: error.cause === undefined ? undefined : describeError(error.cause, true),
  };
}

const redacted = (error: Error, text: string | undefined) => (text === undefined || !isDatabaseError(error) ? text : withoutQuotedValues(text));

/**
 * The server quotes values in some of its messages (`Duplicate entry
 * '4111…' for key …`, `Incorrect decimal value: '…'`); bound values never
 * reach a database error at all (the driver's logParam is off). Every quoted
 * literal of a database error's text is blanked, names and all.
 */
const isDatabaseError = (error: Error) => 'sqlState' in error || typeof (error as { errno?: unknown }).errno === 'number' || error.name.startsWith('Prisma');
const withoutQuotedValues = (text: string) => text.replace(/'(?:[^'\\]|\\.|'')*'/g, "'…'");
