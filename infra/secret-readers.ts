import { registry } from '../functions/registry';
import { formatCommand, gcloud, type Command, type Exec, type Query } from './commands';
import { readersOf, SECRETS, type InfraSettings, type SecretName } from './settings';

const ACCESSOR = 'roles/secretmanager.secretAccessor';

/**
 * A secret's policy (`gcloud secrets get-iam-policy`), to find who else may
 * read it. https://cloud.google.com/sdk/gcloud/reference/secrets/get-iam-policy
 */
export const policyLookup = (settings: InfraSettings, name: SecretName): Command =>
  gcloud('secrets', 'get-iam-policy', SECRETS[name], `--project=${settings.projectId}`, '--format=json');

interface Policy {
  bindings?: Array<{ role?: string; members?: string[]; condition?: unknown }>;
}

/**
 * Adding bindings never takes one away: a project deployed before each
 * function with a secret got its own account still lets the shared account
 * read the card key and the mail relay's URL. So after granting, each
 * secret's accessors beyond the accounts of the functions that mount it
 * (readersOf) are removed. A binding with a condition is left alone and
 * named: it was made by hand, for a reason this script cannot know.
 */
export function revokeOtherReaders(
  settings: InfraSettings,
  names: readonly SecretName[],
  run: { dryRun: boolean; print: (line: string) => void; exec: Exec; query: Query },
): void {
  for (const name of names) {
    const lookup = policyLookup(settings, name);
    run.print(formatCommand(lookup));
    if (run.dryRun) continue;
    const allowed = new Set(readersOf(name, registry, settings).map((account) => `serviceAccount:${account}`));
    const bindings = ((JSON.parse(run.query(lookup) || '{}') as Policy).bindings ?? []).filter((binding) => binding.role === ACCESSOR);
    for (const binding of bindings.filter((candidate) => candidate.condition)) {
      run.print(`# Left alone, it has a condition: ${ACCESSOR} on ${SECRETS[name]} for ${binding.members?.join(', ')}`);
    }
    const others = bindings.filter((binding) => !binding.condition).flatMap((binding) => (binding.members ?? []).filter((member) => !allowed.has(member)));
    for (const member of others) {
      const command = gcloud(
        'secrets',
        'remove-iam-policy-binding',
        SECRETS[name],
        `--project=${settings.projectId}`,
        `--member=${member}`,
        `--role=${ACCESSOR}`,
        '--quiet',
      );
      run.print(formatCommand(command));
      const status = run.exec(command, false);
      if (status !== 0) throw new Error(`Failed (exit ${status}): ${formatCommand(command)}`);
    }
  }
  if (run.dryRun && names.length) run.print(`# A real run then removes ${ACCESSOR} from anyone else in these policies (bindings with a condition excepted).`);
}
