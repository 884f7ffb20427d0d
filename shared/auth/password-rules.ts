import { z } from 'zod';
import { invalidInput, type FieldProblem } from '../core/errors';

/**
 * The rules every new password meets (a password change, a reset, `npm run
 * user:create`), after NIST SP 800-63B §3.1.1.2: a minimum length, a maximum
 * that bcrypt can honour, nothing taken from the account itself, nothing from
 * a list of commonly used passwords. No composition rules ("a digit and a
 * capital"): NIST advises against them. Each refusal names the field and the
 * rule, with Django's codes where Django has one, so a client written for the
 * original can tell them apart.
 */
export type PasswordRule = 'password_too_short' | 'password_too_long' | 'password_too_similar' | 'password_too_common' | 'password_mismatch';

export interface PasswordRefusal extends FieldProblem {
  rule: PasswordRule;
}

export const PASSWORD_MIN_CHARACTERS = 8;
/** bcrypt hashes the first 72 bytes and ignores the rest: a longer password would be silently cut. */
export const PASSWORD_MAX_BYTES = 72;
/**
 * What a request body may carry in a password field at all, before any rule
 * is checked: a bound on hostile input, well past PASSWORD_MAX_BYTES (72
 * bytes are at most 72 characters) so that the rule, not this, answers.
 */
export const PASSWORD_INPUT_MAX_CHARACTERS = 1024;

/** A password field of a request body, for the handlers' zod schemas. */
export const passwordInput = () => z.string().min(1).max(PASSWORD_INPUT_MAX_CHARACTERS);

export interface PasswordCandidate {
  password: string;
  /** The second copy, where the caller asks for one. */
  repeated?: string;
  /** Whose password it is to be: it may not be made of these. */
  username: string;
  email: string;
}

/** The fields the refusals name: dj-rest-auth's by default. */
export interface PasswordFieldNames {
  password: string;
  repeated: string;
}

export const NEW_PASSWORD_FIELDS: PasswordFieldNames = { password: 'new_password1', repeated: 'new_password2' };

/**
 * The rule the candidate breaks, naming its field (none: the password may be
 * set). One refusal per field, as for any other bad input: the first rule
 * broken, cheapest first, so the common-password list is only consulted for
 * a password that passed the rest.
 */
export function passwordRefusals(candidate: PasswordCandidate, fields: PasswordFieldNames = NEW_PASSWORD_FIELDS): PasswordRefusal[] {
  const refusal = firstBrokenRule(candidate);
  if (!refusal) return [];
  const field = refusal.rule === 'password_mismatch' ? fields.repeated : fields.password;
  return [{ field, ...refusal }];
}

function firstBrokenRule({ password, repeated, username, email }: PasswordCandidate): { rule: PasswordRule; message: string } | undefined {
  // As dj-rest-auth does: two different copies are refused on the second field before anything else is checked.
  if (repeated !== undefined && repeated !== password) return { rule: 'password_mismatch', message: 'The two password fields didn’t match.' };
  if ([...password].length < PASSWORD_MIN_CHARACTERS) {
    return { rule: 'password_too_short', message: `This password is too short. It must contain at least ${PASSWORD_MIN_CHARACTERS} characters.` };
  }
  if (Buffer.byteLength(password, 'utf8') > PASSWORD_MAX_BYTES) {
    return { rule: 'password_too_long', message: `This password is too long. It must be at most ${PASSWORD_MAX_BYTES} bytes in UTF-8.` };
  }
  const similarTo = similarAttribute(password, username, email);
  if (similarTo) return { rule: 'password_too_similar', message: `The password is too similar to the ${similarTo}.` };
  if (isCommonPassword(password)) return { rule: 'password_too_common', message: 'This password is too common.' };
  return undefined;
}

/** Throws the 400 naming each field and rule the candidate breaks; returns when the password may be set. */
export function assertPasswordAllowed(candidate: PasswordCandidate, fields: PasswordFieldNames = NEW_PASSWORD_FIELDS): void {
  const refusals = passwordRefusals(candidate, fields);
  if (refusals.length) throw invalidInput(refusals, 'body');
}

/**
 * The same refusals as zod issues, for a schema's superRefine: the request
 * pipeline's 400 (shared/http/validation.ts) then names the field and, from
 * the issue's params, the rule.
 */
export function addPasswordIssues(context: z.RefinementCtx, refusals: readonly PasswordRefusal[]): void {
  for (const { field, rule, message } of refusals) context.addIssue({ code: 'custom', path: [field], message, params: { rule } });
}

/** Attributes shorter than this are only refused as the whole password: "al" is in too many good ones. */
const MIN_CONTAINED_CHARACTERS = 4;

/** Lower case, letters and digits only: "Ada-Lovelace" is "ada.lovelace" with other punctuation. */
const comparable = (value: string) => value.toLowerCase().replace(/[^\p{L}\p{N}]+/gu, '');

/**
 * Which of the user's own attributes the password is made of, compared
 * without case or punctuation: the username, the e-mail address or its local
 * part, as the whole password, inside it, or containing it.
 */
function similarAttribute(password: string, username: string, email: string): 'username' | 'email address' | undefined {
  const candidate = comparable(password);
  if (!candidate) return undefined;
  const at = email.lastIndexOf('@');
  const madeOf = (attribute: string) => {
    const value = comparable(attribute);
    if (!value) return false;
    return value.includes(candidate) || (value.length >= MIN_CONTAINED_CHARACTERS && candidate.includes(value));
  };
  if (madeOf(username)) return 'username';
  if (madeOf(email) || (at > 0 && madeOf(email.slice(0, at)))) return 'email address';
  return undefined;
}

/**
 * The 49,000 most used passwords of @zxcvbn-ts/language-common (MIT; lower
 * case; from the leaked-password lists zxcvbn ranks by), of which only those
 * long enough to pass the length rule are kept. Loaded on the first check, not
 * at import: decompressing the list takes tens of milliseconds and a few MB,
 * which only the functions that set a password should pay, once per instance.
 */
let commonPasswords: ReadonlySet<string> | undefined;

function isCommonPassword(password: string): boolean {
  commonPasswords ??= loadCommonPasswords();
  // Django's CommonPasswordValidator compares the same way: lower case, surrounding spaces ignored.
  return commonPasswords.has(password.trim().toLowerCase());
}

function loadCommonPasswords(): ReadonlySet<string> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- required on first use, see above
  const { dictionary } = require('@zxcvbn-ts/language-common') as typeof import('@zxcvbn-ts/language-common');
  const list = dictionary['passwords-common'] as readonly string[];
  return new Set(list.filter((password) => [...password].length >= PASSWORD_MIN_CHARACTERS).map((password) => password.toLowerCase()));
}
