import bcrypt from 'bcryptjs';

const COST = 10;

export const hashPassword = (password: string) => bcrypt.hash(password, COST);

// Compared against when the username is unknown, so both failures take as long
// and an attacker cannot tell which usernames exist from the timing. A literal
// (bcrypt of a throwaway password at COST): hashing it at import would slow
// every function's cold start (docs/performance.md).
const UNKNOWN_USER_HASH = '$2b$10$SYoX7ZEUlsBjei6h//1gGexF7OoM8MhMlPVnv5LetU5Eiw6ODEpa2';

export function verifyPassword(password: string, hash: string | undefined): Promise<boolean> {
  return bcrypt.compare(password, hash ?? UNKNOWN_USER_HASH);
}
