/**
 * `npm run bench [-- --smoke] [--only=<id>[,<id>…]] [--skip-build] [--private-db] [--cpu-prof=<dir>]`.
 * --smoke keeps every scenario and cold start but makes each tiny, so CI
 * proves the harness still works without spending minutes on numbers.
 */
export interface BenchOptions {
  smoke: boolean;
  only?: string[];
  skipBuild: boolean;
  /** Measure against a mariadbd of the bench's own (bench/private-mariadb.ts) instead of 127.0.0.1:3306. */
  privateDb: boolean;
  /** Where every server process the bench starts writes its `--cpu-prof` profile (one file per process, named by function and spawn). */
  cpuProfileDir?: string;
  warmup: { requests: number; ms: number };
  window: { requests: number; ms: number };
  coldStartSpawns: number;
  heavyTransactions: number;
}

export function parseOptions(argv: readonly string[]): BenchOptions {
  const known = new Set(['--smoke', '--skip-build', '--private-db']);
  for (const arg of argv) {
    if (!known.has(arg) && !arg.startsWith('--only=') && !arg.startsWith('--cpu-prof='))
      throw new Error(`unknown option ${arg} (use --smoke, --only=<scenario>[,…], --skip-build, --private-db, --cpu-prof=<dir>)`);
  }
  const smoke = argv.includes('--smoke');
  const only = argv
    .find((arg) => arg.startsWith('--only='))
    ?.slice('--only='.length)
    .split(',')
    .filter(Boolean);
  return {
    smoke,
    only,
    skipBuild: argv.includes('--skip-build'),
    privateDb: argv.includes('--private-db'),
    cpuProfileDir: argv.find((arg) => arg.startsWith('--cpu-prof='))?.slice('--cpu-prof='.length),
    warmup: smoke ? { requests: 5, ms: 1000 } : { requests: 200, ms: 2000 },
    window: smoke ? { requests: 20, ms: 1000 } : { requests: 2000, ms: 5000 },
    coldStartSpawns: smoke ? 1 : 5,
    heavyTransactions: smoke ? 1000 : 100_000,
  };
}

/** `--only` matches a load scenario id, `cold-start` (all), or `cold-start:<function>`. */
export function selected(options: BenchOptions, id: string): boolean {
  if (!options.only) return true;
  return options.only.some((wanted) => wanted === id || (id.startsWith('cold-start:') && wanted === 'cold-start'));
}
