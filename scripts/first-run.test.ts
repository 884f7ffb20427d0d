import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import path from 'node:path';
import { applyMigrations } from '../shared/db/migrations';
import { databaseHint, redact } from './first-run';
import { localPort } from './local-port';

/** A port nothing listens on: taken from the OS, then let go. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function connectionError(databaseUrl: string): Promise<unknown> {
  return applyMigrations(databaseUrl).then(
    () => {
      throw new Error(`expected ${databaseUrl} to fail`);
    },
    (error: unknown) => error,
  );
}

describe('the first-run hint', () => {
  it('says how to start a database and how to set DATABASE_URL when nothing answers', async () => {
    const url = `mysql://root@127.0.0.1:${await closedPort()}/fulfillment`;
    const hint = databaseHint(await connectionError(url), { databaseUrl: url, fromEnvironment: true });

    expect(hint).toContain(`No database answers at ${new URL(url).host} (connect ECONNREFUSED`);
    expect(hint).toContain('  docker compose up -d db');
    expect(hint).toContain('compose.yaml');
    expect(hint).toContain('sudo apt-get install -y mariadb-server && sudo service mariadb start');
    expect(hint).toContain('DATABASE_URL=mysql://USER:PASSWORD@HOST:3306/fulfillment npm start');
    expect(hint).toContain(`DATABASE_URL is now ${url} (from the environment)`);
  });

  it('says to fix DATABASE_URL when the server refuses the login, without printing the password', async () => {
    const url = `${process.env.TEST_DATABASE_SERVER!.replace(/\/\/[^@]*@/, '//nobody-here:s3cret-pw@')}/fulfillment`;
    const hint = databaseHint(await connectionError(url), { databaseUrl: url, fromEnvironment: true });

    expect(hint).toMatch(/answered but refused the login \(.*Access denied for user 'nobody-here'/);
    expect(hint).toContain('DATABASE_URL=mysql://USER:PASSWORD@');
    expect(hint).not.toContain('s3cret-pw');
  });

  it('stays out of the way for errors that are not about reaching the database', () => {
    expect(
      databaseHint(new Error('Invalid configuration: PASSWORD_RESET_KEY must be at least 32 characters'), { databaseUrl: 'mysql://x', fromEnvironment: false }),
    ).toBeUndefined();
  });

  it('never shows a password it was given', () => {
    expect(redact('mysql://app:p%40ss@db.internal:3306/fulfillment')).toBe('mysql://app:***@db.internal:3306/fulfillment');
  });
});

describe('npm start without a database', () => {
  it('exits non-zero and prints the hint, after starting the ML stand-in on a free port', async () => {
    const databaseUrl = `mysql://root@127.0.0.1:${await closedPort()}/fulfillment`;
    const root = path.resolve(__dirname, '..');
    const child = spawn(process.execPath, [path.join(root, 'node_modules/tsx/dist/cli.mjs'), 'scripts/start.ts'], {
      cwd: root,
      env: { ...process.env, DATABASE_URL: databaseUrl, ML_STANDIN_PORT: '', ML_SERVICE_URL: '', PORT: '0', LOG_LEVEL: '' },
    });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));

    expect(code).toBe(1);
    expect(output).toMatch(/ML stand-in listening on http:\/\/127\.0\.0\.1:\d+/);
    expect(output).not.toContain('127.0.0.1:8081');
    expect(output).toContain('Start failed: connect ECONNREFUSED');
    expect(output).toContain('docker compose up -d db');
    expect(output).toContain('DATABASE_URL');
  }, 60_000);
});

describe('the local stand-ins’ ports', () => {
  it('are any free port unless ML_STANDIN_PORT or MAIL_CATCHER_PORT names one', () => {
    expect(localPort('ML_STANDIN_PORT', {})).toBe(0);
    expect(localPort('ML_STANDIN_PORT', { ML_STANDIN_PORT: '' })).toBe(0);
    expect(localPort('ML_STANDIN_PORT', { ML_STANDIN_PORT: '9001' })).toBe(9001);
    expect(() => localPort('ML_STANDIN_PORT', { ML_STANDIN_PORT: 'eighty' })).toThrow('ML_STANDIN_PORT must be a port number');
    expect(localPort('MAIL_CATCHER_PORT', { MAIL_CATCHER_PORT: '1025', ML_STANDIN_PORT: '9001' })).toBe(1025);
    expect(() => localPort('MAIL_CATCHER_PORT', { MAIL_CATCHER_PORT: '70000' })).toThrow('MAIL_CATCHER_PORT must be a port number');
  });
});
