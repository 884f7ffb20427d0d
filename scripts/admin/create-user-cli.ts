// `npm run user:create -- --username … --email …`: see ./create-user.ts and docs/admin.md.
import { db, disconnectDb } from '../../shared/db/prisma';
import { runAdminCli } from './admin-cli';
import { runCreateUser } from './create-user';

runAdminCli(
  (database) =>
    runCreateUser({ argv: process.argv.slice(2), env: process.env, stdin: process.stdin, stdout: process.stdout, stderr: process.stderr, db, ...database }),
  disconnectDb,
);
