// `npm run bench`: what each function costs per request, against a floor. See docs/performance.md.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { newSigningKeyPair, publicKeySetText } from '../shared/auth/signing-key-pairs';
import { cpus } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { registry } from '../functions/registry';
import { startMlStandin } from '../scripts/ml-standin/server';
import { startMailCatcher } from '../scripts/mail-catcher/server';
import { BENCH_DATABASE, createBenchDatabase, HEAVY_USER, seedHeavyUser, walletsOutOfBalance, type BenchDatabase } from './database';
import { percentile, runLoad, type RequestSpec } from './load';
import { parseOptions, selected, type BenchOptions } from './options';
import { startPrivateMariaDb } from './private-mariadb';
import { cpuMs, rssMb } from './process-stats';
import { measureSigning, signingTable, type SigningCost } from './signing-cost';
import { coldStartTable, median, scenarioTable, type ColdStartResult, type ScenarioResult } from './report';
import { COLD_START_PROBES, LOAD_SCENARIOS, USERS, type BenchContext, type LoadScenario } from './scenarios';
import { otherClientsActive, perRequest, readCounters, snapshotClients, sqlDelta, waitForQuiet } from './sql-counters';
import {
  canTrace,
  filesOpened,
  firstAnswer,
  functionEnv,
  LOG_DIR,
  logTail,
  profileServersInto,
  ROOT,
  startFloor,
  startFunction,
  startHello,
  type ServerProcess,
} from './servers';

const RESULTS = path.join(ROOT, 'bench/results/latest.json');
const WINDOW_ATTEMPTS = 2;
// Waiting for other clients to fall quiet is capped for the whole run, so a busy server costs at most this much.
let quietBudgetMs = 15_000;
const running = new Set<ServerProcess>();
const failures: string[] = [];

