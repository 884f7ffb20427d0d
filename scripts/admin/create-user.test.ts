import { EventEmitter } from 'node:events';
import { db } from '../../shared/db/prisma';
import { callFunction, loginAs, tokenHeader } from '../../testing/http';
import { useTestDatabase } from '../../testing/test-database';
import { runCreateUser, type Terminal } from './create-user';

const database = useTestDatabase();

/** stdin as a pipe: no terminal, so the password comes from USER_PASSWORD. */
const pipe = (): Terminal => Object.assign(new EventEmitter(), { isTTY: false, setEncoding: () => undefined, resume: () => undefined, pause: () => undefined });

/** stdin as a terminal: records raw mode, and is "typed" into once the first prompt shows. */
function terminal(typed: string[]) {
  const emitter = new EventEmitter();
  const rawModes: boolean[] = [];
  const stdin: Terminal = Object.assign(emitter, {
    isTTY: true,
    setRawMode: (mode: boolean) => rawModes.push(mode),
    setEncoding: () => undefined,
    resume: () => setImmediate(() => typed.forEach((chunk) => emitter.emit('data', chunk))),
    pause: () => undefined,
  });
  return { stdin, rawModes };
}

async function run(argv: string[], options: { env?: NodeJS.ProcessEnv; stdin?: Terminal } = {}) {
  let out = '';
  let err = '';
  const code = await runCreateUser({
    argv,
    env: options.env ?? {},
    stdin: options.stdin ?? pipe(),
    stdout: { write: (text: string) => (out += text) },
    stderr: { write: (text: string) => (err += text) },
    db,
    databaseUrl: database.url(),
    databaseUrlFromEnvironment: true,
  });
  return { code, out, err };
}

const userNamed = (username: string) => db().user.findMany({ where: { username } });

