/**
 * The framework runs each request in `domain.create().run(…)` (a deprecated
 * API) so an exception thrown in an unawaited callback still gets an answer.
 * Constructing a Domain enables a process-wide async hook that tracks the
 * destruction of every promise, and while one is active Node tags every
 * promise and callback with it, a large share of a simple request's CPU once
 * a database client makes dozens of promises per query, and still a
 * measurable one after leaving it at once (docs/performance.md). Our pipeline awaits everything it starts and catches
 * every error itself (an unexpected one becomes the 500 of SPEC §2), so the
 * framework gets a stand-in that runs the request without a domain.
 *
 * The framework looks `domain.create` up on the module at each request
 * (@google-cloud/functions-framework build/src/function_wrappers.js), so
 * replacing it reaches every request it wraps; nothing else in the process
 * creates domains. Every function here is an HTTP function (functions/index):
 * the framework's event and CloudEvent wrappers call `process.domain.bind`
 * and would need a real domain.
 */
interface RequestDomain {
  on(event: 'error', listener: (error: Error) => void): RequestDomain;
  run<T>(fn: () => T): T;
}

const withoutDomain: RequestDomain = {
  on: () => withoutDomain,
  run: (fn) => fn(),
};

export function skipFrameworkDomains(): void {
  // The module object itself, which the framework reads: an ES import would be a copy.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const domainModule = require('node:domain') as { create: () => RequestDomain; createDomain: () => RequestDomain };
  domainModule.create = () => withoutDomain;
  domainModule.createDomain = () => withoutDomain;
}
