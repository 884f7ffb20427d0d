import type { Server } from 'node:http';
import { dirname, join } from 'node:path';
import type { Request, Response } from '@google-cloud/functions-framework';
import { isRefused, refuseOversizedBodies } from './body-limit';
import { closePool } from '../db/pool';
import { answerClientErrors } from './client-errors';
import { ApiError } from '../core/errors';
import { drainOnSignals } from './graceful-shutdown';
import { limitReceiveTime } from './slow-requests';
import { beginRequest, endRequest, errorResult } from './request-lifecycle';

/**
 * The functions-framework parses JSON bodies before our function runs, and a
 * garbled body never reaches us: express's default final handler answers with
 * an HTML page (and a stack trace outside production). Giving express's `handle`
 * a final handler of our own keeps SPEC §2's JSON error shape for those too.
 * This is the only place that knows express and node:http sit under the framework.
 */
interface BodyParserError {
  type?: string;
  status?: number;
}

function toApiError(error: BodyParserError): ApiError {
  switch (error.type) {
    case 'entity.parse.failed':
      return new ApiError(400, 'invalid_json', 'Request body is not valid JSON', [{ field: 'body', message: 'is not valid JSON' }]);
    case 'entity.too.large':
      return new ApiError(413, 'payload_too_large', 'Request body is too large');
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new ApiError(415, 'unsupported_media_type', 'Request body encoding is not supported');
    default:
      return error.status && error.status >= 400 && error.status < 500
        ? new ApiError(error.status, 'invalid_request', 'The request could not be read')
        : new ApiError(500, 'internal_error', 'An unexpected error occurred');
  }
}

let installed = false;

export function installFrameworkErrorHandler(): void {
  if (installed) return;
  installed = true;
  const frameworkEntry = require.resolve('@google-cloud/functions-framework');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const express = require(require.resolve('express', { paths: [frameworkEntry] }));
  const application = express.application as {
    handle(req: Request, res: Response, callback?: (error?: unknown) => void): void;
  };
  const original = application.handle;
  application.handle = function handle(req, res, callback) {
    return original.call(this, req, res, callback ?? ((error?: unknown) => sendFrameworkError(error, req, res)));
  };
  wrapServerCreation(frameworkEntry);
  drainInsteadOfExiting(frameworkEntry);
}

interface FrameworkInvokerModule {
  ErrorHandler: { prototype: { server: Server; register(): void } };
}

/**
 * `functions-framework --target` registers its process handlers once the
 * server listens (ErrorHandler.register, build/src/invoker.js); on SIGTERM and
 * SIGINT they answer one request with a bare 500 and exit at once. Those two
 * are replaced by a drain (graceful-shutdown.ts); its crash handlers for
 * uncaught errors stay.
 */
function drainInsteadOfExiting(frameworkEntry: string): void {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const invoker = require(join(dirname(frameworkEntry), 'invoker.js')) as FrameworkInvokerModule;
  const original = invoker.ErrorHandler.prototype.register;
  invoker.ErrorHandler.prototype.register = function register() {
    const signals = ['SIGTERM', 'SIGINT'] as const;
    const before = new Map(signals.map((signal) => [signal, process.listeners(signal)]));
    original.call(this);
    for (const signal of signals) {
      for (const listener of process.listeners(signal)) if (!before.get(signal)!.includes(listener)) process.off(signal, listener);
    }
    drainOnSignals(this.server, { release: closePool }, signals);
  };
}

interface FrameworkServerModule {
  getServer(userFunction: unknown, options: { signatureType: string; ignoredRoutes: string | null }): Server;
}

/**
 * The framework builds its HTTP server in one function, for `functions-framework
 * --target` and for `getTestServer` alike, and both look it up on the module's
 * exports when called — so wrapping it there reaches every server it makes and
 * no other server in the process. Four things change:
 * - By default the framework answers GET /favicon.ico and /robots.txt itself,
 *   404 with an empty body; an empty ignored-routes setting (the framework's
 *   own option) lets them through to the function, whose router answers the
 *   JSON 404. An operator's explicit --ignored-routes is left alone.
 * - Requests Node's HTTP parser refuses get a JSON answer (client-errors.ts).
 * - Bodies past MAX_BODY_BYTES are refused before express reads them (body-limit.ts).
 * - A request must arrive within REQUEST_RECEIVE_TIMEOUT_MS (slow-requests.ts).
 */
function wrapServerCreation(frameworkEntry: string): void {
  // The package's exports map hides build/src/server; its absolute path does not.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const serverModule = require(join(dirname(frameworkEntry), 'server.js')) as FrameworkServerModule;
  const original = serverModule.getServer;
  serverModule.getServer = function getServer(userFunction, options) {
    const ownRoutes = options.signatureType === 'http' && options.ignoredRoutes === null ? { ...options, ignoredRoutes: '' } : options;
    const server = original.call(this, userFunction, ownRoutes);
    answerClientErrors(server);
    refuseOversizedBodies(server);
    limitReceiveTime(server);
    return server;
  };
}

function sendFrameworkError(error: unknown, req: Request, res: Response): void {
  // A body refused while it arrived was answered then; what follows is the parser giving up on it.
  if (isRefused(res)) return;
  // The same request id, CORS headers and single log line as any function's answer.
  const scope = beginRequest(req, res, undefined, [req.method]);
  const { result, logged } = errorResult(error ? toApiError(error as BodyParserError) : new ApiError(404, 'not_found', 'Unknown route'));
  endRequest(req, res, scope, result, logged);
}
