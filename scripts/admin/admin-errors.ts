import { Prisma } from '../../shared/db/prisma';
import { databaseHint, redact } from '../first-run';

/** A refusal an admin command reports as one line on stderr, as it is. */
export class AdminCommandError extends Error {}

/** Refused before anything was done: a wrong option or a missing one (exit code 2). */
export class UsageError extends AdminCommandError {}

export interface DatabaseTarget {
  databaseUrl: string;
  databaseUrlFromEnvironment: boolean;
}

/** What an admin command prints for a failure: its own refusal, the first-run hint for an unreachable database, or the error. */
export function describeFailure(error: unknown, target: DatabaseTarget, command: string): string {
  if (error instanceof AdminCommandError) return error.message;
  const hint = databaseHint(error, { databaseUrl: target.databaseUrl, fromEnvironment: target.databaseUrlFromEnvironment });
  if (hint) return hint.replace(/npm start/g, command);
  // No such database, or no such table in it (the driver's ER_NO_SUCH_TABLE, Prisma's P2021): it was never migrated.
  const code = (error as { code?: unknown }).code;
  if (code === 'ER_BAD_DB_ERROR' || code === 'ER_NO_SUCH_TABLE' || (error instanceof Prisma.PrismaClientKnownRequestError && code === 'P2021')) {
    return `The database ${redact(target.databaseUrl)} has no users table yet: run \`npm run migrate\` (or \`npm start\`) first, with the same DATABASE_URL.`;
  }
  return `Failed: ${(error as Error).message ?? String(error)}`;
}
