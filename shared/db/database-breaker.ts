import { logger } from '../core/logging';
import { classifyDbError } from './errors';

/**
 * Thrown instead of waiting for a connection while the database is known to
 * be away. Its cause is the failure that showed it (a refused or timed-out
 * connect), which classifyDbError reads as 'unavailable': 503
 * database_unavailable with Retry-After.
 */
export class DatabaseAway extends Error {
  constructor(cause: unknown) {
    super('The database could not be reached a moment ago; not tried again yet', { cause });
    this.name = 'DatabaseAway';
  }
}

/** Opens one connection with the pool's own options and closes it: resolves if the database answers. */
export type Probe = () => Promise<void>;

/**
 * A circuit breaker in front of the pool (./fail-fast). The driver's pool
 * retries a failed connect every 500 ms until its acquire timeout and keeps
 * every request waiting meanwhile, so a database that refuses connections
 * held each request for seconds, and Cloud Run added instances for requests
 * that could only fail.
 *
 * - Closed (normal): requests go to the pool. Every error the driver reports
 *   (its `logger.error`) is looked at: a connect that failed for want of an
 *   answer (refused, no such socket or host, no greeting within
 *   DATABASE_CONNECT_TIMEOUT_MS) opens the breaker at once; any other loss of
 *   a connection (a socket closed mid-handshake, which is what Cloud Run's
 *   /cloudsql socket does when the instance is down, or mid-statement) is
 *   checked by opening one connection of our own (one at a time), and opens
 *   the breaker only if that fails too. A single cut connection does not.
 * - Open: requests get DatabaseAway at once, without touching the pool, and
 *   those already waiting for a connection get it the moment it opens.
 *   One request per DATABASE_PROBE_INTERVAL_MS is let through as the probe:
 *   it opens a connection of its own (bounded by the connect timeout), and
 *   if that works the breaker closes and the request carries on to the
 *   pool; requests arriving meanwhile are answered at once.
 * - A new connection the pool opened by itself (its own retries) also
 *   closes it.
 *
 * It never touches a connection a request already holds: a statement or a
 * COMMIT in flight ends as it would without it (./deadline-guard).
 */
export class DatabaseBreaker {
  private away: { since: number; retryAt: number; probing: boolean; cause: unknown } | undefined;
  private checking = false;
  private readonly openListeners: Array<(error: DatabaseAway) => void> = [];

  constructor(
    private readonly probe: Probe,
    private readonly probeIntervalMs: number,
  ) {}

  /** Called with each waiter's way to stop waiting, when the breaker opens. */
  onOpen(listener: (error: DatabaseAway) => void): void {
    this.openListeners.push(listener);
  }

  get isOpen(): boolean {
    return this.away !== undefined;
  }

  /**
   * Whether a request may go to the pool: undefined (closed: go ahead, no
   * promise on the warm path), or a promise that either throws DatabaseAway
   * or, for the probe, resolves once the database answered it.
   */
  admit(): Promise<void> | undefined {
    const away = this.away;
    if (!away) return undefined;
    if (away.probing || performance.now() < away.retryAt) return Promise.reject(new DatabaseAway(away.cause));
    away.probing = true;
    return this.probe().then(
      () => this.reachable(),
      (error: unknown) => {
        // Reachable but refusing us (a wrong password after a restart, too many connections):
        // not an outage; the pool will meet the same error and report it as itself.
        if (classifyDbError(error) !== 'unavailable') return this.reachable();
        if (this.away === away) {
          away.probing = false;
          away.retryAt = performance.now() + this.probeIntervalMs;
          away.cause = error;
        }
        throw new DatabaseAway(error);
      },
    );
  }

  /** The driver's `logger.error`: every error it reports, on any connection, the pool's attempts to open one included. */
  driverError(error: Error): void {
    if (this.away || classifyDbError(error) !== 'unavailable') return;
    const details = error as MaybeSocketError;
    if (neverAnswered(details)) this.open(error);
    else if (!destroyedByUs(details)) this.check();
  }

  /** The database answered: a probe got through, or the pool opened a connection. */
  reachable(): void {
    const away = this.away;
    if (!away) return;
    this.away = undefined;
    logger.info('The database answers again; requests go to it', { outageMs: Math.round(performance.now() - away.since) });
  }

  private check(): void {
    if (this.checking) return;
    this.checking = true;
    this.probe()
      .catch((error: unknown) => {
        if (!this.away && classifyDbError(error) === 'unavailable') this.open(error);
      })
      .finally(() => {
        this.checking = false;
      });
  }

  private open(cause: unknown): void {
    const now = performance.now();
    this.away = { since: now, retryAt: now + this.probeIntervalMs, probing: false, cause };
    logger.error('The database cannot be reached; requests are answered 503 at once until it answers again', {
      error: cause instanceof Error ? cause.message : String(cause),
      probeIntervalMs: this.probeIntervalMs,
    });
    const error = new DatabaseAway(cause);
    for (const listener of this.openListeners) listener(error);
  }
}

interface MaybeSocketError {
  syscall?: unknown;
  errno?: unknown;
}

/** Node's connect(2) and DNS failures, and the driver's "no greeting within connectTimeout": only opening a connection meets them. */
const neverAnswered = (error: MaybeSocketError): boolean => error.syscall === 'connect' || error.syscall === 'getaddrinfo' || error.errno === 45012;

/** The driver's note on a connection we destroyed ourselves (a deadline): the kill connection it opens says more. */
const destroyedByUs = (error: MaybeSocketError): boolean => error.errno === 45004;
