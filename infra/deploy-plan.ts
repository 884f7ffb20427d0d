import type { FunctionDefinition } from '../shared/http/endpoint';
import { gcloud, type Command } from './commands';
import {
  BASE_IMAGE,
  deploySettingsOf,
  functionUrl,
  minInstancesOf,
  RUNTIME_ENV,
  SECRET_ENV,
  SECRETS,
  secretsOf,
  serviceAccountOf,
  startupCpuBoost,
  type InfraSettings,
  type SecretName,
} from './settings';

/**
 * The secret version numbers a deploy pins, for the secrets the deployed
 * functions mount (deploy.ts looks them up just before deploying; a dry run
 * shows placeholders).
 */
export type SecretVersions = Partial<Record<SecretName, string>>;

/**
 * The commands that deploy one registry entry as its own Cloud Run function.
 *
 * `gcloud run deploy --function` rather than `gcloud functions deploy --gen2`:
 * one command states every setting of the service (build account, ingress,
 * CPU boost, secrets), so no revision ever serves with half of them.
 *
 * The database is reached through the Cloud SQL Node.js connector
 * (INSTANCE_CONNECTION_NAME, shared/db/cloud-sql-connector.ts), not Cloud
 * Run's `/cloudsql` socket: that socket is the Auth Proxy in unix-socket
 * mode, which refuses caching_sha2_password logins while MySQL 8.4's cache is
 * cold (docs/database.md). `--clear-cloudsql-instances` removes the socket a
 * revision deployed before the connector may still mount.
 *
 * Every flag is as documented for `gcloud run deploy`
 * (https://cloud.google.com/sdk/gcloud/reference/run/deploy); --function with
 * --base-image is the source deploy of a function
 * (https://cloud.google.com/run/docs/deploy-functions).
 */
export function deploySteps(definition: FunctionDefinition, settings: InfraSettings, versions: SecretVersions): Command[] {
  const deploy = deploySettingsOf(definition);
  const common = [`--project=${settings.projectId}`, `--region=${settings.region}`];
  const database = deploy.database ? ['--clear-cloudsql-instances', `--set-secrets=${secretsFlag(definition, versions)}`] : [];

  return [
    gcloud(
      'run',
      'deploy',
      definition.name,
      ...common,
      '--source=.',
      `--function=${definition.name}`,
      `--base-image=${BASE_IMAGE}`,
      `--memory=${cloudRunMemory(deploy.memory)}`,
      `--timeout=${deploy.timeoutSeconds}s`,
      `--concurrency=${deploy.concurrency}`,
      `--max-instances=${deploy.maxInstances}`,
      // Stated even when 0, so a redeploy never inherits an earlier revision's warm instances.
      `--min-instances=${minInstancesOf(definition, settings)}`,
      `--service-account=${serviceAccountOf(definition, settings)}`,
      // The build runs as an account that may only build (roles/run.builder),
      // not as the Compute Engine default account Google no longer recommends.
      // https://cloud.google.com/run/docs/configuring/services/build-service-account
      `--build-service-account=projects/${settings.projectId}/serviceAccounts/${settings.buildServiceAccount}`,
      // Nobody reaches a function directly: clients go through the gateway,
      // the scheduler signs its calls, and both hold run.invoker below.
      '--no-allow-unauthenticated',
      // Said, not left to the default: API Gateway and Cloud Scheduler call from
      // outside any VPC, through Google's front end, so internal ingress would
      // refuse them; IAM (run.invoker, above and below) is the gate.
      // https://cloud.google.com/run/docs/securing/ingress
      '--ingress=all',
      // Stated both ways so a redeploy never inherits the previous revision's choice (settings.ts says who gets it).
      startupCpuBoost(definition) ? '--cpu-boost' : '--no-cpu-boost',
      // --set-* replace the whole list, so a variable or secret dropped here is dropped from the service too.
      `--set-env-vars=${envVarsFlag(environmentOf(definition, settings))}`,
      ...database,
      '--quiet',
    ),
    gcloud(
      'run',
      'services',
      'add-iam-policy-binding',
      definition.name,
      ...common,
      `--member=serviceAccount:${invokerOf(definition, settings)}`,
      '--role=roles/run.invoker',
      '--quiet',
    ),
  ];
}

/**
 * `ENV=secret:version,...`, every secret the function mounts (settings.ts,
 * secretsOf: the signing private key only where keys are issued, the reset
 * key, card key and mail relay only where they are used) pinned to a number:
 * a secret in an environment variable is read once, when an instance starts.
 * https://cloud.google.com/run/docs/configuring/services/secrets
 */
