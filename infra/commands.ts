import { spawnSync } from 'node:child_process';

/**
 * The infra scripts build plans (lists of commands) and this module either
 * prints them (--dry-run, what the tests read) or runs them, so a dry run
 * shows exactly what a real run would execute.
 */

/** A value passed to a command but never printed: `shown` stands in for it. */
export class Secret {
  constructor(
    readonly shown: string,
    readonly value: string,
  ) {}

  /** `--password=<database password>` on screen, the real flag when run. */
  asFlag(flag: string): Secret {
    return new Secret(`${flag}=${this.shown}`, `${flag}=${this.value}`);
  }
}

export const secret = (label: string, value: string) => new Secret(`<${label}>`, value);

export type Arg = string | Secret;

export interface Command {
  program: string;
  args: Arg[];
  /** Fed to the command's standard input (secret payloads never go on a command line). */
  stdin?: Secret;
}

/**
 * Something created once: when `probe` succeeds it already exists and
 * `update` runs instead (or nothing). A dry run plans for a fresh project and
 * prints `create`.
 */
export interface CreateOnce {
  probe: Command;
  create: Command[];
  update?: Command[];
}

export interface Note {
  note: string;
}

export type Step = Command | CreateOnce | Note;

export const gcloud = (...args: Arg[]): Command => ({ program: 'gcloud', args });

export const note = (text: string): Note => ({ note: text });

export const createOnce = (probe: Command, create: Command | Command[], update?: Command | Command[]): CreateOnce => ({
  probe,
  create: ([] as Command[]).concat(create),
  update: update === undefined ? undefined : ([] as Command[]).concat(update),
});

const SHELL_SAFE = /^[\w@%+=:,./-]+$/;

function shellWord(arg: Arg): string {
  const text = arg instanceof Secret ? arg.shown : arg;
  return SHELL_SAFE.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}

/** One line a person can read and, secrets aside, paste into a shell. */
export function formatCommand(command: Command): string {
  const line = [command.program, ...command.args].map(shellWord).join(' ');
  return command.stdin ? `${line}  # stdin: ${command.stdin.shown}` : line;
}

/** Runs a command and returns its exit status; `quiet` hides its output (probes). */
export type Exec = (command: Command, quiet: boolean) => number;

export const spawnExec: Exec = (command, quiet) => {
  const result = spawnSync(command.program, command.args.map((arg) => (arg instanceof Secret ? arg.value : arg)), {
    input: command.stdin?.value,
    stdio: quiet ? 'ignore' : [command.stdin ? 'pipe' : 'inherit', 'inherit', 'inherit'],
  });
  if (result.error) throw new Error(`Could not run ${command.program}: ${result.error.message}`);
  return result.status ?? 1;
};

export interface RunOptions {
  dryRun: boolean;
  print: (line: string) => void;
  exec?: Exec;
}

export function runSteps(steps: Step[], { dryRun, print, exec = spawnExec }: RunOptions): void {
  const run = (command: Command) => {
    print(formatCommand(command));
    if (dryRun) return;
    const status = exec(command, false);
    if (status !== 0) throw new Error(`Failed (exit ${status}): ${formatCommand(command)}`);
  };

  for (const step of steps) {
    if ('note' in step) {
      print(`# ${step.note}`);
    } else if ('probe' in step) {
      const exists = !dryRun && exec(step.probe, true) === 0;
      if (!exists) step.create.forEach(run);
      else if (step.update) step.update.forEach(run);
      else print(`# already exists: ${formatCommand(step.probe)}`);
    } else {
      run(step);
    }
  }
}
