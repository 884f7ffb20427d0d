/**
 * `npm run user:create`: the counterpart of Django's `createsuperuser` (this
 * API has no staff users; every user is a client of the API). Everything but
 * the process itself is passed in, so the test drives it with a fake terminal
 * against a real database.
 */
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { passwordRefusals, type PasswordFieldNames } from '../../shared/auth/password-rules';
import { hashPassword } from '../../shared/auth/passwords';
import { personNameSchema, usernameSchema } from '../../shared/auth/profile';
import { Prisma, type PrismaClient } from '../../shared/db/prisma';
import { checkDatabaseConnection } from '../first-run';
import { AdminCommandError, describeFailure, UsageError } from './admin-errors';

export interface Terminal {
  isTTY?: boolean;
  setRawMode?(mode: boolean): unknown;
  setEncoding(encoding: BufferEncoding): unknown;
  on(event: 'data', listener: (chunk: string) => void): unknown;
  removeListener(event: 'data', listener: (chunk: string) => void): unknown;
  resume(): unknown;
  pause(): unknown;
}

export interface CreateUserIo {
  /** The arguments after `npm run user:create --`. */
  argv: readonly string[];
  env: NodeJS.ProcessEnv;
  stdin: Terminal;
  stdout: { write(text: string): unknown };
  /** Prompts and errors: stdout stays clean for whoever pipes it. */
  stderr: { write(text: string): unknown };
  db: () => PrismaClient;
  /** For the first-run hint when the database cannot be reached. */
  databaseUrl: string;
  databaseUrlFromEnvironment: boolean;
}

export const USAGE = `Usage: npm run user:create -- --username NAME --email ADDRESS [--first-name NAME] [--last-name NAME] [--ml-uuid ID]

The password is asked for twice at the terminal (not shown), or read from
USER_PASSWORD when stdin is not a terminal. It is never taken from the
command line, where shell history and the process list would keep it.
`;

// The rules the API (PUT/PATCH auth/user/) and the old Django service apply.
const profileSchema = z.object({
  username: usernameSchema,
  email: z.email().max(254),
  firstName: personNameSchema.default(''),
  lastName: personNameSchema.default(''),
  // The ML service knows a user by this id; a new one is unknown to it until registered there.
  mlUuid: z
    .string()
    .trim()
    .min(1)
    .max(64)
    .regex(/^\S+$/, 'may not contain spaces')
    .default(() => randomUUID()),
});

// What the refusals of the password rules (shared/auth/password-rules.ts) name.
const PASSWORD_FIELDS: PasswordFieldNames = { password: 'password', repeated: 'password (again)' };

const OPTION_NAMES: Record<string, string> = {
  username: '--username',
  email: '--email',
  firstName: '--first-name',
  lastName: '--last-name',
  mlUuid: '--ml-uuid',
};

export class CreateUserError extends AdminCommandError {}

/** Creates the user and returns the exit code; every refusal is one line on stderr. */
export async function runCreateUser(io: CreateUserIo): Promise<number> {
  try {
    const args = parseCommandLine(io.argv);
    if (args === 'help') {
      io.stdout.write(USAGE);
      return 0;
    }
    const profile = validate(profileSchema, args, (field) => OPTION_NAMES[field] ?? field);
    await checkDatabaseConnection(io.databaseUrl);
    await refuseExisting(io.db(), profile.username);
    const password = checkPassword(await readPassword(io), profile);

    const user = await io
      .db()
      .user.create({
        data: { ...profile, passwordHash: await hashPassword(password) },
      })
      .catch((error: unknown) => {
        // Another run created the same username between the check and here.
        if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002') throw duplicate(profile.username);
        throw error;
      });
    io.stdout.write(`Created user "${user.username}" (id ${user.id}, ml_uuid ${user.mlUuid}); they can log in at POST /api/v1/auth/login/.\n`);
    return 0;
  } catch (error) {
    io.stderr.write(`${describeFailure(error, io, 'npm run user:create')}\n`);
    return error instanceof UsageError ? 2 : 1;
  }
}

