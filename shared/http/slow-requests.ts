import type { Server } from 'node:http';
import { config, DEFAULT_REQUEST_RECEIVE_TIMEOUT_MS } from '../config/config';

/**
 * A request must arrive, headers and body, within REQUEST_RECEIVE_TIMEOUT_MS.
 * The body is read before anything authenticates the request (the framework
 * parses it first), so a client that declares a Content-Length and then sends
 * a byte a second held its connection, and a slot of the instance's
 * concurrency, until Node's default requestTimeout: 300 s.
 *
 * Node enforces requestTimeout (and headersTimeout) itself, checking every
 * connectionsCheckingInterval, 30 s by default, which would make a 5 s limit
 * 5–35 s; the check runs here a few times per timeout. When it fires, Node
 * raises a clientError: client-errors.ts answers it with a JSON 408 and
 * closes the connection. Requests whose body has arrived are not affected,
 * however long their function then takes (that is REQUEST_DEADLINE_MS's job).
 */
export function limitReceiveTime(server: Server): void {
  const timeout = receiveTimeoutMs();
  server.requestTimeout = timeout;
  server.headersTimeout = timeout;
  // An option of createServer, not a typed property; Node reads it when the server starts listening.
  (server as Server & { connectionsCheckingInterval: number }).connectionsCheckingInterval = Math.max(100, Math.min(1000, Math.floor(timeout / 5)));
}

/** Within the request deadline: a request that may take 2 s to answer may not take longer to arrive. */
function receiveTimeoutMs(): number {
  try {
    const { REQUEST_RECEIVE_TIMEOUT_MS, REQUEST_DEADLINE_MS } = config();
    return Math.min(REQUEST_RECEIVE_TIMEOUT_MS, REQUEST_DEADLINE_MS);
  } catch {
    // A configuration problem is reported by the request itself; the limit still holds.
    return DEFAULT_REQUEST_RECEIVE_TIMEOUT_MS;
  }
}
