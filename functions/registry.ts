import type { FunctionDefinition } from '../shared/http/endpoint';
import authLogin from './auth-login/handler';
import authLogout from './auth-logout/handler';
import authUser from './auth-user/handler';
import seedDemoUsers from './seed-demo-users/handler';

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
];

export function findFunction(name: string): FunctionDefinition | undefined {
  return registry.find((definition) => definition.name === name);
}
