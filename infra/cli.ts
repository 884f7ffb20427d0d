import { parseArgs } from 'node:util';
import type { Exec } from './commands';
import { readSettings, SETTINGS_FLAGS, type InfraSettings, type OptionalSetting } from './settings';

/** What a script talks to; tests pass their own to read the output in-process. */
export interface Io {
  print(line: string): void;
  env: NodeJS.ProcessEnv;
  exec?: Exec;
}

export type Main = (argv: string[], io: Io) => Promise<void> | void;

export interface ParsedCommandLine {
  settings: InfraSettings;
  flags: Record<string, string | boolean | undefined>;
  positionals: string[];
}

export interface CommandLineSpec {
  /** The script's own flags, besides the settings and --dry-run. */
  flags?: Record<string, { type: 'string' | 'boolean' }>;
  /** Settings a real run of this script cannot do without. */
  needs?: OptionalSetting[];
}

export function parseCommandLine(argv: string[], env: NodeJS.ProcessEnv, spec: CommandLineSpec = {}): ParsedCommandLine {
  const { values, positionals } = parseArgs({
    args: argv,
    options: { ...SETTINGS_FLAGS, 'dry-run': { type: 'boolean' }, ...spec.flags },
    allowPositionals: true,
    strict: true,
  });
  const flags = values as Record<string, string | boolean | undefined>;
  return { settings: readSettings(flags, env, { dryRun: flags['dry-run'] === true, needs: spec.needs }), flags, positionals };
}

export function runCli(main: Main): void {
  const io: Io = { print: (line) => console.log(line), env: process.env };
  Promise.resolve()
    .then(() => main(process.argv.slice(2), io))
    .catch((error: Error) => {
      console.error(error.message);
      process.exitCode = 1;
    });
}
