import { randomBytes } from 'node:crypto';
import { registry } from '../functions/registry';
import { newSigningKeyPair, publicKeySetText } from '../shared/auth/signing-key-pairs';
import { parseCommandLine, runCli, type CommandLineSpec, type Io } from './cli';
import { createOnce, gcloud, runSteps, secret, Secret, SecretFile, spawnExec, spawnQuery, type Step } from './commands';
import { deploySettingsOf, readersOf, SECRET_ENV, SECRETS, type InfraSettings, type SecretName } from './settings';
import { revokeOtherReaders } from './secret-readers';
import { retireOldSigningKeys, rotateSigningKey, signWithNewKey } from './signing-key-rotation';

/**
 * The secrets the database functions mount (--set-secrets): the whole
 * DATABASE_URL, which carries the database user's password; the ES256 key
 * pair that signs and checks API keys (the private key mounted only where
 * keys are issued, the public keys everywhere); the password-reset HMAC key;
 * and the card-number HMAC key (mounted only where a card is hashed). The
 * card key has no rotation: every stored hash was made with it, and without
 * the card numbers (never stored) none can be made again with a new key.
 *
 * Generated here and never printed, written to the terminal or put on a
 * command line: the secret payloads go to gcloud on stdin, and the password,
 * which `gcloud sql users create` only takes as `--password`, goes in a
 * --flags-file (a gcloud-wide flag that reads flags from a YAML/JSON file,
 * https://cloud.google.com/sdk/gcloud/reference/topic/flags-file) that only
 * this user can read and that is removed when gcloud exits. The database user
 * is created together with its URL secret, so the password exists in exactly
 * one place.
 *
 * Each secret may be read (secretAccessor) by exactly the service accounts of
 * the functions that mount it (settings.ts readersOf): the signing private key
 * by auth-login's own account alone.
 *
 *   tsx infra/secrets.ts --project=P [--smtp-url | --rotate-signing-key | --sign-with-new-key
 *                                     | --retire-old-signing-keys | --rotate-password-reset-key] [--dry-run]
 *
 * The mail relay's URL is the one secret it cannot generate: --smtp-url
 * stores it from the environment (smtpUrlSteps).
 */
const SPEC: CommandLineSpec = {
  usage: 'npm run deploy:secrets -- [flags]',
  description: [
    `Creates the database user with a random password, the ${SECRETS.databaseUrl}, ${SECRETS.signingPrivateKey}, ${SECRETS.signingPublicKeys},`,
    `${SECRETS.passwordResetKey} and ${SECRETS.cardHmacKey} secrets, and lets exactly the service accounts of the functions`,
    'that mount each secret read it. Existing secrets and users are left alone. No secret value',
    'is printed or passed on a command line. The flags below do one thing each instead.',
  ].join('\n'),
  flags: {
    'smtp-url': {
      type: 'boolean',
      help: `store the mail relay's URL, read from the ${SECRET_ENV.smtpUrl} environment variable, as ${SECRETS.smtpUrl} (a new version if it exists; docs/deploy.md: Mail)`,
    },
    'rotate-signing-key': {
      type: 'boolean',
      help: 'signing key rotation, step 1: a new key pair, its public key published, its private key added disabled (docs/deploy.md)',
    },
    'sign-with-new-key': {
      type: 'boolean',
      help: 'signing key rotation, step 3: enable the new private key, once every function has been deployed with its public key',
    },
    'retire-old-signing-keys': {
      type: 'boolean',
      help: 'signing key rotation, step 4, a key lifetime after step 3: publish only the signing key, disable the older private keys',
    },
    'rotate-password-reset-key': {
      type: 'boolean',
      help: `add a new random ${SECRETS.passwordResetKey} version (voids the reset links sent before, once deployed)`,
    },
  },
};

export interface GeneratedSecrets {
  databasePassword: Secret;
  cardHmacKey: Secret;
  passwordResetKey: Secret;
  signingPrivateKey: Secret;
  signingPublicKeys: Secret;
}

export function generateSecrets(): GeneratedSecrets {
  const pair = newSigningKeyPair();
  return {
    // Hex needs no escaping inside the URL, nor in YAML.
    databasePassword: secret('database password: 24 random bytes, hex', randomBytes(24).toString('hex')),
    // 256 bits, as long as HMAC-SHA256's output (RFC 2104 section 3 advises no less).
    cardHmacKey: secret('card hmac key: 32 random bytes, base64', randomBytes(32).toString('base64')),
    passwordResetKey: passwordResetKey(),
    signingPrivateKey: signingPrivateKey(pair.privateKeyPem, pair.kid),
    // Public, but handled like the rest: on stdin, shown by its key ids.
    signingPublicKeys: new Secret(`<${SECRETS.signingPublicKeys}: kid ${pair.kid}>`, publicKeySetText([pair.publicKeyPem])),
  };
}

export const passwordResetKey = () => secret('password reset key: 32 random bytes, base64', randomBytes(32).toString('base64'));

export const signingPrivateKey = (pem: string, kid: string) => secret(`signing private key: EC P-256, PKCS#8 PEM, kid ${kid}`, pem);

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

