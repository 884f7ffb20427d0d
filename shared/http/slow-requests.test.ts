import { connect } from 'node:net';
import { RUNTIME_NODE_OPTIONS } from '../../infra/settings';
import { seedDemoUsers } from '../demo/seed';
import { startFunctionProcess, type FunctionProcess } from '../../testing/function-process';
import { useTestDatabase } from '../../testing/test-database';

/**
 * Slow bodies, sent the way the attack did (a declared Content-Length, then a
 * byte at a time) to auth-login served by the framework's own CLI in a
 * process of its own, with the deploy's NODE_OPTIONS: each is cut with a JSON
 * 408 once REQUEST_RECEIVE_TIMEOUT_MS has passed, the server closing the
 * connection; and a body still arriving when SIGTERM comes is answered with a
 * JSON 503, never the framework's crash page.
 */
const database = useTestDatabase();
const PATH = '/api/v1/auth/login/';
const BODY = JSON.stringify({ username: 'johnwick', password: 'johnwick' });

let server: FunctionProcess | undefined;
const start = (env: NodeJS.ProcessEnv) =>
  startFunctionProcess('auth-login', { DATABASE_URL: database.url(), NODE_OPTIONS: RUNTIME_NODE_OPTIONS, NODE_ENV: 'production', LOG_LEVEL: 'info', ...env });

beforeAll(() => seedDemoUsers());
afterEach(() => server?.stop());

interface Answer {
  status: number;
  headers: Record<string, string>;
  body: string;
  /** The server ended the connection (its FIN reached us) before we ended it. */
  closedByServer: boolean;
}

interface SlowRequest {
  /** Resolves once the server has the request: its `100 Continue` arrived. */
  seen: Promise<void>;
  answer: Promise<Answer>;
  /** Starts sending the rest of the body a byte at a time, every `everyMs`, until the server closes the connection. */
  trickle(everyMs: number): void;
}

interface SlowLoginOptions {
  /** Write the rest of the body the moment the answer arrives. */
  restWhenAnswered?: boolean;
  /**
   * Send `Expect: 100-continue` and hold the body until the server's `100
   * Continue` says it has the request (default); without it, the body follows
   * the headers at once, as the attack sent it.
   */
  expectContinue?: boolean;
}

/** A login whose headers declare the whole body and whose body then arrives as the test says. */
function slowLogin(port: number, firstBytes: number, { restWhenAnswered = false, expectContinue = true }: SlowLoginOptions = {}): SlowRequest {
  const socket = connect(port, '127.0.0.1');
  const received: Buffer[] = [];
  let closedByServer = false;
  let sent = firstBytes;
  let ticker: NodeJS.Timeout | undefined;
  let seen!: () => void;
  const seenPromise = new Promise<void>((resolve) => (seen = resolve));
  socket.on('data', (data) => {
    received.push(data);
    const text = Buffer.concat(received).toString('latin1');
    if (text.startsWith('HTTP/1.1 100')) seen();
    if (restWhenAnswered && /^HTTP\/1\.1 [2-5]/m.test(text) && sent < BODY.length) {
      clearInterval(ticker);
      socket.write(BODY.slice(sent));
      sent = BODY.length;
    }
  });
  socket.on('end', () => {
    closedByServer = true;
    clearInterval(ticker);
    socket.end();
  });
  // A byte written as the server cuts the connection meets a reset: expected.
  socket.on('error', () => clearInterval(ticker));
  const answer = new Promise<Answer>((resolve) =>
    socket.on('close', () => {
      clearInterval(ticker);
      const text = Buffer.concat(received)
        .toString('utf8')
        .replace(/^HTTP\/1\.1 100 Continue\r\n\r\n/, '');
      const [head, ...rest] = text.split('\r\n\r\n');
      const [statusLine, ...headerLines] = head.split('\r\n');
      const headers = Object.fromEntries(headerLines.map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]));
      resolve({ status: Number(statusLine.split(' ')[1]), headers, body: rest.join('\r\n\r\n'), closedByServer });
    }),
  );
  const expect100 = expectContinue ? ['Expect: 100-continue'] : [];
  socket.write(
    [`POST ${PATH} HTTP/1.1`, 'Host: localhost', 'Content-Type: application/json', `Content-Length: ${BODY.length}`, ...expect100, '', ''].join('\r\n'),
  );
  if (!expectContinue) seen();
  void seenPromise.then(() => socket.write(BODY.slice(0, firstBytes)));
  return {
    seen: seenPromise,
    answer,
    trickle: (everyMs) => {
      ticker = setInterval(() => {
        if (sent < BODY.length - 1 && socket.writable) socket.write(BODY[sent++]);
      }, everyMs);
    },
  };
}

