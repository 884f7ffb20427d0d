/* eslint-disable @typescript-eslint/no-require-imports -- handlers are required on first use, see `define` */
import type { Endpoint, FunctionDefinition } from '../shared/http/endpoint';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyEndpoint = Endpoint<any, any, any, any>;

/**
 * A function's handler module is required the first time its endpoint is read,
 * not when the registry is: an instance serving one function loads that
 * function's code and what it imports, never its siblings'.
 */
function define(definition: Omit<FunctionDefinition, 'endpoint'>, load: () => AnyEndpoint): FunctionDefinition {
  let endpoint: AnyEndpoint | undefined;
  return Object.defineProperty({ ...definition }, 'endpoint', { get: () => (endpoint ??= load()), enumerable: true }) as FunctionDefinition;
}

/**
 * Every deployable function, once. The local server, the deploy scripts, the
 * OpenAPI document and the API Gateway config are all generated from this list:
 * adding an endpoint is one folder under functions/ and one line here.
 */
// One line per function, so that the table reads (and diffs) by row:
// prettier-ignore
export const registry: readonly FunctionDefinition[] = [
  define({ name: 'auth-login', methods: ['POST'], paths: ['/api/v1/auth/login/'], auth: 'public', deploy: { maxInstances: 10, signs: true } }, () => require('./auth-login/handler').default),
  define({ name: 'auth-logout', methods: ['GET', 'POST'], paths: ['/api/v1/auth/logout/'], auth: 'user' }, () => require('./auth-logout/handler').default),
  define({ name: 'auth-user', methods: ['GET'], paths: ['/api/v1/auth/user/'], auth: 'user' }, () => require('./auth-user/handler').default),
  define({ name: 'auth-user-update', methods: ['PUT', 'PATCH'], paths: ['/api/v1/auth/user/'], auth: 'user' }, () => require('./auth-user-update/handler').default),
  define({ name: 'auth-password-change', methods: ['POST'], paths: ['/api/v1/auth/password/change/'], auth: 'user' }, () => require('./auth-password-change/handler').default),
  define({ name: 'auth-sessions-list', methods: ['GET'], paths: ['/api/v1/auth/sessions/'], auth: 'user' }, () => require('./auth-sessions-list/handler').default),
  define({ name: 'auth-sessions-end', methods: ['DELETE'], paths: ['/api/v1/auth/sessions/{session_id}/'], auth: 'user' }, () => require('./auth-sessions-end/handler').default),
  define({ name: 'auth-password-reset', methods: ['POST'], paths: ['/api/v1/auth/password/reset/'], auth: 'public', deploy: { mail: true, resetKey: true } }, () => require('./auth-password-reset/handler').default),
  define({ name: 'auth-password-reset-confirm', methods: ['POST'], paths: ['/api/v1/auth/password/reset/confirm/'], auth: 'public', deploy: { resetKey: true } }, () => require('./auth-password-reset-confirm/handler').default),
  define({ name: 'seed-demo-users', methods: ['POST'], paths: ['/internal/seed-demo-users/'], auth: 'scheduler', internal: true, deploy: { timeoutSeconds: 120, maxInstances: 1, cardKey: true }, deadlineMs: 110_000 }, () => require('./seed-demo-users/handler').default),
  define({ name: 'wallets-list', methods: ['GET'], paths: ['/api/v1/wallets/'], auth: 'user' }, () => require('./wallets-list/handler').default),
  define({ name: 'wallets-create', methods: ['POST'], paths: ['/api/v1/wallets/'], auth: 'user', deploy: { cardKey: true } }, () => require('./wallets-create/handler').default),
  define({ name: 'wallets-expenses-stat', methods: ['GET'], paths: ['/api/v1/wallets/expenses/stat/'], auth: 'user' }, () => require('./wallets-expenses-stat/handler').default),
  define({ name: 'wallets-topup', methods: ['POST'], paths: ['/api/v1/wallets/{wallet_id}/topup/'], auth: 'user' }, () => require('./wallets-topup/handler').default),
  define({ name: 'wallets-transactions', methods: ['GET'], paths: ['/api/v1/wallets/{wallet_id}/transactions/'], auth: 'user' }, () => require('./wallets-transactions/handler').default),
  define({ name: 'assets-list', methods: ['GET'], paths: ['/api/v1/assets/'], auth: 'user', deploy: { ml: true } }, () => require('./assets-list/handler').default),
  define({ name: 'assets-purchase', methods: ['POST'], paths: ['/api/v1/assets/'], auth: 'user', deploy: { ml: true } }, () => require('./assets-purchase/handler').default),
  define({ name: 'assets-advice', methods: ['GET'], paths: ['/api/v1/assets/advice/'], auth: 'user', deploy: { ml: true } }, () => require('./assets-advice/handler').default),
  define({ name: 'assets-stat', methods: ['GET'], paths: ['/api/v1/assets/{asset_name}/stat/'], auth: 'user', deploy: { ml: true } }, () => require('./assets-stat/handler').default),
  define({ name: 'docs', methods: ['GET'], paths: ['/openapi.json', '/swagger/', '/swagger/{asset}'], auth: 'public', internal: true, deploy: { database: false } }, () => require('./docs/handler').docsEndpoint(() => registry)),
];

export function findFunction(name: string): FunctionDefinition | undefined {
  return registry.find((definition) => definition.name === name);
}

/** Every method served at any of this function's paths, by it or a sibling (for CORS preflights). */
export function methodsAtPathsOf(definition: FunctionDefinition): string[] {
  const siblings = registry.filter((other) => other.paths.some((path) => definition.paths.includes(path)));
  return [...new Set(siblings.flatMap((sibling) => sibling.methods))];
}
