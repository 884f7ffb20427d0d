import { parseArgs } from 'node:util';
import type { AsyncExec, Exec, Query } from './commands';
import { OPTIONS, readSettings, SETTINGS_FLAGS, type InfraSettings, type OptionalSetting } from './settings';

/** What a script talks to; tests pass their own to read the output in-process. */
export interface Io {
  print(line: string): void;
  env: NodeJS.ProcessEnv;
  exec?: Exec;
  /** Commands run side by side (deploy --all); defaults to `exec` when a test gives only that. */
  execAsync?: AsyncExec;
  /** Lookups whose output a real run needs (the secret versions to pin). */
  query?: Query;
  /** The clock the signing key rotation's guard rails read (milliseconds since the epoch); tests set it. */
  now?: () => number;
}

export type Main = (argv: string[], io: Io) => Promise<void> | void;

export interface ParsedCommandLine {
  settings: InfraSettings;
  flags: Record<string, string | boolean | undefined>;
  positionals: string[];
}

export interface ScriptFlag {
  type: 'string' | 'boolean';
  /** One line for --help. */
  help: string;
  /** How --help names the value of a string flag. */
  value?: string;
}

export interface CommandLineSpec {
  /** The npm script and its arguments, e.g. `npm run deploy -- [names…] [flags]`. */
  usage: string;
  /** What the script does and what it changes, for --help. */
  description: string;
  /** The script's own flags, besides the settings and --dry-run. */
  flags?: Record<string, ScriptFlag>;
  /** Settings a real run of this script cannot do without. */
  needs?: OptionalSetting[];
}

/**
 * Parses a script's command line. Returns undefined after printing the usage
 * when --help (or -h) is given: the caller returns at once, having read no
 * settings and run nothing.
 */
export function parseCommandLine(argv: string[], io: Pick<Io, 'env' | 'print'>, spec: CommandLineSpec): ParsedCommandLine | undefined {
  if (argv.includes('--help') || argv.includes('-h')) {
    helpText(spec).forEach((line) => io.print(line));
    return undefined;
  }
  const own = Object.fromEntries(Object.entries(spec.flags ?? {}).map(([name, flag]) => [name, { type: flag.type }]));
  const { values, positionals } = parseArgs({
    args: argv,
    options: { ...SETTINGS_FLAGS, 'dry-run': { type: 'boolean' }, ...own },
    allowPositionals: true,
    strict: true,
  });
  const flags = values as Record<string, string | boolean | undefined>;
  return { settings: readSettings(flags, io.env, { dryRun: flags['dry-run'] === true, needs: spec.needs }), flags, positionals };
}

export function helpText(spec: CommandLineSpec): string[] {
  const column = (left: string, right: string) => `  ${left.padEnd(42)} ${right}`;
  const needed = new Set<string>(['projectId', ...(spec.needs ?? [])]);
  return [
    `Usage: ${spec.usage}`,
    '',
    ...spec.description.split('\n'),
    '',
    'Flags:',
    ...Object.entries(spec.flags ?? {}).map(([name, flag]) => column(flag.type === 'string' ? `--${name}=${flag.value ?? 'VALUE'}` : `--${name}`, flag.help)),
    column('--dry-run', 'print the commands, run nothing (no Google account needed)'),
    column('--help, -h', 'print this and exit'),
    '',
    'Settings (flag, or environment variable; the flag wins):',
    ...Object.entries(OPTIONS).map(([name, option]) => {
      const fallback = 'fallback' in option ? ` [default: ${option.fallback === '' ? 'none' : option.fallback}]` : '';
      const required = needed.has(name) ? ' (required for a real run)' : '';
      return column(`--${option.flag}, ${option.env}`, `${option.help}${required}${fallback}`);
    }),
  ];
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
