/**
 * `npm run user:sessions -- --username NAME [--end ID | --end-all]`: an
 * operator's view of a user's live sessions (the keys that still work), and
 * a way to end one or all of them, e.g. for an account whose key or password
 * leaked. The same statements the API's auth/sessions/ functions send
 * (shared/auth/sessions.ts).
 */
import { parseArgs } from 'node:util';
import { endSessionOf, endSessionsOf, liveSessionsOf } from '../../shared/auth/sessions';
import { findUserByUsername } from '../../shared/auth/users';
import { checkDatabaseConnection } from '../first-run';
import { AdminCommandError, describeFailure, UsageError, type DatabaseTarget } from './admin-errors';

export interface UserSessionsIo extends DatabaseTarget {
  /** The arguments after `npm run user:sessions --`. */
  argv: readonly string[];
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
}

export const USAGE = `Usage: npm run user:sessions -- --username NAME [--end SESSION_ID | --end-all]

Lists the user's live sessions (keys that still work), or ends one of them
(--end, an id from the list) or all of them (--end-all). An ended session's
key answers 401 at once.
`;

type Action = { username: string } & ({ kind: 'list' } | { kind: 'end'; sessionId: string } | { kind: 'end-all' });

/** Does what the command line asks and returns the exit code; every refusal is one line on stderr. */
export async function runUserSessions(io: UserSessionsIo): Promise<number> {
  try {
    const action = parseCommandLine(io.argv);
    if (action === 'help') {
      io.stdout.write(USAGE);
      return 0;
    }
    await checkDatabaseConnection(io.databaseUrl);
    const user = await findUserByUsername(action.username);
    // Found as the column compares names (any case); the stored name is what is shown.
    if (!user) throw new AdminCommandError(`No user named "${action.username}". Nothing was changed.`);
    const who = `"${user.username}" (id ${user.id})`;

    if (action.kind === 'end') {
      if (!(await endSessionOf(user.id, action.sessionId))) {
        throw new AdminCommandError(`${who} has no live session ${action.sessionId}. Nothing was changed.`);
      }
      io.stdout.write(`Ended session ${action.sessionId} of ${who}; its key answers 401 from now on.\n`);
    } else if (action.kind === 'end-all') {
      const ended = await endSessionsOf(user.id);
      io.stdout.write(`Ended ${ended} live session${ended === 1 ? '' : 's'} of ${who}; their keys answer 401 from now on.\n`);
    } else {
      const sessions = await liveSessionsOf(user.id);
      io.stdout.write(`${sessions.length} live session${sessions.length === 1 ? '' : 's'} of ${who}${sessions.length ? ', newest first:' : '.'}\n`);
      for (const session of sessions) io.stdout.write(`  ${session.id}  created ${session.createdAt}  expires ${session.expiresAt}\n`);
    }
    return 0;
  } catch (error) {
    io.stderr.write(`${describeFailure(error, io, 'npm run user:sessions')}\n`);
    return error instanceof UsageError ? 2 : 1;
  }
}

function parseCommandLine(argv: readonly string[]): Action | 'help' {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      options: { username: { type: 'string' }, end: { type: 'string' }, 'end-all': { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
      strict: true,
      allowPositionals: false,
    });
  } catch (error) {
    throw new UsageError(`${(error as Error).message.split('\n')[0]}\n${USAGE}`);
  }
  const { username, end, help } = parsed.values;
  if (help) return 'help';
  if (username === undefined) throw new UsageError(`Missing --username.\n${USAGE}`);
  if (end !== undefined && parsed.values['end-all']) throw new UsageError(`--end and --end-all exclude each other.\n${USAGE}`);
  if (end !== undefined) {
    if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(end))
      throw new UsageError(`--end wants a session id from the list (a UUID).\n${USAGE}`);
    return { username, kind: 'end', sessionId: end.toLowerCase() };
  }
  return { username, kind: parsed.values['end-all'] ? 'end-all' : 'list' };
}
