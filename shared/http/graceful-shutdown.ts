import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import net from 'node:net';
import { capDeadlines } from '../deadline/deadline';
import { ApiError } from '../core/errors';
import { logger } from '../core/logging';
import { refuse } from './body-limit';

/**
 * What an instance does when Cloud Run removes it (scale-in, a new revision):
 * Cloud Run sends SIGTERM and kills the process 10 s later. The functions
 * framework's own handler answers one request with a bare 500 and exits at
 * once, resetting every other request in flight; this replaces it:
 *
 * 1. stop accepting connections (Cloud Run sends no new requests either);
 *    requests still arriving on open connections are served, their answers
 *    closing the connection;
 * 2. bring every request's deadline forward to at most DRAIN_MS from now, so
 *    each one in flight is answered, with its result or a 503 the client may
 *    retry, before the kill;
 *    a request whose body is still arriving gets BODY_GRACE_MS to finish it,
 *    then a JSON 503 `shutting_down` with Retry-After that closes its
 *    connection: no function has run for it, and left alone it would have
 *    held the drain to the end and got the framework's HTML 500 at exit;
 * 3. once none is left, release what the instance holds (the database
 *    pool's connections, closed cleanly rather than cut) and exit 0.
 * If anything hangs, the process exits anyway just before the kill.
 */
const DRAIN_MS = 8_000;
const EXIT_BY_MS = 9_500;
const BODY_GRACE_MS = 1_000;

export interface Shutdown {
  /** Called once no request is in flight: close pools and the like. */
  release(): Promise<void>;
}

export function drainOnSignals(server: Server, shutdown: Shutdown, signals: readonly NodeJS.Signals[] = ['SIGTERM', 'SIGINT']): void {
  const inFlight = new Set<ServerResponse>();
  let draining = false;
  let idle: (() => void) | undefined;
  const track = (_req: IncomingMessage, res: ServerResponse) => {
    inFlight.add(res);
    if (draining) {
      res.shouldKeepAlive = false;
      cutBodyAfterGrace(res);
    }
    res.once('close', () => {
      inFlight.delete(res);
      if (inFlight.size === 0) idle?.();
    });
  };
  // A request that says `Expect: 100-continue` arrives as 'checkContinue' instead (./body-limit).
  server.prependListener('request', track);
  server.prependListener('checkContinue', track);

  const drain = async (signal: NodeJS.Signals) => {
    if (draining) return;
    draining = true;
    setTimeout(() => process.exit(0), EXIT_BY_MS).unref();
    logger.info(`${signal}: finishing ${inFlight.size} request(s) in flight, then exiting`);
    // Stop listening only: http.Server.close would also drop the connections
    // that look idle, among them any whose request has arrived but not been
    // read yet. Each open connection is closed after its next answer instead.
    net.Server.prototype.close.call(server);
    for (const res of inFlight) {
      res.shouldKeepAlive = false;
      cutBodyAfterGrace(res);
    }
    capDeadlines(DRAIN_MS);
    if (inFlight.size > 0) await new Promise<void>((resolve) => (idle = resolve));
    await shutdown.release().catch((error: unknown) => logger.warn('Releasing resources at shutdown failed', { error: String(error) }));
    logger.info(`${signal}: every request answered; exiting`);
    process.exit(0);
  };
  for (const signal of signals) process.on(signal, (received) => void drain(received));
}

/** A request whose body has not arrived BODY_GRACE_MS from now is answered 503 and its connection closed. */
function cutBodyAfterGrace(res: ServerResponse): void {
  if (res.req.complete) return;
  const timer = setTimeout(() => {
    if (!res.req.complete && !res.headersSent) refuse(res.req, res, shuttingDown());
  }, BODY_GRACE_MS);
  res.once('close', () => clearTimeout(timer));
}

const shuttingDown = () => new ApiError(503, 'shutting_down', 'The instance is shutting down; retry the request', [], { 'Retry-After': '1' });
