import { ApiError } from '../core/errors';
import { mlBadResponse, mlTimeout, mlUnavailable } from './errors';

/**
 * What an answer of the ML service may be before anything reads it: the
 * service is outside our trust boundary, and an answer read whole, however
 * large, once took an instance past its memory. Each rule is a 502, decided
 * before the body (or the rest of it) is read:
 *
 * - a redirect is refused, never followed: it would let another host price a
 *   purchase (fetch runs with `redirect: 'manual'`, so it hands us the 3xx);
 * - a compressed answer is refused: we ask for `Accept-Encoding: identity`,
 *   and fetch would otherwise inflate whatever comes, a 1 MB gzip bomb into
 *   1 GiB, before any byte count of ours saw it. A service that honours the
 *   header never compresses, so refusing costs nothing; capping the inflated
 *   size instead would keep the inflating work and its buffers;
 * - a body past `maxBytes`, by its declared Content-Length at once, or while
 *   it streams in (chunked), cut the moment it passes.
 *
 * A 5xx's body is never read at all: it carries nothing we use, and the
 * answer is retried or reported as the service being unavailable.
 */

/**
 * The fetch ky calls, screening each answer as it arrives: throws for one that
 * must not be read (ky passes the error on, unretried), hands back a 5xx
 * without its body. A wrapper rather than an afterResponse hook, which would
 * be handed a clone (a tee of the body) of every answer.
 */
export function screenedFetch(maxBytes: number): typeof fetch {
  return async (input, init) => {
    const response = await fetch(input, init);
    const refusal = refusalOf(response, maxBytes);
    if (refusal || response.status >= 500) {
      response.body?.cancel().catch(() => undefined);
      if (refusal) throw refusal;
      return new Response(null, { status: response.status, statusText: response.statusText, headers: response.headers });
    }
    return response;
  };
}

function refusalOf(response: Response, maxBytes: number): Error | undefined {
  if (response.status >= 300 && response.status < 400) {
    return mlBadResponse(new Error(`answered ${response.status} (a redirect, to ${response.headers.get('location') ?? 'nowhere'}); redirects are refused`));
  }
  if (response.status >= 500) return undefined;
  const encoding = response.headers.get('content-encoding')?.trim().toLowerCase();
  if (encoding && encoding !== 'identity') return mlBadResponse(new Error(`answered with Content-Encoding ${encoding}; only identity is accepted`));
  const declared = Number(response.headers.get('content-length') ?? 0);
  if (declared > maxBytes) return tooLarge(maxBytes, `declared ${declared} bytes`);
  return undefined;
}

const tooLarge = (maxBytes: number, what: string) => mlBadResponse(new Error(`answer past ML_MAX_RESPONSE_BYTES (${maxBytes}): ${what}`));

/**
 * The body as text, read as it streams and cancelled (which closes the
 * connection) once it passes `maxBytes`, or when `timeoutMs` runs out first
 * (then a 504, as a silent service would be). A connection cut mid-body is
 * the service being unavailable, as it was when fetch read the body.
 */
export async function readBounded(response: Response, maxBytes: number, timeoutMs: number): Promise<string> {
  if (!response.body) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let received = 0;
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(mlTimeout(new Error(`the answer's body did not arrive within ${timeoutMs} ms`))), timeoutMs);
  });
  try {
    for (;;) {
      const { done, value } = await Promise.race([reader.read(), timedOut]);
      if (done) break;
      received += value.byteLength;
      if (received > maxBytes) throw tooLarge(maxBytes, `more than ${maxBytes} bytes arrived`);
      chunks.push(value);
    }
  } catch (error) {
    reader.cancel().catch(() => undefined);
    throw error instanceof ApiError ? error : mlUnavailable(error);
  } finally {
    clearTimeout(timer);
  }
  return Buffer.concat(chunks).toString('utf8');
}
