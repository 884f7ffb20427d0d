import { isIPv4, isIPv6 } from 'node:net';
import { config } from '../config/config';
import { ApiError } from '../core/errors';
import { purgeExpiredSometimes } from '../db/housekeeping';
import { sqlInsertId } from '../db/sql';

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

/**
 * The decision comes back as the statement's insert id, as in the username
 * throttle (see RESERVE there): 1 is "counted"; n ≥ 2 is "refused, n − 1
 * seconds left in the window". Assignments read the row's old values.
 */
const RESERVE = `
  INSERT INTO login_client_throttle (client, window_started_at, password_checks)
  VALUES (?, NOW(6), LAST_INSERT_ID(1))
  ON DUPLICATE KEY UPDATE
    password_checks = CASE
      WHEN window_started_at <= NOW(6) - INTERVAL ? SECOND THEN LAST_INSERT_ID(1)
      WHEN password_checks < ? THEN password_checks + LAST_INSERT_ID(1)
      ELSE IF(LAST_INSERT_ID(1 + GREATEST(1, TIMESTAMPDIFF(SECOND, NOW(6), window_started_at + INTERVAL ? SECOND) + 1)) > 0, password_checks, password_checks)
    END,
    window_started_at = IF(window_started_at <= NOW(6) - INTERVAL ? SECOND, NOW(6), window_started_at)`;

/** Counts one password check for the client at `address`, or throws 429. */
export async function reserveClientCheck(address: string): Promise<void> {
  const { LOGIN_CLIENT_MAX_CHECKS: limit, LOGIN_CLIENT_WINDOW_SECONDS: window } = config();
  await purgeExpiredSometimes('login_client_throttle');
  const decision = await sqlInsertId(RESERVE, [clientKey(address), window, limit, window, window]);
  if (decision === 1) return;
  if (!(decision >= 2)) throw new Error(`The client throttle's reservation came back with ${decision}: LAST_INSERT_ID(expr) did not reach the client`);
  throw new ApiError(429, 'too_many_attempts', 'Too many attempts from this network; try again later', [], { 'Retry-After': String(decision - 1) });
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
