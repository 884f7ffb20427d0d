import { z } from 'zod';
import { parseInput } from '../http/validation';
import { addPasswordIssues, assertPasswordAllowed, PASSWORD_MAX_BYTES, passwordRefusals, type PasswordCandidate } from './password-rules';

const ada = { username: 'ada', email: 'ada.lovelace@example.com' };
const refusalsOf = (candidate: Partial<PasswordCandidate> & { password: string }) => passwordRefusals({ ...ada, ...candidate });

describe('password rules', () => {
  it.each(['analytical-engine', 'Zq8!vL2#pW', 'correct horse battery staple', 'ünïcödé-pässwörd'])('lets %j be set', (password) => {
    expect(refusalsOf({ password, repeated: password })).toEqual([]);
  });

  it('refuses fewer than 8 characters, counting characters rather than UTF-16 units', () => {
    expect(refusalsOf({ password: 'seven77' })).toEqual([
      { field: 'new_password1', rule: 'password_too_short', message: expect.stringContaining('at least 8') },
    ]);
    // 7 characters in 9 UTF-16 units: too short; 8 emoji in 16 units: long enough.
    expect(refusalsOf({ password: 'ab🦊cd🐙e' })).toMatchObject([{ rule: 'password_too_short' }]);
    expect(refusalsOf({ password: '🦊🐙🦉🐝🦋🐞🦀🐢' })).toEqual([]);
  });

  it('refuses more than 72 bytes in UTF-8, which bcrypt would cut, and takes exactly 72', () => {
    expect(refusalsOf({ password: 'x'.repeat(PASSWORD_MAX_BYTES - 9) + '-ok-12345' })).toEqual([]);
    expect(refusalsOf({ password: 'x'.repeat(PASSWORD_MAX_BYTES + 1) })).toMatchObject([{ field: 'new_password1', rule: 'password_too_long' }]);
    // 25 characters, 75 bytes: too long for bcrypt though short in characters.
    expect(refusalsOf({ password: '€'.repeat(25) })).toMatchObject([{ rule: 'password_too_long' }]);
  });

  it.each([
    ['the username', 'lovelace', 'LoveLace', 'username'],
    ['the username with other punctuation', 'ada.byron', 'Ada-Byron!', 'username'],
    ['the username in another case', 'JohnWick', 'JOHNWICK', 'username'],
    ['the username inside it', 'johnwick', 'my-johnwick-2026', 'username'],
    ['a password the username contains', 'johnwick1984', 'johnwick', 'username'],
    ['the e-mail address', 'x', 'Ada.Lovelace@Example.com', 'email address'],
    ['the e-mail’s local part inside it', 'x', '1815-ada.lovelace!', 'email address'],
  ])('refuses %s', (_case, username, password, attribute) => {
    expect(refusalsOf({ username, password })).toEqual([
      { field: 'new_password1', rule: 'password_too_similar', message: `The password is too similar to the ${attribute}.` },
    ]);
  });

  it('does not refuse a password for containing a username of fewer than 4 characters', () => {
    expect(refusalsOf({ username: 'al', password: 'totally-alone-here' })).toEqual([]);
    // Nothing comparable in either: not "similar" because both are empty once punctuation is dropped.
    expect(refusalsOf({ username: '.-_', password: '!?!?-.-.' })).toEqual([]);
  });

  it.each(['password', 'Password1', 'iloveyou', 'QWERTYUIOP', '12345678', ' sunshine '])('refuses the common password %j', (password) => {
    expect(refusalsOf({ password: password.padEnd(8, '1') })).toMatchObject([{ field: 'new_password1', rule: 'password_too_common' }]);
  });

  it('refuses two different copies on the second field, and says nothing else', () => {
    expect(refusalsOf({ password: 'short', repeated: 'shorter' })).toEqual([
      { field: 'new_password2', rule: 'password_mismatch', message: 'The two password fields didn’t match.' },
    ]);
  });

  it('names the fields it is told to', () => {
    expect(passwordRefusals({ ...ada, password: 'abc', repeated: 'abc' }, { password: 'password', repeated: 'password2' })).toMatchObject([
      { field: 'password', rule: 'password_too_short' },
    ]);
  });

  it('throws the 400 naming the field and the rule', () => {
    expect(() => assertPasswordAllowed({ ...ada, password: 'iloveyou', repeated: 'iloveyou' })).toThrow(
      expect.objectContaining({
        status: 400,
        code: 'invalid_request',
        details: [{ field: 'new_password1', rule: 'password_too_common', message: 'This password is too common.' }],
      }),
    );
    expect(() => assertPasswordAllowed({ ...ada, password: 'analytical-engine', repeated: 'analytical-engine' })).not.toThrow();
  });

  it('gives a zod schema’s superRefine the same refusals, which the pipeline’s 400 names with their rule', () => {
    const schema = z.object({ new_password1: z.string(), new_password2: z.string() }).superRefine((body, context) => {
      addPasswordIssues(context, passwordRefusals({ ...ada, password: body.new_password1, repeated: body.new_password2 }));
    });
    expect(() => parseInput(schema, { new_password1: 'ada-lovelace', new_password2: 'ada-lovelace' }, 'body')).toThrow(
      expect.objectContaining({ status: 400, details: [{ field: 'new_password1', rule: 'password_too_similar', message: expect.any(String) }] }),
    );
  });
});
