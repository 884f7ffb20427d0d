import { spawn, spawnSync } from 'node:child_process';
import { connect } from 'node:net';
import { parseCommandLine, runCli, type CommandLineSpec, type Io } from './cli';
import { formatCommand, gcloud, type Command } from './commands';
import { SECRET_ENV, SECRETS, type InfraSettings } from './settings';

const SPEC: CommandLineSpec = {
  usage: 'npm run deploy:migrate -- [flags]',
  description:
    'Applies prisma/migrations to Cloud SQL from this machine: starts cloud-sql-proxy, reads\nthe database-url and card-hmac-key secrets (stdout only, never argv) and runs npm run migrate\nthrough the proxy.',
  flags: { 'proxy-port': { type: 'string', value: 'PORT', help: 'local port for cloud-sql-proxy [default: 3307]' } },
};

/**
 * The migration step of a deploy, run before the functions are deployed and
 * never at a function's cold start (a cold start must not race others over
 * the schema, nor wait on it). It runs the project's own `npm run migrate` on
 * this machine, reaching Cloud SQL through the Cloud SQL Auth Proxy with the
 * same DATABASE_URL secret the functions use, pointed at the proxy.
 *
 *   tsx infra/migrate.ts --project=P [--proxy-port=3307] [--dry-run]
 *
 * Needs `cloud-sql-proxy` on the PATH and application-default credentials
 * with roles/cloudsql.client (docs/deploy.md, step 5).
 */
export interface MigrationPlan {
  proxy: Command;
  readSecret: Command;
  /** The key the data steps hash card numbers with: the functions' own (it has one version; it is never rotated). */
  readCardKey: Command;
  migrate: Command;
}

export function migrationPlan(settings: InfraSettings, port: number): MigrationPlan {
  return {
    proxy: { program: 'cloud-sql-proxy', args: [`--port=${port}`, settings.instanceConnectionName] },
    readSecret: gcloud('secrets', 'versions', 'access', 'latest', `--secret=${SECRETS.databaseUrl}`, `--project=${settings.projectId}`),
    readCardKey: gcloud('secrets', 'versions', 'access', 'latest', `--secret=${SECRETS.cardHmacKey}`, `--project=${settings.projectId}`),
    migrate: { program: 'npm', args: ['run', 'migrate'] },
  };
}

/**
 * The functions' database URL (the connector's `mysql://u:p@cloudsql/db`, or
 * an older secret's `…@localhost/db?socket=/cloudsql/…`), pointed at the proxy.
 *
 * The proxy stays here, rather than the connector in-process: over TCP the
 * Auth Proxy has no cold-cache problem (the driver asks MySQL for its RSA key
 * over loopback, shared/db/connection-options.ts), the operator's machine needs
 * credentials with roles/cloudsql.client either way, and the real run is
 * tested end to end (infra/migrate.test.ts) with a stand-in proxy.
 */
export function throughProxy(databaseUrl: string, port: number): string {
  const url = new URL(databaseUrl.trim());
  url.searchParams.delete('socket');
  url.searchParams.delete('socketPath');
  url.hostname = '127.0.0.1';
  url.port = String(port);
  return url.toString();
}

export async function main(argv: string[], io: Io): Promise<void> {
  const parsed = parseCommandLine(argv, io, SPEC);
  if (!parsed) return;
  const { settings, flags } = parsed;
  const port = Number(flags['proxy-port'] ?? 3307);
  const plan = migrationPlan(settings, port);

  io.print(`${formatCommand(plan.proxy)} &`);
  io.print(formatCommand(plan.readSecret));
  io.print(formatCommand(plan.readCardKey));
  io.print(
    `DATABASE_URL=<${SECRETS.databaseUrl} secret, through 127.0.0.1:${port}> ${SECRET_ENV.cardHmacKey}=<${SECRETS.cardHmacKey} secret> ${formatCommand(plan.migrate)}`,
  );
  if (settings.dryRun) return;

  const proxy = spawn(plan.proxy.program, plan.proxy.args as string[], { stdio: 'inherit' });
  const proxyStopped = new Promise<string>((resolve) => {
    proxy.once('error', (error) => resolve(`Could not start cloud-sql-proxy (is it installed?): ${error.message}`));
    proxy.once('exit', (code) => resolve(`cloud-sql-proxy stopped (exit ${code})`));
  });
  try {
    await waitForPort(port, 30_000, proxyStopped);
    const secret = spawnSync(plan.readSecret.program, plan.readSecret.args as string[], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
    if (secret.status !== 0) throw new Error(`Could not read the ${SECRETS.databaseUrl} secret`);
    const cardKey = spawnSync(plan.readCardKey.program, plan.readCardKey.args as string[], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
    if (cardKey.status !== 0) throw new Error(`Could not read the ${SECRETS.cardHmacKey} secret`);
    const migrate = spawnSync(plan.migrate.program, plan.migrate.args as string[], {
      stdio: 'inherit',
      // The secret's payload exactly as stored: the functions get it the same way (--set-secrets), no newline trimmed.
      env: { ...io.env, DATABASE_URL: throughProxy(secret.stdout, port), [SECRET_ENV.cardHmacKey]: cardKey.stdout },
    });
    if (migrate.status !== 0) throw new Error(`Migrations failed (exit ${migrate.status})`);
  } finally {
    proxy.kill();
  }
}

/** Resolves once the proxy accepts connections; fails as soon as it stops. */
function waitForPort(port: number, timeoutMs: number, stopped: Promise<string>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let failure: string | undefined;
  void stopped.then((reason) => (failure = reason));
  return new Promise((resolve, reject) => {
    const attempt = () => {
      if (failure) return reject(new Error(failure));
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.end();
        resolve();
      });
      socket.once('error', () => {
        socket.destroy();
        if (Date.now() > deadline) reject(new Error(`cloud-sql-proxy did not listen on port ${port} within ${timeoutMs / 1000} s`));
        else setTimeout(attempt, 250);
      });
    };
    attempt();
  });
}

if (require.main === module) runCli(main);
