import { registry } from '../functions/registry';
import type { FunctionDefinition } from '../shared/http/endpoint';
import { parseCommandLine, runCli, type CommandLineSpec, type Io } from './cli';
import { createOnce, gcloud, runSteps, type Step } from './commands';
import { functionUrl, type InfraSettings } from './settings';

const SPEC: CommandLineSpec = {
  usage: 'npm run deploy:scheduler -- [flags]',
  description:
    'Creates or updates one Cloud Scheduler job per scheduled function (seed-demo-users),\ncalling it with an OIDC token of the demo-seeder service account.',
  needs: ['projectNumber'],
};

/**
 * One Cloud Scheduler job per scheduled function (today: seed-demo-users,
 * daily). The job signs an OIDC token as the scheduler service account with
 * the function URL as audience: Cloud Run checks it (run.invoker, granted by
 * deploy.ts) and the function checks it again (SCHEDULER_AUDIENCE and
 * SCHEDULER_SERVICE_ACCOUNT, set by deploy.ts from the same settings).
 *
 *   tsx infra/scheduler.ts --project=P --project-number=N [--dry-run]
 */
export function schedulerSteps(definitions: readonly FunctionDefinition[], settings: InfraSettings): Step[] {
  const location = [`--location=${settings.region}`, `--project=${settings.projectId}`];
  return definitions
    .filter((definition) => definition.auth === 'scheduler')
    .map((definition) => {
      const url = functionUrl(settings, definition.name);
      const target = [
        `--schedule=${settings.seedSchedule}`,
        '--time-zone=Etc/UTC',
        `--uri=${url}${definition.paths[0]}`,
        `--http-method=${definition.methods[0]}`,
        `--oidc-service-account-email=${settings.schedulerServiceAccount}`,
        `--oidc-token-audience=${url}`,
        '--attempt-deadline=180s',
      ];
      return createOnce(
        gcloud('scheduler', 'jobs', 'describe', definition.name, ...location),
        gcloud('scheduler', 'jobs', 'create', 'http', definition.name, ...location, ...target),
        gcloud('scheduler', 'jobs', 'update', 'http', definition.name, ...location, ...target),
      );
    });
}

export function main(argv: string[], io: Io): void {
  const parsed = parseCommandLine(argv, io, SPEC);
  if (!parsed) return;
  const { settings } = parsed;
  runSteps(schedulerSteps(registry, settings), { dryRun: settings.dryRun, print: io.print, exec: io.exec });
}

if (require.main === module) runCli(main);
