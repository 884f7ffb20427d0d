import { registry } from '../functions/registry';
import type { FunctionDefinition } from '../shared/http/endpoint';
import { changedPathsSince, functionsAffectedBy } from './changed-functions';
import { parseCommandLine, runCli, type CommandLineSpec, type Io } from './cli';
import { formatCommand, gcloud, runJobs, spawnAsyncExec, spawnQuery, type AsyncExec, type Command } from './commands';
import { connectionBudget, describeBudget } from './connection-budget';
import { deploySteps, type SecretVersions } from './deploy-plan';
import { SECRETS, secretsOf, type InfraSettings, type SecretName } from './settings';

export const DEFAULT_PARALLEL = 4;

const SPEC: CommandLineSpec = {
  usage: 'npm run deploy -- (<function>… | --all | --changed-since=<git ref>) [flags]',
  description: [
    'Deploys functions from functions/registry.ts, each as its own Cloud Run function built',
    "from this directory (what .gcloudignore lets through). Checks the fleet's Cloud SQL",
    'connection budget first, pins the secrets to their newest enabled versions and deploys',
    'up to --parallel functions at once.',
  ].join('\n'),
  flags: {
    all: { type: 'boolean', help: 'every function in the registry' },
    'changed-since': { type: 'string', value: 'REF', help: 'the functions a change since this git ref touches' },
    parallel: { type: 'string', value: 'N', help: `deploy at most N functions at once [default: ${DEFAULT_PARALLEL}]` },
  },
  needs: ['projectNumber', 'mlServiceUrl'],
};

/**
 * Deploys functions from the registry, each as its own Cloud Run function:
 *
 *   tsx infra/deploy.ts auth-login wallets-list   # these
 *   tsx infra/deploy.ts --all                     # every function
 *   tsx infra/deploy.ts --changed-since origin/main
 *   ... --dry-run                                 # print the gcloud commands, run nothing
 *
 * Before anything runs, the connection budget of the whole fleet is checked
 * against Cloud SQL's max_connections (--max-connections).
 *
 * Every build runs in Cloud Build, so deploying several at once costs this
 * machine nothing; --parallel bounds it to stay inside Cloud Build's
 * concurrent-build quota and keep the output readable. A failed function is
 * reported and the others finish; the script then exits non-zero.
 *
 * No order among the functions is needed: a signing key rotation publishes
 * the new public key to every function before any signs with it
 * (secrets.ts, docs/deploy.md: Rotating the signing key).
 */
export async function main(argv: string[], io: Io): Promise<void> {
  const parsed = parseCommandLine(argv, io, SPEC);
  if (!parsed) return;
  const { settings, flags, positionals } = parsed;
  const parallel = Number(flags.parallel ?? DEFAULT_PARALLEL);
  if (!Number.isInteger(parallel) || parallel < 1) throw new Error('--parallel must be a whole number of at least 1');
  const selected = selectFunctions(positionals, flags);

  const budget = connectionBudget(registry, settings);
  if (!budget.fits) {
    throw new Error(`${describeBudget(budget)}: lower max-instances or --pool-size, or raise --max-connections to match the instance`);
  }
  io.print(`# ${describeBudget(budget)}`);
  if (!selected.length) {
    io.print('# Nothing to deploy');
    return;
  }

  const mounted = (Object.keys(SECRETS) as SecretName[]).filter((name) => selected.some((definition) => secretsOf(definition).includes(name)));
  const versions = resolveSecretVersions(settings, mounted, { print: io.print, query: io.query ?? spawnQuery });

  io.print(`# Deploying ${selected.map((definition) => definition.name).join(', ')} (at most ${parallel} at once)`);
  const jobs = selected.map((definition) => ({ label: definition.name, commands: deploySteps(definition, settings, versions) }));
  const failed = await runJobs(jobs, { dryRun: settings.dryRun, print: io.print, parallel, exec: asyncExecOf(io) });
  if (failed.length) throw new Error(`Failed to deploy ${failed.join(', ')}; the others were deployed`);
  io.print(settings.dryRun ? `# Dry run: ${selected.length} function(s) planned, nothing deployed` : `# Deployed ${selected.length} function(s)`);
}

