import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { newSigningKeyPair, publicKeySetText } from '../auth/signing-key-pairs';
import { parseConfig } from './config';
import { functionTarget } from './function-target';

const valid = { DATABASE_URL: 'mysql://root@127.0.0.1:3306/x', SIGNING_PUBLIC_KEYS: '{"kid":"PEM"}' };

describe('parseConfig', () => {
  it('applies the documented defaults', () => {
    const config = parseConfig(valid);
    expect(config).toEqual(
      expect.objectContaining({
        DATABASE_POOL_SIZE: 5,
        TOKEN_TTL_SECONDS: 86400,
        ML_TIMEOUT_MS: 5000,
        ALLOWED_ORIGINS: [],
        IDEMPOTENCY_TTL_HOURS: 48,
        MAX_WALLETS_PER_USER: 20,
      }),
    );
  });

  it('splits ALLOWED_ORIGINS', () => {
    expect(parseConfig({ ...valid, ALLOWED_ORIGINS: 'https://a.example, https://b.example' }).ALLOWED_ORIGINS).toEqual([
      'https://a.example',
      'https://b.example',
    ]);
  });

  it.each([
    ['DATABASE_URL', { SIGNING_PUBLIC_KEYS: valid.SIGNING_PUBLIC_KEYS }],
    ['DATABASE_URL', { ...valid, DATABASE_URL: 'postgres://x/y' }],
    ['SIGNING_PUBLIC_KEYS', { DATABASE_URL: valid.DATABASE_URL }],
    ['SIGNING_PUBLIC_KEYS', { ...valid, SIGNING_PUBLIC_KEYS_VERSION: 'projects/p/secrets/signing-public-keys/versions/2' }],
    ['SIGNING_PUBLIC_KEYS_VERSION', { DATABASE_URL: valid.DATABASE_URL, SIGNING_PUBLIC_KEYS_VERSION: 'my-secret' }],
    ['PASSWORD_RESET_KEY', { ...valid, PASSWORD_RESET_KEY: 'short' }],
    ['DATABASE_POOL_SIZE', { ...valid, DATABASE_POOL_SIZE: 'many' }],
    ['ML_SERVICE_URL', { ...valid, ML_SERVICE_URL: 'not a url' }],
    ['INSTANCE_CONNECTION_NAME', { ...valid, INSTANCE_CONNECTION_NAME: 'my-project/fulfillment' }],
    ['CLOUD_SQL_IP_TYPE', { ...valid, INSTANCE_CONNECTION_NAME: 'p:europe-west1:i', CLOUD_SQL_IP_TYPE: 'public' }],
    ['CARD_HMAC_KEY', { ...valid, CARD_HMAC_KEY: 'short' }],
    ['MAX_WALLETS_PER_USER', { ...valid, MAX_WALLETS_PER_USER: '0' }],
    ['SMTP_URL', { ...valid, SMTP_URL: 'https://smtp.example.com' }],
    ['PASSWORD_RESET_LINK', { ...valid, PASSWORD_RESET_LINK: 'https://app.example.com/reset/{token}/' }],
    ['PASSWORD_RESET_ANSWER_MS', { ...valid, PASSWORD_RESET_ANSWER_MS: '0' }],
  ])('names %s when it is missing or malformed', (name, env) => {
    expect(() => parseConfig(env)).toThrow(name);
  });

  it('wants the password reset’s answer time inside the deadline, for a function that mails only', () => {
    const slow = { ...valid, SMTP_URL: 'smtp://127.0.0.1:25', PASSWORD_RESET_ANSWER_MS: '10000' };
    expect(() => parseConfig(slow, { database: true, mail: true })).toThrow('PASSWORD_RESET_ANSWER_MS must be less than REQUEST_DEADLINE_MS');
    expect(parseConfig({ ...slow, REQUEST_DEADLINE_MS: '20000' }, { database: true, mail: true }).PASSWORD_RESET_ANSWER_MS).toBe(10000);
    expect(parseConfig(slow).PASSWORD_RESET_ANSWER_MS).toBe(10000);
  });

  it('takes the Cloud SQL connector’s instance, its public IP unless told otherwise', () => {
    const local = parseConfig(valid);
    expect([local.INSTANCE_CONNECTION_NAME, local.CLOUD_SQL_IP_TYPE]).toEqual([undefined, 'PUBLIC']);
    expect(parseConfig({ ...valid, INSTANCE_CONNECTION_NAME: 'p:europe-west1:i', CLOUD_SQL_IP_TYPE: 'PRIVATE' })).toMatchObject({
      INSTANCE_CONNECTION_NAME: 'p:europe-west1:i',
      CLOUD_SQL_IP_TYPE: 'PRIVATE',
    });
    // A domain-scoped project's connection name has four parts.
    expect(parseConfig({ ...valid, INSTANCE_CONNECTION_NAME: 'example.com:p:europe-west1:i' }).INSTANCE_CONNECTION_NAME).toBe('example.com:p:europe-west1:i');
  });

  it('requires CARD_HMAC_KEY only of a function that hashes card numbers', () => {
    expect(() => parseConfig(valid, { database: true })).not.toThrow();
    expect(() => parseConfig(valid, { database: true, cardKey: true })).toThrow('CARD_HMAC_KEY is required');
    expect(parseConfig({ ...valid, CARD_HMAC_KEY: 'k'.repeat(32) }, { database: true, cardKey: true }).CARD_HMAC_KEY).toBe('k'.repeat(32));
  });

  it('accepts a Secret Manager version instead of the key material itself', () => {
    const config = parseConfig({ DATABASE_URL: valid.DATABASE_URL, SIGNING_PUBLIC_KEYS_VERSION: 'projects/p/secrets/signing-public-keys/versions/3' });
    expect(config.SIGNING_PUBLIC_KEYS_VERSION).toBe('projects/p/secrets/signing-public-keys/versions/3');
  });

  it('requires the private key only of a function that signs, and the reset key only of one that makes reset links', () => {
    expect(() => parseConfig(valid, { database: true })).not.toThrow();
    expect(() => parseConfig(valid, { database: true, signs: true })).toThrow('set exactly one of SIGNING_PRIVATE_KEY or SIGNING_PRIVATE_KEY_VERSION');
    expect(() => parseConfig(valid, { database: true, resetKey: true })).toThrow('PASSWORD_RESET_KEY is required');
  });
});

