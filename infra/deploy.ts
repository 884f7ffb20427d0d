import { registry } from '../functions/registry';
import type { FunctionDefinition } from '../shared/http/endpoint';
import { changedPathsSince, functionsAffectedBy } from './changed-functions';
import { parseCommandLine, runCli, type CommandLineSpec, type Io } from './cli';
import { formatCommand, gcloud, runJobs, spawnAsyncExec, spawnQuery, type AsyncExec, type Command } from './commands';
import { connectionBudget, describeBudget } from './connection-budget';
import { deploySteps, type SecretVersions } from './deploy-plan';
import { deploySettingsOf, SECRET_ENV, SECRETS, TOKEN_ISSUERS, type InfraSettings } from './settings';

export const DEFAULT_PARALLEL = 4;

const SPEC: CommandLineSpec = {
  usage: 'npm run deploy -- (<function>… | --all | --changed-since=<git ref>) [flags]',
  description: [
    'Deploys functions from functions/registry.ts, each as its own Cloud Run function built',
    "from this directory (what .gcloudignore lets through). Checks the fleet's Cloud SQL",
    'connection budget first, pins the secrets to their current enabled versions, deploys',
    'up to --parallel functions at once and the key-signing functions (auth-login) last.',
  ].join('\n'),
  flags: {
    all: { type: 'boolean', help: 'every function in the registry' },
    'changed-since': { type: 'string', value: 'REF', help: 'the functions a change since this git ref touches' },
    parallel: { type: 'string', value: 'N', help: `deploy at most N functions at once [default: ${DEFAULT_PARALLEL}]` },
    'drop-previous-jwt-secret': {
      type: 'boolean',
      help: `leave ${SECRET_ENV.jwtPrevious} out even if an older jwt-secret version is enabled (rotation, last step)`,
    },
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
 * The functions that sign keys go last, and only if all the others deployed:
 * after a JWT secret rotation they are the first to sign with the new
 * version, and every function verifying keys must know it by then.
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

  const needsSecrets = selected.some((definition) => deploySettingsOf(definition).database);
  const mails = selected.some((definition) => deploySettingsOf(definition).mail);
  const versions = needsSecrets
    ? resolveSecretVersions(settings, {
        dropPreviousJwt: flags['drop-previous-jwt-secret'] === true,
        mail: mails,
        print: io.print,
        query: io.query ?? spawnQuery,
      })
    : { databaseUrl: '', jwt: '', cardHmacKey: '' };

  const verifiers = selected.filter((definition) => !TOKEN_ISSUERS.includes(definition.name));
  const issuers = selected.filter((definition) => TOKEN_ISSUERS.includes(definition.name));
  io.print(`# Deploying ${[...verifiers, ...issuers].map((definition) => definition.name).join(', ')} (at most ${parallel} at once)`);

  const options = { dryRun: settings.dryRun, print: io.print, parallel, exec: asyncExecOf(io) };
  const jobs = (definitions: FunctionDefinition[]) =>
    definitions.map((definition) => ({ label: definition.name, commands: deploySteps(definition, settings, versions) }));

  const failed = await runJobs(jobs(verifiers), options);
  const holdIssuers = failed.length > 0 && issuers.length > 0;
  if (holdIssuers) {
    io.print(
      `# Not deploying ${issuers.map((definition) => definition.name).join(', ')}: they sign keys, and ${failed.join(', ')} might not accept their secret version`,
    );
  } else {
    failed.push(...(await runJobs(jobs(issuers), options)));
  }
  if (failed.length) {
    const held = holdIssuers ? `; held back: ${issuers.map((definition) => definition.name).join(', ')}` : '';
    throw new Error(`Failed to deploy ${failed.join(', ')}${held}; the others were deployed`);
  }
  io.print(settings.dryRun ? `# Dry run: ${selected.length} function(s) planned, nothing deployed` : `# Deployed ${selected.length} function(s)`);
}

function asyncExecOf(io: Io): AsyncExec {
  if (io.execAsync) return io.execAsync;
  const exec = io.exec;
  return exec ? async (command) => exec(command, false) : spawnAsyncExec;
}

/**
 * `gcloud secrets versions list`, newest enabled first: the version numbers a
 * real deploy pins. A dry run prints the same lookups and placeholders.
 * https://cloud.google.com/sdk/gcloud/reference/secrets/versions/list
 */
export function versionLookup(secretName: string, settings: InfraSettings, limit: number): Command {
  return gcloud(
    'secrets',
    'versions',
    'list',
    secretName,
    `--project=${settings.projectId}`,
    '--filter=state:enabled',
    '--sort-by=~createTime',
    `--limit=${limit}`,
    '--format=value(name)',
  );
}

export const VERSION_PLACEHOLDERS = {
  newest: '<newest-enabled-version>',
  previous: '<previous-enabled-version>',
} as const;

export function resolveSecretVersions(
  settings: InfraSettings,
  {
    dropPreviousJwt,
    mail = false,
    print,
    query,
  }: { dropPreviousJwt: boolean; mail?: boolean; print: (line: string) => void; query: (command: Command) => string },
): SecretVersions {
  const databaseUrl = versionLookup(SECRETS.databaseUrl, settings, 1);
  const jwt = versionLookup(SECRETS.jwt, settings, dropPreviousJwt ? 1 : 2);
  const cardHmacKey = versionLookup(SECRETS.cardHmacKey, settings, 1);
  // Only when a function that mails is deployed: a project without a mail server deploys the rest.
  const smtpUrl = mail ? versionLookup(SECRETS.smtpUrl, settings, 1) : undefined;
  for (const lookup of [databaseUrl, jwt, cardHmacKey, smtpUrl]) if (lookup) print(formatCommand(lookup));

  if (settings.dryRun) {
    print(`# Dry run: ${VERSION_PLACEHOLDERS.newest} and ${VERSION_PLACEHOLDERS.previous} stand for the version numbers these lookups return.`);
    if (!dropPreviousJwt) print(`# ${SECRET_ENV.jwtPrevious} is set only while ${SECRETS.jwt} has a second enabled version (during a rotation).`);
    return {
      databaseUrl: VERSION_PLACEHOLDERS.newest,
      jwt: VERSION_PLACEHOLDERS.newest,
      jwtPrevious: dropPreviousJwt ? undefined : VERSION_PLACEHOLDERS.previous,
      cardHmacKey: VERSION_PLACEHOLDERS.newest,
      smtpUrl: smtpUrl && VERSION_PLACEHOLDERS.newest,
    };
  }

  const numbers = (command: Command, secretName: string) => {
    const found = query(command)
      .split('\n')
      .map((line) => line.trim().split('/').at(-1)!)
      .filter(Boolean);
    if (!found.length) {
      const how = secretName === SECRETS.smtpUrl ? 'npm run deploy:secrets -- --smtp-url (docs/deploy.md, Mail)' : 'npm run deploy:secrets';
      throw new Error(`Secret ${secretName} has no enabled version: run ${how}`);
    }
    if (!found.every((version) => /^\d+$/.test(version))) throw new Error(`Unexpected version names for ${secretName}: ${found.join(', ')}`);
    return found;
  };
  const [databaseUrlVersion] = numbers(databaseUrl, SECRETS.databaseUrl);
  const [jwtVersion, jwtPrevious] = numbers(jwt, SECRETS.jwt);
  const [cardHmacKeyVersion] = numbers(cardHmacKey, SECRETS.cardHmacKey);
  const [smtpUrlVersion] = smtpUrl ? numbers(smtpUrl, SECRETS.smtpUrl) : [];
  print(
    `# Pinning ${SECRETS.databaseUrl}:${databaseUrlVersion}, ${SECRETS.jwt}:${jwtVersion}${jwtPrevious ? ` (and ${SECRETS.jwt}:${jwtPrevious} to verify only)` : ''}, ${SECRETS.cardHmacKey}:${cardHmacKeyVersion}` +
      (smtpUrlVersion ? `, ${SECRETS.smtpUrl}:${smtpUrlVersion}` : ''),
  );
  return { databaseUrl: databaseUrlVersion, jwt: jwtVersion, jwtPrevious, cardHmacKey: cardHmacKeyVersion, smtpUrl: smtpUrlVersion };
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
