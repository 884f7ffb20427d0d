// `npm run user:sessions -- --username … [--end ID | --end-all]`: see ./user-sessions.ts and docs/admin.md.
import { closePool } from '../../shared/db/pool';
import { LOCAL_DATABASE_URL } from '../local-defaults';
import { runUserSessions } from './user-sessions';

const databaseUrlFromEnvironment = Boolean(process.env.DATABASE_URL);
// The same database npm start uses, unless told otherwise.
if (!databaseUrlFromEnvironment) process.env.DATABASE_URL = LOCAL_DATABASE_URL;

// runUserSessions reports its own errors as an exit code; anything else rejects, and Node prints it and exits 1.
void runUserSessions({
  argv: process.argv.slice(2),
  stdout: process.stdout,
  stderr: process.stderr,
  databaseUrl: process.env.DATABASE_URL as string,
  databaseUrlFromEnvironment,
})
  .then((code) => {
    process.exitCode = code;
  })
  .finally(closePool);
