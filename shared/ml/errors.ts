import { ApiError } from '../core/errors';

/**
 * Failures of the investment recommendation service, as the API reports them
 * (SPEC §2: 502 bad answer, 503 unavailable, 504 timed out). The original
 * problem rides along as `cause` for server logs; it never reaches the client.
 */

const withCause = <T extends Error>(error: T, cause: unknown): T => Object.assign(error, { cause });

export const mlBadResponse = (cause: unknown) =>
  withCause(new ApiError(502, 'ml_bad_response', 'The investment recommendation service sent an invalid response'), cause);

/** How long a client waits before retrying a call the service failed (5xx or unreachable): the client has already retried GETs itself. */
const ML_RETRY_AFTER_SECONDS = '5';

export const mlUnavailable = (cause: unknown) =>
  withCause(new ApiError(503, 'ml_unavailable', 'The investment recommendation service is unavailable', [], { 'Retry-After': ML_RETRY_AFTER_SECONDS }), cause);

export const mlTimeout = (cause: unknown) => withCause(new ApiError(504, 'ml_timeout', 'The investment recommendation service timed out'), cause);

/** Texts the service answers with a 400, for handlers that translate them. */
export const ML_REJECTIONS = {
  uuidMissing: 'UUID is not specified',
  uuidUnknown: 'Received unexpected UUID',
  riskAversionInvalid: 'Received invalid risk aversion',
  assetNameMissing: 'Asset name is not specified',
  assetNameUnknown: 'Received unexpected asset name',
} as const;

/**
 * The service refused the request (a 4xx with a plain-text reason). Left as a
 * 502 by default; handlers that know what the reason means for their caller
 * (an unknown asset is a 404) translate it using `mlMessage`.
 */
export class MlRejectedError extends ApiError {
  constructor(
    readonly mlStatus: number,
    readonly mlMessage: string,
  ) {
    super(502, 'ml_rejected', 'The investment recommendation service rejected the request');
    this.name = 'MlRejectedError';
  }
}
