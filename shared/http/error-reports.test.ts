import * as functions from '@google-cloud/functions-framework';
import { getTestServer } from '@google-cloud/functions-framework/testing';
import request from 'supertest';
import { defineEndpoint } from './endpoint';
import { toHttpFunction } from './http-function';
import { setLogSink } from '../core/logging';
import { traceContextOf } from './trace-context';

/**
 * The log line of a 500 is an error report Error Reporting reads, and on
 * Cloud Run every line carries the trace the request belongs to, from W3C
 * traceparent or Google's X-Cloud-Trace-Context (off it: request-ids.test.ts).
 */
beforeAll(() => {
  const probes: Record<string, () => Promise<never>> = {
    'throws-a-bug': async () => {
      throw new TypeError("Cannot read properties of undefined (reading 'balance')");
    },
    'throws-a-string': async () => {
      throw 'not an Error';
    },
  };
  for (const [name, handle] of Object.entries(probes)) {
    functions.http(
      name,
      toHttpFunction({
        name,
        methods: ['GET'],
        paths: ['/probe/'],
        auth: 'public',
        endpoint: defineEndpoint({ session: 'none', summary: 'probe', responses: {}, handle }),
      }),
    );
  }
});

async function logOf(name: string, headers: Record<string, string> = {}, env: Record<string, string> = {}): Promise<Record<string, unknown>> {
  const lines: string[] = [];
  const restore = setLogSink((line) => lines.push(line));
  const saved = { LOG_LEVEL: process.env.LOG_LEVEL, ...Object.fromEntries(Object.keys(env).map((key) => [key, process.env[key]])) };
  Object.assign(process.env, { LOG_LEVEL: 'info', ...env });
  try {
    const response = await request(getTestServer(name)).get('/probe/').set(headers);
    expect(response.status).toBe(500);
    expect(response.text).not.toMatch(/TypeError|at /);
  } finally {
    restore();
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  }
  expect(lines).toHaveLength(1);
  return JSON.parse(lines[0]) as Record<string, unknown>;
}

describe('the log line of a 500', () => {
  it('is an error report: the stack at the top level, and the service and revision it came from', async () => {
    const line = await logOf('throws-a-bug', {}, { K_SERVICE: 'assets-purchase', K_REVISION: 'assets-purchase-00042-xyz' });
    expect(line.severity).toBe('ERROR');
    expect(line.stack_trace).toMatch(/^TypeError: Cannot read properties of undefined \(reading 'balance'\)\n\s+at /);
    expect(line.serviceContext).toEqual({ service: 'assets-purchase', version: 'assets-purchase-00042-xyz' });
    expect(line.error).toEqual(expect.objectContaining({ name: 'TypeError' }));
    expect(line['@type']).toBeUndefined();
  });

  it('names the function as the service where Cloud Run has not (locally)', async () => {
    const line = await logOf('throws-a-bug');
    expect(line.serviceContext).toEqual({ service: 'throws-a-bug' });
  });

  it('is typed as a ReportedErrorEvent when what was thrown has no stack', async () => {
    const line = await logOf('throws-a-string');
    expect(line['@type']).toBe('type.googleapis.com/google.devtools.clouderrorreporting.v1beta1.ReportedErrorEvent');
    expect(line.stack_trace).toBeUndefined();
  });
});

describe('the trace of a log line, on Cloud Run (K_SERVICE set, Google’s front end sets the trace headers)', () => {
  const project = { GOOGLE_CLOUD_PROJECT: 'my-project', K_SERVICE: 'assets-stat' };

  it('comes from W3C traceparent alone, span and sampling included', async () => {
    const line = await logOf('throws-a-bug', { traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' }, project);
    expect(line['logging.googleapis.com/trace']).toBe('projects/my-project/traces/4bf92f3577b34da6a3ce929d0e0e4736');
    expect(line['logging.googleapis.com/spanId']).toBe('00f067aa0ba902b7');
    expect(line['logging.googleapis.com/trace_sampled']).toBe(true);
  });

  it('comes from X-Cloud-Trace-Context, its decimal span id written in hex', async () => {
    const line = await logOf('throws-a-bug', { 'X-Cloud-Trace-Context': '105445aa7843bc8bf206b12000100000/2748;o=1' }, project);
    expect(line['logging.googleapis.com/trace']).toBe('projects/my-project/traces/105445aa7843bc8bf206b12000100000');
    expect(line['logging.googleapis.com/spanId']).toBe('0000000000000abc');
    expect(line['logging.googleapis.com/trace_sampled']).toBe(true);
  });

  it('is absent without a project to name it in', async () => {
    const line = await logOf('throws-a-bug', { traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' }, { K_SERVICE: 'assets-stat' });
    expect(line['logging.googleapis.com/trace']).toBeUndefined();
  });
});

describe('traceContextOf', () => {
  it.each([
    [
      'a sampled traceparent',
      '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
      undefined,
      { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', sampled: true },
    ],
    [
      'an unsampled one',
      '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00',
      undefined,
      { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', sampled: false },
    ],
    [
      'traceparent over X-Cloud-Trace-Context',
      '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
      'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/1;o=0',
      { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', sampled: true },
    ],
    [
      'an all-zero trace id, falling back',
      '00-00000000000000000000000000000000-00f067aa0ba902b7-01',
      'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa;o=1',
      { traceId: 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', spanId: undefined, sampled: true },
    ],
    ['version ff, invalid', 'ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01', undefined, undefined],
    [
      'a span id past 64 bits',
      undefined,
      'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/99999999999999999999',
      { traceId: 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', spanId: undefined, sampled: false },
    ],
    ['garbage', 'hello', 'world', undefined],
  ])('reads %s', (_case, traceparent, cloudTrace, expected) => {
    expect(traceContextOf(traceparent, cloudTrace)).toEqual(expected);
  });
});
