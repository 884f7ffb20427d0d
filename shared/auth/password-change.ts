import { badRequest } from '../core/errors';
import { sqlRows, type SqlTx } from '../db/sql';
import { clearLoginFailures, recordLoginFailure, reservePasswordCheck } from './login-throttle';
import { assertPasswordAllowed } from './password-rules';
import { withPasswordCheckSlot } from './password-check-slots';
import { hashPassword, verifyPassword } from './passwords';
import { endSessionsOf } from './sessions';
import { SESSION_COLUMNS, SESSION_FROM, type SessionRow, type SessionToConfirm } from './tokens';

export interface PasswordChange {
  oldPassword: string;
  newPassword: string;
  repeated: string;
}

type SessionWithHash = SessionRow & { passwordHash: string };
const SESSION_WITH_HASH = `SELECT ${SESSION_COLUMNS}, u.password_hash AS passwordHash FROM ${SESSION_FROM} WHERE s.id = ?`;

// Django's PasswordChangeForm's words.
const wrongOldPassword = () => badRequest('old_password', 'Your old password was entered incorrectly. Please enter it again.');

/** A change whose old password checked out, ready to be saved. */
export interface CheckedPasswordChange {
  userId: string;
  /** The hash the old password was compared with. */
  checkedHash: string;
  newHash: string;
}

/**
 * The caller's password change, after dj-rest-auth's, except that the old
 * password is required (its OLD_PASSWORD_FIELD_ENABLED), so that a stolen key
 * alone cannot take the account from its owner. Before any transaction:
 *
 * 1. the session and the user's hash, read (and the session confirmed);
 * 2. the password rules for the new one (no bcrypt spent on a refusal);
 * 3. the old password, checked as a login checks it, in one of the
 *    instance's password-check slots (429 when none is free): a reservation of the
 *    login throttle of the username first (429 once it is spent), a wrong
 *    one counted as a failed login and answered 400 naming `old_password`;
 * 4. the new hash, made before any lock is taken (bcrypt is the slow part).
 */
export async function checkPasswordChange(session: SessionToConfirm, change: PasswordChange): Promise<CheckedPasswordChange> {
  const [read] = await sqlRows<SessionWithHash>(SESSION_WITH_HASH, [session.key.sessionId]);
  const user = session.confirm(read);
  const checkedHash = read!.passwordHash; // confirm threw if there was no row
  assertPasswordAllowed({ password: change.newPassword, repeated: change.repeated, username: user.username, email: user.email });

  // Both bcrypt calls in one of the instance's slots, taken before the throttle's reservation: a 429 for want of a slot counts nothing.
  return withPasswordCheckSlot(async () => {
    await reservePasswordCheck(user.username);
    if (!(await verifyPassword(change.oldPassword, checkedHash))) {
      await recordLoginFailure(user.username);
      throw wrongOldPassword();
    }
    const [newHash] = await Promise.all([hashPassword(change.newPassword), clearLoginFailures(user.username)]);
    return { userId: user.id, checkedHash, newHash };
  });
}

/**
 * 5. In the request's transaction: the session and the user's row locked
 *    (confirming the session again), the hash checked to be the one the old
 *    password was compared with (else a change that committed meanwhile wins,
 *    and this one is refused as a wrong old password, uncounted), the new
 *    hash written, and every other live session of the user ended. The
 *    calling one stays.
 */
export async function savePasswordChange(tx: SqlTx, session: SessionToConfirm, change: CheckedPasswordChange): Promise<void> {
  const [locked] = await tx.rows<SessionWithHash>(`${SESSION_WITH_HASH} FOR UPDATE`, [session.key.sessionId]);
  session.confirm(locked, tx);
  if (locked!.passwordHash !== change.checkedHash) throw wrongOldPassword();
  await tx.execute('UPDATE users SET password_hash = ? WHERE id = ?', [change.newHash, change.userId]);
  await endSessionsOf(change.userId, { keep: session.key.sessionId, tx });
}
