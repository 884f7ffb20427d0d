import { spawn } from 'node:child_process';
import { connect, createServer } from 'node:net';
import path from 'node:path';
import { createInterface } from 'node:readline';

/**
 * A function served as Cloud Run serves it, in a process of its own:
 * `functions-framework --target=<name>` (the framework's own entry, its
 * signal and crash handlers included) loading functions/main.cts through
 * tsx, for tests of what happens to the process: its memory, a crash, a
 * signal.
 */
export interface FunctionProcess {
  port: number;
  pid: number;
  /** Lines the process has written to stdout so far (its log, LOG_LEVEL permitting). */
  lines: string[];
  /** How it ended, once it has: `code 0`, `signal SIGKILL`. */
  exited(): string | undefined;
  /** Resolves with how it ended. */
  exit: Promise<string>;
  kill(signal: NodeJS.Signals): void;
  stop(): void;
}

const ROOT = path.resolve(__dirname, '..');
// The package's exports map hides build/src/main.js (the CLI); its folder does not.
const FRAMEWORK_MAIN = path.join(path.dirname(require.resolve('@google-cloud/functions-framework')), 'main.js');

// Below Linux's ephemeral range, so a port the kernel hands to someone's listen(0) never lands on ours.
async function freePort(): Promise<number> {
  for (let tries = 0; tries < 100; tries += 1) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    const free = await new Promise<boolean>((resolve) => {
      const probe = createServer();
      probe.once('error', () => resolve(false));
      probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
    });
    if (free) return port;
  }
  throw new Error('no free port');
}

const answers = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => resolve(socket.end() !== undefined));
    socket.once('error', () => resolve(false));
  });

/**
 * `built`: what is deployed instead of the sources: package.json's `main`
 * (dist/bundles/main.cjs, which loads the target's bundle), as Cloud Run runs it.
 */
export async function startFunctionProcess(target: string, env: NodeJS.ProcessEnv, { built = false } = {}): Promise<FunctionProcess> {
  const port = await freePort();
  const entry = built ? [FRAMEWORK_MAIN] : ['--import', 'tsx', FRAMEWORK_MAIN, '--source=functions/main.cts'];
  const child = spawn(process.execPath, [...entry, `--target=${target}`, `--port=${port}`], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let exited: string | undefined;
  const exit = new Promise<string>((resolve) =>
    child.once('exit', (code, signal) => {
      exited = signal ? `signal ${signal}` : `code ${code}`;
      resolve(exited);
    }),
  );
  const lines: string[] = [];
  createInterface({ input: child.stdout! }).on('line', (line) => lines.push(line));
  for (let tries = 0; !(await answers(port)); tries += 1) {
    if (exited) throw new Error(`${target} ${exited} before it listened`);
    if (tries > 600) throw new Error(`${target} did not listen within 30 s`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return {
    port,
    pid: child.pid!,
    lines,
    exited: () => exited,
    exit,
    kill: (signal) => child.kill(signal),
    stop: () => {
      if (!exited) child.kill('SIGKILL');
    },
  };
}
