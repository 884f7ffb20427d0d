import { sqlRows } from '../db/sql';

/** What logging in needs of a user: whom the username names, and the hash to check. */
export interface LoginUser {
  id: string;
  username: string;
  passwordHash: string;
  isActive: boolean;
}

/** The user a username names under the column's collation (any case, trailing spaces ignored); the caller compares it exactly. */
export async function findUserByUsername(username: string): Promise<LoginUser | undefined> {
  const [row] = await sqlRows<{ id: string; username: string; passwordHash: string; isActive: number }>(
    'SELECT id, username, password_hash AS passwordHash, is_active AS isActive FROM users WHERE username = ?',
    [username],
  );
  return row && { id: row.id, username: row.username, passwordHash: row.passwordHash, isActive: Boolean(row.isActive) };
}
