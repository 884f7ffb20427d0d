import { randomUUID } from 'node:crypto';
import { callFunction, loginAs, tokenHeader } from '../../testing/http';
import { useTestDatabase } from '../../testing/test-database';
import { createUser } from '../../testing/users';
import { runUserSessions } from './user-sessions';

const database = useTestDatabase();
const PASSWORD = 'a-long-enough-passphrase';

async function run(argv: string[]) {
  let out = '';
  let err = '';
  const code = await runUserSessions({
    argv,
    stdout: { write: (text: string) => (out += text) },
    stderr: { write: (text: string) => (err += text) },
    databaseUrl: database.url(),
    databaseUrlFromEnvironment: true,
  });
  return { code, out, err };
}

const sessionOf = (key: string) => JSON.parse(Buffer.from(key.split('.')[1], 'base64url').toString()).jti as string;
const works = async (key: string) => (await callFunction('auth-user').get('/api/v1/auth/user/').set(tokenHeader(key))).status === 200;

let sequence = 0;
async function userWithSessions(count: number) {
  const username = `operated${(sequence += 1)}`;
  const user = await createUser(username, PASSWORD);
  const keys: string[] = [];
  for (let index = 0; index < count; index += 1) keys.push(await loginAs(username, PASSWORD));
  return { user, username, keys };
}

describe('npm run user:sessions', () => {
  it('lists a user’s live sessions, newest first, and no one else’s', async () => {
    const { user, username, keys } = await userWithSessions(2);
    await userWithSessions(1);
    const result = await run(['--username', username]);
    expect(result).toMatchObject({ code: 0, err: '' });
    expect(result.out).toContain(`2 live sessions of "${username}" (id ${user.id}), newest first:`);
    const listed = [...result.out.matchAll(/^ {2}(\S+) {2}created (\S+) {2}expires (\S+)$/gm)].map((match) => match[1]);
    expect(listed).toEqual([...keys].reverse().map(sessionOf));
  });

  it('finds the user in any case, as the users table does, and shows the stored name', async () => {
    const { username } = await userWithSessions(0);
    const result = await run(['--username', username.toUpperCase()]);
    expect(result.code).toBe(0);
    expect(result.out).toContain(`0 live sessions of "${username}"`);
  });

  it('ends one session: its key answers 401, the others go on', async () => {
    const { username, keys } = await userWithSessions(2);
    const result = await run(['--username', username, '--end', sessionOf(keys[0]).toUpperCase()]);
    expect(result).toMatchObject({ code: 0, err: '' });
    expect(result.out).toContain(`Ended session ${sessionOf(keys[0])}`);
    expect(await works(keys[0])).toBe(false);
    expect(await works(keys[1])).toBe(true);
  });

  it('ends all of a user’s sessions and no one else’s', async () => {
    const { username, keys } = await userWithSessions(3);
    const { keys: bystander } = await userWithSessions(1);
    const result = await run(['--username', username, '--end-all']);
    expect(result).toMatchObject({ code: 0, err: '' });
    expect(result.out).toContain('Ended 3 live sessions');
    for (const key of keys) expect(await works(key)).toBe(false);
    expect(await works(bystander[0])).toBe(true);
    expect((await run(['--username', username])).out).toContain('0 live sessions');
  });

  it('refuses to end another user’s session through this user, changing nothing', async () => {
    const { username } = await userWithSessions(1);
    const { keys: others } = await userWithSessions(1);
    const result = await run(['--username', username, '--end', sessionOf(others[0])]);
    expect(result.code).toBe(1);
    expect(result.err).toContain(`has no live session ${sessionOf(others[0])}. Nothing was changed.`);
    expect(await works(others[0])).toBe(true);
  });

  it.each([
    ['no username', [], 'Missing --username', 2],
    ['an unknown user', ['--username', 'nobody-at-all'], 'No user named "nobody-at-all"', 1],
    ['both --end and --end-all', ['--username', 'x', '--end', randomUUID(), '--end-all'], 'exclude each other', 2],
    ['an --end that is not a session id', ['--username', 'x', '--end', 'yesterday'], '--end wants a session id', 2],
    ['an unknown option', ['--username', 'x', '--all'], '--all', 2],
  ])('refuses %s', async (_case, argv, message, code) => {
    const result = await run(argv);
    expect(result.code).toBe(code);
    expect(result.err).toContain(message);
  });

  it('says where it looked when no database answers there', async () => {
    let err = '';
    const code = await runUserSessions({
      argv: ['--username', 'x'],
      stdout: { write: () => undefined },
      stderr: { write: (text: string) => (err += text) },
      databaseUrl: 'mysql://root@127.0.0.1:1/fulfillment',
      databaseUrlFromEnvironment: true,
    });
    expect(code).toBe(1);
    expect(err).toContain('No database answers at');
    expect(err).toContain('npm run user:sessions');
  });
});
