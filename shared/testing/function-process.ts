import { spawn } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';

/**
 * A function served by a process of its own (serve-function.ts under tsx),
 * for tests of what happens to the process: its memory, a crash, a signal.
 * tsx runs the code in a child of its own, so `pid` is that child's (the one
 * whose memory and exit matter) and `stop` ends the whole process group.
 */
export interface FunctionProcess {
  port: number;
  pid: number;
  /** Request log lines so far (LOG_LEVEL permitting). */
  lines: string[];
  /** How it ended, once it has: `code 0`, `signal SIGKILL`. */
  exited(): string | undefined;
  /** Resolves with how it ended. */
  exit: Promise<string>;
  stop(): void;
}

export async function startFunctionProcess(target: string, env: NodeJS.ProcessEnv): Promise<FunctionProcess> {
  const child = spawn(process.execPath, [require.resolve('tsx/cli'), 'shared/testing/serve-function.ts'], {
    cwd: path.resolve(__dirname, '../..'),
    env: { ...process.env, FUNCTION_TARGET: target, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
    detached: true,
  });
  let exited: string | undefined;
  const exit = new Promise<string>((resolve) =>
    child.once('exit', (code, signal) => {
      exited = signal ? `signal ${signal}` : `code ${code}`;
      resolve(exited);
    }),
  );
  const lines: string[] = [];
  const output = createInterface({ input: child.stdout! });
  const first = new Promise<string>((resolve, reject) => {
    output.once('line', resolve);
    void exit.then((how) => reject(new Error(`${target} ${how} before it listened`)));
  });
  const { listening, pid } = JSON.parse(await first) as { listening: number; pid: number };
  output.on('line', (line) => lines.push(line));
  return {
    port: listening,
    pid,
    lines,
    exited: () => exited,
    exit,
    stop: () => {
      if (exited) return;
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // Gone already.
      }
    },
  };
}
