import { parseCommandLine, runCli, type Io } from './cli';
import { createOnce, gcloud, runSteps, type Step } from './commands';
import type { InfraSettings } from './settings';

/**
 * One-time project set-up: the APIs, the three service accounts with their
 * project roles, and the Cloud SQL instance and database. Safe to run again:
 * what exists is left alone.
 *
 *   tsx infra/bootstrap.ts --project=P --project-number=N [--dry-run]
 */
const APIS = [
  'run.googleapis.com',
  'cloudbuild.googleapis.com',
  'artifactregistry.googleapis.com',
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
    [settings.gatewayServiceAccount, 'API Gateway calling the functions'],
    [settings.schedulerServiceAccount, 'Cloud Scheduler calling seed-demo-users'],
  ];
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
    projectRole(settings.runtimeServiceAccount, 'roles/cloudsql.client'),
    // Source deploys build as the Compute Engine default account in new projects.
    projectRole(`${settings.projectNumber}-compute@developer.gserviceaccount.com`, 'roles/run.builder'),
    createOnce(
      gcloud('sql', 'instances', 'describe', settings.sqlInstance, project),
      gcloud(
        'sql', 'instances', 'create', settings.sqlInstance, project,
        `--region=${settings.region}`,
        '--database-version=MYSQL_8_0',
        '--edition=ENTERPRISE',
        `--tier=${settings.sqlTier}`,
        '--storage-auto-increase',
        // Money lives here: daily backups and point-in-time recovery.
        '--backup-start-time=02:00',
        '--enable-bin-log',
      ),
    ),
    createOnce(
      gcloud('sql', 'databases', 'describe', settings.databaseName, `--instance=${settings.sqlInstance}`, project),
      gcloud(
        'sql', 'databases', 'create', settings.databaseName, `--instance=${settings.sqlInstance}`, project,
        '--charset=utf8mb4',
        '--collation=utf8mb4_unicode_ci',
      ),
    ),
  ];
}

export function main(argv: string[], io: Io): void {
  const { settings } = parseCommandLine(argv, io.env, { needs: ['projectNumber'] });
  runSteps(bootstrapSteps(settings), { dryRun: settings.dryRun, print: io.print, exec: io.exec });
}

if (require.main === module) runCli(main);
