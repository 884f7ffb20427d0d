import { registry } from '../functions/registry';
import { hasOwnServiceAccount, ownServiceAccountId, readSettings, readersOf, SECRETS, serviceAccountOf, type SecretName } from './settings';

const settings = readSettings({}, {}, { dryRun: true });

describe('service accounts', () => {
  // https://cloud.google.com/iam/docs/service-accounts-create: 6-30 characters, a lowercase letter first, no hyphen last.
  it.each(registry.map((definition) => definition.name))('%s would get a valid account id of its own', (name) => {
    const id = ownServiceAccountId(name);
    expect(id.length).toBeGreaterThanOrEqual(6);
    expect(id.length).toBeLessThanOrEqual(30);
    expect(id).toMatch(/^[a-z][-a-z0-9]*[a-z0-9]$/);
  });

  it('gives its own account to each function that mounts a secret beyond the database URL and the public keys, and to no other', () => {
    expect(registry.filter(hasOwnServiceAccount).map((definition) => definition.name)).toEqual([
      'auth-login',
      'auth-password-reset',
      'auth-password-reset-confirm',
      'seed-demo-users',
      'wallets-create',
    ]);
  });

  it('refuses a function name too long for an account id rather than deploy it as a shared one', () => {
    const login = registry.find((definition) => definition.name === 'auth-login')!;
    expect(() => serviceAccountOf({ ...login, name: 'auth-login-with-a-much-longer-name' }, settings)).toThrow(
      'auth-login-with-a-much-longer-name: fn-auth-login-with-a-much-longer-name is not a valid service account id',
    );
  });

  it('lets only the accounts of the functions that mount a secret read it', () => {
    const readers = Object.fromEntries(
      (Object.keys(SECRETS) as SecretName[]).map((name) => [SECRETS[name], readersOf(name, registry, settings).map((email) => email.split('@')[0])]),
    );
    // What every database function mounts: read by the shared account and each function's own.
    const everyDatabaseFunction = [
      'fn-auth-login',
      'fulfillment-functions',
      'fn-auth-password-reset',
      'fn-auth-password-reset-confirm',
      'fn-seed-demo-users',
      'fn-wallets-create',
    ];
    expect(readers).toEqual({
      'database-url': everyDatabaseFunction,
      'signing-public-keys': everyDatabaseFunction,
      'signing-private-key': ['fn-auth-login'],
      'password-reset-key': ['fn-auth-password-reset', 'fn-auth-password-reset-confirm'],
      'card-hmac-key': ['fn-seed-demo-users', 'fn-wallets-create'],
      'smtp-url': ['fn-auth-password-reset'],
    });
  });
});
