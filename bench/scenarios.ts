import { randomInt, randomUUID } from 'node:crypto';
import { encodeUid } from '../shared/auth/reset-tokens';
import { passesLuhn } from '../shared/cards/card-number';
import { demoId } from '../shared/demo/seed';
import { HEAVY_USER } from './database';
import type { RequestSpec } from './load';

/**
 * What is measured. Keys come from logging in through the API before any
 * window (BenchContext); every request below is one a real client would send.
 */
export const USERS = ['johnwick', 'lyraking', 'alexray', HEAVY_USER.username] as const;
export type BenchUser = (typeof USERS)[number];

export interface BenchContext {
  keys: Record<BenchUser, string>;
  /** One fresh key per auth-logout cold start: logging out spends it. */
  logoutKeys: string[];
  /** One fresh key per auth-sessions-end cold start: each ends its own session. */
  sessionEndKeys: string[];
  /** What assets-advice answered johnwick for 100.00, ready to POST to /assets/. */
  purchaseBody: string;
}

const auth = (key: string) => ({ Authorization: `token ${key}` });
/** The session a key names: its JWT id. */
const sessionIdOf = (key: string) => (JSON.parse(Buffer.from(key.split('.')[1], 'base64url').toString()) as { jti: string }).jti;
/** What the password-change cold starts set, one after the other: spawn n changes the password of spawn n − 1 (the first, the bench user's own). */
const benchPassword = (spawn: number) => (spawn < 0 ? HEAVY_USER.username : `bench-passphrase-${spawn}`);
const JOHNWICK_WALLET = demoId('johnwick', 'wallet', 0);
// Top-ups go to alexray's wallet; the transactions scenario reads johnwick's, so its size stays put.
const TOPUP_WALLET = demoId('alexray', 'wallet', 0);
const JOHNWICK_UID = encodeUid(demoId('johnwick'));

export interface LoadScenario {
  id: string;
  /** The function serving it, or the floor server. */
  target: string;
  concurrency: number;
  /** Returns the per-request generator (called once per window, so counters such as a round-robin restart). */
  requests(ctx: BenchContext): () => RequestSpec;
  /** Moves money: check every balance against its transactions afterwards. */
  movesMoney?: boolean;
  note?: string;
}

const fixed = (spec: (ctx: BenchContext) => RequestSpec) => (ctx: BenchContext) => {
  const request = spec(ctx);
  return () => request;
};

const walletsList = fixed((ctx) => ({ method: 'GET', path: '/api/v1/wallets/', headers: auth(ctx.keys.lyraking) }));