export function secretsFlag(definition: FunctionDefinition, versions: SecretVersions): string {
  return secretsOf(definition)
    .map((name) => {
      const version = versions[name];
      if (!version) throw new Error(`No ${SECRETS[name]} version to mount for ${definition.name}`);
      return `${SECRET_ENV[name]}=${SECRETS[name]}:${version}`;
    })
    .join(',');
}

/**
 * Variables Cloud Run sets itself and refuses (or silently overrides) when a
 * deploy sets them. FUNCTION_TARGET, for one, comes from --function.
 * https://cloud.google.com/run/docs/configuring/services/overview-environment-variables
 * ("Reserved environment variables", "Reserved environment variables for functions").
 */
export const RESERVED_ENV = ['PORT', 'K_SERVICE', 'K_REVISION', 'K_CONFIGURATION', 'FUNCTION_TARGET', 'FUNCTION_SIGNATURE_TYPE'];
const RESERVED_PREFIX = 'X_GOOGLE_';

/** Plain settings; the secrets come from Secret Manager (--set-secrets). */
export function environmentOf(definition: FunctionDefinition, settings: InfraSettings): Record<string, string> {
  const env: Record<string, string> = { GOOGLE_CLOUD_PROJECT: settings.projectId, ...RUNTIME_ENV };
  if (settings.allowedOrigins) env.ALLOWED_ORIGINS = settings.allowedOrigins;
  const deploy = deploySettingsOf(definition);
  if (deploy.database) {
    env.DATABASE_POOL_SIZE = String(settings.poolSize);
    // The connector's path to the instance: its public IP, which Cloud Run reaches without a VPC; mutual TLS and IAM guard it.
    env.INSTANCE_CONNECTION_NAME = settings.instanceConnectionName;
    env.CLOUD_SQL_IP_TYPE = 'PUBLIC';
  }
  if (deploy.ml) env.ML_SERVICE_URL = settings.mlServiceUrl;
  if (deploy.mail) {
    if (!settings.passwordResetLink) throw new Error(`${definition.name} mails a reset link: --password-reset-link (or PASSWORD_RESET_LINK) is required`);
    if (!settings.mailFrom) throw new Error(`${definition.name} sends mail: --mail-from (or MAIL_FROM) is required`);
    env.PASSWORD_RESET_LINK = settings.passwordResetLink;
    env.MAIL_FROM = settings.mailFrom;
  }
  if (definition.auth === 'scheduler') {
    // The audience Cloud Scheduler puts in its OIDC token (scheduler.ts) and the account it signs as.
    env.SCHEDULER_AUDIENCE = functionUrl(settings, definition.name);
    env.SCHEDULER_SERVICE_ACCOUNT = settings.schedulerServiceAccount;
  }
  return env;
}

/** Scheduled functions are called by Cloud Scheduler directly; everything else by the gateway. */
export function invokerOf(definition: FunctionDefinition, settings: InfraSettings): string {
  return definition.auth === 'scheduler' ? settings.schedulerServiceAccount : settings.gatewayServiceAccount;
}

/**
 * gcloud splits --set-env-vars on commas, and ALLOWED_ORIGINS is a comma
 * list: when a value holds one, switch to gcloud's `^DELIM^` alternative.
 */
function envVarsFlag(env: Record<string, string>): string {
  const reserved = Object.keys(env).filter((name) => RESERVED_ENV.includes(name) || name.startsWith(RESERVED_PREFIX));
  if (reserved.length) throw new Error(`Cloud Run sets ${reserved.join(', ')} itself; a deploy must not`);
  const pairs = Object.entries(env).map(([name, value]) => `${name}=${value}`);
  if (!pairs.some((pair) => pair.includes(','))) return pairs.join(',');
  const delimiter = ['@', '|', ';', '~', '#'].find((candidate) => !pairs.some((pair) => pair.includes(candidate)));
  if (!delimiter) throw new Error('No delimiter left for --set-env-vars; simplify the values');
  return `^${delimiter}^${pairs.join(delimiter)}`;
}

/** Cloud Run wants `512Mi` / `1Gi`; accept the Cloud Functions spelling (`512MiB`) too. */
export function cloudRunMemory(memory: string): string {
  const match = /^(\d+)(Mi|Gi)B?$/.exec(memory);
  if (!match) throw new Error(`Memory "${memory}" must look like 512Mi or 1Gi`);
  return `${match[1]}${match[2]}`;
}
