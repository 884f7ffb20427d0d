import { registry } from '../functions/registry';
import type { FunctionDefinition } from '../shared/http/endpoint';
import { changedPathsSince, functionsAffectedBy } from './changed-functions';
import { parseCommandLine, runCli, type Io } from './cli';
import { note, runSteps } from './commands';
import { connectionBudget, describeBudget } from './connection-budget';
import { deploySteps } from './deploy-plan';

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
 */
export async function main(argv: string[], io: Io): Promise<void> {
  const { settings, flags, positionals } = parseCommandLine(argv, io.env, {
    flags: { all: { type: 'boolean' }, 'changed-since': { type: 'string' } },
    needs: ['projectNumber', 'mlServiceUrl'],
  });
  const selected = selectFunctions(positionals, flags);

  const budget = connectionBudget(registry, settings);
  if (!budget.fits) {
    throw new Error(`${describeBudget(budget)}: lower max-instances or --pool-size, or raise --max-connections to match the instance`);
  }

  runSteps(
    [
      note(describeBudget(budget)),
      note(selected.length ? `Deploying ${selected.map((definition) => definition.name).join(', ')}` : 'Nothing to deploy'),
      ...selected.flatMap((definition) => deploySteps(definition, settings)),
    ],
    { dryRun: settings.dryRun, print: io.print, exec: io.exec },
  );
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
