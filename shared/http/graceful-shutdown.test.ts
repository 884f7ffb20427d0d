import http from 'node:http';
import { RUNTIME_NODE_OPTIONS } from '../../infra/settings';
import { seedDemoUsers } from '../demo/seed';
import { startFunctionProcess, type FunctionProcess } from '../../testing/function-process';
import { loginAs } from '../../testing/http';
import { useMlStandin } from '../../testing/ml-standin';
import { useTestDatabase } from '../../testing/test-database';

/**
 * Scale-in as Cloud Run does it: SIGTERM to an instance with requests in
 * flight, then SIGKILL 10 s later. Every request in flight is answered (none
 * reset), nothing new is accepted, and the process exits 0 on its own, in time.
 */
const database = useTestDatabase();
const ml = useMlStandin();

let server: FunctionProcess;
let key: string;
const startAdvice = (env: NodeJS.ProcessEnv = {}) =>
  startFunctionProcess('assets-advice', {
    DATABASE_URL: database.url(),
    ML_SERVICE_URL: ml.standin().url,
    NODE_OPTIONS: RUNTIME_NODE_OPTIONS,
    NODE_ENV: 'production',
    LOG_LEVEL: 'info',
    ...env,
  });
beforeAll(async () => {
  await seedDemoUsers();
  key = await loginAs('lyraking');
});
// Each test starts the function with the settings it needs.
afterEach(() => server?.stop());

/** One request on a connection of its own, kept alive as a real client's; resolves with its status, or the error that ended it. */
function advice(): Promise<number | string> {
  return new Promise((resolve) => {
    const request = http.get(
      {
        host: '127.0.0.1',
        port: server.port,
        path: '/api/v1/assets/advice/?risk_level=40',
        headers: { Authorization: `token ${key}` },
        agent: new http.Agent({ keepAlive: true }),
      },
      (response) => {
        response.resume();
        response.on('end', () => resolve(response.statusCode ?? 0));
      },
    );
    request.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
  });
}

it('answers every request in flight at SIGTERM, refuses new connections, and exits 0 within 10 s', async () => {
  server = await startAdvice();
  // Warm: the process has loaded what advice needs and holds pooled connections.
  const beforeWarm = ml.standin().requests;
  expect(await advice()).toBe(200);
  // Advice asks the service for the portfolio, then once per asset it recommends.
  const callsPerAdvice = ml.standin().requests - beforeWarm;
  // Each request now waits a second on the ML service: all 12 are in flight when the signal comes.
  ml.standin().setMode('slow', { route: 'stat' });
  const asked = ml.standin().requests;
  const inFlight = Array.from({ length: 12 }, () => advice());
  for (let tries = 0; ml.standin().requests < asked + 12 * callsPerAdvice && tries < 400; tries += 1) await new Promise((resolve) => setTimeout(resolve, 5));
  expect(ml.standin().requests).toBe(asked + 12 * callsPerAdvice);

  const signalled = Date.now();
  server.kill('SIGTERM');
  await new Promise((resolve) => setTimeout(resolve, 100));
  const afterSignal = await advice();

  expect(await Promise.all(inFlight)).toEqual(Array(12).fill(200));
  expect(afterSignal).toBe('ECONNREFUSED');
  expect(await server.exit).toBe('code 0');
  expect(Date.now() - signalled).toBeLessThan(10_000);
  expect(server.lines.some((line) => line.includes('SIGTERM: finishing'))).toBe(true);
  expect(server.lines.some((line) => line.includes('every request answered'))).toBe(true);
}, 30_000);

it('answers a request that would outlive the instance with a 503 or 504 before the kill, and still exits 0 in time', async () => {
  // A deadline and an ML timeout longer than Cloud Run's 10 s between SIGTERM and SIGKILL.
  server = await startAdvice({ REQUEST_DEADLINE_MS: '30000', ML_TIMEOUT_MS: '25000' });
  expect(await advice()).toBe(200);
  // Advice cannot answer without the recommended portfolio (a failed quote it can: statistics null).
  ml.standin().setMode('hang', { route: 'portfolio' });
  const asked = ml.standin().requests;
  const stuck = [advice(), advice()];
  for (let tries = 0; ml.standin().requests === asked && tries < 400; tries += 1) await new Promise((resolve) => setTimeout(resolve, 5));
  expect(ml.standin().requests).toBeGreaterThan(asked);

  const signalled = Date.now();
  server.kill('SIGTERM');
  // Brought forward to the drain's end, each deadline passes: 503 deadline_exceeded (or, for a call to the
  // service started after the signal, 504 ml_timeout just before it), which the client may retry elsewhere.
  const answers = await Promise.all(stuck);
  expect(answers.filter((status) => status !== 503 && status !== 504)).toEqual([]);
  expect(await server.exit).toBe('code 0');
  expect(Date.now() - signalled).toBeLessThan(10_000);
}, 30_000);