function asyncExecOf(io: Io): AsyncExec {
  if (io.execAsync) return io.execAsync;
  const exec = io.exec;
  return exec ? async (command) => exec(command, false) : spawnAsyncExec;
}

/**
 * `gcloud secrets versions list`, the newest enabled one: the version number a
 * real deploy pins. A dry run prints the same lookups and placeholders.
 * https://cloud.google.com/sdk/gcloud/reference/secrets/versions/list
 */
export function versionLookup(secretName: string, settings: InfraSettings): Command {
  return gcloud(
    'secrets',
    'versions',
    'list',
    secretName,
    `--project=${settings.projectId}`,
    '--filter=state:enabled',
    '--sort-by=~createTime',
    '--limit=1',
    '--format=value(name)',
  );
}

export const VERSION_PLACEHOLDER = '<newest-enabled-version>';

/** What to run when a secret has no enabled version. */
const CREATED_BY: Partial<Record<SecretName, string>> = { smtpUrl: 'npm run deploy:secrets -- --smtp-url (docs/deploy.md, Mail)' };

/**
 * The newest enabled version of each secret the deployed functions mount
 * (and only those: a project without a mail relay deploys everything but
 * the functions that mail). Newest *enabled*: a signing key rotation adds
 * the next private key disabled, so that deploys keep signing with the
 * current one until it is enabled (secrets.ts).
 */
export function resolveSecretVersions(
  settings: InfraSettings,
  names: SecretName[],
  { print, query }: { print: (line: string) => void; query: (command: Command) => string },
): SecretVersions {
  const lookups = names.map((name) => [name, versionLookup(SECRETS[name], settings)] as const);
  for (const [, lookup] of lookups) print(formatCommand(lookup));
  if (!lookups.length) return {};

  if (settings.dryRun) {
    print(`# Dry run: ${VERSION_PLACEHOLDER} stands for the version number each lookup returns.`);
    return Object.fromEntries(names.map((name) => [name, VERSION_PLACEHOLDER]));
  }

  const versions: SecretVersions = {};
  for (const [name, lookup] of lookups) {
    const found = query(lookup)
      .split('\n')
      .map((line) => line.trim().split('/').at(-1)!)
      .filter(Boolean);
    if (!found.length) throw new Error(`Secret ${SECRETS[name]} has no enabled version: run ${CREATED_BY[name] ?? 'npm run deploy:secrets'}`);
    if (!/^\d+$/.test(found[0])) throw new Error(`Unexpected version name for ${SECRETS[name]}: ${found[0]}`);
    versions[name] = found[0];
  }
  print(`# Pinning ${names.map((name) => `${SECRETS[name]}:${versions[name]}`).join(', ')}`);
  return versions;
}

function selectFunctions(names: string[], flags: Record<string, string | boolean | undefined>): FunctionDefinition[] {
  const ways = [names.length > 0, flags.all === true, typeof flags['changed-since'] === 'string'].filter(Boolean).length;
  if (ways !== 1) throw new Error('Name the functions to deploy, or pass --all, or --changed-since <git ref> (one of the three)');

  if (flags.all) return [...registry];
  if (typeof flags['changed-since'] === 'string') return functionsAffectedBy(registry, changedPathsSince(flags['changed-since']));

  const unknown = names.filter((name) => !registry.some((definition) => definition.name === name));
  if (unknown.length) {
    throw new Error(`Unknown function(s): ${unknown.join(', ')}. Registered: ${registry.map((definition) => definition.name).join(', ')}`);
  }
  return registry.filter((definition) => names.includes(definition.name));
}

if (require.main === module) runCli(main);
