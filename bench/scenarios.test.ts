import { findFunction, registry } from '../functions/registry';
import { compilePath } from '../shared/http/route-path';
import { COLD_START_PROBES, USERS, type BenchContext } from './scenarios';

/**
 * `npm run bench` measures a cold start of every function in the registry,
 * each with its probe; a function without one fails CI's `bench --smoke`.
 * This fails first, in `npm test`, naming it.
 */
const key = (name: string) =>
  `eyJhbGciOiJIUzI1NiJ9.${Buffer.from(JSON.stringify({ sub: name, jti: `00000000-0000-4000-8000-${name.padStart(12, '0').slice(-12)}` })).toString('base64url')}.sig`;
const ctx: BenchContext = {
  keys: Object.fromEntries(USERS.map((user) => [user, key(user)])) as BenchContext['keys'],
  logoutKeys: [key('logout')],
  sessionEndKeys: [key('sessionend')],
  purchaseBody: '{}',
};

describe('the bench’s cold-start probes', () => {
  it('include one for every function in functions/registry.ts (add the missing ones to COLD_START_PROBES in bench/scenarios.ts)', () => {
    expect(registry.map(({ name }) => name).filter((name) => !COLD_START_PROBES[name])).toEqual([]);
  });

  it('name no function the registry lacks', () => {
    expect(Object.keys(COLD_START_PROBES).filter((name) => !findFunction(name))).toEqual([]);
  });

  it.each(Object.keys(COLD_START_PROBES))('ask %s for a method and path it serves', (name) => {
    const definition = findFunction(name)!;
    const request = COLD_START_PROBES[name].request(ctx, 0);
    expect(definition.methods).toContain(request.method);
    expect(definition.paths.some((path) => compilePath(path).match(request.path.split('?')[0]))).toBe(true);
  });
});
