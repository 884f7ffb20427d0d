/**
 * The trace a request belongs to, as Cloud Logging links a log line to it
 * (the LogEntry fields `trace`, `spanId`, `traceSampled`, written from stdout
 * as `logging.googleapis.com/trace`, `…/spanId`, `…/trace_sampled`). Google's
 * front end sends W3C `traceparent`, and, for older callers, its own
 * `X-Cloud-Trace-Context`; either may be alone.
 *
 * Trusted only as Google's front end sets them: on Cloud Run (K_SERVICE is
 * set), where it populates `traceparent` on every request, pointing at its own
 * span of the request. Anywhere else (npm start, tests, any other host) no
 * front end stands between the client and us, so both headers are the
 * client's own and are ignored: a client does not get to attach our lines to
 * a trace of its choosing. Never echoed: no answer carries a trace header.
 * (On Cloud Run, Google keeps the trace id of a well-formed `traceparent` a
 * caller sent, so the trace it records, ours included, may be the caller's;
 * the request id never is.)
 */
export interface TraceContext {
  /** 32 lower-case hex digits. */
  traceId: string;
  /** 16 lower-case hex digits, as the Trace API and LogEntry.spanId want it. */
  spanId?: string;
  sampled: boolean;
}

// version-traceid-parentid-flags; an all-zero trace or parent id is invalid (W3C Trace Context §3.2.2).
const TRACEPARENT = /^([\da-f]{2})-([\da-f]{32})-([\da-f]{16})-([\da-f]{2})(?:-.*)?$/;
// TRACE_ID/SPAN_ID;o=OPTIONS, the span id in decimal (an unsigned 64-bit number).
const CLOUD_TRACE = /^([\da-f]{32})(?:\/(\d{1,20}))?(?:;o=([01]))?$/i;
const ALL_ZERO = /^0+$/;

export function frontEndTraceContext(header: (name: string) => string | undefined, env: NodeJS.ProcessEnv = process.env): TraceContext | undefined {
  return env.K_SERVICE ? traceContextOf(header('traceparent'), header('x-cloud-trace-context')) : undefined;
}

export function traceContextOf(traceparent: string | undefined, cloudTrace: string | undefined): TraceContext | undefined {
  const w3c = traceparent && TRACEPARENT.exec(traceparent.trim().toLowerCase());
  if (w3c && w3c[1] !== 'ff' && !ALL_ZERO.test(w3c[2]) && !ALL_ZERO.test(w3c[3])) {
    return { traceId: w3c[2], spanId: w3c[3], sampled: (parseInt(w3c[4], 16) & 1) === 1 };
  }
  const google = cloudTrace && CLOUD_TRACE.exec(cloudTrace.trim());
  if (google && !ALL_ZERO.test(google[1])) {
    const span = google[2] === undefined ? undefined : BigInt(google[2]);
    return {
      traceId: google[1].toLowerCase(),
      spanId: span !== undefined && span > 0n && span < 2n ** 64n ? span.toString(16).padStart(16, '0') : undefined,
      sampled: google[3] === '1',
    };
  }
  return undefined;
}

/** The LogEntry fields of a trace, for a JSON log line; none without a project to name the trace in. */
export function traceLogFields(trace: TraceContext | undefined, project: string | undefined): Record<string, unknown> {
  if (!trace || !project) return {};
  return {
    'logging.googleapis.com/trace': `projects/${project}/traces/${trace.traceId}`,
    ...(trace.spanId ? { 'logging.googleapis.com/spanId': trace.spanId } : {}),
    'logging.googleapis.com/trace_sampled': trace.sampled,
  };
}
