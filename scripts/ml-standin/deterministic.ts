/**
 * Stable pseudo-random numbers: the stand-in must answer the same data on every
 * run and machine, so "randomness" is a hash of what the value is about
 * (ticker, field, day) rather than a generator with hidden state.
 */
export function unitFraction(...parts: readonly (string | number)[]): number {
  // FNV-1a over the UTF-16 code units, then murmur3's finaliser so that keys
  // differing in one character still land far apart.
  let hash = 0x811c9dc5;
  for (const char of parts.join('\u0000')) {
    hash ^= char.charCodeAt(0);
    hash = Math.imul(hash, 0x01000193);
  }
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35);
  hash ^= hash >>> 16;
  return (hash >>> 0) / 2 ** 32;
}

export const roundTo = (value: number, decimals: number): number => {
  const factor = 10 ** decimals;
  return Math.round(value * factor) / factor;
};