function parseCommandLine(argv: readonly string[]): Record<string, string | undefined> | 'help' {
  // Checked before parsing, and the value never repeated: it is a password.
  if (argv.some((arg) => /^(--password|-p)(=|$)/.test(arg) || /^--pass(word)?[-_]?/.test(arg))) {
    throw new UsageError(
      'Refused: the password is never taken from the command line (shell history and the process list keep it). ' +
        'Leave it out and type it when asked, or set USER_PASSWORD when stdin is not a terminal.',
    );
  }
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      options: {
        username: { type: 'string' },
        email: { type: 'string' },
        'first-name': { type: 'string' },
        'last-name': { type: 'string' },
        'ml-uuid': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    });
  } catch (error) {
    const code = (error as { code?: string }).code;
    // A stray word could be a password typed in the wrong place: say so without echoing it.
    if (code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') throw new UsageError(`Unexpected argument: every value needs its option.\n${USAGE}`);
    throw new UsageError(`${(error as Error).message.split('\n')[0]}\n${USAGE}`);
  }
  if (parsed.values.help) return 'help';
  const { username, email } = parsed.values;
  const missing = [username === undefined && '--username', email === undefined && '--email'].filter(Boolean);
  if (missing.length) throw new UsageError(`Missing ${missing.join(' and ')}.\n${USAGE}`);
  return {
    username,
    email,
    firstName: parsed.values['first-name'],
    lastName: parsed.values['last-name'],
    mlUuid: parsed.values['ml-uuid'],
  };
}

function validate<T>(schema: z.ZodType<T>, input: unknown, label: (field: string) => string): T {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => `${label(String(issue.path[0] ?? ''))}: ${issue.message}`);
  throw new CreateUserError(`Invalid input: ${problems.join('; ')}`);
}

function checkPassword(typed: { password: string; repeated?: string }, profile: { username: string; email: string }): string {
  const refusals = passwordRefusals({ ...typed, username: profile.username, email: profile.email }, PASSWORD_FIELDS);
  if (refusals.length) {
    const problems = refusals.map(({ field, message, rule }) => `${field}: ${message} (${rule})`);
    throw new CreateUserError(`Refused: ${problems.join('; ')} Nothing was changed.`);
  }
  return typed.password;
}

async function refuseExisting(db: PrismaClient, username: string): Promise<void> {
  // The column's collation ignores case, so "Alice" and "alice" are one username to the database.
  const existing = await db.user.findFirst({ where: { username }, select: { username: true } });
  if (existing) throw duplicate(username, existing.username);
}

function duplicate(username: string, existing = username): CreateUserError {
  const as = existing === username ? '' : ` (as "${existing}"; usernames differing only in case are the same)`;
  return new CreateUserError(`Refused: a user named "${username}" already exists${as}. Nothing was changed.`);
}

/** The password, and at a terminal its second copy, for the rules to compare. */
async function readPassword(io: CreateUserIo): Promise<{ password: string; repeated?: string }> {
  if (!io.stdin.isTTY) {
    const password = io.env.USER_PASSWORD;
    if (password === undefined || password === '') {
      throw new CreateUserError('No password: stdin is not a terminal, so set USER_PASSWORD (it is never taken from the command line).');
    }
    return { password };
  }
  if (io.env.USER_PASSWORD) io.stderr.write('USER_PASSWORD is ignored at a terminal; type the password instead.\n');
  const [password, repeated] = await readHiddenLines(io.stdin, io.stderr, ['Password: ', 'Password (again): ']);
  return { password, repeated };
}

/**
 * Reads lines from a terminal in raw mode so nothing typed is echoed. One
 * reader for all the questions, so a pasted "secret\rsecret\r" answers both.
 */
export function readHiddenLines(stdin: Terminal, prompts: { write(text: string): unknown }, questions: readonly string[]): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const answers: string[] = [];
    let current = '';
    let afterCarriageReturn = false;

    const finish = (error?: Error) => {
      stdin.removeListener('data', onData);
      stdin.setRawMode?.(false);
      stdin.pause();
      if (error) reject(error);
      else resolve(answers);
    };
    const onData = (chunk: string) => {
      for (const character of chunk) {
        const lineFeedOfCrLf = character === '\n' && afterCarriageReturn;
        afterCarriageReturn = character === '\r';
        if (lineFeedOfCrLf) continue;
        if (character === '\u0003' || (character === '\u0004' && current === '')) {
          prompts.write('\n');
          return finish(new CreateUserError('Cancelled. Nothing was changed.'));
        }
        if (character === '\r' || character === '\n') {
          prompts.write('\n');
          answers.push(current);
          current = '';
          if (answers.length === questions.length) return finish();
          prompts.write(questions[answers.length]);
        } else if (character === '\u007f' || character === '\b') {
          current = Array.from(current).slice(0, -1).join('');
        } else if (character >= ' ') {
          current += character;
        }
      }
    };

    stdin.setRawMode?.(true);
    stdin.setEncoding('utf8');
    stdin.on('data', onData);
    stdin.resume();
    prompts.write(questions[0]);
  });
}
