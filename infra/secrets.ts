import { randomBytes } from 'node:crypto';
import { parseCommandLine, runCli, type CommandLineSpec, type Io } from './cli';
import { createOnce, gcloud, runSteps, secret, Secret, SecretFile, type Step } from './commands';
import { registry } from '../functions/registry';
import { deploySettingsOf, SECRET_ENV, SECRETS, type InfraSettings } from './settings';

/**
 * The secrets the database functions mount (--set-secrets): the JWT signing
 * key, the whole DATABASE_URL, which carries the database user's password,
 * and the card-number HMAC key (mounted only where a card is hashed). The
 * card key has no rotation: every stored hash was made with it, and without
 * the card numbers (never stored) none can be made again with a new key. Generated here and never printed, written to the terminal or put
 * on a command line: the secret payloads go to gcloud on stdin, and the
 * password, which `gcloud sql users create` only takes as `--password`, goes
 * in a --flags-file (a gcloud-wide flag that reads flags from a YAML/JSON
 * file, https://cloud.google.com/sdk/gcloud/reference/topic/flags-file) that
 * only this user can read and that is removed when gcloud exits. The database
 * user is created together with its URL secret, so the password exists in
 * exactly one place.
 *
 *   tsx infra/secrets.ts --project=P [--rotate-jwt | --smtp-url] [--dry-run]
 *
 * The mail relay's URL is the one secret it cannot generate: --smtp-url
 * stores it from the environment (smtpUrlSteps).
 */
const SPEC: CommandLineSpec = {
  usage: 'npm run deploy:secrets -- [flags]',
  description: [
    `Creates the database user with a random password, the ${SECRETS.databaseUrl}, ${SECRETS.jwt} and ${SECRETS.cardHmacKey} secrets,`,
    "and lets the functions' service account read them. Existing secrets and users are left",
    'alone. No secret value is printed or passed on a command line.',
  ].join('\n'),
  flags: {
    'rotate-jwt': {
      type: 'boolean',
      help: `add a new random ${SECRETS.jwt} version (first step of a rotation, see docs/deploy.md: Secrets)`,
    },
    'smtp-url': {
      type: 'boolean',
      help: `store the mail relay's URL, read from the ${SECRET_ENV.smtpUrl} environment variable, as ${SECRETS.smtpUrl} (a new version if it exists; docs/deploy.md: Mail)`,
    },
  },
};

export interface GeneratedSecrets {
  jwtSecret: Secret;
  databasePassword: Secret;
  cardHmacKey: Secret;
}

export function generateSecrets(): GeneratedSecrets {
  return {
    jwtSecret: secret('jwt secret: 48 random bytes, base64', randomBytes(48).toString('base64')),
    // Hex needs no escaping inside the URL, nor in YAML.
    databasePassword: secret('database password: 24 random bytes, hex', randomBytes(24).toString('hex')),
    // 256 bits, as long as HMAC-SHA256's output (RFC 2104 section 3 advises no less).
    cardHmacKey: secret('card hmac key: 32 random bytes, base64', randomBytes(32).toString('base64')),
  };
}

/**
 * User, password and database only: the functions reach the instance through
 * the Cloud SQL connector (INSTANCE_CONNECTION_NAME, set by deploy), which
 * never dials the URL's host; `cloudsql` names none, so a function deployed
 * without the connector fails at once (ENOTFOUND) instead of reaching
 * something else. deploy:migrate swaps the host for its local Auth Proxy.
 */
export function databaseUrl(settings: InfraSettings, password: Secret): Secret {
  const url = (pass: string) => `mysql://${settings.databaseUser}:${pass}@cloudsql/${settings.databaseName}`;
  return new Secret(url(password.shown), url(password.value));
}

/** `--password` for gcloud, as a flags file (JSON is YAML too). */
export function passwordFlagsFile(password: Secret): SecretFile {
  return new SecretFile('--flags-file', new Secret(`<--password: ${password.shown.slice(1, -1)}>`, JSON.stringify({ '--password': password.value })));
}

const createSecret = (settings: InfraSettings, name: string, payload: Secret) => ({
  ...gcloud('secrets', 'create', name, '--replication-policy=automatic', '--data-file=-', `--project=${settings.projectId}`),
  stdin: payload,
});

const readableByFunctions = (settings: InfraSettings, name: string) =>
  gcloud(
    'secrets',
    'add-iam-policy-binding',
    name,
    `--project=${settings.projectId}`,
    `--member=serviceAccount:${settings.runtimeServiceAccount}`,
    '--role=roles/secretmanager.secretAccessor',
    '--quiet',
  );

