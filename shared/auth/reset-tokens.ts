import { createHmac, timingSafeEqual } from 'node:crypto';
import { config, passwordResetKey } from '../config/config';

/**
 * Password-reset links carry `uid` and `token`, as Django's do (dj-rest-auth
 * 2.1.5 uses PasswordResetTokenGenerator): `uid` is the user's pk in URL-safe
 * base64, `token` is `<issued at, base 36 seconds>-<HMAC-SHA256, base64url>`.
 *
 * Nothing is stored: the HMAC covers the user's id, e-mail and current
 * password hash and the time of issue, so
 * - a password change (the reset itself included: bcrypt salts every hash
 *   anew) voids every token issued before it: single use;
 * - the issue time is signed, and checked against PASSWORD_RESET_TTL_SECONDS;
 * - only the holder of the key can make one.
 *
 * The key is PASSWORD_RESET_KEY (the password-reset-key secret), held only
 * by the two functions that make and check links: not the key that signs API
 * keys, which lives in auth-login alone. Replacing it voids the links issued
 * before, at worst an hour's (docs/deploy.md).
 */

const TOKEN = /^([0-9a-z]{1,10})-([A-Za-z0-9_-]{43})$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** What a token is bound to. */
export interface ResetSubject {
  id: string;
  email: string;
  passwordHash: string;
}

function signature(key: string, subject: ResetSubject, issuedAt: number): Buffer {
  // NUL-separated: none of the parts can hold one, so no two subjects sign the same text.
  return createHmac('sha256', key)
    .update([subject.id, subject.email, subject.passwordHash, String(issuedAt)].join('\0'))
    .digest();
}

/** The user's pk as the link carries it (Django's urlsafe_base64_encode, no padding). */
export const encodeUid = (userId: string): string => Buffer.from(userId, 'utf8').toString('base64url');

/** The user id a `uid` names, or undefined for anything that is not one of ours, written as we write it. */
export function decodeUid(uid: string): string | undefined {
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(uid)) return undefined;
  const userId = Buffer.from(uid, 'base64url').toString('utf8');
  return UUID.test(userId) && encodeUid(userId) === uid ? userId : undefined;
}

/** A token for `subject`, issued at `issuedAt` (seconds since the epoch; the parameter is the tests' clock). */
export function makeResetToken(subject: ResetSubject, issuedAt = Math.floor(Date.now() / 1000)): string {
  return `${issuedAt.toString(36)}-${signature(passwordResetKey(), subject, issuedAt).toString('base64url')}`;
}

/**
 * Whether `token` was made for `subject` as it is now, within the last
 * PASSWORD_RESET_TTL_SECONDS (`now` in seconds; the tests' clock). A token
 * from the future (beyond a minute of clock skew between instances) is refused too.
 */
export function resetTokenIsValid(subject: ResetSubject, token: string, now = Math.floor(Date.now() / 1000)): boolean {
  const parts = TOKEN.exec(token);
  if (!parts) return false;
  const issuedAt = parseInt(parts[1], 36);
  if (!(issuedAt <= now + 60 && now - issuedAt <= config().PASSWORD_RESET_TTL_SECONDS)) return false;
  // Compared as text: base64url's last character carries two spare bits, so
  // four spellings decode to the same bytes, and only ours is the token.
  const given = Buffer.from(parts[2], 'ascii');
  const expected = Buffer.from(signature(passwordResetKey(), subject, issuedAt).toString('base64url'), 'ascii');
  return expected.length === given.length && timingSafeEqual(expected, given);
}
