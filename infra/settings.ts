import type { DeploySettings, FunctionDefinition } from '../shared/http/endpoint';

/**
 * Where and how the functions are deployed. Every script reads the same
 * settings from flags or environment variables. Dry runs fall back to
 * placeholders so a plan can be printed without a Google Cloud project; real
 * runs refuse to guess a project, its number or the ML service.
 */

/**
 * What a function gets unless its registry entry says otherwise. Sized with
 * DEFAULT_POOL_SIZE so the whole fleet stays inside Cloud SQL's connections
 * (see connection-budget.ts): 40 instances × 5 connections = 200 per function.
 * The timeout is well past REQUEST_DEADLINE_MS (10 s), within which every
 * request is answered, a purchase's ML calls and transaction included.
 */
export const DEFAULT_DEPLOY_SETTINGS: DeploySettings = {
  memory: '512Mi',
  timeoutSeconds: 60,
  concurrency: 20,
  maxInstances: 40,
  database: true,
  signs: false,
  resetKey: false,
  ml: false,
  cardKey: false,
  mail: false,
};

export function deploySettingsOf(definition: FunctionDefinition): DeploySettings {
  return { ...DEFAULT_DEPLOY_SETTINGS, ...definition.deploy };
}

/**
 * V8 sizes its heap from the machine, not the instance, and collects lazily:
 * left alone, one function's young generation grew to a large part of the
 * instance under load. A young generation of 3 × 8 MB and an old-generation
 * cap well inside the instance's memory keep a function small after load for
 * a little more CPU in scavenges (docs/performance.md, npm run bench). The bench
 * starts every function with these same options.
 */
export const RUNTIME_NODE_OPTIONS = '--max-semi-space-size=8 --max-old-space-size=192';

/**
 * How Node runs every function, on Cloud Run and in the bench alike: the heap
 * bounds above, and V8's compiled code for every module a function loads,
 * written by `npm run build` (scripts/finish-build.js) into the image, so a
 * cold instance does not compile its code again (relative to the app's
 * directory, where the runtime starts). A cache that does not match the Node
 * version or a file's content is ignored, never wrong.
 */
export const RUNTIME_ENV = { NODE_OPTIONS: RUNTIME_NODE_OPTIONS, NODE_COMPILE_CACHE: 'dist/.compile-cache' } as const;

/** Cloud Run's Node 24 LTS runtime (nodejs20 was decommissioned on 2026-10-30), the same Node package.json's engines require. */
export const BASE_IMAGE = 'nodejs24';

/**
 * Secret Manager secrets, given to the functions as environment variables
 * pinned to version numbers (deploy-plan.ts): an environment variable is
 * resolved once, when an instance starts, so `:latest` would let instances
 * started before and after a new version disagree on the value.
 * https://cloud.google.com/run/docs/configuring/services/secrets
 *
 * signing-private-key is one EC P-256 key, PKCS#8 PEM, that signs API keys
 * (ES256); signing-public-keys the JSON object `kid` → SPKI PEM that checks
 * them (shared/auth/signing-key-pairs.ts). password-reset-key is the HMAC key
 * of password-reset links, card-hmac-key that of card-number hashes, smtp-url
 * the mail relay's URL with its credentials.
 */
export const SECRETS = {
  databaseUrl: 'database-url',
  signingPublicKeys: 'signing-public-keys',
  signingPrivateKey: 'signing-private-key',
  passwordResetKey: 'password-reset-key',
  cardHmacKey: 'card-hmac-key',
  smtpUrl: 'smtp-url',
} as const;

export type SecretName = keyof typeof SECRETS;

/** The environment variable each secret arrives in. */
export const SECRET_ENV = {
  databaseUrl: 'DATABASE_URL',
  signingPublicKeys: 'SIGNING_PUBLIC_KEYS',
  signingPrivateKey: 'SIGNING_PRIVATE_KEY',
  passwordResetKey: 'PASSWORD_RESET_KEY',
  cardHmacKey: 'CARD_HMAC_KEY',
  smtpUrl: 'SMTP_URL',
} as const satisfies Record<SecretName, string>;

/**
 * Which functions mount each secret, from their registry entry: every
 * database function the database URL and the public keys; the others only
 * where their deploy flag says so (`signs`: the key-issuing functions,
 * `resetKey`, `cardKey`, `mail`). Nothing else decides it: the deploy's
 * --set-secrets, the service accounts and who may read each secret all
 * follow from this.
 */
