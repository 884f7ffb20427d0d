import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { z } from 'zod';
import { ConfigError, secretSetting, type SecretName } from '../config/config';
import { ApiError } from '../core/errors';
import { logger } from '../core/logging';
import { keyIdOf } from './signing-key-pairs';

/**
 * The keys API keys are signed and checked with (ES256, docs/auth.md).
 * Every function that checks keys holds the public keys, `kid` → key
 * (SIGNING_PUBLIC_KEYS); only the functions that issue keys hold the private
 * key (SIGNING_PRIVATE_KEY), and a function without it cannot sign.
 *
 * In production each arrives as an environment variable mounted from Secret
 * Manager (--set-secrets), or is fetched by version name; the fetch is behind
 * this interface so tests can stand in for the one Google API that cannot run here.
 */
export interface SecretVersionReader {
  read(versionName: string): Promise<string>;
}

export const secretManagerReader: SecretVersionReader = {
  async read(versionName) {
    // Loaded only when a version is configured: the client library is the
    // costliest import of a cold start (docs/performance.md), and mounted secrets never need it.
    const { SecretManagerServiceClient } = await import('@google-cloud/secret-manager');
    const [version] = await new SecretManagerServiceClient().accessSecretVersion({ name: versionName });
    const data = version.payload?.data;
    if (!data) throw new Error(`Secret version ${versionName} has no payload`);
    return (typeof data === 'string' ? data : Buffer.from(data).toString('utf8')).trim();
  },
};

/** The key that signs: the private key and the `kid` its keys carry. */
export interface SigningKey {
  kid: string;
  privateKey: KeyObject;
}

/** Every key a key may be checked with, by `kid`. */
export type VerifyingKeys = ReadonlyMap<string, KeyObject>;

let reader: SecretVersionReader = secretManagerReader;
let cachedVerifying: Promise<VerifyingKeys> | undefined;
let cachedSigning: Promise<SigningKey> | undefined;

/** Also forgets the keys read so far: the next request reads them as a new instance would. */
export function setSecretReaderForTests(next: SecretVersionReader): void {
  reader = next;
  cachedVerifying = undefined;
  cachedSigning = undefined;
}

const unavailable = (cause: unknown) =>
  new ApiError(503, 'unavailable', 'The service is temporarily unavailable; retry the request', [], { 'Retry-After': '1' }, cause);

async function secretText(name: SecretName): Promise<string> {
  const setting = secretSetting(name);
  if ('value' in setting) return setting.value;
  try {
    return await reader.read(setting.version);
  } catch (cause) {
    throw unavailable(cause);
  }
}

// A kid is a base64url SHA-256 thumbprint (43 characters); the PEM is checked by parsing it.
const publicKeySetSchema = z.record(z.string().regex(/^[A-Za-z0-9_-]{43}$/), z.string()).refine((set) => Object.keys(set).length > 0, 'holds no key');

/**
 * SIGNING_PUBLIC_KEYS read: each key parsed once, and its `kid` checked
 * against the key itself, so a set that names a key wrongly fails here,
 * naming it, rather than refusing that key's holders one by one.
 */
export function parsePublicKeySet(text: string): VerifyingKeys {
  let set: Record<string, string>;
  try {
    set = publicKeySetSchema.parse(JSON.parse(text));
  } catch {
    throw new ConfigError('Invalid configuration: SIGNING_PUBLIC_KEYS must be a JSON object of kid to PEM public key');
  }
  return new Map(
    Object.entries(set).map(([kid, pem]) => {
      let key: KeyObject;
      try {
        key = createPublicKey(pem);
        if (keyIdOf(key) === kid) return [kid, key];
      } catch {
        // Reported below, as a key that is not the kid's.
      }
      throw new ConfigError(`Invalid configuration: SIGNING_PUBLIC_KEYS holds no EC P-256 public key whose thumbprint is ${kid}`);
    }),
  );
}

/**
 * SIGNING_PRIVATE_KEY read, and checked against the public keys: a key the
 * set does not hold would sign keys that no function accepts (a rotation's
 * steps taken out of order), so such an instance does not start.
 */
export function parseSigningKey(pem: string, verifying: VerifyingKeys): SigningKey {
  let privateKey: KeyObject;
  let publicKey: KeyObject;
  let kid: string;
  try {
    privateKey = createPrivateKey(pem);
    publicKey = createPublicKey(privateKey);
    kid = keyIdOf(publicKey);
  } catch {
    throw new ConfigError('Invalid configuration: SIGNING_PRIVATE_KEY must be an EC P-256 private key in PEM');
  }
  const published = verifying.get(kid);
  if (!published || !published.equals(publicKey)) {
    throw new ConfigError(
      `Invalid configuration: SIGNING_PRIVATE_KEY's key (kid ${kid}) is not in SIGNING_PUBLIC_KEYS, so no function would accept what it signs`,
    );
  }
  return { kid, privateKey };
}

/**
 * Checked as an instance starts, for what it is given itself (a version is
 * fetched on first use): a malformed key stops the instance, naming the
 * variable. What was parsed is kept for the first request, not parsed again.
 */
export function checkSigningKeysAtStart(needs: { signs: boolean }): void {
  const publicKeys = secretSetting('SIGNING_PUBLIC_KEYS');
  if (!('value' in publicKeys)) return;
  const verifying = parsePublicKeySet(publicKeys.value);
  cachedVerifying = Promise.resolve(verifying);
  if (!needs.signs) return;
  const privateKey = secretSetting('SIGNING_PRIVATE_KEY');
  if ('value' in privateKey) cachedSigning = Promise.resolve(parseSigningKey(privateKey.value, verifying));
}

// Cached per instance: one Secret Manager call per cold start, not per request,
// and a failed one is not kept (the next request tries again).
function cachedOrRead<T>(cached: Promise<T> | undefined, read: () => Promise<T>, keep: (value: Promise<T> | undefined) => void): Promise<T> {
  if (cached) return cached;
  const reading = read().catch((error: unknown) => {
    keep(undefined);
    // A key that cannot be read is an operator's mistake, not the client's: logged, and answered as the service being away.
    if (error instanceof ConfigError) {
      logger.error(error.message);
      throw unavailable(error);
    }
    throw error;
  });
  keep(reading);
  return reading;
}

/** The public keys, by `kid`. */
export function verifyingKeys(): Promise<VerifyingKeys> {
  return cachedOrRead(
    cachedVerifying,
    async () => parsePublicKeySet(await secretText('SIGNING_PUBLIC_KEYS')),
    (value) => {
      cachedVerifying = value;
    },
  );
}

/** The private key, in a function that issues keys; elsewhere, a ConfigError: it was not given one. */
export function signingKey(): Promise<SigningKey> {
  return cachedOrRead(
    cachedSigning,
    async () => {
      const [pem, verifying] = await Promise.all([secretText('SIGNING_PRIVATE_KEY'), verifyingKeys()]);
      return parseSigningKey(pem, verifying);
    },
    (value) => {
      cachedSigning = value;
    },
  );
}
