import { createHmac, hkdfSync, timingSafeEqual, type KeyObject } from 'node:crypto';
import { config } from '../config/config';
import { signingKeys } from './signing-keys';

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
 * The key is derived from the JWT secret (HKDF-SHA256, its own label), not a
 * secret of its own: nothing more to create, mount or rotate, and the label
 * keeps the two uses apart (a reset token is never a valid API key and the
 * other way round). A rotation of the JWT secret keeps tokens signed with the
 * previous one valid while JWT_SECRET_PREVIOUS is set, like keys; dropping it
 * voids the rest, at worst an hour's links.
 */
const KEY_LABEL = 'fulfillment-functions password reset token v1';

const TOKEN = /^([0-9a-z]{1,10})-([A-Za-z0-9_-]{43})$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** What a token is bound to. */
export interface ResetSubject {
  id: string;
  email: string;
  passwordHash: string;
}

const derived = new WeakMap<KeyObject, Buffer>();

function resetKey(signingKey: KeyObject): Buffer {
  let key = derived.get(signingKey);
  if (!key) {
    key = Buffer.from(hkdfSync('sha256', signingKey, Buffer.alloc(0), KEY_LABEL, 32));
    derived.set(signingKey, key);
  }
  return key;
}

function signature(key: Buffer, subject: ResetSubject, issuedAt: number): Buffer {
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
export async function makeResetToken(subject: ResetSubject, issuedAt = Math.floor(Date.now() / 1000)): Promise<string> {
  const { current } = await signingKeys();
  return `${issuedAt.toString(36)}-${signature(resetKey(current), subject, issuedAt).toString('base64url')}`;
}

/**
 * Whether `token` was made for `subject` as it is now, within the last
 * PASSWORD_RESET_TTL_SECONDS (`now` in seconds; the tests' clock). A token
 * from the future (beyond a minute of clock skew between instances) is refused too.
 */
export async function resetTokenIsValid(subject: ResetSubject, token: string, now = Math.floor(Date.now() / 1000)): Promise<boolean> {
  const parts = TOKEN.exec(token);
  if (!parts) return false;
  const issuedAt = parseInt(parts[1], 36);
  if (!(issuedAt <= now + 60 && now - issuedAt <= config().PASSWORD_RESET_TTL_SECONDS)) return false;
  // Compared as text: base64url's last character carries two spare bits, so
  // four spellings decode to the same bytes, and only ours is the token.
  const given = Buffer.from(parts[2], 'ascii');
  const { accepted } = await signingKeys();
  // Every accepted key is tried, whichever matches, so the time taken does not say which.
  let valid = false;
  for (const key of accepted) valid = timingSafeEqual(Buffer.from(signature(resetKey(key), subject, issuedAt).toString('base64url'), 'ascii'), given) || valid;
  return valid;
}
