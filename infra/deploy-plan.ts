import type { FunctionDefinition } from '../shared/http/endpoint';
import { gcloud, type Step } from './commands';
import { BASE_IMAGE, deploySettingsOf, functionUrl, SECRETS, type InfraSettings } from './settings';

/**
 * The commands that deploy one registry entry as its own Cloud Run function.
 *
 * `gcloud run deploy --function` rather than `gcloud functions deploy --gen2`:
 * the Cloud SQL socket must exist in the very first revision, and only the
 * Cloud Run command mounts it at deploy time. (The functions command would
 * need a second `gcloud run services update --add-cloudsql-instances`, leaving
 * a revision serving without its database in between.)
 */
export function deploySteps(definition: FunctionDefinition, settings: InfraSettings): Step[] {
  const deploy = deploySettingsOf(definition);
  const common = [`--project=${settings.projectId}`, `--region=${settings.region}`];
  const database = deploy.database
    ? [
        `--set-cloudsql-instances=${settings.instanceConnectionName}`,
        `--set-secrets=DATABASE_URL=${SECRETS.databaseUrl}:latest,JWT_SECRET=${SECRETS.jwt}:latest`,
      ]
    : [];

  return [
    gcloud(
      'run', 'deploy', definition.name, ...common,
      '--source=.',
      `--function=${definition.name}`,
      `--base-image=${BASE_IMAGE}`,
      `--memory=${cloudRunMemory(deploy.memory)}`,
      `--timeout=${deploy.timeoutSeconds}s`,
      `--concurrency=${deploy.concurrency}`,
      `--max-instances=${deploy.maxInstances}`,
      `--service-account=${settings.runtimeServiceAccount}`,
      // Nobody reaches a function directly: clients go through the gateway,
      // the scheduler signs its calls, and both hold run.invoker below.
      '--no-allow-unauthenticated',
      `--set-env-vars=${envVarsFlag(environmentOf(definition, settings))}`,
      ...database,
      '--quiet',
    ),
    gcloud(
      'run', 'services', 'add-iam-policy-binding', definition.name, ...common,
      `--member=serviceAccount:${invokerOf(definition, settings)}`,
      '--role=roles/run.invoker',
      '--quiet',
    ),
  ];
}

/** Plain settings; the two secrets come from Secret Manager (--set-secrets). */
export function environmentOf(definition: FunctionDefinition, settings: InfraSettings): Record<string, string> {
  // FUNCTION_TARGET tells functions/index.ts which configuration to insist on at start.
  const env: Record<string, string> = { GOOGLE_CLOUD_PROJECT: settings.projectId, FUNCTION_TARGET: definition.name };
  if (settings.allowedOrigins) env.ALLOWED_ORIGINS = settings.allowedOrigins;
  const deploy = deploySettingsOf(definition);
  if (deploy.database) env.DATABASE_POOL_SIZE = String(settings.poolSize);
  if (deploy.ml) env.ML_SERVICE_URL = settings.mlServiceUrl;
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
