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

// Where the kernel keeps it, the scheduler's count is used throughout a run, never mixed with ticks.
const HAS_SCHEDSTAT = (() => {
  try {
    readFileSync(`/proc/self/task/${process.pid}/schedstat`, 'utf8');
    return true;
  } catch {
    return false;
  }
})();

/**
 * CPU time of the process so far, in ms: the scheduler's nanosecond count of
 * each of its threads (/proc/<pid>/task/<tid>/schedstat). The user + system
 * time of /proc/<pid>/stat comes in clock ticks (usually 10 ms), too coarse
 * for a cold start's ~100–300 ms; it is used only where a kernel keeps no
 * schedstat. A thread that has exited is no longer counted: the servers'
 * threads (V8's, libuv's) live as long as the process.
 */
export function cpuMs(pid: number): number {
  if (!HAS_SCHEDSTAT) return tickCpuMs(pid);
  let nanoseconds = 0;
  for (const thread of readdirSync(`/proc/${pid}/task`)) {
    try {
      nanoseconds += Number(readFileSync(`/proc/${pid}/task/${thread}/schedstat`, 'utf8').split(' ')[0]);
    } catch {
      // The thread exited between the listing and the read.
    }
  }
  return nanoseconds / 1e6;
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
