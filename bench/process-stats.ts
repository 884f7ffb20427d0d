import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/**
 * What a server process itself spent, read from the kernel rather than timed
 * from outside: the load generator shares the 2 cores, so wall clock would
 * charge the server for the bench's own work.
 */

// utime/stime are in clock ticks; almost always 100/s, but ask rather than assume.
const CLOCK_TICKS_PER_SECOND = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();
const TICK_MS = 1000 / CLOCK_TICKS_PER_SECOND;

/**
 * CPU time of the process so far, in ms: the scheduler's nanosecond count for
 * each of its threads (/proc/<pid>/task/<tid>/schedstat). The user + system
 * time of /proc/<pid>/stat comes in clock ticks (usually 10 ms), too coarse
 * for a cold start's ~100–300 ms; it is used where a kernel keeps no
 * schedstat, or when it is larger by more than a tick: a thread that has
 * exited leaves the task list but not the process's total.
 */
export function cpuMs(pid: number): number {
  const ticks = tickCpuMs(pid);
  let nanoseconds = 0;
  try {
    for (const thread of readdirSync(`/proc/${pid}/task`)) {
      nanoseconds += Number(readFileSync(`/proc/${pid}/task/${thread}/schedstat`, 'utf8').split(' ')[0]);
    }
  } catch {
    return ticks;
  }
  const scheduled = nanoseconds / 1e6;
  return ticks - scheduled > TICK_MS ? ticks : scheduled;
}

function tickCpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) is in parentheses and may hold spaces; count fields after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // After the name: state is field 3, so utime (14) and stime (15) are at offsets 11 and 12.
  const ticks = Number(fields[11]) + Number(fields[12]);
  return ticks * TICK_MS;
}

/** Resident set size in MB (VmRSS), the memory Cloud Run bills and limits. */
export function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = /^VmRSS:\s+(\d+)\s+kB/m.exec(status)?.[1];
  if (!kb) throw new Error(`no VmRSS for process ${pid}`);
  return Number(kb) / 1024;
}
