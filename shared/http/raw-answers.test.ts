import type { Server } from 'node:http';
import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import { getTestServer } from '@google-cloud/functions-framework/testing';
import '../../functions/index';
import { useTestDatabase } from '../../testing/test-database';

/**
 * Answers the framework or Node's HTTP parser give before any function runs,
 * over a real socket: supertest cannot send 20 KB of headers or 3,000 of them.
 */
useTestDatabase();

let server: Server;
beforeAll(async () => {
  server = getTestServer('wallets-topup') as Server;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
});
afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Writes `head` (and `body`) as they are and reads the answer until the server closes the connection. */
function rawRequest(head: string, body = ''): Promise<RawAnswer> {
  const { port } = server.address() as AddressInfo;
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const [headText, ...rest] = text.split('\r\n\r\n');
      const [statusLine, ...headerLines] = headText.split('\r\n');
      const headers = Object.fromEntries(headerLines.map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]));
      resolve({ status: Number(statusLine.split(' ')[1]), headers, body: rest.join('\r\n\r\n') });
    });
    socket.write(`${head}\r\n\r\n${body}`);
  });
}

const request = (method: string, target: string, headers: string[] = [], body = '') =>
  rawRequest(
    [`${method} ${target} HTTP/1.1`, 'Host: localhost', 'Connection: close', ...headers, ...(body ? [`Content-Length: ${Buffer.byteLength(body)}`] : [])].join(
      '\r\n',
    ),
    body,
  );

function expectErrorShape(answer: RawAnswer, status: number, code: string) {
  expect(answer.status).toBe(status);
  expect(answer.headers['x-request-id']).toMatch(/^[\w.:-]{1,128}$/);
  expect(answer.headers['content-type']).toMatch(/^application\/json/);
  // A chunked body would not parse as JSON; every answer here has a length.
  expect(JSON.parse(answer.body)).toEqual({ error: { code, message: expect.any(String), details: expect.any(Array) } });
}

describe("the framework's own routes answer in the error shape", () => {
  it.each([
    ['GET', '/favicon.ico'],
    ['GET', '/robots.txt'],
    ['POST', '/favicon.ico'],
    ['POST', '/robots.txt'],
    ['GET', '/favicon.ico/anything'],
  ])('%s %s is a JSON 404 with a request id', async (method, path) => {
    const answer = await request(method, path, method === 'POST' ? ['Content-Type: application/json'] : [], method === 'POST' ? '{}' : '');
    expectErrorShape(answer, 404, 'not_found');
  });
});

describe("requests Node's HTTP parser refuses answer in the error shape", () => {
  const long = 'a'.repeat(20 * 1024);

  it('a 20 KB Authorization header is a JSON 431 with a request id', async () => {
    const answer = await request('POST', '/api/v1/wallets/x/topup/', [`Authorization: token ${long}`]);
    expectErrorShape(answer, 431, 'headers_too_large');
    expect(answer.headers.connection).toBe('close');
  });

  it('a 20 KB query string is a JSON 431', async () => {
    const answer = await request('GET', `/api/v1/wallets/?q=${long}`);
    expectErrorShape(answer, 431, 'headers_too_large');
  });

  it('3,000 headers are a JSON 431', async () => {
    const answer = await request(
      'GET',
      '/api/v1/wallets/',
      Array.from({ length: 3000 }, (_, index) => `X-H${index}: v`),
    );
    expectErrorShape(answer, 431, 'headers_too_large');
  });

  it('a request line that is not HTTP is a JSON 400', async () => {
    const answer = await rawRequest('NOT HTTP AT ALL');
    expectErrorShape(answer, 400, 'bad_request');
  });

  it('a header with a control character is a JSON 400', async () => {
    const answer = await request('GET', '/api/v1/wallets/', ['X-Bad: a\x01b']);
    expectErrorShape(answer, 400, 'bad_request');
  });

  it('still serves a normal request on the same server afterwards', async () => {
    const answer = await request('GET', '/api/v1/wallets/x/topup/');
    expectErrorShape(answer, 405, 'method_not_allowed');
  });
});
