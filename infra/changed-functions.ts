import { execFileSync } from 'node:child_process';
import type { FunctionDefinition } from '../shared/http/endpoint';

/**
 * Which functions a change needs redeployed. Every function is built from the
 * whole source tree, so a change to shared code, the schema, the registry, the
 * build or the deploy defaults touches them all; a change inside
 * functions/<name>/ touches that one, and the docs function, whose document
 * describes every endpoint.
 */
const AFFECTS_EVERY_FUNCTION = [
  /^shared\//,
  /^prisma\//,
  /^functions\/(index\.ts|registry\.ts|main\.cts)$/,
  /^package(-lock)?\.json$/,
  /^tsconfig(\.build)?\.json$/,
  /^scripts\/generate-prisma-client\.js$/,
  /^scripts\/schema-engine-offline\.sh$/,
  // npm run build's last step: the served OpenAPI document and the compile cache of every function.
  /^scripts\/finish-build\.js$/,
  // What is uploaded, and how each function is deployed.
  /^\.gcloudignore$/,
  /^infra\/(settings|deploy-plan)\.ts$/,
];

/** Not part of what is deployed. */
const NOT_DEPLOYED = [/\.test\.ts$/];

const DESCRIBES_EVERY_FUNCTION = 'docs';

export function functionsAffectedBy(registry: readonly FunctionDefinition[], changedPaths: readonly string[]): FunctionDefinition[] {
  const deployed = changedPaths.filter((path) => !NOT_DEPLOYED.some((pattern) => pattern.test(path)));
  if (deployed.some((path) => AFFECTS_EVERY_FUNCTION.some((pattern) => pattern.test(path)))) return [...registry];

  const changed = registry.filter((definition) => deployed.some((path) => path.startsWith(`functions/${definition.name}/`)));
  return registry.filter((definition) => changed.includes(definition) || (changed.length > 0 && definition.name === DESCRIBES_EVERY_FUNCTION));
}

/**
 * What differs from `ref` in the working tree, since the working tree is what
 * `--source=.` uploads: committed and uncommitted changes, and new files.
 */
export function changedPathsSince(ref: string, cwd = process.cwd()): string[] {
  const git = (...args: string[]) => execFileSync('git', args, { cwd, encoding: 'utf8' }).split('\n').filter(Boolean);
  return [...new Set([...git('diff', '--name-only', ref, '--'), ...git('ls-files', '--others', '--exclude-standard')])];
}