const say = (message: string) => process.stdout.write(`${message}\n`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function launch(target: string, env: NodeJS.ProcessEnv): Promise<ServerProcess> {
  const server = target === 'floor' ? await startFloor(env) : await startFunction(target, env);
  running.add(server);
  return server;
}

async function stop(server: ServerProcess): Promise<void> {
  await server.stop();
  running.delete(server);
}

/** Keys and bodies the scenarios need, got through the API before anything is measured. */
async function prepareContext(env: NodeJS.ProcessEnv, options: BenchOptions): Promise<BenchContext> {
  const login = await launch('auth-login', env);
  const advice = await launch('assets-advice', env);
  try {
    const loginAs = async (username: string) => {
      const spec: RequestSpec = { method: 'POST', path: '/api/v1/auth/login/', body: JSON.stringify({ username, password: username }) };
      const first = await firstAnswer(login, spec);
      if (first.status !== 200) throw new Error(`login as ${username}: ${first.status} ${first.text}`);
      return JSON.parse(first.text).key as string;
    };
    const keys = {} as BenchContext['keys'];
    for (const user of USERS) keys[user] = await loginAs(user);
    const logoutKeys: string[] = [];
    const sessionEndKeys: string[] = [];
    // One key per timed spawn, one for the spawn under strace, one for the idle-RSS instance.
    for (let i = 0; i <= options.coldStartSpawns + 1; i++) {
      logoutKeys.push(await loginAs('johnwick'));
      sessionEndKeys.push(await loginAs('johnwick'));
    }
    const adviceSpec: RequestSpec = {
      method: 'GET',
      path: '/api/v1/assets/advice/?risk_level=50&investing_sum=100',
      headers: { Authorization: `token ${keys.johnwick}` },
    };
    const first = await firstAnswer(advice, adviceSpec);
    if (first.status !== 200) throw new Error(`advice for johnwick: ${first.status} ${first.text}`);
    const purchaseBody = JSON.stringify({ ...JSON.parse(first.text), invested_sum: '100.00' });
    return { keys, logoutKeys, sessionEndKeys, purchaseBody };
  } finally {
    await stop(login);
    await stop(advice);
  }
}

async function measureScenario(
  scenario: LoadScenario,
  ctx: BenchContext,
  env: NodeJS.ProcessEnv,
  bench: BenchDatabase,
  options: BenchOptions,
): Promise<ScenarioResult> {
  const server = await launch(scenario.target, env);
  try {
    const next = scenario.requests(ctx);
    const ready = await firstAnswer(server, next());
    if (ready.status < 200 || ready.status > 299) throw new Error(`first answer ${ready.status}: ${ready.text.slice(0, 300)}`);
    const load = { port: server.port, concurrency: scenario.concurrency, next };
    await runLoad({ ...load, maxRequests: options.warmup.requests, maxMs: options.warmup.ms });

    // Counters and CPU are read with the server idle, so nothing but the window's requests is in the difference.
    let attempt = 0;
    for (;;) {
      attempt += 1;
      if (!options.smoke && quietBudgetMs > 0) {
        const waitStarted = Date.now();
        await waitForQuiet(bench.conn, BENCH_DATABASE, Math.min(1500, quietBudgetMs));
        quietBudgetMs -= Date.now() - waitStarted;
      }
      await sleep(50);
      const clientsBefore = await snapshotClients(bench.conn, BENCH_DATABASE);
      const countersBefore = await readCounters(bench.conn);
      const cpuBefore = cpuMs(server.pid);
      const result = await runLoad({ ...load, maxRequests: options.window.requests, maxMs: options.window.ms });
      await sleep(50); // lets the server finish the last request's log line
      const cpuAfter = cpuMs(server.pid);
      const countersAfter = await readCounters(bench.conn);
      const contaminated = otherClientsActive(clientsBefore, await snapshotClients(bench.conn, BENCH_DATABASE));
      if (contaminated && attempt < WINDOW_ATTEMPTS && !options.smoke) {
        say(`  ${scenario.id}: another client ran SQL during the window; measuring again`);
        continue;
      }
      if (result.requests - result.non2xx === 0) throw new Error(`no 2xx answer in the window: ${result.samples.join(' | ')}`);
      if (result.non2xx > 0) say(`  ${scenario.id}: ${result.non2xx} non-2xx, e.g. ${result.samples[0]}`);
      const sorted = [...result.latenciesMs].sort((a, b) => a - b);
      return {
        id: scenario.id,
        target: scenario.target,
        concurrency: scenario.concurrency,
        note: scenario.note,
        requests: result.requests,
        seconds: result.elapsedMs / 1000,
        reqPerSec: result.requests / (result.elapsedMs / 1000),
        p50Ms: percentile(sorted, 50),
        p99Ms: percentile(sorted, 99),
        cpuMsPerReq: (cpuAfter - cpuBefore) / result.requests,
        sql: perRequest(sqlDelta(countersBefore, countersAfter), result.requests),
        sqlContaminated: contaminated,
        attempts: attempt,
        non2xx: result.non2xx,
        statuses: result.statuses,
        rssAfterLoadMb: rssMb(server.pid),
      };
    }
  } catch (error) {
    throw new Error(`${(error as Error).message}\n${server.name} log ends:\n${logTail(server)}`, { cause: error });
  } finally {
    await stop(server);
  }
}

async function checkBalances(bench: BenchDatabase, when: string): Promise<{ when: string; wallets: number; outOfBalance: unknown[] }> {
  const wrong = await walletsOutOfBalance(bench.conn);
  const [{ n }] = await bench.conn.query('SELECT COUNT(*) AS n FROM wallets');
  if (wrong.length) {
    say(`\n!!! BALANCE CHECK FAILED ${when}: ${wrong.length} wallet(s) whose balance is not the sum of their transactions:`);
    for (const row of wrong) say(`!!!   ${row.id}: balance ${row.balance}, transactions sum to ${row.ledger}`);
    failures.push(`balance check ${when}: ${wrong.length} wallet(s) out of balance`);
  } else {
    say(`  balance check ${when}: all ${n} wallets' balances equal the sum of their transactions`);
  }
  return { when, wallets: Number(n), outOfBalance: wrong };
}

interface FirstAnswer {
  ms: number;
  cpuMs: number;
  rssMb: number;
  status: number;
  text: string;
}

/** A server started and its first answer to `request`; the caller stops it, or, when no answer comes, this does. */
async function startedAndAnswered(start: () => Promise<ServerProcess>, request: RequestSpec) {
  const server = await start();
  running.add(server);
  try {
    return { server, answer: await firstAnswer(server, request) };
  } catch (error) {
    await stop(server);
    throw error;
  }
}

async function spawnToFirstAnswer(start: () => Promise<ServerProcess>, request: RequestSpec): Promise<FirstAnswer> {
  // Spawns start with the machine as idle as the bench can leave it.
  await sleep(100);
  const { server, answer } = await startedAndAnswered(start, request);
  try {
    return { ms: answer.ms, cpuMs: cpuMs(server.pid), rssMb: rssMb(server.pid), status: answer.status, text: answer.text };
  } finally {
    await stop(server);
  }
}

/** Files a process opens from spawn to its first answer, in one more spawn under strace (not timed). */
async function filesToFirstAnswer(start: (traceFile: string) => Promise<ServerProcess>, request: RequestSpec): Promise<number> {
  const traceFile = path.join(LOG_DIR, `trace-${process.pid}-${randomBytes(4).toString('hex')}.txt`);
  try {
    const { server } = await startedAndAnswered(() => start(traceFile), request);
    try {
      return filesOpened(traceFile);
    } finally {
      await stop(server);
    }
  } finally {
    rmSync(traceFile, { force: true });
  }
}

const HELLO_REQUEST: RequestSpec = { method: 'GET', path: '/' };

/**
 * How long an instance waits without requests before its idle RSS is read: V8's memory reducer
 * shrinks the heap about 8 s after a start's last major GC. --smoke waits 1 s, enough to keep
 * the path working, not to measure.
 */
const idleRssAfterMs = (options: BenchOptions) => (options.smoke ? 1000 : 12_000);

/**
 * The RSS of an instance at rest, which the reading at the first answer never sees: once
 * allocation has stopped, V8 gives back the young generation its load grew and compacts the
 * old one. One more instance of each function (its probe request once), and one hello world,
 * all read when the last has been idle idleRssAfterMs; not timed.
 */
async function measureIdleRss(results: ColdStartResult[], ctx: BenchContext, env: NodeJS.ProcessEnv, options: BenchOptions): Promise<void> {
  const started: Array<{ result: ColdStartResult; server: ServerProcess }> = [];
  let hello: ServerProcess | undefined;
  try {
    for (const result of results) {
      const probe = COLD_START_PROBES[result.function];
      const { server } = await startedAndAnswered(
        () => startFunction(result.function, { ...env, ...probe.env }),
        probe.request(ctx, options.coldStartSpawns + 1),
      );
      started.push({ result, server });
    }
    ({ server: hello } = await startedAndAnswered(() => startHello(env), HELLO_REQUEST));
    await sleep(idleRssAfterMs(options));
    const helloIdleMb = rssMb(hello.pid);
    for (const { result, server } of started) {
      result.rssIdleMb = rssMb(server.pid);
      result.floor.rssIdleMb = helloIdleMb;
    }
  } finally {
    await Promise.all([...started.map(({ server }) => server), ...(hello ? [hello] : [])].map(stop));
  }
}

/**
 * Each spawn of the function is paired with one of the hello-world floor (bench/hello-function.cjs),
 * in alternating order, so the ratio compares two starts made under the same load on the machine.
 */
async function coldStart(name: string, ctx: BenchContext, env: NodeJS.ProcessEnv, options: BenchOptions, trace: boolean): Promise<ColdStartResult> {
  const probe = COLD_START_PROBES[name];
  if (!probe) throw new Error(`no cold-start probe for ${name}: add one to COLD_START_PROBES in bench/scenarios.ts`);
  const functionEnv = { ...env, ...probe.env };
  const own: FirstAnswer[] = [];
  const floor: FirstAnswer[] = [];
  for (let spawn = 0; spawn < options.coldStartSpawns; spawn++) {
    const runOwn = async () => {
      const answer = await spawnToFirstAnswer(() => startFunction(name, functionEnv), probe.request(ctx, spawn));
      if (probe.expect === '2xx' && (answer.status < 200 || answer.status > 299)) {
        throw new Error(`first answer ${answer.status}, expected 2xx: ${answer.text.slice(0, 300)}`);
      }
      own.push(answer);
    };
    const runFloor = async () => floor.push(await spawnToFirstAnswer(() => startHello(env), HELLO_REQUEST));
    if (spawn % 2 === 0) {
      await runFloor();
      await runOwn();
    } else {
      await runOwn();
      await runFloor();
    }
  }
  const files = trace
    ? {
        filesOpened: await filesToFirstAnswer((file) => startFunction(name, functionEnv, file), probe.request(ctx, options.coldStartSpawns)),
        floorFilesOpened: await filesToFirstAnswer((file) => startHello(env, file), HELLO_REQUEST),
      }
    : {};
  return {
    function: name,
    expect: probe.expect,
    spawnsMs: own.map((a) => a.ms),
    medianMs: median(own.map((a) => a.ms)),
    cpuToFirstAnswerMs: own.map((a) => a.cpuMs),
    medianCpuMs: median(own.map((a) => a.cpuMs)),
    statuses: own.map((a) => a.status),
    rssFirstAnswerMb: median(own.map((a) => a.rssMb)),
    floor: {
      spawnsMs: floor.map((a) => a.ms),
      medianMs: median(floor.map((a) => a.ms)),
      medianCpuMs: median(floor.map((a) => a.cpuMs)),
      rssFirstAnswerMb: median(floor.map((a) => a.rssMb)),
    },
    ratios: own.map((a, i) => a.ms / floor[i].ms),
    medianRatio: median(own.map((a, i) => a.ms / floor[i].ms)),
    ...files,
  };
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const began = performance.now();
  const [major] = process.versions.node.split('.').map(Number);
  if (major < 22) throw new Error(`Node ${process.version}: the bench needs the project's Node (24); export PATH="$(bash scripts/node24.sh):$PATH"`);
  say(
    `bench${options.smoke ? ' --smoke' : ''}${options.privateDb ? ' --private-db' : ''}: Node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}`,
  );

  if (options.cpuProfileDir) {
    profileServersInto(options.cpuProfileDir);
    say(`CPU profiles of every server process into ${options.cpuProfileDir} (times below include the profiler's cost)`);
  }
  if (!options.skipBuild) {
    say('building (npm run build)…');
    const build = spawnSync('npm', ['run', 'build', '--silent'], { cwd: ROOT, stdio: 'inherit' });
    if (build.status !== 0) throw new Error('npm run build failed');
  }

  // One card key for the seed (in this process) and the functions, as one deployment has.
  process.env.CARD_HMAC_KEY = randomBytes(32).toString('base64');
  const privateDb = options.privateDb ? await startPrivateMariaDb() : undefined;
  say(`database: fresh fulfillment_bench on ${privateDb ? `a private mariadbd (${privateDb.serverUrl})` : 'the shared server'}, migrated, demo users seeded…`);
  const bench = await createBenchDatabase(privateDb?.serverUrl).catch(async (error) => {
    await privateDb?.stop();
    throw error;
  });
  const standin = await startMlStandin({ port: 0 });
  const mailCatcher = await startMailCatcher({ port: 0 });
  const scenarios: ScenarioResult[] = [];
  const coldStarts: ColdStartResult[] = [];
  const balanceChecks: Array<Awaited<ReturnType<typeof checkBalances>>> = [];
  let signingCost: SigningCost | undefined;
  try {
    const seeding = performance.now();
    await seedHeavyUser(bench.conn, options.heavyTransactions);
    say(`  ${HEAVY_USER.username}: ${options.heavyTransactions} transactions in ${((performance.now() - seeding) / 1000).toFixed(1)} s`);

    const signing = newSigningKeyPair();
    const env = functionEnv({
      DATABASE_URL: bench.url,
      // Each function is given only its own secrets (bench/servers.ts startFunction), as deployed.
      SIGNING_PUBLIC_KEYS: publicKeySetText([signing.publicKeyPem]),
      SIGNING_PRIVATE_KEY: signing.privateKeyPem,
      PASSWORD_RESET_KEY: randomBytes(32).toString('base64'),
      CARD_HMAC_KEY: process.env.CARD_HMAC_KEY,
      ML_SERVICE_URL: standin.url,
      SMTP_URL: mailCatcher.url,
    });
    const ctx = await prepareContext(env, options);

    for (const scenario of LOAD_SCENARIOS.filter((s) => selected(options, s.id))) {
      say(`load: ${scenario.id} (c=${scenario.concurrency})…`);
      try {
        scenarios.push(await measureScenario(scenario, ctx, env, bench, options));
      } catch (error) {
        const message = `${scenario.id}: ${(error as Error).message}`;
        say(`!!! ${message}`);
        failures.push(message.split('\n')[0]);
        scenarios.push({ id: scenario.id, target: scenario.target, concurrency: scenario.concurrency, failed: message } as ScenarioResult);
      }
      if (scenario.movesMoney) balanceChecks.push(await checkBalances(bench, `after ${scenario.id}`));
    }
    const floor = scenarios.find((s) => s.id === 'floor' && !s.failed);
    for (const s of scenarios) if (floor && !s.failed) s.cpuVsFloor = s.cpuMsPerReq / floor.cpuMsPerReq;

    const coldStartNames = registry.filter((d) => selected(options, `cold-start:${d.name}`)).map((d) => d.name);
    const trace = coldStartNames.length > 0 && canTrace();
    if (coldStartNames.length && !trace) say('  (strace does not run here: files opened are not counted)');
    for (const name of coldStartNames) {
      say(`cold start: ${name} ×${options.coldStartSpawns}, each paired with the hello-world floor…`);
      try {
        // --smoke counts one function's files, enough to keep that path working in CI.
        const result = await coldStart(name, ctx, env, options, trace && (!options.smoke || name === coldStartNames[0]));
        const loaded = scenarios.filter((s) => s.target === name && !s.failed).map((s) => s.rssAfterLoadMb);
        if (loaded.length) result.rssAfterLoadMb = Math.max(...loaded);
        coldStarts.push(result);
      } catch (error) {
        const message = `cold start ${name}: ${(error as Error).message}`;
        say(`!!! ${message}`);
        failures.push(message.split('\n')[0]);
        coldStarts.push({ function: name, failed: message } as ColdStartResult);
      }
    }
    const measured = coldStarts.filter((result) => !result.failed);
    if (measured.length) {
      say(`idle RSS: one more instance of each, read after ${idleRssAfterMs(options) / 1000} s without requests…`);
      await measureIdleRss(measured, ctx, env, options).catch((error: Error) => say(`!!! idle RSS not measured: ${error.message.split('\n')[0]}`));
    }
    // Cold starts top up and buy too.
    if (coldStarts.length) balanceChecks.push(await checkBalances(bench, 'at the end'));
    if (selected(options, 'signing')) {
      say('signing: ES256 and HS256, warm and cold…');
      signingCost = measureSigning(options.smoke ? { times: 50, spawns: 1 } : undefined);
    }
  } finally {
    for (const server of [...running]) await stop(server);
    await standin.close();
    await mailCatcher.close();
    await bench.close();
    await privateDb?.stop();
  }

  const totalSeconds = (performance.now() - began) / 1000;
  say(
    `\nLoad (${options.smoke ? 'SMOKE: too short to mean anything' : `warm-up ≤${options.warmup.requests} req, then ≤${options.window.requests} req or ${options.window.ms / 1000} s`}; Node ${process.version}, ${cpus().length} cores)\n`,
  );
  say(scenarioTable(scenarios));
  if (scenarios.some((s) => s.sqlContaminated)) {
    say('~ other clients ran SQL on the shared server during this window: SQL counts are upper bounds (exact ones: --private-db)');
  }
  say(`\nCold starts (spawn → first answer to a real request), each spawn paired with a hello-world function's\n`);
  say(coldStartTable(coldStarts, options.coldStartSpawns));
  if (signingCost) say(`\nSigning keys (a warm request checks none: checked keys are kept)\n\n${signingTable(signingCost)}`);
  say(`\ntotal ${totalSeconds.toFixed(0)} s`);

  mkdirSync(path.dirname(RESULTS), { recursive: true });
  writeFileSync(
    RESULTS,
    `${JSON.stringify({ finishedAt: new Date().toISOString(), node: process.version, cpus: cpus().length, options, totalSeconds, scenarios, coldStarts, signingCost, balanceChecks, failures }, null, 2)}\n`,
  );
  say(`written to ${path.relative(process.cwd(), RESULTS)}`);
  if (failures.length) {
    say(`\nFAILED:\n${failures.map((f) => `  ${f}`).join('\n')}`);
    process.exitCode = 1;
  }
}

process.on('SIGINT', () => {
  for (const server of running) void server.stop();
  process.exit(130);
});

main().catch(async (error: Error) => {
  process.stderr.write(`bench failed: ${error.stack ?? error.message}\n`);
  for (const server of [...running]) await server.stop().catch(() => undefined);
  process.exit(1);
});
