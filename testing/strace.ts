import { readFileSync } from 'node:fs';

/**
 * Counting the files a process opens, with strace (`-f -e trace=open,openat,openat2 -o <file>`):
 * the bench's cold starts and the bundle test use it.
 */
export const STRACE_OPENS = ['-f', '-qq', '-e', 'trace=open,openat,openat2'];

/** The paths a traced process opened successfully, in order (repeats kept). */
export function openedPaths(traceFile: string): string[] {
  return readFileSync(traceFile, 'utf8')
    .split('\n')
    .map((line) => /open(?:at2?)?\((?:[^,]+, )?"([^"]+)".*\) = \d+$/.exec(line)?.[1])
    .filter((file): file is string => Boolean(file));
}

/** Stops the process strace started (its one child), which ends strace too: strace stopped itself would leave it running. */
export function killTraced(stracePid: number): void {
  const children = readFileSync(`/proc/${stracePid}/task/${stracePid}/children`, 'utf8').trim().split(' ').filter(Boolean);
  for (const pid of children) process.kill(Number(pid), 'SIGKILL');
}