const linesWith = (text: string) => server!.lines.filter((line) => line.includes(text));

describe('with REQUEST_RECEIVE_TIMEOUT_MS at 1 s', () => {
  beforeEach(async () => {
    server = await start({ REQUEST_RECEIVE_TIMEOUT_MS: '1000' });
  });

  it('cuts a body sent a byte at a time with a JSON 408 that closes the connection, and runs no function for it', async () => {
    const request = slowLogin(server!.port, 2, { expectContinue: false });
    await request.seen;
    // A byte every 100 ms would take ~4 s; the body never completes before the cut.
    request.trickle(100);
    const answer = await request.answer;
    expect(answer.status).toBe(408);
    expect(answer.headers['content-type']).toMatch(/^application\/json/);
    expect(answer.headers.connection).toBe('close');
    expect(answer.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(JSON.parse(answer.body).error.code).toBe('request_timeout');
    expect(answer.closedByServer).toBe(true);
    expect(linesWith(`${PATH} 408`)).toHaveLength(1);
    // The password was never checked: no 401, no 200 for it.
    expect(linesWith(`${PATH} 401`).concat(linesWith(`${PATH} 200`))).toEqual([]);
  }, 30_000);

  it('runs no function for a body that completes just after the 408', async () => {
    // As soon as the 408 arrives, the rest of the body: the server still reads (and drops) what arrives for a moment.
    const request = slowLogin(server!.port, 2, { restWhenAnswered: true });
    await request.seen;
    request.trickle(100);
    expect((await request.answer).status).toBe(408);
    // A normal login on a new connection shows the process still serves, and gives its log time to be written after any the cut one made.
    const after = slowLogin(server!.port, BODY.length);
    const normal = await after.answer;
    expect(normal.status).toBe(200);
    expect(linesWith(`${PATH} 200`)).toHaveLength(1);
    expect(linesWith(`${PATH} 401`)).toEqual([]);
  }, 30_000);

  it('cuts 50 slow bodies at once, closing every connection, and then serves a normal login', async () => {
    const requests = Array.from({ length: 50 }, () => slowLogin(server!.port, 1));
    await Promise.all(requests.map((request) => request.seen));
    for (const request of requests) request.trickle(200);
    const answers = await Promise.all(requests.map((request) => request.answer));
    expect(answers.map((answer) => answer.status)).toEqual(Array(50).fill(408));
    expect(answers.every((answer) => answer.closedByServer)).toBe(true);
    expect(new Set(answers.map((answer) => answer.headers['x-request-id'])).size).toBe(50);
    expect((await slowLogin(server!.port, BODY.length).answer).status).toBe(200);
  }, 30_000);
});

it('answers a body still arriving at SIGTERM with a JSON 503 and Connection: close, and exits 0', async () => {
  // The receive limit as long as the deadline: what cuts the body here is the shutdown.
  server = await start({ REQUEST_RECEIVE_TIMEOUT_MS: '10000' });
  const request = slowLogin(server.port, Math.floor(BODY.length / 2));
  await request.seen;
  server.kill('SIGTERM');
  const answer = await request.answer;
  expect(answer.status).toBe(503);
  expect(answer.headers['content-type']).toMatch(/^application\/json/);
  expect(answer.headers.connection).toBe('close');
  expect(answer.headers['retry-after']).toBe('1');
  expect(answer.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  expect(JSON.parse(answer.body).error.code).toBe('shutting_down');
  expect(answer.closedByServer).toBe(true);
  expect(await server.exit).toBe('code 0');
  expect(linesWith('every request answered')).toHaveLength(1);
}, 30_000);