describe('functionTarget', () => {
  it.each([
    [{ FUNCTION_TARGET: 'docs' }, ['node', 'ff', '--target=auth-login'], 'docs'],
    [{}, ['node', 'ff', '--target=auth-login'], 'auth-login'],
    [{}, ['node', 'ff', '--target', 'wallets-topup', '--port=8080'], 'wallets-topup'],
    [{}, ['node', 'scripts/start.ts'], undefined],
  ])('reads %p and %p as %p', (env, argv, expected) => {
    expect(functionTarget(env, argv)).toBe(expected);
  });
});

describe('a function instance', () => {
  function start(env: NodeJS.ProcessEnv) {
    const root = path.resolve(__dirname, '../..');
    return spawnSync(process.execPath, [require.resolve('tsx/cli'), '-e', "require('./functions/index')"], { cwd: root, env, encoding: 'utf8' });
  }
  const withoutDatabase = () => {
    const env: NodeJS.ProcessEnv = { ...process.env };
    delete env.DATABASE_URL;
    delete env.SIGNING_PUBLIC_KEYS;
    delete env.SIGNING_PRIVATE_KEY;
    return env;
  };

  it('fails at start naming the missing variable', () => {
    const result = start({ ...withoutDatabase(), SIGNING_PUBLIC_KEYS: process.env.SIGNING_PUBLIC_KEYS });
    expect(result.status).not.toBe(0);
    expect(result.stderr).toMatch(/Invalid configuration: DATABASE_URL is required/);
  });

  it('fails at start for a database function deployed without the public keys', () => {
    const result = start({ ...withoutDatabase(), DATABASE_URL: 'mysql://root@127.0.0.1:3306/x', FUNCTION_TARGET: 'wallets-topup' });
    expect(result.status).not.toBe(0);
    expect(result.stderr).toMatch(/set exactly one of SIGNING_PUBLIC_KEYS or SIGNING_PUBLIC_KEYS_VERSION/);
  });

  it.each([
    ['auth-login', { SIGNING_PRIVATE_KEY: '' }, /set exactly one of SIGNING_PRIVATE_KEY or SIGNING_PRIVATE_KEY_VERSION/],
    ['auth-password-reset-confirm', { PASSWORD_RESET_KEY: '' }, /PASSWORD_RESET_KEY is required/],
    ['wallets-list', { SIGNING_PUBLIC_KEYS: '{"kid":"not a key"}' }, /SIGNING_PUBLIC_KEYS must be a JSON object of kid to PEM public key/],
    [
      'wallets-list',
      { SIGNING_PUBLIC_KEYS: publicKeySetText([newSigningKeyPair().publicKeyPem]).replace(/"[A-Za-z0-9_-]{43}"/, `"${'A'.repeat(43)}"`) },
      /holds no EC P-256 public key whose thumbprint is A{43}/,
    ],
    // A rotation's steps out of order: signing with a key no function accepts yet.
    [
      'auth-login',
      { SIGNING_PRIVATE_KEY: newSigningKeyPair().privateKeyPem },
      /SIGNING_PRIVATE_KEY's key \(kid [A-Za-z0-9_-]{43}\) is not in SIGNING_PUBLIC_KEYS/,
    ],
  ])('fails at start for %s deployed with %p', (target, env, message) => {
    const result = start({ ...process.env, ...env, FUNCTION_TARGET: target });
    expect(result.status).not.toBe(0);
    expect(result.stderr).toMatch(message);
  });

  it('starts a function that only checks keys with the public keys alone', () => {
    const result = start({ ...process.env, SIGNING_PRIVATE_KEY: '', FUNCTION_TARGET: 'wallets-list' });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
  });

  it.each([
    ['assets-stat', 'ML_SERVICE_URL is'],
    ['seed-demo-users', 'SCHEDULER_AUDIENCE and SCHEDULER_SERVICE_ACCOUNT are'],
    ['auth-password-reset', 'SMTP_URL is'],
  ])('fails at start for %s deployed without what it needs (%s required)', (target, names) => {
    const result = start({ ...process.env, FUNCTION_TARGET: target, ML_SERVICE_URL: '', SCHEDULER_AUDIENCE: '', SCHEDULER_SERVICE_ACCOUNT: '', SMTP_URL: '' });
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain(`Invalid configuration: ${names} required`);
  });

  it('starts the docs function with neither database nor secret', () => {
    const result = start({ ...withoutDatabase(), FUNCTION_TARGET: 'docs' });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
  });
});
