import { z } from 'zod';
import { badRequest } from '../core/errors';
import { isUniqueViolation } from '../db/conflicts';
import type { SqlTx } from '../db/sql';
import { SESSION_COLUMNS, SESSION_FROM, type SessionRow, type SessionToConfirm } from './tokens';
import type { AuthenticatedUser } from './user';

/**
 * Django's username rules (AbstractUser with its UnicodeUsernameValidator):
 * at most 150 characters, letters, digits and @ . + - _ only. Surrounding
 * spaces are dropped first, as DRF's CharField does.
 */
export const usernameSchema = z
  .string()
  .trim()
  .min(1, 'This field may not be blank.')
  .max(150, 'Ensure this field has no more than 150 characters.')
  .regex(/^[\p{L}\p{N}_.@+-]+$/u, 'Enter a valid username. This value may contain only letters, numbers, and @/./+/-/_ characters.');

/** first_name and last_name: up to 150 characters, blank allowed (Django's `blank=True`). */
export const personNameSchema = z.string().trim().max(150, 'Ensure this field has no more than 150 characters.');

export interface ProfileChanges {
  username?: string;
  firstName?: string;
  lastName?: string;
}

export const usernameTaken = () => badRequest('username', 'A user with that username already exists.');

/**
 * Changes the caller's own profile, in the caller's transaction: the first
 * statement confirms the session and locks its row and the user's (as every
 * write of a user's does, in that order), the second writes what changed.
 *
 * A taken username is refused by the users table's unique key, not by a
 * look beforehand that a concurrent rename could slip past: the key compares
 * as the column's collation does (case and trailing spaces ignored), so
 * "JohnWick" is taken once "johnwick" exists, and renaming oneself to another
 * case of one's own name is not a conflict.
 */
export async function updateOwnProfile(tx: SqlTx, session: SessionToConfirm, changes: ProfileChanges): Promise<AuthenticatedUser> {
  const [row] = await tx.rows<SessionRow>(`SELECT ${SESSION_COLUMNS} FROM ${SESSION_FROM} WHERE s.id = ? FOR UPDATE`, [session.key.sessionId]);
  const user = session.confirm(row, tx);
  const changed: Array<[column: string, value: string | undefined]> = [
    ['username', changes.username],
    ['first_name', changes.firstName],
    ['last_name', changes.lastName],
  ];
  const columns = changed.filter(([, value]) => value !== undefined);
  if (columns.length === 0) return user;
  try {
    await tx.execute(`UPDATE users SET ${columns.map(([name]) => `${name} = ?`).join(', ')} WHERE id = ?`, [...columns.map(([, value]) => value), user.id]);
  } catch (error) {
    // The only unique key of users besides its id.
    if (isUniqueViolation(error)) throw usernameTaken();
    throw error;
  }
  return {
    ...user,
    username: changes.username ?? user.username,
    firstName: changes.firstName ?? user.firstName,
    lastName: changes.lastName ?? user.lastName,
  };
}
