// `npm run user:create -- --username … --email …`: see ./create-user.ts and docs/admin.md.
import { db, disconnectDb } from '../../shared/db/prisma';
import { LOCAL_DATABASE_URL } from '../local-defaults';
import { runCreateUser } from './create-user';

const databaseUrlFromEnvironment = Boolean(process.env.DATABASE_URL);
// The same database npm start uses, unless told otherwise.
if (!databaseUrlFromEnvironment) process.env.DATABASE_URL = LOCAL_DATABASE_URL;

// runCreateUser reports its own errors as an exit code; anything else rejects, and Node prints it and exits 1.
void runCreateUser({
  argv: process.argv.slice(2),
  env: process.env,
  stdin: process.stdin,
  stdout: process.stdout,
  stderr: process.stderr,
  db,
  databaseUrl: process.env.DATABASE_URL as string,
  databaseUrlFromEnvironment,
})
  .then((code) => {
    process.exitCode = code;
  })
  .finally(disconnectDb);
