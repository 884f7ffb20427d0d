import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

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
}

export const secret = (label: string, value: string) => new Secret(`<${label}>`, value);

/**
 * A secret a command reads from a file: `--flag=<path>` on its command line,
 * the content in a file only this user can read, removed as soon as the
 * command ends. For commands that take a secret neither on stdin nor from an
 * environment variable (`gcloud sql users create` only has `--password`).
 */
export class SecretFile {
  constructor(
    readonly flag: string,
    readonly content: Secret,
  ) {}

  get shown(): string {
    return `${this.flag}=<temporary file (mode 0600): ${this.content.shown.replace(/^<|>$/g, '')}>`;
  }
}

/**
 * What goes on a command line. There is deliberately no way to put a Secret
 * here: anything in argv is readable by every local user (`ps`, /proc).
 */
export type Arg = string | SecretFile;

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
  const text = arg instanceof SecretFile ? arg.shown : arg;
  return SHELL_SAFE.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}

/** One line a person can read and, secrets aside, paste into a shell. */
export function formatCommand(command: Command): string {
  const line = [command.program, ...command.args].map(shellWord).join(' ');
  return command.stdin ? `${line}  # stdin: ${command.stdin.shown}` : line;
}

/**
 * The argv a command really runs with: secret files written (0600, in a
 * fresh 0700 directory) and named by path. `cleanup` removes them.
 */
export function materialize(command: Command): { argv: string[]; cleanup: () => void } {
  let directory: string | undefined;
  const argv = command.args.map((arg, index) => {
    if (typeof arg === 'string') return arg;
    directory ??= mkdtempSync(path.join(tmpdir(), 'infra-secret-'));
    const file = path.join(directory, `arg-${index}`);
    writeFileSync(file, arg.content.value, { mode: 0o600 });
    return `${arg.flag}=${file}`;
  });
  return { argv, cleanup: () => directory && rmSync(directory, { recursive: true, force: true }) };
}

/** Runs a command and returns its exit status; `quiet` hides its output (probes). */
export type Exec = (command: Command, quiet: boolean) => number;

export const spawnExec: Exec = (command, quiet) => {
  const { argv, cleanup } = materialize(command);
  try {
    const result = spawnSync(command.program, argv, {
      input: command.stdin?.value,
      stdio: quiet ? 'ignore' : [command.stdin ? 'pipe' : 'inherit', 'inherit', 'inherit'],
    });
    if (result.error) throw new Error(`Could not run ${command.program}: ${result.error.message}`);
    return result.status ?? 1;
  } finally {
    cleanup();
  }
};

/** Runs a command for its standard output (a lookup), failing loudly. */
export type Query = (command: Command) => string;

export const spawnQuery: Query = (command) => {
  const { argv, cleanup } = materialize(command);
  try {
    const result = spawnSync(command.program, argv, { encoding: 'utf8', input: command.stdin?.value, stdio: ['pipe', 'pipe', 'inherit'] });
    if (result.error) throw new Error(`Could not run ${command.program}: ${result.error.message}`);
    if (result.status !== 0) throw new Error(`Failed (exit ${result.status}): ${formatCommand(command)}`);
    return result.stdout;
  } finally {
    cleanup();
  }
};

/** Like Exec, for commands run side by side: their output comes back line by line. */
export type AsyncExec = (command: Command, output: (line: string) => void) => Promise<number>;

export const spawnAsyncExec: AsyncExec = (command, output) =>
  new Promise((resolve, reject) => {
    const { argv, cleanup } = materialize(command);
    const child = spawn(command.program, argv, { stdio: [command.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'] });
    const lines = (stream: NodeJS.ReadableStream) => {
      let pending = '';
      stream.setEncoding('utf8');
      stream.on('data', (chunk: string) => {
        const parts = (pending + chunk).split(/\r?\n|\r/);
        pending = parts.pop() ?? '';
        parts.forEach(output);
      });
      stream.on('end', () => pending && output(pending));
    };
    lines(child.stdout!);
    lines(child.stderr!);
    if (command.stdin) child.stdin!.end(command.stdin.value);
    child.once('error', (error) => {
      cleanup();
      reject(new Error(`Could not run ${command.program}: ${error.message}`));
    });
    child.once('close', (code) => {
      cleanup();
      resolve(code ?? 1);
    });
  });

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

/** Commands that belong together (one function's deploy and its IAM binding), run in order. */
export interface Job {
  label: string;
  commands: Command[];
}

export interface ParallelOptions {
  dryRun: boolean;
  print: (line: string) => void;
  /** At most this many jobs at once. */
  parallel: number;
  exec?: AsyncExec;
}

/**
 * Runs jobs side by side, at most `parallel` at a time; each line a job prints
 * starts with `[label]` so interleaved output stays readable. A failing job
 * stops there; the others carry on. Returns the labels of the failed jobs.
 * A dry run prints every job's commands in order, unprefixed, like runSteps.
 */
export async function runJobs(jobs: Job[], { dryRun, print, parallel, exec = spawnAsyncExec }: ParallelOptions): Promise<string[]> {
  if (dryRun) {
    jobs.forEach((job) => job.commands.forEach((command) => print(formatCommand(command))));
    return [];
  }

  const failed: string[] = [];
  const queue = [...jobs];
  const worker = async () => {
    for (let job = queue.shift(); job; job = queue.shift()) {
      const say = (line: string) => print(`[${job!.label}] ${line}`);
      for (const command of job.commands) {
        say(formatCommand(command));
        let status: number;
        try {
          status = await exec(command, say);
        } catch (error) {
          say((error as Error).message);
          status = 1;
        }
        if (status !== 0) {
          say(`FAILED (exit ${status}): ${formatCommand(command)}`);
          failed.push(job.label);
          break;
        }
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(parallel, jobs.length)) }, worker));
  return failed;
}