const MOUNTED_WHERE: Record<SecretName, (deploy: DeploySettings) => boolean> = {
  databaseUrl: (deploy) => deploy.database,
  signingPublicKeys: (deploy) => deploy.database,
  signingPrivateKey: (deploy) => deploy.database && deploy.signs,
  passwordResetKey: (deploy) => deploy.database && deploy.resetKey,
  cardHmacKey: (deploy) => deploy.database && deploy.cardKey,
  smtpUrl: (deploy) => deploy.database && deploy.mail,
};

/** The secrets every database function mounts; the shared runtime account reads these and nothing else. */
export const SHARED_SECRETS: readonly SecretName[] = ['databaseUrl', 'signingPublicKeys'];

/** The secrets a function mounts, in the order of SECRETS. */
export function secretsOf(definition: FunctionDefinition): SecretName[] {
  const deploy = deploySettingsOf(definition);
  return (Object.keys(SECRETS) as SecretName[]).filter((name) => MOUNTED_WHERE[name](deploy));
}

/**
 * Any service account may read any secret it holds secretAccessor on,
 * through the Secret Manager API, mounted or not. So a function that mounts
 * a secret beyond SHARED_SECRETS runs as an account of its own, and only the
 * accounts of the functions that mount a secret may read it: a flaw in
 * wallets-list cannot fetch the signing private key.
 */
export function hasOwnServiceAccount(definition: FunctionDefinition): boolean {
  return secretsOf(definition).some((name) => !SHARED_SECRETS.includes(name));
}

/**
 * A function's own account id: `fn-` and its name. Service account ids are
 * 6–30 characters, `[a-z][-a-z0-9]*[a-z0-9]`
 * (https://cloud.google.com/iam/docs/service-accounts-create);
 * service-accounts.test.ts checks every registry function's.
 */
export const ownServiceAccountId = (functionName: string) => `fn-${functionName}`;

export const SERVICE_ACCOUNT_ID = /^[a-z][-a-z0-9]{4,28}[a-z0-9]$/;

/** The account a function runs as: its own, else the shared runtime account, else (docs) the one with no roles. */
export function serviceAccountOf(
  definition: FunctionDefinition,
  settings: Pick<InfraSettings, 'projectId' | 'runtimeServiceAccount' | 'docsServiceAccount'>,
): string {
  if (hasOwnServiceAccount(definition)) {
    const id = ownServiceAccountId(definition.name);
    if (!SERVICE_ACCOUNT_ID.test(id)) throw new Error(`${definition.name}: ${id} is not a valid service account id (6-30 characters); shorten the name`);
    return serviceAccount(id, settings.projectId);
  }
  return deploySettingsOf(definition).database ? settings.runtimeServiceAccount : settings.docsServiceAccount;
}

/** The functions that mount a secret. */
export function functionsMounting(name: SecretName, definitions: readonly FunctionDefinition[]): FunctionDefinition[] {
  return definitions.filter((definition) => secretsOf(definition).includes(name));
}

/** The accounts that may read a secret (secretAccessor): exactly those of the functions that mount it. */
export function readersOf(name: SecretName, definitions: readonly FunctionDefinition[], settings: InfraSettings): string[] {
  return [...new Set(functionsMounting(name, definitions).map((definition) => serviceAccountOf(definition, settings)))];
}

/**
 * Startup CPU boost (`--cpu-boost`) for what a person waits on: everything the
 * gateway serves. A cold start loads the function's modules and opens the pool
 * (or, for docs, builds the OpenAPI document) on a single vCPU, and that
 * time lands on a user's request. The scheduled seed job is called once a day
 * by a machine with a 180 s deadline: boosting it would only cost money.
 * https://cloud.google.com/run/docs/configuring/services/cpu (startup CPU boost)
 */
export function startupCpuBoost(definition: FunctionDefinition): boolean {
  return aPersonWaitsOn(definition);
}

/** Everything but the scheduled seed, which a machine calls once a day. */
const aPersonWaitsOn = (definition: FunctionDefinition) => definition.auth !== 'scheduler';

/**
 * Instances kept warm (`--min-instances`): a function's registry entry, else
 * the MIN_INSTANCES setting for what a person waits on; the scheduled seed,
 * called once a day by a machine, always scales to zero.
 * https://cloud.google.com/run/docs/configuring/min-instances
 */
export function minInstancesOf(definition: FunctionDefinition, settings: Pick<InfraSettings, 'minInstances'>): number {
  if (definition.deploy?.minInstances !== undefined) return definition.deploy.minInstances;
  return aPersonWaitsOn(definition) ? settings.minInstances : 0;
}

