import type { Request, Response } from '@google-cloud/functions-framework';
import { ApiError } from './errors';
import { beginRequest, endRequest, errorResult } from './request-lifecycle';

/**
 * The functions-framework parses JSON bodies before our function runs, and a
 * garbled body never reaches us: express's default final handler answers with
 * an HTML page (and a stack trace outside production). Giving express's `handle`
 * a final handler of our own keeps SPEC §2's JSON error shape for those too.
 * This is the only place that knows express sits under the framework.
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
}

function sendFrameworkError(error: unknown, req: Request, res: Response): void {
  // The same request id, CORS headers and single log line as any function's answer.
  const scope = beginRequest(req, res, undefined, [req.method]);
  const { result, logged } = errorResult(error ? toApiError(error as BodyParserError) : new ApiError(404, 'not_found', 'Unknown route'));
  endRequest(req, res, scope, result, logged);
}
