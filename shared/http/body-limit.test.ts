import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { RUNTIME_NODE_OPTIONS } from '../../infra/settings';
import { seedDemoUsers } from '../demo/seed';
import { startFunctionProcess, type FunctionProcess } from '../../testing/function-process';
import { useTestDatabase } from '../../testing/test-database';

/**
 * An attacker's large bodies, sent to auth-login served by a process of its
 * own with the deploy's NODE_OPTIONS (a 192 MB heap): each is answered 413
 * long before it has all been sent, the process's memory does not grow with
 * them, and the same process then serves a normal login.
 */
const database = useTestDatabase();
const MB = 1024 * 1024;
const TOTAL = 30 * MB;
const PATH = '/api/v1/auth/login/';

let server: FunctionProcess;

beforeAll(async () => {
  await seedDemoUsers();
  server = await startFunctionProcess('auth-login', {
    DATABASE_URL: database.url(),
    NODE_OPTIONS: RUNTIME_NODE_OPTIONS,
    NODE_ENV: 'production',
    LOG_LEVEL: 'silent',
  });
  // Loaded once, so what the bodies cost is what the measurements show: the driver, bcrypt, the pool.
  expect(await normalLogin()).toBe(200);
}, 30_000);
afterAll(() => server?.stop());

/** The process's resident and peak memory, MB, from /proc. */
function memoryOf(processId: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${processId}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)![1]);
  return { rss: kb('VmRSS') / 1024, peak: kb('VmHWM') / 1024 };
}

interface Answer {
  status: number;
  headers: string;
  body: string;
  /** Body bytes written before the answer arrived (or the connection ended). */
  sent: number;
}

/**
 * Writes `head`, then up to TOTAL bytes of body in 64 KiB pieces (as chunks of
 * a chunked body, or raw for a declared length), stopping as soon as any byte
 * of the answer arrives or the server stops taking them; resolves with the
 * answer once the server closes the connection.
 */
function sendLargeBody(head: string[], chunked: boolean): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const socket = connect(server.port, '127.0.0.1');
    const received: Buffer[] = [];
    let sent = 0;
    let answered = false;
    let sentWhenAnswered = -1;
    socket.on('data', (data) => {
      received.push(data);
      if (!answered) sentWhenAnswered = sent;
      answered = true;
    });
    // The server cuts the connection after answering; a write that meets the cut is expected.
    socket.on('error', (error: NodeJS.ErrnoException) => {
      if (!['ECONNRESET', 'EPIPE'].includes(error.code ?? '')) reject(error);
    });
    socket.on('close', () => {
      const text = Buffer.concat(received).toString('utf8');
      const [headers, ...rest] = text.split('\r\n\r\n');
      resolve({ status: Number(headers.split(' ')[1]), headers, body: rest.join('\r\n\r\n'), sent: sentWhenAnswered === -1 ? sent : sentWhenAnswered });
    });
    // `[{},{},…]`: the body that, parsed, exhausted the heap.
    const piece = Buffer.from(`${'{},'.repeat((64 * 1024) / 3)}`);
    const write = async () => {
      socket.write(`${head.join('\r\n')}\r\n\r\n`);
      socket.write(chunked ? `1\r\n[\r\n` : '[');
      while (sent < TOTAL && !answered && !socket.destroyed && socket.writable) {
        const ok = socket.write(chunked ? Buffer.concat([Buffer.from(`${piece.length.toString(16)}\r\n`), piece, Buffer.from('\r\n')]) : piece);
        sent += piece.length;
        // Let the answer in between writes, as a client reading its socket would.
        await new Promise((next) => (ok ? setImmediate(next) : setTimeout(next, 5)));
      }
    };
    write().catch(reject);
  });
}

const declared = () => sendLargeBody([`POST ${PATH} HTTP/1.1`, 'Host: localhost', 'Content-Type: application/json', `Content-Length: ${TOTAL + 2}`], false);
const chunked = () => sendLargeBody([`POST ${PATH} HTTP/1.1`, 'Host: localhost', 'Content-Type: application/json', 'Transfer-Encoding: chunked'], true);

function expectRefused(answer: Answer) {
  expect(answer.status).toBe(413);
  expect(answer.headers).toMatch(/^Content-Type: application\/json/im);
  expect(answer.headers).toMatch(/^Connection: close/im);
  expect(JSON.parse(answer.body).error.code).toBe('payload_too_large');
  // Answered long before the 30 MB were sent: the server did not read them to decide.
  // (Up to ~10 MB fit in the two sockets' kernel buffers before any answer can be read.)
  expect(answer.sent).toBeLessThan(12 * MB);
}

async function normalLogin(): Promise<number> {
  const response = await fetch(`http://127.0.0.1:${server.port}${PATH}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ username: 'johnwick', password: 'johnwick' }),
  });
  await response.arrayBuffer();
  return response.status;
}

describe('a body past MAX_BODY_BYTES, sent to a function with the deploy’s heap', () => {
  it.each([
    ['before it is read when its length is declared', declared],
    ['as soon as a chunked body passes the limit', chunked],
  ])('is answered 413 %s, and the process serves the next login', async (_case, send) => {
    const before = memoryOf(server.pid);
    expectRefused(await send());
    expect(server.exited()).toBeUndefined();
    expect(await normalLogin()).toBe(200);
    expect(memoryOf(server.pid).peak - before.peak).toBeLessThan(32);
  });

  it('is refused for eight such bodies at once, in both forms, with memory flat', async () => {
    const before = memoryOf(server.pid);
    const answers = await Promise.all([declared(), chunked(), declared(), chunked(), declared(), chunked(), declared(), chunked()]);
    answers.forEach(expectRefused);
    expect(server.exited()).toBeUndefined();
    expect(await normalLogin()).toBe(200);
    expect(memoryOf(server.pid).peak - before.peak).toBeLessThan(32);
  });

  it('is refused without inviting the body when the client asks first (Expect: 100-continue)', async () => {
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = connect(server.port, '127.0.0.1');
      let text = '';
      socket.on('data', (data) => (text += data.toString('utf8')));
      socket.on('error', reject);
      socket.on('close', () => resolve(text));
      socket.write(
        [`POST ${PATH} HTTP/1.1`, 'Host: localhost', 'Content-Type: application/json', `Content-Length: ${TOTAL}`, 'Expect: 100-continue', '', ''].join('\r\n'),
      );
    });
    expect(answer).not.toContain('100 Continue');
    expect(answer).toMatch(/^HTTP\/1\.1 413 /);
  });

  it('refuses a compressed body with 415: it would inflate past any count', async () => {
    const response = await fetch(`http://127.0.0.1:${server.port}${PATH}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'Content-Encoding': 'gzip' },
      body: Buffer.from([0x1f, 0x8b]),
    });
    expect(response.status).toBe(415);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('unsupported_media_type');
  });

  it('still takes a body within the limit, chunked', async () => {
    const response = await fetch(`http://127.0.0.1:${server.port}${PATH}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: new Blob([JSON.stringify({ username: 'johnwick', password: 'johnwick' })]).stream(),
      duplex: 'half',
    } as RequestInit);
    expect(response.status).toBe(200);
  });
});