export const LOAD_SCENARIOS: LoadScenario[] = [
  { id: 'floor', target: 'floor', concurrency: 10, requests: walletsList, note: 'node:http + mariadb doing GET /wallets/' },
  { id: 'wallets-list-c10', target: 'wallets-list', concurrency: 10, requests: walletsList },
  { id: 'wallets-list-c50', target: 'wallets-list', concurrency: 50, requests: walletsList },
  {
    id: 'wallets-transactions',
    target: 'wallets-transactions',
    concurrency: 10,
    requests: fixed((ctx) => ({ method: 'GET', path: `/api/v1/wallets/${JOHNWICK_WALLET}/transactions/`, headers: auth(ctx.keys.johnwick) })),
    note: 'johnwick, 4 transactions',
  },
  {
    id: 'wallets-topup',
    target: 'wallets-topup',
    concurrency: 10,
    requests: fixed((ctx) => ({ method: 'POST', path: `/api/v1/wallets/${TOPUP_WALLET}/topup/`, headers: auth(ctx.keys.alexray), body: '{"sum":"1.25"}' })),
    movesMoney: true,
    note: 'all on one wallet (row lock)',
  },
  {
    id: 'wallets-topup-idem',
    target: 'wallets-topup',
    concurrency: 10,
    requests: (ctx) => () => ({
      method: 'POST',
      path: `/api/v1/wallets/${TOPUP_WALLET}/topup/`,
      headers: { ...auth(ctx.keys.alexray), 'Idempotency-Key': randomUUID() },
      body: '{"sum":"1.25"}',
    }),
    movesMoney: true,
    note: 'a fresh Idempotency-Key each',
  },
  {
    id: 'auth-login',
    target: 'auth-login',
    // Each attempt is counted before its password is checked, and a success clears the
    // count: 4 workers over 4 users hold one check per username, far below the throttle's
    // limit (LOGIN_MAX_FAILURES + IN_FLIGHT_ALLOWANCE, shared/auth/login-throttle.ts).
    // Each request comes from a client of its own, as Google's front end would say
    // (shared/http/client-address.ts): every login pays for its client's row, none is
    // refused by LOGIN_CLIENT_MAX_CHECKS; 4 at once fill PASSWORD_CHECKS_PER_INSTANCE's default.
    concurrency: 4,
    requests: () => {
      let turn = 0;
      return () => {
        const username = USERS[turn % USERS.length];
        const client = `10.${(turn >> 16) & 255}.${(turn >> 8) & 255}.${turn & 255}`;
        turn += 1;
        return {
          method: 'POST',
          path: '/api/v1/auth/login/',
          headers: { 'X-Forwarded-For': `${client}, 35.191.0.1` },
          body: JSON.stringify({ username, password: username }),
        };
      };
    },
    note: 'c=4 over 4 users (throttle) from a new client each, bcrypt cost 10',
  },
  {
    id: 'wallets-expenses-stat',
    target: 'wallets-expenses-stat',
    concurrency: 10,
    requests: fixed((ctx) => ({ method: 'GET', path: '/api/v1/wallets/expenses/stat/', headers: auth(ctx.keys[HEAVY_USER.username]) })),
    note: '100,000 transactions over a year, no range',
  },
  {
    id: 'assets-list',
    target: 'assets-list',
    concurrency: 10,
    requests: fixed((ctx) => ({ method: 'GET', path: '/api/v1/assets/', headers: auth(ctx.keys.lyraking) })),
    note: 'lyraking, 7 assets (7 ML calls)',
  },
  {
    id: 'assets-advice',
    target: 'assets-advice',
    concurrency: 10,
    requests: fixed((ctx) => ({ method: 'GET', path: '/api/v1/assets/advice/?risk_level=50', headers: auth(ctx.keys.lyraking) })),
    note: 'lyraking, ML stand-in',
  },
  {
    // alexray, not johnwick: purchases add two transactions each, and johnwick's statement is what wallets-transactions reads.
    id: 'assets-purchase',
    target: 'assets-purchase',
    concurrency: 10,
    requests: fixed((ctx) => ({ method: 'POST', path: '/api/v1/assets/', headers: auth(ctx.keys.alexray), body: ctx.purchaseBody })),
    movesMoney: true,
    note: 'alexray, 100.00 of advice, each selling the one before (row lock)',
  },
];

/**
 * The request whose first answer ends a cold start, for every function in
 * the registry (bench/scenarios.test.ts fails, naming it, for a function
 * without one, so `npm test` finds it before CI's `bench --smoke` does). `expect: 'any'` marks functions that cannot answer 2xx here
 * (seed-demo-users wants a Cloud Scheduler OIDC token): their first HTTP answer counts.
 */
export interface ColdStartProbe {
  expect: '2xx' | 'any';
  request(ctx: BenchContext, spawn: number): RequestSpec;
  /** Extra environment the function refuses to start without. */
  env?: Record<string, string>;
}

/** 16 digits starting with 9 (no demo card does), the last one making the Luhn check pass, as wallets-create requires. */
const randomCard = () => {
  const digits = `9${String(randomInt(1e9)).padStart(9, '0')}${String(randomInt(1e5)).padStart(5, '0')}`;
  return digits + [...'0123456789'].find((check) => passesLuhn(digits + check));
};

