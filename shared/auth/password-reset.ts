import { setTimeout as sleep } from 'node:timers/promises';
import { config } from '../config/config';
import { badRequest } from '../core/errors';
import { inSqlTransaction, sqlRows } from '../db/sql';
import { checkMailServer, refuseWhileMailServerDown, sendMail, type MailMessage } from '../mail/mailer';
import { reserveClientCheck } from './client-throttle';
import { withPasswordCheckSlot } from './password-check-slots';
import { hashPassword } from './passwords';
import { reservePasswordReset } from './password-reset-throttle';
import { decodeUid, encodeUid, makeResetToken, resetTokenIsValid, type ResetSubject } from './reset-tokens';

/** What a reset needs of a user: whom to write to, and what the token is bound to. */
export interface ResetUser extends ResetSubject {
  username: string;
}

const USER_COLUMNS = 'id, username, email, password_hash AS passwordHash';

/**
 * The active users an address names, under the column's collation (any case,
 * trailing spaces ignored), as Django's PasswordResetForm finds them
 * (`email__iexact`, active users). Usually one; the column is not unique.
 */
const usersByEmail = (email: string) => sqlRows<ResetUser>(`SELECT ${USER_COLUMNS} FROM users WHERE email = ? AND is_active`, [email]);

function resetMessage(user: ResetUser): MailMessage {
  const link = config()
    .PASSWORD_RESET_LINK.replace('{uid}', encodeURIComponent(encodeUid(user.id)))
    .replace('{token}', encodeURIComponent(makeResetToken(user)));
  const minutes = Math.round(config().PASSWORD_RESET_TTL_SECONDS / 60);
  return {
    // The address as stored, never as typed: the mail goes only where the account says.
    to: user.email,
    subject: 'Password reset',
    text: [
      `Someone (we hope you) asked to reset the password of the account "${user.username}".`,
      '',
      `Choose a new password here; the link works once, for ${minutes} minutes:`,
      link,
      '',
      'If you did not ask, ignore this message: your password stays as it is.',
      '',
    ].join('\n'),
  };
}

/**
 * POST /auth/password/reset/: mails a reset link to each active user of
 * `email`, and answers the same whether there is one or not (docs/auth.md,
 * Password reset):
 * - the client's reservation first (./client-throttle, shared with login), on
 *   its own: a client past its limit is refused 429 at once, before anything
 *   about the address is read or counted, so the refusal is alike for every
 *   address and spends nothing of the address's own allowance;
 * - then the same statements either way: the address's reservation and the
 *   user lookup, at once;
 * - the mail server is spoken to either way: a message per user, or, for an
 *   address nobody has, the same conversation up to the message (connect,
 *   TLS, AUTH, QUIT), so both fail alike when the server does (503);
 * - and the answer, 200 or 503, leaves PASSWORD_RESET_ANSWER_MS after this
 *   started (what came before, parsing the body, is alike for every
 *   address), however long the mail took within that.
 * A mail server already known to be down fails it at once, before any of
 * this, whatever the address.
 */
export async function requestPasswordReset(email: string, clientAddress: string): Promise<void> {
  const answerAt = Date.now() + config().PASSWORD_RESET_ANSWER_MS;
  refuseWhileMailServerDown();
  await reserveClientCheck(clientAddress);
  const [, users] = await Promise.all([reservePasswordReset(email), usersByEmail(email)]);
  try {
    if (users.length === 0) await checkMailServer();
    for (const user of users) await sendMail(resetMessage(user));
  } finally {
    await sleep(Math.max(0, answerAt - Date.now()));
  }
}

const invalidUid = () => badRequest('uid', 'Invalid value');
const invalidToken = () => badRequest('token', 'Invalid value');

/** The active user a confirmation's `uid` names, or 400 naming uid. */
export async function userOfUid(uid: string): Promise<ResetUser> {
  const userId = decodeUid(uid);
  const [user] = userId ? await sqlRows<ResetUser>(`SELECT ${USER_COLUMNS} FROM users WHERE id = ? AND is_active`, [userId]) : [];
  if (!user) throw invalidUid();
  return user;
}

/** 400 naming token unless `token` is one of `user`'s, unused and unexpired. */
export function checkResetToken(user: ResetUser, token: string): void {
  if (!resetTokenIsValid(user, token)) throw invalidToken();
}

/**
 * POST /auth/password/reset/confirm/, once uid, token and the new password
 * have passed: the password is hashed first (bcrypt takes a tenth of a
 * second), in one of the instance's password-check slots (429 at once when
 * none is free, nothing written), then set in one transaction with the user's row locked, the token
 * checked again against the locked row, so of two confirmations with one
 * token exactly one gets in; every session of the user ends with it.
 */
export async function resetPassword(user: ResetUser, token: string, newPassword: string): Promise<void> {
  const passwordHash = await withPasswordCheckSlot(() => hashPassword(newPassword));
  await inSqlTransaction(async (tx) => {
    const [locked] = await tx.rows<ResetUser>(`SELECT ${USER_COLUMNS} FROM users WHERE id = ? AND is_active FOR UPDATE`, [user.id]);
    if (!locked || !resetTokenIsValid(locked, token)) throw invalidToken();
    await tx.execute('UPDATE users SET password_hash = ? WHERE id = ?', [passwordHash, user.id]);
    // SYSDATE(6), as logout stamps it (shared/auth/tokens.ts revokeSession).
    await tx.execute('UPDATE sessions SET revoked_at = SYSDATE(6) WHERE user_id = ? AND revoked_at IS NULL', [user.id]);
  });
}
