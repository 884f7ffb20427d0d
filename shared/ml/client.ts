import ky, { isTimeoutError } from 'ky';
import { z } from 'zod';
import { DEFAULT_ML_MAX_RESPONSE_BYTES } from '../config/config';
import { currentDeadline } from '../deadline/deadline';
import { ApiError } from '../core/errors';
import { readBounded, screenedFetch } from './answer-limits';
import { MlRejectedError, mlBadResponse, mlTimeout, mlUnavailable } from './errors';
import { detailedStatSchema, historySchema, portfolioSchema, statSchema, type DetailedStat, type History, type Portfolio, type Stat } from './schemas';

/**
 * Client of the investment recommendation service (SPEC §6). Every answer is
 * validated, and every failure becomes an ApiError the HTTP layer can render
 * (see ./errors), so handlers only deal with typed data or a ready error.
 */

export interface MlClientOptions {
  /** The service's base URL (ML_SERVICE_URL); a path prefix is kept. */
  baseUrl: string;
  /** Per attempt for the response; the body must have arrived within this of the call's start. */
  timeoutMs?: number;
  /** The largest answer read (ML_MAX_RESPONSE_BYTES); a larger one is a 502, cut off as it arrives (./answer-limits). */
  maxResponseBytes?: number;
  /** Extra attempts after a network error or a 5xx; timeouts are not retried. */
  retries?: number;
  /** How long getStats may reuse a quote, and recommendPortfolio a recommendation, for display (0: never). getStat always asks. */
  statTtlMs?: number;
  /** How old a quote getQuotes may hand a purchase (0: each purchase asks for its own). */
  quoteMaxAgeMs?: number;
}

export interface MlClient {
  /**
   * `riskAversion` is sent as given (decimal text such as "0.51"); omitted,
   * the service picks its default. For display (advice): the same user's
   * recommendation at the same level may be up to statTtlMs old, and
   * concurrent requests share one call.
   */
  recommendPortfolio(mlUuid: string, riskAversion?: string): Promise<Portfolio>;
  getStat(assetName: string): Promise<Stat>;
  getDetailedStat(assetName: string): Promise<DetailedStat>;
  getHistory(assetName: string): Promise<History>;
  /**
   * Stats fetched concurrently; an asset whose call failed maps to null. For
   * display (holdings, advice): a quote may be up to statTtlMs old, and
   * concurrent requests for one asset share one call.
   */
  getStats(assetNames: readonly string[]): Promise<Map<string, Stat | null>>;
  /**
   * Quotes to trade at (a purchase, its sale), fetched concurrently; any
   * failure fails the call. A quote asked for at most quoteMaxAgeMs ago, by
   * this or another request, is shared, whether its answer has arrived or is
   * still on its way; failures are never shared.
   */
  getQuotes(assetNames: readonly string[]): Promise<Map<string, Stat>>;
}

/**
 * A call made for a request stops with the request's deadline (shared/deadline)
 * even when the service's own timeout, or its retries, would run longer: it
 * then fails as a timeout (504), the client is answered in time.
 */
const DEADLINE_RESERVE_MS = 50;

function withinDeadline(timeoutMs: number): { timeout?: number; totalTimeout?: number } {
  const deadline = currentDeadline();
  if (!deadline) return {};
  // A little before the deadline, so the client hears which dependency was
  // slow (504 ml_timeout) rather than only that the request was; ky refuses a
  // zero timeout, and a millisecond is as good as none.
  const remaining = Math.max(1, deadline.remainingMs() - DEADLINE_RESERVE_MS);
  return { timeout: Math.min(timeoutMs, remaining), totalTimeout: remaining };
}

/** Past this many answers kept at once (one per user and risk level, for advice), the expired ones are dropped. */
const MAX_KEPT_ANSWERS = 1000;

/**
 * Calls shared by key for `ttlMs` from when they were made, whether answered
 * or still on their way; a failed one is forgotten at once, so only answers
 * are shared, never failures. With a ttl of 0 every call is made.
 */
function sharedCalls<T>(ttlMs: number): (key: string, call: () => Promise<T>) => Promise<T> {
  const kept = new Map<string, { answer: Promise<T>; until: number }>();
  return (key, call) => {
    if (ttlMs === 0) return call();
    const now = performance.now();
    const recent = kept.get(key);
    if (recent && recent.until > now) return recent.answer;
    if (kept.size >= MAX_KEPT_ANSWERS) for (const [old, entry] of kept) if (entry.until <= now) kept.delete(old);
    const answer = call();
    kept.set(key, { answer, until: now + ttlMs });
    answer.catch(() => {
      if (kept.get(key)?.answer === answer) kept.delete(key);
    });
    return answer;
  };
}

