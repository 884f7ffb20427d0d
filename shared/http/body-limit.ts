import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Request, Response } from '@google-cloud/functions-framework';
import { config, DEFAULT_MAX_BODY_BYTES } from '../config/config';
import { ApiError } from '../core/errors';
import { beginRequest, endRequest, errorResult } from './request-lifecycle';

/**
 * Bodies past MAX_BODY_BYTES are refused before anything reads them into
 * memory. The functions framework parses every body (up to 1024 MB, whatever
 * its type) before a function runs, so a check in the pipeline came after a
 * large JSON array had already filled the heap and killed the instance. This
 * sits in front of express, on the server's own 'request' event:
 *
 * - a declared Content-Length past the limit is answered 413 at once, the body
 *   never read (and an `Expect: 100-continue` client is never invited to send it);
 * - a chunked body is counted as the HTTP parser hands it over (the request
 *   stream's `push`, which Node's parser calls for each piece of body), and
 *   answered 413 the moment it passes the limit: nothing more reaches the
 *   stream, so the parser stops reading from the socket;
 * - a compressed body (Content-Encoding) is 415: it would be inflated past any
 *   byte count, and no client of this API compresses bodies of at most 64 KiB.
 *
 * The 413 says `Connection: close`: the connection is half-closed once the
 * answer is written, and whatever the client is still sending is discarded for
 * a moment (so its TCP stack does not reset the answer away) before it is cut.
 */
const LINGER_MS = 1000;

const refusedAlready = Symbol('body refused');

export function refuseOversizedBodies(server: Server): void {
  const app = server.listeners('request')[0] as (req: IncomingMessage, res: ServerResponse) => void;
  server.removeAllListeners('request');
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    if (admitted(req, res)) app(req, res);
  });
  server.on('checkContinue', (req: IncomingMessage, res: ServerResponse) => {
    if (!admitted(req, res)) return;
    res.writeContinue();
    app(req, res);
  });
}

/** Whether the request goes on to express; if not, it has been answered. */
function admitted(req: IncomingMessage, res: ServerResponse): boolean {
  const limit = maxBodyBytes();
  const encoding = req.headers['content-encoding']?.trim().toLowerCase();
  if (encoding && encoding !== 'identity') {
    refuse(req, res, new ApiError(415, 'unsupported_media_type', 'Request bodies must not be compressed (Content-Encoding)'));
    return false;
  }
  const declared = req.headers['content-length'];
  if (declared !== undefined) {
    // Node's parser holds the body to the declared length, so a length within the limit needs no counting.
    if (Number(declared) > limit) {
      refuse(req, res, tooLarge(limit));
      return false;
    }
    return true;
  }
  if (req.headers['transfer-encoding'] !== undefined) countBody(req, res, limit);
  return true;
}

function countBody(req: IncomingMessage, res: ServerResponse, limit: number): void {
  let received = 0;
  const push = req.push;
  req.push = function countedPush(chunk: unknown, encoding?: BufferEncoding) {
    if (chunk !== null && chunk !== undefined) {
      received += (chunk as Buffer).length;
      if (received > limit) {
        refuse(req, res, tooLarge(limit));
        return false;
      }
    }
    return push.call(this, chunk, encoding);
  };
}

const tooLarge = (limit: number) => new ApiError(413, 'payload_too_large', `Request body must be at most ${limit} bytes`);

/** Whether this response was a refusal of its body: express's own answer to the cut request must not follow it. */
export function isRefused(res: ServerResponse): boolean {
  return (res as ServerResponse & { [refusedAlready]?: boolean })[refusedAlready] === true;
}

/**
 * Answers a request whose body is refused (too large, too slow, or arriving
 * at shutdown: ./slow-requests, ./graceful-shutdown) with the JSON error, and
 * closes its connection. Nothing more of its body reaches the request stream,
 * so express never finishes reading it and no function runs for it.
 */
export function refuse(req: IncomingMessage, res: ServerResponse, error: ApiError): void {
  (res as ServerResponse & { [refusedAlready]?: boolean })[refusedAlready] = true;
  req.push = () => false;
  // The request object express would have made is not made; what the log line and CORS read of it, node's has.
  const request = Object.create(req, {
    get: { value: (name: string) => headerValue(req, name) },
    path: { value: (req.url ?? '/').split('?')[0] },
    originalUrl: { value: req.url },
  }) as Request;
  const response = expressLike(res);
  const scope = beginRequest(request, response, undefined, [req.method ?? 'POST']);
  const { result, logged } = errorResult(error);
  endRequest(request, response, scope, { ...result, headers: { ...result.headers, Connection: 'close' } }, logged);
  // Node closes a `Connection: close` socket as soon as the answer is flushed
  // (destroySoon); with the client still sending, that close would reset the
  // connection and could take the answer with it. Half-close instead, drop what
  // still arrives for a moment, then cut.
  const { socket } = req;
  socket.destroySoon = function lingeringClose() {
    this.end();
    this.resume();
    setTimeout(() => this.destroy(), LINGER_MS).unref();
  };
}

function headerValue(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name.toLowerCase()];
  return Array.isArray(value) ? value.join(', ') : value;
}

/** The few express response methods request-lifecycle uses, on node's own response. */
function expressLike(res: ServerResponse): Response {
  const response = res as unknown as Response & { set: unknown; status: unknown; type: unknown; send: unknown };
  return Object.assign(response, {
    set(name: string, value: string) {
      res.setHeader(name, value);
      return response;
    },
    status(code: number) {
      res.statusCode = code;
      return response;
    },
    type(contentType: string) {
      res.setHeader('Content-Type', contentType === 'application/json' ? 'application/json; charset=utf-8' : contentType);
      return response;
    },
    send(payload: string) {
      res.setHeader('Content-Length', Buffer.byteLength(payload));
      res.end(payload);
      return response;
    },
  });
}

function maxBodyBytes(): number {
  try {
    return config().MAX_BODY_BYTES;
  } catch {
    // A configuration problem is reported by the request itself; the limit still holds.
    return DEFAULT_MAX_BODY_BYTES;
  }
}
