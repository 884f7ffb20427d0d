import type { Request, Response } from '@google-cloud/functions-framework';

/**
 * CORS for the web client: only origins in ALLOWED_ORIGINS ("*" for any) get
 * the headers; others get none and the browser blocks them.
 */
export function applyCors(req: Request, res: Response, allowedOrigins: string[], methods: readonly string[]): void {
  const anyOrigin = allowedOrigins.includes('*');
  // The answer depends on Origin whenever the list is not "*": caches must key on it, allowed or not.
  if (!anyOrigin) res.vary('Origin');
  const origin = req.get('origin');
  if (!origin) return;
  if (!anyOrigin && !allowedOrigins.includes(origin)) return;
  res.set('Access-Control-Allow-Origin', anyOrigin ? '*' : origin);
  res.set('Access-Control-Allow-Methods', [...methods, 'OPTIONS'].join(', '));
  res.set('Access-Control-Allow-Headers', 'Authorization, Content-Type, Idempotency-Key, X-Request-Id');
  res.set('Access-Control-Expose-Headers', 'X-Request-Id, Retry-After');
  res.set('Access-Control-Max-Age', '3600');
}
