import { createServer, request as forward, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';

/**
 * An ML service turned against us, over real HTTP, for the tests of
 * shared/ml/answer-limits: every request on any path gets the answer last
 * set, for its `asset_name` or for all. Large bodies are generated as they are sent, with backpressure, so the
 * test process holds none of them; `sent` counts what was written before the
 * client hung up.
 */
export type HostileAnswer =
  /** A valid stat answer padded with an extra field to `bytes`: read whole, it parses. */
  | { kind: 'padded-stat'; bytes: number; declareLength: boolean }
  /** A valid stat answer padded to `inflatedBytes`, gzip-compressed to about a thousandth of that. */
  | { kind: 'gzip-bomb'; inflatedBytes: number }
  /** A valid history of `entries` days. */
  | { kind: 'history'; entries: number }
  /** A redirect to `location`. */
  | { kind: 'redirect'; status: 301 | 302 | 303 | 307 | 308; location: string }
  /** A valid stat's first bytes, then nothing: the body never ends. */
  | { kind: 'trickle' }
  /** A stat at `price`. */
  | { kind: 'stat'; price: number }
  /** Whatever the service at `to` (the stand-in) answers: the well-behaved part of the service. */
  | { kind: 'forward'; to: string };

export interface HostileMl {
  /** Base URL, no trailing slash. */
  readonly url: string;
  readonly requests: number;
  /** Body bytes written so far, over every request. */
  readonly sent: number;
  /** The Accept-Encoding of the latest request. */
  readonly lastAcceptEncoding: string | undefined;
  /** For every request, or only for those asking about `assetName`. */
  answer(answer: HostileAnswer, assetName?: string): void;
  close(): Promise<void>;
}

const PIECE = 64 * 1024;

/** Until the client takes more, or goes. */
const drained = (res: ServerResponse) =>
  new Promise<void>((resolve) => {
    const done = () => {
      res.off('drain', done).off('close', done);
      resolve();
    };
    res.on('drain', done).on('close', done);
  });
const statHead = (price: number) => `{"current_price":${price},"change_for_day":0.5,"long_name":"Apple Inc.","pad":"`;
const STAT_TAIL = '"}';

export async function startHostileMl(): Promise<HostileMl> {
  let current: HostileAnswer = { kind: 'stat', price: 100 };
  const perAsset = new Map<string, HostileAnswer>();
  let requests = 0;
  let sent = 0;
  let lastAcceptEncoding: string | undefined;

  /** Writes head, then `padding` bytes of 'a', then tail; stops when the client goes. */
  async function stream(res: ServerResponse, head: string, padding: number, tail: string): Promise<void> {
    const piece = Buffer.alloc(PIECE, 'a');
    const write = (chunk: Buffer | string) => {
      sent += Buffer.byteLength(chunk);
      return res.write(chunk);
    };
    write(head);
    for (let left = padding; left > 0 && !res.destroyed; left -= PIECE) {
      if (!write(left >= PIECE ? piece : piece.subarray(0, left))) await drained(res);
    }
    if (!res.destroyed) res.end(tail);
  }

  const server = createServer((req, res) => {
    requests += 1;
    lastAcceptEncoding = req.headers['accept-encoding'];
    res.on('error', () => undefined);
    const assetName = new URL(req.url ?? '/', 'http://hostile.local').searchParams.get('asset_name');
    const answer = (assetName && perAsset.get(assetName)) || current;
    switch (answer.kind) {
      case 'forward':
        req.pipe(
          forward(`${answer.to}${req.url}`, { method: req.method, headers: req.headers }, (upstream) => {
            res.writeHead(upstream.statusCode ?? 502, upstream.headers);
            upstream.pipe(res);
          }).on('error', () => res.destroy()),
        );
        return;
      case 'stat':
        res
          .writeHead(200, { 'Content-Type': 'application/json' })
          .end(JSON.stringify({ current_price: answer.price, change_for_day: 0, long_name: 'Elsewhere' }));
        return;
      case 'padded-stat': {
        const head = statHead(100);
        const padding = answer.bytes - head.length - STAT_TAIL.length;
        res.writeHead(200, { 'Content-Type': 'application/json', ...(answer.declareLength ? { 'Content-Length': answer.bytes } : {}) });
        void stream(res, head, padding, STAT_TAIL);
        return;
      }
      case 'gzip-bomb': {
        // Gzip members may follow one another (RFC 1952 §2.2): one megabyte of padding compressed once, sent again and again.
        const megabyte = gzipSync(Buffer.alloc(1024 * 1024, 'a'));
        const head = gzipSync(statHead(100));
        const tail = gzipSync(STAT_TAIL);
        const members = Math.ceil(answer.inflatedBytes / (1024 * 1024));
        res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Encoding': 'gzip' });
        void (async () => {
          sent += head.length;
          res.write(head);
          for (let member = 0; member < members && !res.destroyed; member += 1) {
            sent += megabyte.length;
            if (!res.write(megabyte)) await drained(res);
          }
          if (!res.destroyed) res.end(tail);
        })();
        return;
      }
      case 'history': {
        const day = 86_400_000;
        const history = Object.fromEntries(Array.from({ length: answer.entries }, (_, index) => [String(1_600_000_000_000 + index * day), 100 + (index % 7)]));
        res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' }).end(JSON.stringify(history));
        return;
      }
      case 'redirect':
        res.writeHead(answer.status, { Location: answer.location, 'Content-Length': 0 }).end();
        return;
      case 'trickle':
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.write(statHead(100));
        return;
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    get requests() {
      return requests;
    },
    get sent() {
      return sent;
    },
    get lastAcceptEncoding() {
      return lastAcceptEncoding;
    },
    answer: (answer, assetName) => {
      if (assetName) perAsset.set(assetName, answer);
      else current = answer;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
