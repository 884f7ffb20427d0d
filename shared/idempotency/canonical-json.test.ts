import { canonicalJson } from './canonical-json';

/** The recursive form this replaced: stored request hashes were taken over its output. */
function recursiveCanonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(recursiveCanonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${recursiveCanonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

describe('canonicalJson', () => {
  it.each([
    null,
    undefined,
    1.5,
    'a"b',
    [],
    {},
    [1, [2, [3, {}]], null, undefined],
    { params: { wallet_id: 'abc' }, body: { sum: '1.00', z: { b: [1, 'x'], a: null, 'é"': true } } },
  ])('writes %j exactly as the recursive form did (stored hashes stay valid)', (value) => {
    expect(canonicalJson(value)).toBe(recursiveCanonicalJson(value));
  });

  it('sorts keys', () => {
    expect(canonicalJson({ b: 1, a: { d: 2, c: 3 } })).toBe('{"a":{"c":3,"d":2},"b":1}');
  });

  it('walks a value nested 100,000 levels without exhausting the stack', () => {
    let value: unknown = 0;
    for (let level = 0; level < 100_000; level += 1) value = [value];
    expect(canonicalJson(value)).toBe(`${'['.repeat(100_000)}0${']'.repeat(100_000)}`);
  });
});
