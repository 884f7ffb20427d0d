import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { registry } from '../functions/registry';
import { parseCommandLine, runCli, type CommandLineSpec, type Io } from './cli';
import { createOnce, gcloud, note, runSteps, type Step } from './commands';
import { buildGatewayConfig } from './gateway-config';
import type { InfraSettings } from './settings';

const SPEC: CommandLineSpec = {
  usage: 'npm run deploy:gateway -- [flags]',
  description:
    'Generates the API Gateway config (OpenAPI 2.0) from functions/registry.ts, creates the API\nand a config named after its content, and creates or updates the gateway to use it.',
  flags: { out: { type: 'string', value: 'FILE', help: 'keep the generated config in FILE [default: a temporary file]' } },
  needs: ['projectNumber'],
};

/**
 * Generates the API Gateway config from the registry and rolls it out:
 * the API (once), a config named after its content (so an unchanged registry
 * reuses the existing one), and the gateway pointed at it.
 *
 *   tsx infra/gateway.ts --project=P --project-number=N [--out=gateway.json] [--dry-run]
 *
 * The config file is written in dry runs too, to be read before deploying.
 */
export function gatewaySteps(settings: InfraSettings, configId: string, specFile: string): Step[] {
  const project = `--project=${settings.projectId}`;
  const gateway = [settings.gatewayId, `--location=${settings.region}`, project];
  const target = [`--api=${settings.apiId}`, `--api-config=${configId}`];
  return [
    createOnce(gcloud('api-gateway', 'apis', 'describe', settings.apiId, project), gcloud('api-gateway', 'apis', 'create', settings.apiId, project)),
    createOnce(
      gcloud('api-gateway', 'api-configs', 'describe', configId, `--api=${settings.apiId}`, project),
      gcloud(
        'api-gateway',
        'api-configs',
        'create',
        configId,
        `--api=${settings.apiId}`,
        project,
        `--openapi-spec=${specFile}`,
        `--backend-auth-service-account=${settings.gatewayServiceAccount}`,
      ),
    ),
    createOnce(
      gcloud('api-gateway', 'gateways', 'describe', ...gateway),
      gcloud('api-gateway', 'gateways', 'create', ...gateway, ...target),
      gcloud('api-gateway', 'gateways', 'update', ...gateway, ...target),
    ),
    note('The API base URL (https://<defaultHostname>):'),
    gcloud('api-gateway', 'gateways', 'describe', ...gateway, '--format=value(defaultHostname)'),
  ];
}

export function main(argv: string[], io: Io): void {
  const parsed = parseCommandLine(argv, io, SPEC);
  if (!parsed) return;
  const { settings, flags } = parsed;
  const json = `${JSON.stringify(buildGatewayConfig(registry, settings), null, 2)}\n`;
  const configId = `${settings.apiId}-${createHash('sha256').update(json).digest('hex').slice(0, 12)}`;
  const specFile = typeof flags.out === 'string' ? flags.out : path.join(tmpdir(), `${configId}.json`);
  writeFileSync(specFile, json);
  runSteps([note(`Gateway config written to ${specFile}`), ...gatewaySteps(settings, configId, specFile)], {
    dryRun: settings.dryRun,
    print: io.print,
    exec: io.exec,
  });
}

if (require.main === module) runCli(main);