export function secretsSteps(settings: InfraSettings, generated: GeneratedSecrets): Step[] {
  const project = `--project=${settings.projectId}`;

  return [
    createOnce(gcloud('secrets', 'describe', SECRETS.jwt, project), createSecret(settings, SECRETS.jwt, generated.jwtSecret)),
    createOnce(gcloud('secrets', 'describe', SECRETS.databaseUrl, project), [
      gcloud(
        'sql',
        'users',
        'create',
        settings.databaseUser,
        `--instance=${settings.sqlInstance}`,
        '--host=%',
        project,
        passwordFlagsFile(generated.databasePassword),
      ),
      createSecret(settings, SECRETS.databaseUrl, databaseUrl(settings, generated.databasePassword)),
    ]),
    createOnce(gcloud('secrets', 'describe', SECRETS.cardHmacKey, project), createSecret(settings, SECRETS.cardHmacKey, generated.cardHmacKey)),
    readableByFunctions(settings, SECRETS.jwt),
    readableByFunctions(settings, SECRETS.databaseUrl),
    readableByFunctions(settings, SECRETS.cardHmacKey),
  ];
}

/**
 * The mail relay's URL (smtp://user:password@host:587, as the provider gives
 * them), which no script can generate: taken from the SMTP_URL environment
 * variable (not a flag, which would put the password in argv and the shell's
 * history), stored as smtp-url or, when it exists, as its new version.
 * deploy mounts it on the functions that mail only (deploy-plan.ts).
 */
export function smtpUrlSteps(settings: InfraSettings, smtpUrl: Secret): Step[] {
  const project = `--project=${settings.projectId}`;
  return [
    createOnce(gcloud('secrets', 'describe', SECRETS.smtpUrl, project), createSecret(settings, SECRETS.smtpUrl, smtpUrl), {
      ...gcloud('secrets', 'versions', 'add', SECRETS.smtpUrl, '--data-file=-', project),
      stdin: smtpUrl,
    }),
    readableByFunctions(settings, SECRETS.smtpUrl),
    { note: `Next: npm run deploy -- ${mailingFunctions().join(' ')} (a deploy pins the newest ${SECRETS.smtpUrl} version)` },
  ];
}

const mailingFunctions = () => registry.filter((definition) => deploySettingsOf(definition).mail).map((definition) => definition.name);

/** SMTP_URL from the environment, checked as the functions will check it, shown only as its scheme, host and port. */
export function smtpUrlFromEnvironment(env: NodeJS.ProcessEnv): Secret {
  const value = env[SECRET_ENV.smtpUrl]?.trim() ?? '';
  const parsed = URL.canParse(value) ? new URL(value) : undefined;
  if (!parsed || !/^smtps?:$/.test(parsed.protocol) || !parsed.hostname) {
    throw new Error(`--smtp-url reads ${SECRET_ENV.smtpUrl} from the environment: set it to smtp://user:password@host:587 (or smtps://…:465) first`);
  }
  return new Secret(`<${SECRET_ENV.smtpUrl}: ${parsed.protocol}//…@${parsed.host}>`, value);
}

/**
 * A new jwt-secret version. Nothing uses it until the next deploy pins it
 * (as JWT_SECRET, with the old one as JWT_SECRET_PREVIOUS).
 */
export function rotateJwtSteps(settings: InfraSettings, generated: GeneratedSecrets): Step[] {
  return [
    { ...gcloud('secrets', 'versions', 'add', SECRETS.jwt, '--data-file=-', `--project=${settings.projectId}`), stdin: generated.jwtSecret },
    {
      note: `Next: npm run deploy -- --all (new keys are signed with the new version, ${SECRET_ENV.jwtPrevious} still verifies the old ones)`,
    },
  ];
}

export function main(argv: string[], io: Io): void {
  const parsed = parseCommandLine(argv, io, SPEC);
  if (!parsed) return;
  const { settings, flags } = parsed;
  const steps =
    flags['rotate-jwt'] === true
      ? rotateJwtSteps(settings, generateSecrets())
      : flags['smtp-url'] === true
        ? smtpUrlSteps(settings, smtpUrlFromEnvironment(io.env))
        : secretsSteps(settings, generateSecrets());
  runSteps(steps, { dryRun: settings.dryRun, print: io.print, exec: io.exec });
}

if (require.main === module) runCli(main);
