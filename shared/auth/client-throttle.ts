import { isIPv4, isIPv6 } from 'node:net';
import { config } from '../config/config';
import { ApiError } from '../core/errors';
import { windowedCounter } from './windowed-count';

/**
 * Password checks per client address are bounded per window, across every
 * instance, whatever the usernames: the per-username throttle
 * (./login-throttle) cannot stop one client trying a new username each time,
 * and each try costs a full bcrypt check (an unknown username too, so its
 * timing tells nothing). Login and the password-reset request use it, one
 * allowance per client for both (a reset request costs mail, and probes
 * addresses as a login probes usernames).
 *
 * - Every check counts, a success as much as a failure: a client that logs in
 *   to its own account over and over costs as much CPU as one guessing.
 * - At most LOGIN_CLIENT_MAX_CHECKS per window of LOGIN_CLIENT_WINDOW_SECONDS,
 *   exactly, however many arrive at once: one row per client, and a check is
 *   only made once a single statement has counted it there.
 * - The window starts at the first check after the last one expired.
 * - Refused: 429 with Retry-After, the seconds left in the window.
 *
 * The key is the address Google's front end saw (shared/http/client-address),
 * an IPv6 client's /64 (one subscriber's network: a client holds a whole
 * /64, and could otherwise take a new address per try). It is kept one window
 * at most, then purged (shared/db/housekeeping), and never logged.
 */

const reserve = windowedCounter({ table: 'login_client_throttle', keyColumn: 'client', countColumn: 'password_checks' });

/** Counts one password check for the client at `address`, or throws 429. */
export async function reserveClientCheck(address: string): Promise<void> {
  const { LOGIN_CLIENT_MAX_CHECKS: limit, LOGIN_CLIENT_WINDOW_SECONDS: window } = config();
  const secondsLeft = await reserve(clientKey(address), limit, window);
  if (secondsLeft === undefined) return;
  throw new ApiError(429, 'too_many_attempts', 'Too many attempts from this network; try again later', [], { 'Retry-After': String(secondsLeft) });
}

/**
 * What a client is counted under: an IPv4 address as it is; an IPv6 address
 * as its /64 (`2001:db8:0:1::/64`), an IPv4-mapped one as the IPv4 address;
 * anything else (never, behind Google's front end) under one shared key.
 */
export function clientKey(address: string): string {
  const plain = address.trim().replace(/%.*$/, '');
  if (isIPv4(plain)) return plain;
  if (!isIPv6(plain)) return 'unparsable';
  const groups = ipv6Groups(plain);
  if (groups.slice(0, 5).every((group) => group === 0) && groups[5] === 0xffff) {
    return [groups[6] >> 8, groups[6] & 0xff, groups[7] >> 8, groups[7] & 0xff].join('.');
  }
  return `${groups
    .slice(0, 4)
    .map((group) => group.toString(16))
    .join(':')}::/64`;
}

/** The eight 16-bit groups of a valid IPv6 address (`::` expanded, a dotted IPv4 tail read as two groups). */
function ipv6Groups(address: string): number[] {
  const dotted = address.match(/^(.*:)(\d+\.\d+\.\d+\.\d+)$/);
  const text = dotted ? `${dotted[1]}${toHexPair(dotted[2])}` : address;
  const [head, tail] = text.includes('::') ? text.split('::') : [text, undefined];
  const parse = (part: string | undefined) => (part ? part.split(':').map((group) => parseInt(group, 16)) : []);
  const left = parse(head);
  const right = parse(tail);
  return tail === undefined ? left : [...left, ...Array(8 - left.length - right.length).fill(0), ...right];
}

function toHexPair(ipv4: string): string {
  const [a, b, c, d] = ipv4.split('.').map(Number);
  return `${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
}
