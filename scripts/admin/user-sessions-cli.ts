// `npm run user:sessions -- --username … [--end ID | --end-all]`: see ./user-sessions.ts and docs/admin.md.
import { closePool } from '../../shared/db/pool';
import { runAdminCli } from './admin-cli';
import { runUserSessions } from './user-sessions';

runAdminCli((database) => runUserSessions({ argv: process.argv.slice(2), stdout: process.stdout, stderr: process.stderr, ...database }), closePool);
