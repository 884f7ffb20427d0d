import { LOCAL_DATABASE_URL } from '../local-defaults';

export interface AdminDatabase {
  databaseUrl: string;
  /** Whether DATABASE_URL was given, or the local default is used: the first-run hint says which. */
  databaseUrlFromEnvironment: boolean;
}

/**
 * An admin command's process: the same database npm start uses unless
 * DATABASE_URL says otherwise, the command's exit code as the process's, and
 * `close` once it is done. A command reports its own errors as an exit code;
 * anything else rejects, and Node prints it and exits 1.
 */
export function runAdminCli(run: (database: AdminDatabase) => Promise<number>, close: () => Promise<void>): void {
  const databaseUrlFromEnvironment = Boolean(process.env.DATABASE_URL);
  if (!databaseUrlFromEnvironment) process.env.DATABASE_URL = LOCAL_DATABASE_URL;
  void run({ databaseUrl: process.env.DATABASE_URL as string, databaseUrlFromEnvironment })
    .then((code) => {
      process.exitCode = code;
    })
    .finally(close);
}
