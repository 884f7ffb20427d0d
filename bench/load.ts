import { Agent, request } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { HttpMethod } from '../shared/http/endpoint';

/**
 * A closed-loop load generator on node:http with keep-alive: `concurrency`
 * workers each send their next request when the previous answer has been read,
 * until the request count or the time limit is reached. Kept this small so
 * the bench's own CPU (it shares the 2 cores with the server) stays low and
 * every byte sent is visible here.
 */
export interface RequestSpec {
  method: HttpMethod;
  path: string;
  headers?: Record<string, string>;
  body?: string;
}

export interface LoadOptions {
  port: number;
  concurrency: number;
  maxRequests: number;
  maxMs: number;
  /** Called per request, so a body or header can differ each time (fresh Idempotency-Keys). */
  next: () => RequestSpec;
}

export interface LoadResult {
  requests: number;
  elapsedMs: number;
  /** Latency of each request, ms, in completion order. */
  latenciesMs: number[];
  statuses: Record<string, number>;
  non2xx: number;
  /** The first few non-2xx answers (or socket errors), to say why a scenario failed. */
  samples: string[];
}

export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: options.concurrency });
  const result: LoadResult = { requests: 0, elapsedMs: 0, latenciesMs: [], statuses: {}, non2xx: 0, samples: [] };
  let issued = 0;
  const started = performance.now();
  const deadline = started + options.maxMs;

  const worker = async () => {
    while (issued < options.maxRequests && performance.now() < deadline) {
      issued += 1;
      const spec = options.next();
      const sentAt = performance.now();
      const { status, text } = await send(agent, options.port, spec);
      result.latenciesMs.push(performance.now() - sentAt);
      result.requests += 1;
      result.statuses[status] = (result.statuses[status] ?? 0) + 1;
      if (typeof status !== 'number' || status < 200 || status > 299) {
        result.non2xx += 1;
        if (result.samples.length < 3) result.samples.push(`${spec.method} ${spec.path} → ${status} ${text.slice(0, 300)}`);
      }
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  result.elapsedMs = performance.now() - started;
  agent.destroy();
  return result;
}

/** One request; socket errors come back as status `error` rather than throwing, so a load run always finishes. */
export function send(agent: Agent | undefined, port: number, spec: RequestSpec): Promise<{ status: number | 'error'; text: string }> {
  return new Promise((resolve) => {
    const headers: Record<string, string | number> = { ...spec.headers };
    if (spec.body !== undefined) {
      headers['Content-Type'] ??= 'application/json';
      headers['Content-Length'] = Buffer.byteLength(spec.body);
    }
    const req = request({ host: '127.0.0.1', port, method: spec.method, path: spec.path, headers, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', (error) => resolve({ status: 'error', text: error.message }));
    });
    req.on('error', (error) => resolve({ status: 'error', text: `${(error as NodeJS.ErrnoException).code ?? ''} ${error.message}` }));
    req.end(spec.body);
  });
}

export function percentile(sortedMs: number[], p: number): number {
  if (sortedMs.length === 0) return NaN;
  const index = Math.min(sortedMs.length - 1, Math.ceil((p / 100) * sortedMs.length) - 1);
  return sortedMs[Math.max(0, index)];
}