describe('npm run user:create', () => {
  it('creates a user who can then log in through the API', async () => {
    const result = await run(
      ['--username', 'ada', '--email', 'ada@example.com', '--first-name', 'Ada', '--last-name', 'Lovelace', '--ml-uuid', 'user-0000000000000001'],
      { env: { USER_PASSWORD: 'analytical-engine' } },
    );

    expect(result).toMatchObject({ code: 0, err: '' });
    expect(result.out).toContain('Created user "ada"');
    const key = await loginAs('ada', 'analytical-engine');
    const me = await callFunction('auth-user').get('/api/v1/auth/user/').set(tokenHeader(key));
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ username: 'ada', email: 'ada@example.com', first_name: 'Ada', last_name: 'Lovelace', ml_uuid: 'user-0000000000000001' });
    const [stored] = await userNamed('ada');
    expect(stored.passwordHash).toMatch(/^\$2[aby]\$10\$/);
    expect(stored.passwordHash).not.toContain('analytical-engine');
  });

  it('gives the user a fresh ml_uuid when none is named', async () => {
    expect((await run(['--username', 'grace', '--email', 'grace@example.com'], { env: { USER_PASSWORD: 'compiler-1952' } })).code).toBe(0);
    const [stored] = await userNamed('grace');
    expect(stored.mlUuid).toMatch(/^[0-9a-f-]{36}$/);
    expect(stored).toMatchObject({ firstName: '', lastName: '', isActive: true });
  });

  it('asks for the password twice at a terminal, in raw mode so nothing is echoed', async () => {
    const { stdin, rawModes } = terminal(['s3cret-pass', 'word\r', 's3cret-password\r']);
    const result = await run(['--username', 'linus', '--email', 'linus@example.com'], { stdin });

    expect(result.code).toBe(0);
    expect(result.err).toBe('Password: \nPassword (again): \n');
    expect(rawModes).toEqual([true, false]);
    await expect(loginAs('linus', 's3cret-password')).resolves.toEqual(expect.any(String));
  });

  it('refuses two different passwords at the terminal', async () => {
    const { stdin } = terminal(['first-password\rsecond-password\r']);
    const result = await run(['--username', 'typo', '--email', 'typo@example.com'], { stdin });

    expect(result.code).not.toBe(0);
    expect(result.err).toContain('password (again): The two password fields didn’t match. (password_mismatch)');
    expect(await userNamed('typo')).toHaveLength(0);
  });

  it('refuses a duplicate username, naming it, and changes nothing', async () => {
    await run(['--username', 'dup', '--email', 'first@example.com'], { env: { USER_PASSWORD: 'password-one' } });

    for (const username of ['dup', 'DUP']) {
      const result = await run(['--username', username, '--email', 'second@example.com'], { env: { USER_PASSWORD: 'password-two' } });
      expect(result.code).not.toBe(0);
      expect(result.err).toContain(`a user named "${username}" already exists`);
    }
    const users = await userNamed('dup');
    expect(users.map((user) => user.email)).toEqual(['first@example.com']);
    await expect(loginAs('dup', 'password-one')).resolves.toEqual(expect.any(String));
  });

  it.each([[['--password', 'from-argv-123']], [['--password=from-argv-123']], [['-p', 'from-argv-123']], [['from-argv-123']]])(
    'never takes the password from the command line: %j',
    async (passwordArgs) => {
      const result = await run(['--username', 'mallory', '--email', 'mallory@example.com', ...passwordArgs], { env: { USER_PASSWORD: 'from-env-12345' } });

      expect(result.code).not.toBe(0);
      expect(result.err).not.toContain('from-argv-123');
      expect(await userNamed('mallory')).toHaveLength(0);
    },
  );

  it('wants USER_PASSWORD when stdin is not a terminal', async () => {
    const result = await run(['--username', 'nopass', '--email', 'nopass@example.com']);
    expect(result.code).not.toBe(0);
    expect(result.err).toContain('set USER_PASSWORD');
    expect(await userNamed('nopass')).toHaveLength(0);
  });

  it.each([
    ['a username over 150 characters', ['--username', 'u'.repeat(151), '--email', 'long@example.com'], 'okay-password', '--username'],
    ['a username with a space', ['--username', 'john smith', '--email', 'js@example.com'], 'okay-password', '--username'],
    ['a malformed email', ['--username', 'bademail', '--email', 'not-an-email'], 'okay-password', '--email'],
    [
      'a first name over 150 characters',
      ['--username', 'longname', '--email', 'ln@example.com', '--first-name', 'n'.repeat(151)],
      'okay-password',
      '--first-name',
    ],
    ['a password over 72 bytes, which bcrypt would cut', ['--username', 'longpass', '--email', 'lp@example.com'], 'p'.repeat(73), 'password_too_long'],
    ['a password of 25 characters in 75 bytes', ['--username', 'euros', '--email', 'eu@example.com'], '€'.repeat(25), 'password_too_long'],
    ['a password under 8 characters', ['--username', 'shortpass', '--email', 'sp@example.com'], 'short', 'password_too_short'],
    ['the username as the password', ['--username', 'Theodora', '--email', 'td@example.com'], 'theodora', 'password_too_similar'],
    ['the e-mail address as the password', ['--username', 'emailpass', '--email', 'secret.agent@example.com'], 'Secret-Agent-7', 'password_too_similar'],
    ['a commonly used password', ['--username', 'common', '--email', 'common@example.com'], 'iloveyou1', 'password_too_common'],
    ['no email', ['--username', 'noemail'], 'okay-password', '--email'],
    ['an unknown option', ['--username', 'odd', '--email', 'odd@example.com', '--admin'], 'okay-password', '--admin'],
  ])('refuses %s', async (_case, argv, password, named) => {
    const result = await run(argv, { env: { USER_PASSWORD: password } });

    expect(result.code).not.toBe(0);
    expect(result.err).toContain(named);
    expect(await userNamed(argv[argv.indexOf('--username') + 1])).toHaveLength(0);
  });
});