interface Option {
  flag: string;
  env: string;
  /** One line for --help. */
  help: string;
  fallback?: string;
  /** Only for dry runs: a real run needs the value given. */
  placeholder?: string;
}

export const OPTIONS = {
  projectId: { flag: 'project', env: 'PROJECT_ID', placeholder: 'my-project', help: 'Google Cloud project id (required)' },
  projectNumber: { flag: 'project-number', env: 'PROJECT_NUMBER', placeholder: '123456789012', help: 'the project number, part of every function URL' },
  region: { flag: 'region', env: 'REGION', fallback: 'europe-west1', help: 'region of the functions, Cloud SQL, the gateway and the scheduler' },
  sqlInstance: { flag: 'sql-instance', env: 'SQL_INSTANCE', fallback: 'fulfillment', help: 'Cloud SQL instance name' },
  // db-custom-1-3840 (1 vCPU, 3.75 GB) is the smallest tier whose default max_connections is 4,000.
  sqlTier: { flag: 'sql-tier', env: 'SQL_TIER', fallback: 'db-custom-1-3840', help: 'Cloud SQL machine tier (Enterprise edition)' },
  // zonal: one zone, the cheaper default; regional: a standby in a second zone with automatic failover (about twice the price).
  sqlAvailabilityType: {
    flag: 'sql-availability-type',
    env: 'SQL_AVAILABILITY_TYPE',
    fallback: 'zonal',
    help: 'zonal or regional (high availability); bootstrap --regional is the same as regional',
  },
  databaseName: { flag: 'database', env: 'DATABASE_NAME', fallback: 'fulfillment', help: 'database name' },
  databaseUser: { flag: 'database-user', env: 'DATABASE_USER', fallback: 'fulfillment', help: 'database user the functions connect as' },
  mlServiceUrl: { flag: 'ml-service-url', env: 'ML_SERVICE_URL', placeholder: 'https://ipre.example.com', help: 'the ML service (IPRE) base URL' },
  allowedOrigins: { flag: 'allowed-origins', env: 'ALLOWED_ORIGINS', fallback: '', help: 'comma-separated origins of the web client (CORS)' },
  poolSize: { flag: 'pool-size', env: 'DATABASE_POOL_SIZE', fallback: '5', help: 'database connections per function instance' },
  maxConnections: { flag: 'max-connections', env: 'SQL_MAX_CONNECTIONS', fallback: '4000', help: "Cloud SQL's max_connections, for the connection budget" },
  reservedConnections: {
    flag: 'reserved-connections',
    env: 'SQL_RESERVED_CONNECTIONS',
    fallback: '50',
    help: 'connections kept free for migrations and people',
  },
  // 0: every function scales to zero, and the first request after a quiet spell waits for a cold start
  // (docs/deploy.md: what one warm instance costs a month).
  minInstances: {
    flag: 'min-instances',
    env: 'MIN_INSTANCES',
    fallback: '0',
    help: 'instances kept warm per user-facing function (the scheduled seed always scales to zero)',
  },
  // For the functions that mail (registry: deploy.mail), the password reset's.
  passwordResetLink: {
    flag: 'password-reset-link',
    env: 'PASSWORD_RESET_LINK',
    placeholder: 'https://app.example.com/password-reset/confirm/{uid}/{token}/',
    help: "the web client's page for a new password, with {uid} and {token} (needed to deploy a function that mails)",
  },
  mailFrom: { flag: 'mail-from', env: 'MAIL_FROM', placeholder: 'no-reply@example.com', help: 'the From address of the mail the functions send' },
  apiId: { flag: 'api', env: 'API_ID', fallback: 'fulfillment-api', help: 'API Gateway API id' },
  gatewayId: { flag: 'gateway', env: 'GATEWAY_ID', fallback: 'fulfillment-gateway', help: 'API Gateway gateway id' },
  seedSchedule: { flag: 'seed-schedule', env: 'SEED_SCHEDULE', fallback: '0 3 * * *', help: 'cron schedule (UTC) of the demo-user seeding job' },
} satisfies Record<string, Option>;

type OptionName = keyof typeof OPTIONS;

/** The flags every infra script accepts, in node:util parseArgs form. */
export const SETTINGS_FLAGS = Object.fromEntries(Object.values(OPTIONS).map((option) => [option.flag, { type: 'string' as const }])) as Record<
  string,
  { type: 'string' }
>;

