import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ML_REJECTIONS } from '../../shared/ml/errors';
import { findTicker } from '../../shared/ml/tickers';
import { historyFor, lastCloseTimestamp, quoteFor } from './market-data';
import { recommendPortfolio } from './portfolio';

/**
 * Local stand-in for the investment recommendation service (SPEC §6): same
 * routes, status codes, plain-text error texts and content types, with
 * deterministic data, plus switchable failures so callers' error paths can be
 * exercised over real HTTP.
 */

export type MlStandinMode = 'normal' | 'error500' | 'hang' | 'slow' | 'garbage' | 'wrong-shape';
export type MlStandinRoute = 'portfolio' | 'stat' | 'detailed' | 'history';

/** Narrows a failure to one route and/or one asset; unset fields match everything. */
export interface MlStandinScope {
  route?: MlStandinRoute;
  assetName?: string;
}

export interface MlStandinRequest {
  method: string;
  path: string;
  query: Record<string, string>;
}

export interface MlStandin {
  /** Base URL without a trailing slash, e.g. `http://127.0.0.1:40123`. */
  readonly url: string;
  /** How many requests reached the service routes (control calls excluded). */
  readonly requests: number;
  readonly log: readonly MlStandinRequest[];
  /**
   * `normal` without a scope clears every failure; with a scope it clears that
   * scope's failure. Any other mode fails the requests the scope matches.
   */
  setMode(mode: MlStandinMode, scope?: MlStandinScope): void;
  /** Stops listening and drops open connections, hanging requests included. */
  close(): Promise<void>;
}

export const ML_STANDIN_MODES: readonly MlStandinMode[] = ['normal', 'error500', 'hang', 'slow', 'garbage', 'wrong-shape'];
/** How late `slow` answers: inside the client's timeout, long enough for another request to land meanwhile. */
const SLOW_ANSWER_MS = 1000;
const ROUTES: Record<string, MlStandinRoute> = {
  '/': 'portfolio',
  '/stat/': 'stat',
  '/stat/detailed/': 'detailed',
  '/stat/history/': 'history',
};

export const KNOWN_ML_UUIDS: readonly string[] = ['user-0000000000000001', 'user-0000000000000501', 'user-0000000000000999'];
/** Used when a caller sends no riskAversion: the middle of the scale (risk level 50). */
export const DEFAULT_RISK_AVERSION = 0.5;

