import { setLogSink } from '../core/logging';
import { callFunction } from '../../testing/http';

/**
 * The request id is always ours; a client's X-Request-Id is kept apart, under
 * `clientRequestId`; a trace header is taken only where Google's front end
 * sets it (on Cloud Run), and never echoed. Through the docs function, which
 * needs no database: every function shares request-lifecycle.
 */
const FORGED_TRACEPARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
const FORGED_CLOUD_TRACE = '105445aa7843bc8bf206b12000100000/2748;o=1';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

interface Logged {
  headers: Record<string, string>;
  line: Record<string, unknown>;
}

/** GET /openapi.json with `headers`, under `env`, with the one log line it wrote. */
async function logged(headers: Record<string, string>, env: Record<string, string> = {}): Promise<Logged> {
  const lines: string[] = [];
  const restore = setLogSink((line) => lines.push(line));
  const settings = { LOG_LEVEL: 'info', GOOGLE_CLOUD_PROJECT: 'my-project', ...env };
  const saved = Object.fromEntries(Object.keys(settings).map((name) => [name, process.env[name]]));
  Object.assign(process.env, settings);
  try {
    const response = await callFunction('docs').get('/openapi.json').set(headers);
    expect(response.status).toBe(200);
    expect(lines).toHaveLength(1);
    return { headers: response.headers, line: JSON.parse(lines[0]) as Record<string, unknown> };
  } finally {
    restore();
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
}

describe('request ids', () => {
  it('gives two requests that send the same X-Request-Id two ids of ours, and logs the client’s apart', async () => {
    const first = await logged({ 'X-Request-Id': 'same-id' });
    const second = await logged({ 'X-Request-Id': 'same-id' });
    for (const { headers, line } of [first, second]) {
      expect(headers['x-request-id']).toMatch(UUID);
      expect(line.requestId).toBe(headers['x-request-id']);
      expect(line.clientRequestId).toBe('same-id');
    }
    expect(first.line.requestId).not.toBe(second.line.requestId);
  });

  it('logs a client id cut to 128 characters, anything outside [A-Za-z0-9_.:-] replaced', async () => {
    const { line } = await logged({ 'X-Request-Id': `a b"c{d}${'x'.repeat(200)}` });
    expect(line.clientRequestId).toBe(`a_b_c_d_${'x'.repeat(120)}`);
  });

  it('logs no clientRequestId when the client sends none', async () => {
    const { line } = await logged({});
    expect(line).not.toHaveProperty('clientRequestId');
  });
});

describe('trace headers', () => {
  it.each([
    ['traceparent', { traceparent: FORGED_TRACEPARENT }],
    ['X-Cloud-Trace-Context', { 'X-Cloud-Trace-Context': FORGED_CLOUD_TRACE }],
  ])('ignores a client’s %s off Cloud Run, where no front end of Google’s sets it', async (_case, headers) => {
    const { line } = await logged(headers);
    expect(line).not.toHaveProperty(['logging.googleapis.com/trace']);
    expect(line).not.toHaveProperty(['logging.googleapis.com/spanId']);
  });

  it('takes the one Google’s front end sets on Cloud Run (K_SERVICE set)', async () => {
    const { line } = await logged({ traceparent: FORGED_TRACEPARENT }, { K_SERVICE: 'docs' });
    expect(line['logging.googleapis.com/trace']).toBe('projects/my-project/traces/4bf92f3577b34da6a3ce929d0e0e4736');
  });

  it('never echoes a trace header, on Cloud Run or off it', async () => {
    for (const env of [{}, { K_SERVICE: 'docs' }] as Record<string, string>[]) {
      const { headers } = await logged({ traceparent: FORGED_TRACEPARENT, 'X-Cloud-Trace-Context': FORGED_CLOUD_TRACE }, env);
      expect(Object.keys(headers).filter((name) => /trace/i.test(name))).toEqual([]);
      expect(Object.values(headers).join(' ')).not.toMatch(/4bf92f3577b34da6a3ce929d0e0e4736|105445aa7843bc8bf206b12000100000/);
    }
  });
});
