import type { FunctionDefinition } from '../shared/http/endpoint';
import assetsAdvice from './assets-advice/handler';
import assetsList from './assets-list/handler';
import assetsPurchase from './assets-purchase/handler';
import assetsStat from './assets-stat/handler';
import authLogin from './auth-login/handler';
import authLogout from './auth-logout/handler';
import authUser from './auth-user/handler';
import { docsEndpoint } from './docs/handler';
import seedDemoUsers from './seed-demo-users/handler';
import walletsCreate from './wallets-create/handler';
import walletsExpensesStat from './wallets-expenses-stat/handler';
import walletsList from './wallets-list/handler';
import walletsTopup from './wallets-topup/handler';
import walletsTransactions from './wallets-transactions/handler';

/**
 * Every deployable function, once. The local server, the deploy scripts, the
 * OpenAPI document and the API Gateway config are all generated from this list:
 * adding an endpoint is one folder under functions/ and one line here.
 */
export const registry: readonly FunctionDefinition[] = [
  { name: 'auth-login', methods: ['POST'], paths: ['/api/v1/auth/login/'], auth: 'public', endpoint: authLogin },
  { name: 'auth-logout', methods: ['GET', 'POST'], paths: ['/api/v1/auth/logout/'], auth: 'user', endpoint: authLogout },
  { name: 'auth-user', methods: ['GET'], paths: ['/api/v1/auth/user/'], auth: 'user', endpoint: authUser },
  { name: 'seed-demo-users', methods: ['POST'], paths: ['/internal/seed-demo-users/'], auth: 'scheduler', endpoint: seedDemoUsers, deploy: { timeoutSeconds: 120, maxInstances: 1 } },
  { name: 'wallets-list', methods: ['GET'], paths: ['/api/v1/wallets/'], auth: 'user', endpoint: walletsList },
  { name: 'wallets-create', methods: ['POST'], paths: ['/api/v1/wallets/'], auth: 'user', endpoint: walletsCreate },
  { name: 'wallets-expenses-stat', methods: ['GET'], paths: ['/api/v1/wallets/expenses/stat/'], auth: 'user', endpoint: walletsExpensesStat },
  { name: 'wallets-topup', methods: ['POST'], paths: ['/api/v1/wallets/{wallet_id}/topup/'], auth: 'user', endpoint: walletsTopup },
  { name: 'wallets-transactions', methods: ['GET'], paths: ['/api/v1/wallets/{wallet_id}/transactions/'], auth: 'user', endpoint: walletsTransactions },
  { name: 'assets-list', methods: ['GET'], paths: ['/api/v1/assets/'], auth: 'user', endpoint: assetsList, deploy: { ml: true } },
  { name: 'assets-purchase', methods: ['POST'], paths: ['/api/v1/assets/'], auth: 'user', endpoint: assetsPurchase, deploy: { ml: true } },
  { name: 'assets-advice', methods: ['GET'], paths: ['/api/v1/assets/advice/'], auth: 'user', endpoint: assetsAdvice, deploy: { ml: true } },
  { name: 'assets-stat', methods: ['GET'], paths: ['/api/v1/assets/{asset_name}/stat/'], auth: 'user', endpoint: assetsStat, deploy: { ml: true } },
  { name: 'docs', methods: ['GET'], paths: ['/openapi.json', '/swagger/', '/swagger/{asset}'], auth: 'public', endpoint: docsEndpoint(() => registry), deploy: { database: false } },
];

export function findFunction(name: string): FunctionDefinition | undefined {
  return registry.find((definition) => definition.name === name);
}

/** Every method served at any of this function's paths, by it or a sibling (for CORS preflights). */
export function methodsAtPathsOf(definition: FunctionDefinition): string[] {
  const siblings = registry.filter((other) => other.paths.some((path) => definition.paths.includes(path)));
  return [...new Set(siblings.flatMap((sibling) => sibling.methods))];
}
