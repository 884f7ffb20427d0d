import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import mariadb from 'mariadb';
import { freePort } from './servers';

/**
 * `--private-db`: a throwaway mariadbd (the same binary and defaults as the
 * shared one) for this run alone. MariaDB's status counters are server-wide
 * and the shared server also serves other engineers' test runs, which pollute
 * every window; on a server of its own the counts are exact. Takes about a second.
 */
export interface PrivateMariaDb {
  /** `mysql://root@127.0.0.1:<port>`, for BENCH_DATABASE_SERVER. */
  serverUrl: string;
  stop(): Promise<void>;
}

const MARIADBD = '/usr/sbin/mariadbd';

export async function startPrivateMariaDb(): Promise<PrivateMariaDb> {
  const dir = mkdtempSync(path.join(tmpdir(), 'fulfillment-bench-mariadb-'));
  const datadir = path.join(dir, 'data');
  const install = spawnSync(
    'mariadb-install-db',
    ['--no-defaults', `--datadir=${datadir}`, '--user=root', '--auth-root-authentication-method=normal', '--skip-test-db'],
    { encoding: 'utf8' },
  );
  if (install.status !== 0) throw new Error(`mariadb-install-db failed: ${install.stderr || install.stdout}`);
  const port = await freePort();
  const server = spawn(
    MARIADBD,
    [
      '--no-defaults',
      `--datadir=${datadir}`,
      '--user=root',
      `--port=${port}`,
      '--bind-address=127.0.0.1',
      `--socket=${path.join(dir, 'sock')}`,
      `--pid-file=${path.join(dir, 'pid')}`,
    ],
    { stdio: 'ignore' },
  );
  const gone = new Promise<void>((resolve) => server.once('exit', () => resolve()));
  const serverUrl = `mysql://root@127.0.0.1:${port}`;
  const stop = async () => {
    server.kill('SIGTERM');
    await gone;
    rmSync(dir, { recursive: true, force: true });
  };
  for (let i = 0; ; i++) {
    try {
      const conn = await mariadb.createConnection({ host: '127.0.0.1', port, user: 'root', connectTimeout: 500 });
      await conn.end();
      return { serverUrl, stop };
    } catch (error) {
      if (i > 100 || server.exitCode !== null) {
        await stop();
        throw new Error(`private mariadbd did not start: ${(error as Error).message}`, { cause: error });
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}
