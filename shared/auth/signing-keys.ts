import { createSecretKey, type KeyObject } from 'node:crypto';
import { config, jwtSecretSetting } from '../config/config';
import { ApiError } from '../core/errors';

/**
 * Where the JWT signing secret comes from. In production it is either mounted
 * as an env var by `--set-secrets` or fetched by version name from Secret
 * Manager; the fetch is behind this interface so tests can stand in for the
 * one Google API that cannot run here.
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

/**
 * Keys sign with the current secret and verify against it or, during a
 * rotation, the previous one (JWT_SECRET_PREVIOUS): instances started before
 * and after a new version is deployed accept each other's keys.
 */
export interface SigningKeys {
  current: KeyObject;
  /** Every key a token may verify against, current first. */
  accepted: KeyObject[];
}

let reader: SecretVersionReader = secretManagerReader;
let cachedKeys: Promise<SigningKeys> | undefined;

export function setSecretReaderForTests(next: SecretVersionReader): void {
  reader = next;
  cachedKeys = undefined;
}

// A KeyObject made once: jsonwebtoken given a string first tries to parse it as
// a public key, which throws and is caught on every single verify.
const toKey = (secret: string) => createSecretKey(Buffer.from(secret, 'utf8'));

async function currentSecret(): Promise<string> {
  const setting = jwtSecretSetting();
  if ('secret' in setting) return setting.secret;
  try {
    const secret = await reader.read(setting.version);
    if (secret.length < 32) throw new Error('The JWT secret from Secret Manager must be at least 32 characters');
    return secret;
  } catch (cause) {
    throw new ApiError(503, 'unavailable', 'The service is temporarily unavailable; retry the request', [], { 'Retry-After': '1' }, cause);
  }
}

/** Cached per instance: one Secret Manager call per cold start, not per request. */
export function signingKeys(): Promise<SigningKeys> {
  if (!cachedKeys) {
    cachedKeys = currentSecret().then((secret) => {
      const current = toKey(secret);
      const previous = config().JWT_SECRET_PREVIOUS;
      return { current, accepted: previous && previous !== secret ? [current, toKey(previous)] : [current] };
    });
    // A failed fetch must not poison the cache for the next request.
    cachedKeys.catch(() => {
      cachedKeys = undefined;
    });
  }
  return cachedKeys;
}
