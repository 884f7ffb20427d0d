import { config } from '../config/config';
import { ApiError } from '../core/errors';
import { createMlClient, type MlClient } from './client';

/**
 * The ML client the handlers use, built from the ML_* settings.
 * The variable is optional in config because most functions never call the
 * service; those that do answer a 503 naming it when it is missing. The client
 * is rebuilt whenever the settings change, so tests can point it elsewhere.
 */
let cached: { key: string; client: MlClient } | undefined;

export function mlClient(): MlClient {
  const { ML_SERVICE_URL, ML_TIMEOUT_MS, ML_MAX_RESPONSE_BYTES, ML_STAT_TTL_MS, ML_QUOTE_MAX_AGE_MS } = config();
  if (!ML_SERVICE_URL) {
    // A deploy's mistake, not a blip: the client is told to come back much later.
    throw new ApiError(503, 'ml_unavailable', 'The investment recommendation service is not configured (ML_SERVICE_URL is unset)', [], { 'Retry-After': '60' });
  }
  const key = `${ML_SERVICE_URL} ${ML_TIMEOUT_MS} ${ML_MAX_RESPONSE_BYTES} ${ML_STAT_TTL_MS} ${ML_QUOTE_MAX_AGE_MS}`;
  if (cached?.key !== key) {
    cached = {
      key,
      client: createMlClient({
        baseUrl: ML_SERVICE_URL,
        timeoutMs: ML_TIMEOUT_MS,
        maxResponseBytes: ML_MAX_RESPONSE_BYTES,
        statTtlMs: ML_STAT_TTL_MS,
        quoteMaxAgeMs: ML_QUOTE_MAX_AGE_MS,
      }),
    };
  }
  return cached.client;
}
