import bcrypt from 'bcryptjs';

const COST = 10;

export const hashPassword = (password: string) => bcrypt.hash(password, COST);

// Compared against when the username is unknown, so both failures take as long
// and an attacker cannot tell which usernames exist from the timing.
const UNKNOWN_USER_HASH = bcrypt.hashSync('no user has this password', COST);

export function verifyPassword(password: string, hash: string | undefined): Promise<boolean> {
  return bcrypt.compare(password, hash ?? UNKNOWN_USER_HASH);
}