const MAX_LOGGED_REQUESTS = 1000;
// What a Python float() would accept, minus signs, infinities and NaN.
const DECIMAL_TEXT = /^(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?$/;

const JSON_TYPE = 'application/json';
const TEXT_TYPE = 'text/plain; charset=utf-8';
// The real service sends the history with this type; callers must not trust it.
const HTML_TYPE = 'text/html; charset=utf-8';

interface Reply {
  status: number;
  contentType: string;
  body: string;
}

const text = (status: number, body: string): Reply => ({ status, contentType: TEXT_TYPE, body });
const json = (body: unknown, contentType = JSON_TYPE): Reply => ({ status: 200, contentType, body: JSON.stringify(body) });

type Outcome = Reply | 'hang' | 'slow';

function failure(mode: Exclude<MlStandinMode, 'normal'>): Outcome {
  switch (mode) {
    case 'error500':
      return text(500, 'Internal Server Error');
    case 'hang':
    case 'slow':
      return mode;
    case 'garbage':
      return { status: 200, contentType: HTML_TYPE, body: '<html><body><h1>502 Bad Gateway</h1></body></html>' };
    case 'wrong-shape':
      return json({ status: 'ok', data: [1, 2, 3] });
  }
}

function portfolio(query: URLSearchParams): Reply {
  const uuid = query.get('uuid');
  if (!uuid) return text(400, ML_REJECTIONS.uuidMissing);
  if (!KNOWN_ML_UUIDS.includes(uuid)) return text(400, ML_REJECTIONS.uuidUnknown);
  const rawAversion = query.get('riskAversion');
  const riskAversion = rawAversion === null ? DEFAULT_RISK_AVERSION : Number(rawAversion);
  if (rawAversion !== null && (!DECIMAL_TEXT.test(rawAversion) || riskAversion < 0 || riskAversion > 1)) {
    return text(400, ML_REJECTIONS.riskAversionInvalid);
  }
  return json(recommendPortfolio(uuid, riskAversion));
}

function assetRoute(route: Exclude<MlStandinRoute, 'portfolio'>, query: URLSearchParams): Reply {
  const assetName = query.get('asset_name');
  if (!assetName) return text(400, ML_REJECTIONS.assetNameMissing);
  const ticker = findTicker(assetName);
  if (!ticker) return text(400, ML_REJECTIONS.assetNameUnknown);

  const now = new Date();
  const quote = quoteFor(ticker);
  switch (route) {
    case 'stat':
      return json({ current_price: quote.current_price, change_for_day: quote.change_for_day, long_name: quote.long_name });
    case 'detailed':
      return json({ ...quote, timestamp: lastCloseTimestamp(now) });
    case 'history':
      return json(historyFor(ticker, now), HTML_TYPE);
  }
}

interface Fault extends MlStandinScope {
  mode: Exclude<MlStandinMode, 'normal'>;
}

const sameScope = (a: MlStandinScope, b: MlStandinScope) => a.route === b.route && a.assetName === b.assetName;
const inScope = (fault: Fault, route: MlStandinRoute, assetName: string | null) =>
  (fault.route === undefined || fault.route === route) && (fault.assetName === undefined || fault.assetName === assetName);

function parseControl(body: string): { mode: MlStandinMode; scope: MlStandinScope } | undefined {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const { mode, route, assetName } = value as Record<string, unknown>;
  if (!ML_STANDIN_MODES.includes(mode as MlStandinMode)) return undefined;
  if (route !== undefined && !Object.values(ROUTES).includes(route as MlStandinRoute)) return undefined;
  if (assetName !== undefined && typeof assetName !== 'string') return undefined;
  return { mode: mode as MlStandinMode, scope: { route: route as MlStandinRoute | undefined, assetName } };
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function send(res: ServerResponse, reply: Reply): void {
  res.writeHead(reply.status, { 'Content-Type': reply.contentType, 'Content-Length': Buffer.byteLength(reply.body) });
  res.end(reply.body);
}

export async function startMlStandin(options: { port?: number; host?: string } = {}): Promise<MlStandin> {
  const faults: Fault[] = [];
  const log: MlStandinRequest[] = [];
  // Counted apart from the log, which keeps only the latest requests.
  let requests = 0;

  function setMode(mode: MlStandinMode, scope: MlStandinScope = {}): void {
    if (mode === 'normal' && scope.route === undefined && scope.assetName === undefined) {
      faults.length = 0;
      return;
    }
    const existing = faults.findIndex((fault) => sameScope(fault, scope));
    if (existing >= 0) faults.splice(existing, 1);
    // Newest first, so a narrower failure set later wins over an older broad one.
    if (mode !== 'normal') faults.unshift({ mode, route: scope.route, assetName: scope.assetName });
  }

  async function control(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method !== 'POST') return send(res, text(405, 'Method Not Allowed'));
    const parsed = parseControl(await readBody(req));
    if (!parsed) return send(res, text(400, `Expected {"mode": one of ${ML_STANDIN_MODES.join(', ')}, "route"?, "assetName"?}`));
    setMode(parsed.mode, parsed.scope);
    send(res, json({ faults }));
  }

  function serve(req: IncomingMessage, res: ServerResponse, url: URL): void {
    requests += 1;
    log.push({ method: req.method ?? 'GET', path: url.pathname, query: Object.fromEntries(url.searchParams) });
    // Tests read the latest requests; under npm start it must not grow for ever.
    if (log.length > MAX_LOGGED_REQUESTS) log.splice(0, log.length - MAX_LOGGED_REQUESTS);
    const route = ROUTES[url.pathname];
    if (!route) return send(res, text(404, 'Not Found'));
    if (req.method !== 'GET') return send(res, text(405, 'Method Not Allowed'));

    const fault = faults.find((candidate) => inScope(candidate, route, url.searchParams.get('asset_name')));
    const answer = () => (route === 'portfolio' ? portfolio(url.searchParams) : assetRoute(route, url.searchParams));
    const outcome = fault ? failure(fault.mode) : answer();
    // A hanging request is answered never; close() destroys its socket.
    // A slow answer whose connection close() destroyed meanwhile is not sent, nor does its timer keep the process up.
    if (outcome === 'slow') setTimeout(() => res.destroyed || send(res, answer()), SLOW_ANSWER_MS).unref();
    else if (outcome !== 'hang') send(res, outcome);
  }

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://ml-standin.local');
    if (url.pathname === '/__control') {
      control(req, res).catch(() => send(res, text(500, 'Internal Server Error')));
      return;
    }
    serve(req, res, url);
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  // Listening on every interface still means "call me on loopback" to a local client.
  const reachable = address.address === '0.0.0.0' ? '127.0.0.1' : address.address === '::' ? '::1' : address.address;
  const host = reachable.includes(':') ? `[${reachable}]` : reachable;

  return {
    url: `http://${host}:${address.port}`,
    get requests() {
      return requests;
    },
    log,
    setMode,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}