/** secretAccessor on one secret for each account of a function that mounts it, and for no other. */
const readableByItsFunctions = (settings: InfraSettings, name: SecretName) =>
  readersOf(name, registry, settings).map((account) =>
    gcloud(
      'secrets',
      'add-iam-policy-binding',
      SECRETS[name],
      `--project=${settings.projectId}`,
      `--member=serviceAccount:${account}`,
      '--role=roles/secretmanager.secretAccessor',
      '--quiet',
    ),
  );

/** The secrets this script makes; smtp-url, which it cannot, has --smtp-url. */
export const GENERATED: SecretName[] = ['databaseUrl', 'signingPrivateKey', 'signingPublicKeys', 'passwordResetKey', 'cardHmacKey'];

export function secretsSteps(settings: InfraSettings, generated: GeneratedSecrets): Step[] {
  const project = `--project=${settings.projectId}`;

  return [
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
    // Probed on the public keys, made last: a pair half made stops the next run loudly (the private key exists)
    // rather than leaving a private key no function can check.
    createOnce(gcloud('secrets', 'describe', SECRETS.signingPublicKeys, project), [
      createSecret(settings, SECRETS.signingPrivateKey, generated.signingPrivateKey),
      createSecret(settings, SECRETS.signingPublicKeys, generated.signingPublicKeys),
    ]),
    createOnce(gcloud('secrets', 'describe', SECRETS.passwordResetKey, project), createSecret(settings, SECRETS.passwordResetKey, generated.passwordResetKey)),
    createOnce(gcloud('secrets', 'describe', SECRETS.cardHmacKey, project), createSecret(settings, SECRETS.cardHmacKey, generated.cardHmacKey)),
    ...GENERATED.flatMap((name) => readableByItsFunctions(settings, name)),
    // smtp-url, which --smtp-url makes, gets its readers here too when it exists, so that moving a project to
    // accounts of its own needs no SMTP_URL at hand; where there is none, nothing is made.
    createOnce(smtpUrlProbe(settings), [], readableByItsFunctions(settings, 'smtpUrl')),
  ];
}

const smtpUrlProbe = (settings: InfraSettings) => gcloud('secrets', 'describe', SECRETS.smtpUrl, `--project=${settings.projectId}`);

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
    ...readableByItsFunctions(settings, 'smtpUrl'),
    { note: `Next: npm run deploy -- ${mailingFunctions().join(' ')} (a deploy pins the newest ${SECRETS.smtpUrl} version)` },
  ];
}

const mailingFunctions = () => registry.filter((definition) => deploySettingsOf(definition).mail).map((definition) => definition.name);
const resetFunctions = () => registry.filter((definition) => deploySettingsOf(definition).resetKey).map((definition) => definition.name);

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
 * A new password-reset-key version. Nothing mounts it before the next deploy
 * of the functions that make and check reset links; from then on, links sent
 * before are refused (they last PASSWORD_RESET_TTL_SECONDS, an hour, anyway).
 */
export function rotatePasswordResetKeySteps(settings: InfraSettings, key: Secret): Step[] {
  return [
    { ...gcloud('secrets', 'versions', 'add', SECRETS.passwordResetKey, '--data-file=-', `--project=${settings.projectId}`), stdin: key },
    { note: `Next: npm run deploy -- ${resetFunctions().join(' ')} (reset links sent before stop working)` },
  ];
}

const MODES = ['smtp-url', 'rotate-signing-key', 'sign-with-new-key', 'retire-old-signing-keys', 'rotate-password-reset-key'] as const;

export function main(argv: string[], io: Io): void {
  const parsed = parseCommandLine(argv, io, SPEC);
  if (!parsed) return;
  const { settings, flags } = parsed;
  const modes = MODES.filter((mode) => flags[mode] === true);
  if (modes.length > 1) throw new Error(`One of ${modes.map((mode) => `--${mode}`).join(', ')} at a time`);
  const run = { dryRun: settings.dryRun, print: io.print, exec: io.exec ?? spawnExec, query: io.query ?? spawnQuery };
  switch (modes[0]) {
    case 'rotate-signing-key':
      return rotateSigningKey(settings, run);
    case 'sign-with-new-key':
      return signWithNewKey(settings, run, io.now);
    case 'retire-old-signing-keys':
      return retireOldSigningKeys(settings, run, io.now);
    case 'smtp-url':
      runSteps(smtpUrlSteps(settings, smtpUrlFromEnvironment(io.env)), run);
      return revokeOtherReaders(settings, ['smtpUrl'], run);
    case 'rotate-password-reset-key':
      return runSteps(rotatePasswordResetKeySteps(settings, passwordResetKey()), run);
    default: {
      runSteps(secretsSteps(settings, generateSecrets()), run);
      const mails = !settings.dryRun && run.exec(smtpUrlProbe(settings), true) === 0;
      return revokeOtherReaders(settings, mails ? [...GENERATED, 'smtpUrl'] : GENERATED, run);
    }
  }
}

if (require.main === module) runCli(main);
