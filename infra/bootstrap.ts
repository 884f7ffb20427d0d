import { parseCommandLine, runCli, type CommandLineSpec, type Io } from './cli';
import { createOnce, gcloud, runSteps, type Step } from './commands';
import { registry } from '../functions/registry';
import { hasOwnServiceAccount, serviceAccountOf, type InfraSettings } from './settings';

/**
 * One-time project set-up: the APIs, the service accounts with their project
 * roles (the five shared ones, and one for each function that mounts a secret
 * of its own, settings.ts hasOwnServiceAccount), and the Cloud SQL instance
 * and database. Safe to run again: what exists is left alone.
 *
 *   tsx infra/bootstrap.ts --project=P [--regional] [--dry-run]
 */
const SPEC: CommandLineSpec = {
  usage: 'npm run deploy:bootstrap -- [flags]',
  description: [
    'One-time project set-up: enables the APIs, creates the service accounts and their',
    'project roles, the Cloud SQL for MySQL 8.4 instance (deletion protection, daily backups,',
    'point-in-time recovery) and the database. What already exists is left alone.',
  ].join('\n'),
  flags: {
    regional: { type: 'boolean', help: 'create Cloud SQL with a standby in a second zone (same as --sql-availability-type=regional)' },
  },
};

/**
 * Cloud SQL for MySQL 8.4: 8.0 has been on paid extended support since
 * 2026-07-01. https://cloud.google.com/sql/docs/mysql/db-versions
 */
export const DATABASE_VERSION = 'MYSQL_8_4';

/** What every instance has, made by bootstrap or before it (create, then patch). */
const PROTECTIONS = [
  // Money lives here: no delete without first turning this off.
  '--deletion-protection',
  // Only Cloud SQL connectors (the functions' Node.js connector, the Auth Proxy
  // of deploy:migrate) may connect: IAM-checked and encrypted, never a plain
  // MySQL login from an address.
  '--connector-enforcement=REQUIRED',
];

/** Days of binary logs kept for point-in-time recovery: the most the Enterprise edition allows. */
export const TRANSACTION_LOG_DAYS = 7;
const APIS = [
  'run.googleapis.com',
  'cloudbuild.googleapis.com',
  'artifactregistry.googleapis.com',
  // The Cloud SQL connector asks this API for the instance's address and a client certificate at every instance start.
  'sqladmin.googleapis.com',
  'secretmanager.googleapis.com',
  'cloudscheduler.googleapis.com',
  'apigateway.googleapis.com',
  'servicemanagement.googleapis.com',
  'servicecontrol.googleapis.com',
  'iam.googleapis.com',
];

export function bootstrapSteps(settings: InfraSettings): Step[] {
  const project = `--project=${settings.projectId}`;
  const accounts: Array<[string, string]> = [
    [settings.runtimeServiceAccount, 'Runs the fulfillment functions'],
    // Granted nothing, here or anywhere: docs needs neither the database nor a secret.
    [settings.docsServiceAccount, 'Runs the docs function; holds no roles'],
    [settings.gatewayServiceAccount, 'API Gateway calling the functions'],
    [settings.schedulerServiceAccount, 'Cloud Scheduler calling seed-demo-users'],
    [settings.buildServiceAccount, 'Cloud Build building the functions from source'],
  ];
  // A function with a secret of its own (the signing key, the reset key, the card key, the mail relay)
  // runs as its own account, with the runtime account's project roles; deploy:secrets lets it read its secrets.
  const ownAccounts = registry.filter(hasOwnServiceAccount).map((definition) => serviceAccountOf(definition, settings));
  accounts.push(
    ...registry
      .filter(hasOwnServiceAccount)
      .map((definition, index): [string, string] => [ownAccounts[index], `Runs ${definition.name}; reads its own secrets`]),
  );
  const projectRole = (member: string, role: string) =>
    gcloud('projects', 'add-iam-policy-binding', settings.projectId, `--member=serviceAccount:${member}`, `--role=${role}`, '--condition=None', '--quiet');

  return [
    gcloud('services', 'enable', ...APIS, project),
    ...accounts.map(([email, purpose]) =>
      createOnce(
        gcloud('iam', 'service-accounts', 'describe', email, project),
        gcloud('iam', 'service-accounts', 'create', email.split('@')[0], `--display-name=${purpose}`, project),
      ),
    ),
    // The connector's Admin API calls (connectSettings, generateEphemeralCert) need cloudsql.instances.get and .connect.
    ...[settings.runtimeServiceAccount, ...ownAccounts].map((account) => projectRole(account, 'roles/cloudsql.client')),
    // Source deploys build as this account (deploy --build-service-account), which may build and nothing more.
    // https://cloud.google.com/run/docs/configuring/services/build-service-account
    projectRole(settings.buildServiceAccount, 'roles/run.builder'),
    // Flags: https://cloud.google.com/sdk/gcloud/reference/sql/instances/create
    createOnce(
      gcloud('sql', 'instances', 'describe', settings.sqlInstance, project),
      gcloud(
        'sql',
        'instances',
        'create',
        settings.sqlInstance,
        project,
        `--region=${settings.region}`,
        `--database-version=${DATABASE_VERSION}`,
        // Enterprise takes the db-custom tiers; Enterprise Plus (the default for some versions) would not.
        '--edition=ENTERPRISE',
        `--tier=${settings.sqlTier}`,
        `--availability-type=${settings.sqlAvailabilityType}`,
        '--storage-auto-increase',
        ...PROTECTIONS,
        // Money lives here: daily backups, and point-in-time recovery, which for MySQL
        // is the binary log (https://cloud.google.com/sql/docs/mysql/backup-recovery/configure-pitr).
        '--backup-start-time=02:00',
        '--enable-bin-log',
        `--retained-transaction-log-days=${TRANSACTION_LOG_DAYS}`,
      ),
      // An instance made before this script protected itself gets the protection;
      // its version is left alone (a major upgrade is a deliberate step, docs/deploy.md).
      gcloud('sql', 'instances', 'patch', settings.sqlInstance, project, ...PROTECTIONS, '--quiet'),
    ),
    createOnce(
      gcloud('sql', 'databases', 'describe', settings.databaseName, `--instance=${settings.sqlInstance}`, project),
      gcloud(
        'sql',
        'databases',
        'create',
        settings.databaseName,
        `--instance=${settings.sqlInstance}`,
        project,
        '--charset=utf8mb4',
        '--collation=utf8mb4_unicode_ci',
      ),
    ),
  ];
}

export function main(argv: string[], io: Io): void {
  const parsed = parseCommandLine(argv, io, SPEC);
  if (!parsed) return;
  const settings = parsed.flags.regional === true ? { ...parsed.settings, sqlAvailabilityType: 'regional' as const } : parsed.settings;
  runSteps(bootstrapSteps(settings), { dryRun: settings.dryRun, print: io.print, exec: io.exec });
}

if (require.main === module) runCli(main);
