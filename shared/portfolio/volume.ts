/**
 * A trading volume in SPEC §3's short form, 24452230 → "24M": whole numbers
 * (precision 0, the default of Python's `millify`; the JavaScript millify's
 * default of 1 would give "24.5M"), rounded half-up, so 1520 → "2K". A value
 * that rounds to 1000 of a unit moves up one (999999 → "1M", not "1000K").
 * K is upper-case like the other units.
 */
const UNITS = ['', 'K', 'M', 'B', 'T'];

export function shortVolume(volume: number | null): string | null {
  if (volume === null) return null;
  let unit = 0;
  while (unit < UNITS.length - 1 && Math.round(volume / 1000 ** unit) >= 1000) unit += 1;
  return `${Math.round(volume / 1000 ** unit)}${UNITS[unit]}`;
}
