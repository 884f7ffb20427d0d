import { randomUUID } from 'node:crypto';
import { maxHeaderSize, type Server, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { ApiError } from '../core/errors';
import { createLogger } from '../core/logging';
import { SECURITY_HEADERS } from './security-headers';
import { refuse } from './body-limit';

/**
 * Requests Node's HTTP parser refuses never become a request object, so no
 * function, express or final handler sees them: more than 16 KiB of request
 * line and headers (Node's maxHeaderSize: a huge Authorization, query string, or thousands of
 * headers), a request line that is not HTTP, a header with a control byte.
 * Node's own answer is a bare status line; this writes SPEC §2's JSON error,
 * the security headers every answer carries, a fresh request id and one log
 * line, then closes the connection — the parser cannot find where the next
 * request would start.
 */
interface ParserError extends Error {
  code?: string;
}

const isTimeout = (error: ParserError) => error.code === 'HPE_REQUEST_TIMEOUT' || error.code === 'ERR_HTTP_REQUEST_TIMEOUT';

function toApiError(error: ParserError): ApiError {
  switch (error.code) {
    case 'HPE_HEADER_OVERFLOW':
      return new ApiError(431, 'headers_too_large', `Request line and headers must be at most ${maxHeaderSize / 1024} KiB together`);
    case 'HPE_REQUEST_TIMEOUT':
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return new ApiError(408, 'request_timeout', 'The request did not arrive in time');
    default:
      return new ApiError(400, 'bad_request', 'The request is not valid HTTP');
  }
}

const REASONS: Record<number, string> = { 400: 'Bad Request', 408: 'Request Timeout', 431: 'Request Header Fields Too Large' };

export function answerClientErrors(server: Server): void {
  server.on('clientError', (error: ParserError, socket: Duplex) => {
    const inFlight = (socket as Duplex & { _httpMessage?: ServerResponse })._httpMessage;
    // A body that did not arrive within REQUEST_RECEIVE_TIMEOUT_MS (./slow-requests): its
    // request exists, unanswered; it gets the 408 with its own request id and log line.
    if (isTimeout(error) && inFlight && !inFlight.headersSent && socket.writable) {
      refuse(inFlight.req, inFlight, toApiError(error));
      return;
    }
    // A connection reset, or an error after a response has begun on this
    // socket: there is nobody to answer, or no clean place in the stream.
    if (error.code === 'ECONNRESET' || !socket.writable || inFlight) {
      socket.destroy();
      return;
    }
    const apiError = toApiError(error);
    const requestId = randomUUID();
    const body = JSON.stringify(apiError.toBody());
    socket.end(
      [
        `HTTP/1.1 ${apiError.status} ${REASONS[apiError.status]}`,
        'Content-Type: application/json; charset=utf-8',
        `Content-Length: ${Buffer.byteLength(body)}`,
        `X-Request-Id: ${requestId}`,
        ...Object.entries(SECURITY_HEADERS).map(([name, value]) => `${name}: ${value}`),
        'Connection: close',
        '',
        body,
      ].join('\r\n'),
    );
    createLogger({ requestId }).info(`HTTP parser refused a request: ${apiError.status}`, {
      httpRequest: { status: apiError.status },
      error: { code: error.code, message: error.message },
    });
  });
}
