/** SPEC §2 times: UTC, ISO 8601 with six fractional digits and `Z`. */
export function isoMicro(date: Date): string {
  return date.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

/** Seconds since the epoch of the UTC midnight that starts `date`'s day. */
export function utcDayEpochSeconds(date: Date): number {
  return Math.floor(Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate()) / 1000);
}
