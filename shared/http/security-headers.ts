/**
 * Headers every answer of ours carries, whoever writes it: the pipeline and
 * the framework's final handler (through request-lifecycle's beginRequest),
 * the body limit's 413, the HTTP parser's refusals (client-errors). An answer
 * may override them through its own headers (the docs function does, for its
 * page and its static files).
 *
 * - `Cache-Control: no-store`: answers carry a key (login) or a user's data,
 *   and an error says something about the caller too; no browser or proxy may
 *   keep any of them. Every answer rather than a list of the ones that carry
 *   data, so a new endpoint cannot forget it.
 * - `X-Content-Type-Options: nosniff`: a browser takes our JSON as JSON, never
 *   as a script or a page it sniffed.
 * - `Content-Security-Policy: default-src 'none'; frame-ancestors 'none'`: an
 *   answer opened in a browser runs and loads nothing, and nobody frames it.
 */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Cache-Control': 'no-store',
  'X-Content-Type-Options': 'nosniff',
  'Content-Security-Policy': "default-src 'none'; frame-ancestors 'none'",
};

/** On an express or a bare node response alike. */
export function setSecurityHeaders(res: { setHeader(name: string, value: string): unknown }): void {
  for (const [name, value] of Object.entries(SECURITY_HEADERS)) res.setHeader(name, value);
}
