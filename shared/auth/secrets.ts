import { SecretManagerServiceClient } from '@google-cloud/secret-manager';
import { jwtSecretSetting } from '../config/config';
import { ApiError } from '../http/errors';

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
    const [version] = await new SecretManagerServiceClient().accessSecretVersion({ name: versionName });
    const data = version.payload?.data;
    if (!data) throw new Error(`Secret version ${versionName} has no payload`);
    return (typeof data === 'string' ? data : Buffer.from(data).toString('utf8')).trim();
  },
};

let reader: SecretVersionReader = secretManagerReader;
let cachedSecret: Promise<string> | undefined;

export function setSecretReaderForTests(next: SecretVersionReader): void {
  reader = next;
  cachedSecret = undefined;
}

/** Cached per instance: one Secret Manager call per cold start, not per request. */
export function jwtSecret(): Promise<string> {
  if (!cachedSecret) {
    const setting = jwtSecretSetting();
    cachedSecret =
      'secret' in setting
        ? Promise.resolve(setting.secret)
        : reader.read(setting.version).then(
          (secret) => {
            if (secret.length < 32) throw new Error('The JWT secret from Secret Manager must be at least 32 characters');
            return secret;
          },
          (cause: unknown) => {
            throw new ApiError(503, 'unavailable', 'The service is temporarily unavailable; retry the request', [], { 'Retry-After': '1' }, cause);
          },
        );
    // A failed fetch must not poison the cache for the next request.
    cachedSecret.catch(() => {
      cachedSecret = undefined;
    });
  }
  return cachedSecret;
}
