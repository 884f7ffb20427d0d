/** The printed table and the JSON written next to it. */
export interface ScenarioResult {
  id: string;
  target: string;
  concurrency: number;
  note?: string;
  requests: number;
  seconds: number;
  reqPerSec: number;
  p50Ms: number;
  p99Ms: number;
  cpuMsPerReq: number;
  cpuVsFloor?: number;
  sql: { statements: number; roundTrips: number; prepares: number; commands: number; moved: Record<string, number> };
  /** Other clients ran SQL during every attempt at this window: the SQL columns are upper bounds. */
  sqlContaminated: boolean;
  attempts: number;
  non2xx: number;
  statuses: Record<string, number>;
  rssAfterLoadMb: number;
  failed?: string;
}

export interface ColdStartResult {
  function: string;
  expect: '2xx' | 'any';
  spawnsMs: number[];
  medianMs: number;
  /** The process's own CPU (every thread's, bench/process-stats.ts) from spawn to its first answer: steadier than wall clock on a shared machine. */
  cpuToFirstAnswerMs: number[];
  medianCpuMs: number;
  statuses: number[];
  /** RSS when the first answer arrived (median of the spawns). */
  rssFirstAnswerMb: number;
  /** RSS of one more instance after 12 s without requests (bench/run.ts measureIdleRss; --smoke waits 1 s). */
  rssIdleMb?: number;
  rssAfterLoadMb?: number;
  /** The hello-world function (bench/hello-function.cjs) spawned alongside, under the same framework, Node and options. */
  floor: { spawnsMs: number[]; medianMs: number; medianCpuMs: number; rssFirstAnswerMb: number; rssIdleMb?: number };
  /** Each spawn's time ÷ that of the floor spawned next to it, and their median. */
  ratios: number[];
  medianRatio: number;
  /** Files opened from spawn to the first answer (strace; undefined where it does not run). */
  filesOpened?: number;
  floorFilesOpened?: number;
  failed?: string;
}

const pad = (text: string, width: number, right = true) => (right ? text.padStart(width) : text.padEnd(width));
const num = (value: number | undefined, digits = 1) => (value === undefined || Number.isNaN(value) ? '-' : value.toFixed(digits));

function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((header, i) => Math.max(header.length, ...rows.map((row) => row[i].length)));
  const line = (cells: string[]) => `| ${cells.map((cell, i) => pad(cell, widths[i], i > 0)).join(' | ')} |`;
  // Markdown, so the table pastes into docs/performance.md as it is: numbers right-aligned.
  const rule = `|${widths.map((width, i) => (i > 0 ? `${'-'.repeat(width + 1)}:` : '-'.repeat(width + 2))).join('|')}|`;
  return [line(headers), rule, ...rows.map(line)].join('\n');
}

export function scenarioTable(results: ScenarioResult[]): string {
  const headers = ['scenario', 'c', 'req/s', 'p50 ms', 'p99 ms', 'CPU ms/req', '× floor', 'stmts/req', 'RTs/req', 'prep/req', 'non-2xx', 'RSS MB'];
  const rows = results.map((r) =>
    r.failed
      ? [r.id, String(r.concurrency), 'FAILED', '', '', '', '', '', '', '', '', '']
      : [
          r.id,
          String(r.concurrency),
          num(r.reqPerSec, 0),
          num(r.p50Ms),
          num(r.p99Ms),
          num(r.cpuMsPerReq, 2),
          num(r.cpuVsFloor),
          `${num(r.sql.statements)}${r.sqlContaminated ? '~' : ''}`,
          `${num(r.sql.roundTrips)}${r.sqlContaminated ? '~' : ''}`,
          `${num(r.sql.prepares)}${r.sqlContaminated ? '~' : ''}`,
          String(r.non2xx),
          num(r.rssAfterLoadMb, 0),
        ],
  );
  return table(headers, rows);
}

export function coldStartTable(results: ColdStartResult[], spawns: number): string {
  const headers = [
    'function',
    `cold start ms (median of ${spawns})`,
    'hello ms',
    '× hello (median)',
    'CPU ms (all threads)',
    'hello CPU ms',
    'files opened (hello)',
    'until',
    'RSS at first answer MB (hello)',
    'RSS idle MB (hello)',
    'RSS after load MB',
  ];
  const rows = results.map((r) =>
    r.failed
      ? [r.function, 'FAILED', '', '', '', '', '', '', '', '', '']
      : [
          r.function,
          num(r.medianMs, 0),
          num(r.floor.medianMs, 0),
          num(r.medianRatio, 2),
          num(r.medianCpuMs, 0),
          num(r.floor.medianCpuMs, 0),
          r.filesOpened === undefined ? '-' : `${r.filesOpened} (${r.floorFilesOpened})`,
          r.expect === 'any' ? `first answer (${r.statuses[0]})` : `first ${r.statuses[0]}`,
          `${num(r.rssFirstAnswerMb, 0)} (${num(r.floor.rssFirstAnswerMb, 0)})`,
          r.rssIdleMb === undefined ? '-' : `${num(r.rssIdleMb, 0)} (${num(r.floor.rssIdleMb, 0)})`,
          num(r.rssAfterLoadMb, 0),
        ],
  );
  return table(headers, rows);
}

export const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};
