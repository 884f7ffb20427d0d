import bcrypt from 'bcryptjs';

const COST = 10;

/** Hashes a password that has met the rules (./password-rules.ts), so at most 72 bytes: bcrypt would ignore the rest. */
export const hashPassword = (password: string) => bcrypt.hash(password, COST);

// Compared against when the username is unknown, so both failures take as long
// and an attacker cannot tell which usernames exist from the timing. A literal
// (bcrypt of a throwaway password at COST): hashing it at import would slow
// every function's cold start (docs/performance.md).
const UNKNOWN_USER_HASH = '$2b$10$SYoX7ZEUlsBjei6h//1gGexF7OoM8MhMlPVnv5LetU5Eiw6ODEpa2';

export async function verifyPassword(password: string, hash: string | undefined): Promise<boolean> {
  const matches = await bcrypt.compare(password, hash ?? UNKNOWN_USER_HASH);
  // bcrypt compares only the first 72 bytes, so a longer password would match
  // the hash of its first 72. The rules set none that long, so it matches
  // nothing (one set before the rules, when user:create took 128 characters,
  // has to be set again). Compared all the same, to take as long.
  return matches && !bcrypt.truncates(password);
}