/** Enough of a rejection's text to recognise it, without storing whatever page a proxy sent. */
const MAX_REJECTION_TEXT = 500;

export function createMlClient({
  baseUrl,
  timeoutMs = 5000,
  maxResponseBytes = DEFAULT_ML_MAX_RESPONSE_BYTES,
  retries = 2,
  statTtlMs = 0,
  quoteMaxAgeMs = 0,
}: MlClientOptions): MlClient {
  const api = ky.create({
    prefix: baseUrl,
    timeout: timeoutMs,
    // Bounded answers (./answer-limits): no redirect is followed, nothing compressed is inflated.
    redirect: 'manual',
    headers: { accept: 'application/json, text/plain;q=0.9, */*;q=0.8', 'accept-encoding': 'identity' },
    fetch: screenedFetch(maxResponseBytes),
    // A 4xx carries the service's reason as plain text, which we read; only 5xx
    // must throw, because ky retries thrown HTTP errors.
    throwHttpErrors: (status) => status >= 500,
    retry: {
      limit: retries,
      methods: ['get'],
      statusCodes: [500, 502, 503, 504],
      // A user is waiting for the answer: never sleep as long as a Retry-After header asks.
      afterStatusCodes: [],
      delay: (attempt) => Math.min(100 * 2 ** (attempt - 1), 300),
    },
  });

  async function get<S extends z.ZodType>(path: string, searchParams: Record<string, string | undefined>, schema: S): Promise<z.output<S>> {
    const started = performance.now();
    const limits = withinDeadline(timeoutMs);
    let response: Response;
    try {
      response = await api.get(path, { searchParams, ...limits });
    } catch (error) {
      throw error instanceof ApiError ? error : isTimeoutError(error) ? mlTimeout(error) : mlUnavailable(error);
    }
    const bodyTimeoutMs = Math.max(1, Math.min(timeoutMs, limits.totalTimeout ?? Infinity) - (performance.now() - started));
    const body = await readBounded(response, maxResponseBytes, bodyTimeoutMs);
    const { status } = response;
    if (status >= 400) throw new MlRejectedError(status, body.trim().slice(0, MAX_REJECTION_TEXT));

    // The history comes labelled text/html, so the body is parsed whatever the content type says.
    let value: unknown;
    try {
      value = JSON.parse(body);
    } catch (error) {
      throw mlBadResponse(error);
    }
    const parsed = schema.safeParse(value);
    if (!parsed.success) throw mlBadResponse(new Error(`${path}: ${z.prettifyError(parsed.error)}`));
    return parsed.data;
  }

  // Every user's holdings and advice draw on the same 27 tickers, and each
  // call costs more CPU than the rest of a read (docs/performance.md): under
  // load most quotes are asked for many times a second. Advice asks for one
  // user's portfolio at one risk level again and again as they look; shown,
  // not traded on, it may be as old as a shown quote.
  const displayedStat = sharedCalls<Stat>(statTtlMs);
  const tradedQuote = sharedCalls<Stat>(quoteMaxAgeMs);
  const recommendation = sharedCalls<Portfolio>(statTtlMs);

  const client: MlClient = {
    recommendPortfolio: (mlUuid, riskAversion) =>
      recommendation(`${mlUuid} ${riskAversion ?? ''}`, () => get('', { uuid: mlUuid, riskAversion }, portfolioSchema)),
    getStat: (assetName) => get('stat/', { asset_name: assetName }, statSchema),
    getDetailedStat: (assetName) => get('stat/detailed/', { asset_name: assetName }, detailedStatSchema),
    getHistory: (assetName) => get('stat/history/', { asset_name: assetName }, historySchema),
    async getStats(assetNames) {
      const names = [...new Set(assetNames)];
      const results = await Promise.allSettled(names.map((name) => displayedStat(name, () => client.getStat(name))));
      return new Map(
        names.map((name, index) => {
          const result = results[index];
          return [name, result.status === 'fulfilled' ? result.value : null];
        }),
      );
    },
    async getQuotes(assetNames) {
      const names = [...new Set(assetNames)];
      const quotes = await Promise.all(names.map((name) => tradedQuote(name, () => client.getStat(name))));
      return new Map(names.map((name, index) => [name, quotes[index]]));
    },
  };
  return client;
}