export const COLD_START_PROBES: Record<string, ColdStartProbe> = {
  // A client of its own per spawn, as for the load: the preparation's logins came from the bench's address.
  'auth-login': {
    expect: '2xx',
    request: (_ctx, spawn) => ({
      method: 'POST',
      path: '/api/v1/auth/login/',
      headers: { 'X-Forwarded-For': `10.255.0.${spawn}, 35.191.0.1` },
      body: '{"username":"johnwick","password":"johnwick"}',
    }),
  },
  'auth-logout': { expect: '2xx', request: (ctx, spawn) => ({ method: 'POST', path: '/api/v1/auth/logout/', headers: auth(ctx.logoutKeys[spawn]) }) },
  'auth-user': { expect: '2xx', request: (ctx) => ({ method: 'GET', path: '/api/v1/auth/user/', headers: auth(ctx.keys.johnwick) }) },
  'auth-user-update': {
    expect: '2xx',
    request: (ctx) => ({ method: 'PATCH', path: '/api/v1/auth/user/', headers: auth(ctx.keys.johnwick), body: '{"first_name":"John"}' }),
  },
  // The heavy user's, whose key is only used before the cold starts (by wallets-expenses-stat's load): the change ends its other sessions.
  'auth-password-change': {
    expect: '2xx',
    request: (ctx, spawn) => ({
      method: 'POST',
      path: '/api/v1/auth/password/change/',
      headers: auth(ctx.keys[HEAVY_USER.username]),
      body: JSON.stringify({ old_password: benchPassword(spawn - 1), new_password1: benchPassword(spawn), new_password2: benchPassword(spawn) }),
    }),
  },
  'auth-sessions-list': { expect: '2xx', request: (ctx) => ({ method: 'GET', path: '/api/v1/auth/sessions/', headers: auth(ctx.keys.johnwick) }) },
  'auth-sessions-end': {
    expect: '2xx',
    request: (ctx, spawn) => ({
      method: 'DELETE',
      path: `/api/v1/auth/sessions/${sessionIdOf(ctx.sessionEndKeys[spawn])}/`,
      headers: auth(ctx.sessionEndKeys[spawn]),
    }),
  },
  'auth-password-reset': {
    expect: '2xx',
    // A known address, so the token is made and the message sent (to the bench's mail catcher).
    // A client of its own per spawn: login and reset requests share the per-client allowance (shared/auth/client-throttle).
    request: (_ctx, spawn) => ({
      method: 'POST',
      path: '/api/v1/auth/password/reset/',
      headers: { 'X-Forwarded-For': `10.255.1.${spawn}, 35.191.0.1` },
      body: '{"email":"johnwick@example.com"}',
    }),
    // The fixed answer time (1.5 s by default) is not start-up; one address asks once per spawn.
    env: { PASSWORD_RESET_ANSWER_MS: '1', PASSWORD_RESET_MAX_REQUESTS: '1000' },
  },
  // A valid token would have to be read from the mail: a well-formed confirmation whose token fails
  // answers 400 after the user's row is read and the token checked (no bcrypt, no transaction).
  'auth-password-reset-confirm': {
    expect: 'any',
    request: () => ({
      method: 'POST',
      path: '/api/v1/auth/password/reset/confirm/',
      body: JSON.stringify({ uid: JOHNWICK_UID, token: '0-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', new_password1: 'x', new_password2: 'x' }),
    }),
  },
  'seed-demo-users': {
    expect: 'any',
    request: () => ({ method: 'POST', path: '/internal/seed-demo-users/' }),
    env: { SCHEDULER_AUDIENCE: 'https://bench.invalid/seed', SCHEDULER_SERVICE_ACCOUNT: 'scheduler@bench.invalid' },
  },
  'wallets-list': { expect: '2xx', request: (ctx) => walletsList(ctx)() },
  'wallets-create': {
    expect: '2xx',
    request: (ctx) => ({
      method: 'POST',
      path: '/api/v1/wallets/',
      headers: auth(ctx.keys.alexray),
      body: JSON.stringify({ bank_name: 'Cold start', card_number: randomCard() }),
    }),
  },
  'wallets-expenses-stat': { expect: '2xx', request: (ctx) => ({ method: 'GET', path: '/api/v1/wallets/expenses/stat/', headers: auth(ctx.keys.johnwick) }) },
  'wallets-topup': {
    expect: '2xx',
    request: (ctx) => ({ method: 'POST', path: `/api/v1/wallets/${TOPUP_WALLET}/topup/`, headers: auth(ctx.keys.alexray), body: '{"sum":"1.00"}' }),
  },
  'wallets-transactions': {
    expect: '2xx',
    request: (ctx) => ({ method: 'GET', path: `/api/v1/wallets/${JOHNWICK_WALLET}/transactions/`, headers: auth(ctx.keys.johnwick) }),
  },
  'assets-list': { expect: '2xx', request: (ctx) => ({ method: 'GET', path: '/api/v1/assets/', headers: auth(ctx.keys.lyraking) }) },
  'assets-purchase': {
    expect: '2xx',
    request: (ctx) => ({ method: 'POST', path: '/api/v1/assets/', headers: auth(ctx.keys.johnwick), body: ctx.purchaseBody }),
  },
  'assets-advice': { expect: '2xx', request: (ctx) => ({ method: 'GET', path: '/api/v1/assets/advice/?risk_level=50', headers: auth(ctx.keys.lyraking) }) },
  'assets-stat': { expect: '2xx', request: (ctx) => ({ method: 'GET', path: '/api/v1/assets/AAPL/stat/', headers: auth(ctx.keys.johnwick) }) },
  docs: { expect: '2xx', request: () => ({ method: 'GET', path: '/openapi.json' }) },
};
