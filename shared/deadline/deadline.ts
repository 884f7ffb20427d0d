import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * Every request has a deadline (REQUEST_DEADLINE_MS). A stuck dependency —
 * a database that stopped answering, a slow ML call — would otherwise hold
 * the request, its connection and its row locks for as long as the outage
 * lasts, and the client would learn nothing. The deadline travels with the
 * request's async context, so the database pool (shared/db/deadline-guard)
 * and the ML client bound their own waits by it without every call site
 * passing it along.
 */
export class DeadlineExceeded extends Error {
  constructor(readonly deadlineMs: number) {
    super(`The request did not finish within its ${deadlineMs} ms deadline`);
    this.name = 'DeadlineExceeded';
  }
}

export interface RequestDeadline {
  readonly deadlineMs: number;
  /** Aborted, with a DeadlineExceeded as reason, when the deadline passes. */
  readonly signal: AbortSignal;
  remainingMs(): number;
  /** Runs `work` under this deadline: it settles with the work, or rejects when the deadline passes, whichever is first. */
  run<T>(work: () => Promise<T>): Promise<T>;
  /**
   * COMMITs sent and not answered yet. A deadline that passes while one is in
   * flight, or a connection lost during one, leaves the request unable to say
   * whether its writes happened (commitOutcomeUnknown).
   */
  commitsInFlight: number;
  commitOutcomeUnknown: boolean;
}

const storage = new AsyncLocalStorage<RequestDeadline>();

/** Deadlines of requests still running, each with a way to bring it forward (shutdown). */
const running = new Map<RequestDeadline, (ms: number) => void>();

/** When set (shutdown), no deadline ends later than this (performance.now() time). */
let latestEnd = Infinity;

/**
 * Brings every deadline forward to at most `ms` from now, running ones and
 * those of requests that start later (a body that finishes arriving after
 * the signal): an instance told to stop answers each request, with its result
 * or a 503, before it is killed.
 */
export function capDeadlines(ms: number): void {
  latestEnd = Math.min(latestEnd, performance.now() + ms);
  for (const bringForward of running.values()) bringForward(ms);
}

/** The deadline of the request this code runs for, if any (scripts and tests outside a request have none). */
export function currentDeadline(): RequestDeadline | undefined {
  return storage.getStore();
}

export function startDeadline(deadlineMs: number): RequestDeadline {
  const controller = new AbortController();
  let expiresAt = Math.min(performance.now() + deadlineMs, latestEnd);
  const deadline: RequestDeadline = {
    deadlineMs,
    signal: controller.signal,
    remainingMs: () => Math.max(0, Math.floor(expiresAt - performance.now())),
    commitsInFlight: 0,
    commitOutcomeUnknown: false,
    run<T>(work: () => Promise<T>): Promise<T> {
      return new Promise<T>((resolve, reject) => {
        const expire = () => {
          if (deadline.commitsInFlight > 0) deadline.commitOutcomeUnknown = true;
          const error = new DeadlineExceeded(deadlineMs);
          controller.abort(error);
          reject(error);
        };
        let timer = setTimeout(expire, deadline.remainingMs());
        running.set(deadline, (ms) => {
          if (ms >= deadline.remainingMs()) return;
          expiresAt = performance.now() + ms;
          clearTimeout(timer);
          timer = setTimeout(expire, ms);
        });
        storage
          .run(deadline, work)
          .then(resolve, reject)
          .finally(() => {
            clearTimeout(timer);
            running.delete(deadline);
          });
      });
    },
  };
  return deadline;
}

/** Rejects with the signal's reason as soon as it aborts; `promise` is left to settle on its own. */
export function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