export interface InfraSettings {
  dryRun: boolean;
  projectId: string;
  projectNumber: string;
  region: string;
  sqlInstance: string;
  sqlTier: string;
  sqlAvailabilityType: 'zonal' | 'regional';
  databaseName: string;
  databaseUser: string;
  mlServiceUrl: string;
  allowedOrigins: string;
  poolSize: number;
  maxConnections: number;
  reservedConnections: number;
  /** Instances kept warm per user-facing function, unless its registry entry says otherwise. */
  minInstances: number;
  passwordResetLink: string;
  mailFrom: string;
  apiId: string;
  gatewayId: string;
  seedSchedule: string;
  /** PROJECT:REGION:INSTANCE, the functions' INSTANCE_CONNECTION_NAME (the Cloud SQL connector's target). */
  instanceConnectionName: string;
  /** The identity the database functions without a secret of their own run as: Cloud SQL client, reads SHARED_SECRETS only. */
  runtimeServiceAccount: string;
  /** The identity the other functions (docs) run as: no roles at all, so a flaw there reaches nothing. */
  docsServiceAccount: string;
  /** The identity API Gateway calls the functions with (run.invoker on each). */
  gatewayServiceAccount: string;
  /** The identity Cloud Scheduler signs its OIDC tokens as. */
  schedulerServiceAccount: string;
  /** The identity Cloud Build runs source deploys as: roles/run.builder and nothing else, not the Compute Engine default account. */
  buildServiceAccount: string;
}

export class SettingsError extends Error {}

/** Settings without a default that only some scripts use; the project id is always needed. */
export type OptionalSetting = 'projectNumber' | 'mlServiceUrl';

export function readSettings(
  flags: Record<string, string | boolean | undefined>,
  env: NodeJS.ProcessEnv,
  { dryRun, needs = [] }: { dryRun: boolean; needs?: OptionalSetting[] },
): InfraSettings {
  const missing: string[] = [];
  const value = (name: OptionName): string => {
    const option: Option = OPTIONS[name];
    const given = flags[option.flag] ?? env[option.env];
    if (typeof given === 'string' && given !== '') return given;
    if (option.fallback !== undefined) return option.fallback;
    if (dryRun && option.placeholder) return option.placeholder;
    if (name === 'projectId' || (needs as string[]).includes(name)) missing.push(`--${option.flag} (or ${option.env})`);
    return '';
  };
  const count = (name: OptionName): number => {
    const parsed = Number(value(name));
    if (!Number.isInteger(parsed) || parsed < 0) throw new SettingsError(`--${OPTIONS[name].flag} must be a whole number`);
    return parsed;
  };

  const availability = value('sqlAvailabilityType');
  if (availability !== 'zonal' && availability !== 'regional') throw new SettingsError('--sql-availability-type must be zonal or regional');

  const projectId = value('projectId');
  const region = value('region');
  const sqlInstance = value('sqlInstance');
  const settings: InfraSettings = {
    dryRun,
    projectId,
    projectNumber: value('projectNumber'),
    region,
    sqlInstance,
    sqlTier: value('sqlTier'),
    sqlAvailabilityType: availability,
    databaseName: value('databaseName'),
    databaseUser: value('databaseUser'),
    mlServiceUrl: value('mlServiceUrl'),
    allowedOrigins: value('allowedOrigins'),
    poolSize: count('poolSize'),
    maxConnections: count('maxConnections'),
    reservedConnections: count('reservedConnections'),
    minInstances: count('minInstances'),
    passwordResetLink: value('passwordResetLink'),
    mailFrom: value('mailFrom'),
    apiId: value('apiId'),
    gatewayId: value('gatewayId'),
    seedSchedule: value('seedSchedule'),
    instanceConnectionName: `${projectId}:${region}:${sqlInstance}`,
    runtimeServiceAccount: serviceAccount('fulfillment-functions', projectId),
    docsServiceAccount: serviceAccount('fulfillment-docs', projectId),
    gatewayServiceAccount: serviceAccount('api-gateway', projectId),
    schedulerServiceAccount: serviceAccount('demo-seeder', projectId),
    buildServiceAccount: serviceAccount('fulfillment-builder', projectId),
  };
  if (missing.length) throw new SettingsError(`Missing settings: ${missing.join(', ')}`);
  return settings;
}

export const serviceAccount = (id: string, projectId: string) => `${id}@${projectId}.iam.gserviceaccount.com`;

/**
 * Cloud Run's deterministic service URL. Knowing it before anything is
 * deployed lets the gateway config, the scheduler job and the seed function's
 * expected audience all be written from the registry alone.
 */
export function functionUrl(settings: Pick<InfraSettings, 'projectNumber' | 'region'>, name: string): string {
  return `https://${name}-${settings.projectNumber}.${settings.region}.run.app`;
}
