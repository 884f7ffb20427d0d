import type { Server, ServerResponse } from 'node:http';
import net from 'node:net';
import { capRunningDeadlines } from '../deadline/deadline';
import { logger } from '../core/logging';

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
 * 3. once none is left, release what the instance holds (the database
 *    pool's connections, closed cleanly rather than cut) and exit 0.
 * If anything hangs, the process exits anyway just before the kill.
 */
const DRAIN_MS = 8_000;
const EXIT_BY_MS = 9_500;

export interface Shutdown {
  /** Called once no request is in flight: close pools and the like. */
  release(): Promise<void>;
}

export function drainOnSignals(server: Server, shutdown: Shutdown, signals: readonly NodeJS.Signals[] = ['SIGTERM', 'SIGINT']): void {
  const inFlight = new Set<ServerResponse>();
  let draining = false;
  let idle: (() => void) | undefined;
  server.prependListener('request', (_req, res) => {
    inFlight.add(res);
    if (draining) res.shouldKeepAlive = false;
    res.once('close', () => {
      inFlight.delete(res);
      if (inFlight.size === 0) idle?.();
    });
  });

  const drain = async (signal: NodeJS.Signals) => {
    if (draining) return;
    draining = true;
    setTimeout(() => process.exit(0), EXIT_BY_MS).unref();
    logger.info(`${signal}: finishing ${inFlight.size} request(s) in flight, then exiting`);
    // Stop listening only: http.Server.close would also drop the connections
    // that look idle, among them any whose request has arrived but not been
    // read yet. Each open connection is closed after its next answer instead.
    net.Server.prototype.close.call(server);
    for (const res of inFlight) res.shouldKeepAlive = false;
    capRunningDeadlines(DRAIN_MS);
    if (inFlight.size > 0) await new Promise<void>((resolve) => (idle = resolve));
    await shutdown.release().catch((error: unknown) => logger.warn('Releasing resources at shutdown failed', { error: String(error) }));
    logger.info(`${signal}: every request answered; exiting`);
    process.exit(0);
  };
  for (const signal of signals) process.on(signal, (received) => void drain(received));
}
