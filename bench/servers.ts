import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { findFunction } from '../functions/registry';
import { RUNTIME_ENV, SECRET_ENV, secretsOf, type SecretName } from '../infra/settings';
import { killTraced, openedPaths, STRACE_OPENS } from '../testing/strace';
import { send, type RequestSpec } from './load';

/**
 * Server processes started the way production starts them: the built output
 * under the functions-framework, one function per process, by the same Node
 * that runs the bench. stdout goes to a file because writing the log lines is
 * part of what a request costs in production.
 */
export const ROOT = path.resolve(__dirname, '..');
export const LOG_DIR = path.join(ROOT, 'bench/results/logs');
const FRAMEWORK_BIN = 'node_modules/.bin/functions-framework';

export interface ServerProcess {
  name: string;
  pid: number;
  port: number;
  /** ms from spawn() to now, for cold starts. */
  readonly spawnedAt: number;
  logFile: string;
  /** Set when the process has exited (it never should before stop()). */
  exit(): string | undefined;
  stop(): Promise<void>;
}

// Below Linux's ephemeral range (32768+): a port the kernel hands out to someone's
// listen(0) — other engineers' test servers run here too — can never land on ours
// between our check and the child's bind, which once had a stranger answer the probe.
const PORT_RANGE = { from: 20000, to: 32000 };

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });
}

export async function freePort(): Promise<number> {
  for (let tries = 0; tries < 100; tries++) {
    const port = PORT_RANGE.from + Math.floor(Math.random() * (PORT_RANGE.to - PORT_RANGE.from));
    if (await portIsFree(port)) return port;
  }
  throw new Error(`no free port between ${PORT_RANGE.from} and ${PORT_RANGE.to}`);
}

let spawned = 0;
let cpuProfileDir: string | undefined;

/** From now on every server process writes a V8 CPU profile into `dir` when it exits (`npm run bench -- --cpu-prof=<dir>`). */
export function profileServersInto(dir: string): void {
  mkdirSync(dir, { recursive: true });
  cpuProfileDir = path.resolve(dir);
}

function start(name: string, args: string[], env: NodeJS.ProcessEnv, port: number, traceFile?: string): ServerProcess {
  mkdirSync(LOG_DIR, { recursive: true });
  spawned += 1;
  const logFile = path.join(LOG_DIR, `${String(spawned).padStart(3, '0')}-${name}.log`);
  const out = openSync(logFile, 'w');
  const spawnedAt = performance.now();
  // Under strace, only to count the files the process opens (its times are not used then).
  // A profile costs time of its own: figures from a profiled run are for reading the profile beside, not for comparing.
  const profile = cpuProfileDir
    ? ['--cpu-prof', '--cpu-prof-interval=200', `--cpu-prof-dir=${cpuProfileDir}`, `--cpu-prof-name=${path.basename(logFile, '.log')}.cpuprofile`]
    : [];
  const [command, argv] = traceFile ? ['strace', [...STRACE_OPENS, '-o', traceFile, process.execPath, ...args]] : [process.execPath, [...profile, ...args]];
  const child: ChildProcess = spawn(command, argv, { cwd: ROOT, env, stdio: ['ignore', out, out] });
  closeSync(out);
  let exited: string | undefined;
  const gone = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      exited = `exited with ${signal ?? `code ${code}`}`;
      resolve();
    });
  });
  if (child.pid === undefined) throw new Error(`could not start ${name}`);
  return {
    name,
    pid: child.pid,
    port,
    spawnedAt,
    logFile,
    exit: () => exited,
    async stop() {
      if (exited) return;
      // strace leaves its command running when it is stopped itself: stop the command, strace then exits.
      if (traceFile) killTraced(child.pid!);
      else child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
      await gone;
      clearTimeout(timer);
    },
  };
}

/** The environment a deployed function gets (docs/configuration.md), and nothing inherited from the shell. */
export function functionEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  // Cloud Run's Node runtime runs with NODE_ENV=production (express changes behaviour with it).
  // LOG_LEVEL stays unset so every request writes its log line, as in production.
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, NODE_ENV: 'production', ...RUNTIME_ENV, ...extra };
  if (process.env.TZ) env.TZ = process.env.TZ;
  return env;
}

export async function startFunction(target: string, env: NodeJS.ProcessEnv, traceFile?: string): Promise<ServerProcess> {
  const port = await freePort();
  // No --source: like Cloud Run, the framework loads package.json's main.
  const args = [FRAMEWORK_BIN, `--target=${target}`, `--port=${port}`];
  const definition = findFunction(target);
  const own: NodeJS.ProcessEnv = { ...env };
  // As deployed: a function holds only the secrets the deploy mounts on it (infra/settings.ts secretsOf).
  if (definition) {
    const mounted = new Set(secretsOf(definition));
    for (const name of Object.keys(SECRET_ENV) as SecretName[]) if (!mounted.has(name)) delete own[SECRET_ENV[name]];
  }
  return start(target, args, own, port, traceFile);
}

/** The floor of a cold start: a function that does nothing (bench/hello-function.cjs), under the same framework, Node and options. */
export async function startHello(env: NodeJS.ProcessEnv, traceFile?: string): Promise<ServerProcess> {
  const port = await freePort();
  const args = [FRAMEWORK_BIN, '--target=hello', '--source=bench/hello-function.cjs', `--port=${port}`];
  return start('hello', args, env, port, traceFile);
}

/** Whether strace runs here, to count the files a cold start opens. */
export function canTrace(): boolean {
  try {
    execFileSync('strace', ['-qq', '-o', '/dev/null', 'true'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** The files a traced process has opened so far (distinct paths; /proc, /sys and /dev left out). */
export function filesOpened(traceFile: string): number {
  return new Set(openedPaths(traceFile).filter((file) => !/^\/(proc|sys|dev)\//.test(file))).size;
}

export async function startFloor(env: NodeJS.ProcessEnv): Promise<ServerProcess> {
  const port = await freePort();
  // Plain node (type stripping), not tsx: the floor must pay no loader the functions do not pay.
  return start('floor', [path.join(ROOT, 'bench/floor-server.ts'), `--port=${port}`], env, port);
}

export function logTail(server: ServerProcess, lines = 15): string {
  try {
    return readFileSync(server.logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/**
 * Sends `probe` until the server answers it (connection refused means not
 * listening yet; retried every 5 ms). Resolves with the status and the ms from
 * spawn to the answer.
 */
export async function firstAnswer(server: ServerProcess, probe: RequestSpec, timeoutMs = 30_000): Promise<{ status: number; ms: number; text: string }> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const exit = server.exit();
    if (exit) throw new Error(`${server.name} ${exit} before answering; its log ends:\n${logTail(server)}`);
    const answer = await send(undefined, server.port, probe);
    if (answer.status !== 'error') return { status: answer.status, ms: performance.now() - server.spawnedAt, text: answer.text };
    if (!/ECONNREFUSED|ECONNRESET/.test(answer.text)) throw new Error(`${server.name}: ${answer.text}`);
    if (performance.now() > deadline) throw new Error(`${server.name} did not answer within ${timeoutMs} ms; its log ends:\n${logTail(server)}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
