import { execFile, execFileSync, spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { RUNTIME_NODE_OPTIONS } from '../infra/settings';
import { seedDemoUsers } from '../shared/demo/seed';
import { startCloudSqlStandIn } from '../testing/cloud-sql-standin';
import { startFunctionProcess, type FunctionProcess } from '../testing/function-process';
import { killTraced, openedPaths, STRACE_OPENS } from '../testing/strace';
import { useMlStandin } from '../testing/ml-standin';
import { useTestDatabase } from '../testing/test-database';
import { registry } from './registry';
// eslint-disable-next-line @typescript-eslint/no-require-imports -- the build's own script, plain CommonJS
const { bundleConnector, stampBundleId } = require('../scripts/bundle-functions') as {
  bundleConnector: (outfile: string) => Promise<unknown>;
  stampBundleId: (file: string) => void;
};
// eslint-disable-next-line @typescript-eslint/no-require-imports -- the build's own script, plain CommonJS
const { takeCodeCacheScript, throwawaySettings } = require('../scripts/take-code-cache') as {
  takeCodeCacheScript: string;
  throwawaySettings: () => NodeJS.ProcessEnv;
};

/**
 * What is deployed: each function served from its bundle (dist/bundles, built
 * by `npm run build`; CI builds before the tests) through package.json's
 * `main`, as Cloud Run starts it, answering real requests; and no bundle
 * holds, or opens at run time, another function's code.
 */
const ROOT = path.resolve(__dirname, '..');
const run = promisify(execFile);
const BUNDLES = path.join(ROOT, 'dist/bundles');
const database = useTestDatabase();
useMlStandin();

const newestSource = (directory: string): number =>
  Math.max(
    ...readdirSync(directory, { withFileTypes: true }).map((entry) => {
      const file = path.join(directory, entry.name);
      if (entry.isDirectory()) return newestSource(file);
      return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') ? statSync(file).mtimeMs : 0;
    }),
  );

// Locally dist/ may be missing or older than the sources: built again then, all of it (the bundles,
// their code caches, the OpenAPI file docs serves), as CI builds it (about 15 s).
beforeAll(() => {
  const built = path.join(BUNDLES, 'main.cjs');
  const fresh = existsSync(built) && statSync(built).mtimeMs >= Math.max(newestSource(path.join(ROOT, 'functions')), newestSource(path.join(ROOT, 'shared')));
  if (!fresh) execFileSync('npm', ['run', 'build', '--silent'], { cwd: ROOT, stdio: 'inherit' });
  return seedDemoUsers();
}, 180_000);

const env = () => ({
  DATABASE_URL: database.url(),
  NODE_OPTIONS: RUNTIME_NODE_OPTIONS,
  NODE_ENV: 'production',
  LOG_LEVEL: 'error',
  SCHEDULER_AUDIENCE: 'https://example.test/seed',
  SCHEDULER_SERVICE_ACCOUNT: 'scheduler@example.iam.gserviceaccount.com',
  SMTP_URL: 'smtp://127.0.0.1:9',
});

async function ask(port: number, method: string, url: string, init: { key?: string; body?: unknown } = {}) {
  const response = await fetch(`http://127.0.0.1:${port}${url}`, {
    method,
    headers: { ...(init.key ? { Authorization: `token ${init.key}` } : {}), ...(init.body ? { 'Content-Type': 'application/json' } : {}) },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  return { status: response.status, body: await response.text() };
}

describe('each function served from its bundle', () => {
  let key: string;
  const servers: FunctionProcess[] = [];
  afterAll(() => servers.forEach((server) => server.stop()));
  const serve = async (name: string) => {
    const server = await startFunctionProcess(name, env(), { built: true });
    servers.push(server);
    return server;
  };

  it('auth-login signs in and wallets-list lists the wallets, with data from the database', async () => {
    const login = await serve('auth-login');
    const signedIn = await ask(login.port, 'POST', '/api/v1/auth/login/', { body: { username: 'lyraking', password: 'lyraking' } });
    expect(signedIn.status).toBe(200);
    key = JSON.parse(signedIn.body).key;
    const wallets = await ask((await serve('wallets-list')).port, 'GET', '/api/v1/wallets/', { key });
    expect(wallets.status).toBe(200);
    expect(JSON.parse(wallets.body).length).toBeGreaterThan(0);
  }, 30_000);

  it('assets-list answers from the ML stand-in, and docs serves the built OpenAPI document', async () => {
    const assets = await ask((await serve('assets-list')).port, 'GET', '/api/v1/assets/', { key });
    expect(assets.status).toBe(200);
    const docs = await ask((await serve('docs')).port, 'GET', '/openapi.json');
    expect(docs.status).toBe(200);
    expect(JSON.parse(docs.body).paths['/api/v1/wallets/']).toBeDefined();
  }, 30_000);

  // Every other function: one request through its own route, authorization and validation (a body
  // of nothing, an id of no one's): an answer of its own code, never the bundle's "not in this bundle".
  const others = registry.filter((definition) => !['auth-login', 'wallets-list', 'assets-list', 'docs'].includes(definition.name));
  it.each(others.map((definition) => [definition.name, definition] as const))(
    '%s answers through its bundle',
    async (name, definition) => {
      const server = await serve(name);
      const method = definition.methods[0];
      const url = definition.paths[0].replace(/\{[^}]+\}/g, '00000000-0000-4000-8000-000000000000');
      const answer = await ask(server.port, method, url, { key, body: ['POST', 'PUT', 'PATCH'].includes(method) ? {} : undefined });
      expect({ name, status: answer.status }).toEqual({ name, status: expect.any(Number) });
      expect(answer.status).toBeGreaterThanOrEqual(200);
      expect(answer.status).toBeLessThan(500);
      expect(answer.body).not.toContain('bundle');
      expect(JSON.parse(answer.body)).toEqual(expect.any(Object));
      server.stop();
    },
    30_000,
  );
});

describe('a bundle in a stack trace', () => {
  it('is shown in TypeScript files and lines, with their names (the entry turns source maps on)', async () => {
    const withoutConfig = { PATH: process.env.PATH, NODE_ENV: 'production' };
    const failed = await run(process.execPath, [path.join(BUNDLES, 'main.cjs'), '--target=wallets-list'], { cwd: ROOT, env: withoutConfig }).then(
      () => undefined,
      (error: { stderr: string }) => error.stderr,
    );
    expect(failed).toContain('Invalid configuration: DATABASE_URL is required');
    expect(failed).toMatch(/at checkStartupConfig \(.*shared\/config\/config\.ts:\d+:\d+\)/);
    expect(failed).toMatch(/functions\/index\.ts:\d+:\d+/);
  });
});

describe("a bundle's code cache", () => {
  // Taken again here as the build takes it, from copies of the bundles beside dist/bundles (their
  // node_modules resolve the same): the built caches stay as built, for the check below and the bench.
  let copies: string;
  beforeAll(() => {
    copies = mkdtempSync(path.join(ROOT, 'dist', '.code-cache-test-'));
  });
  afterAll(() => rmSync(copies, { recursive: true, force: true }));
  const copyOf = (name: string) => {
    const file = path.join(copies, name, 'index.cjs');
    mkdirSync(path.dirname(file), { recursive: true });
    copyFileSync(path.join(BUNDLES, name, 'index.cjs'), file);
    return file;
  };
  const take = (name: string, file: string) =>
    run(process.execPath, [takeCodeCacheScript, name, file], {
      cwd: ROOT,
      env: { ...throwawaySettings(), FUNCTION_TARGET: name, NODE_DEBUG: 'bundle' },
    }) as Promise<{
      stderr: string;
    }>;
  const expectedAnswer = (definition: (typeof registry)[number]) =>
    definition.auth === 'scheduler' ? '401 .*unauthorized' : definition.deploy?.database === false ? '200' : '503 .*database_unavailable';

  // Its key and body passed their checks: only the database, unreachable at build time, stopped it.
  it.each(registry.map((definition) => [definition.name, definition]))(
    'of %s is taken after a first request that ran as far as it can without a database',
    async (name, definition) => {
      const { stderr } = await take(name, copyOf(name));
      const route = definition.paths[0].replace(/\{\w+\}/g, '[^/]+');
      expect(stderr).toMatch(new RegExp(`bundle: ${name} warm-up ${definition.methods[0]} ${route} answered ${expectedAnswer(definition)}`));
      expect(stderr).not.toContain('take-code-cache:');
    },
  );

  it('holds more code than a cache taken right after the load: what the first request compiled', async () => {
    const file = copyOf('wallets-list');
    await take('wallets-list', file);
    const afterRequest = statSync(`${file}.v8cache`).size;
    const loadOnly = `require(${JSON.stringify(path.join(ROOT, 'dist/functions/load-bundle.js'))}).loadBundle(${JSON.stringify(file)}, { takeCodeCache: true }).saveCodeCache()`;
    await run(process.execPath, ['-e', loadOnly], { cwd: ROOT, env: { ...throwawaySettings(), FUNCTION_TARGET: 'wallets-list' } });
    // The handler's module, the driver, jsonwebtoken: about half a megabyte more for wallets-list.
    expect(afterRequest).toBeGreaterThan(statSync(`${file}.v8cache`).size * 1.2);
  });

  it("is not used for another build's bundle, even of the same length, which V8 alone would run", async () => {
    // A bundle as the build writes it (its id stamped on), its cache, then a rebuild that changed one letter.
    const file = path.join(copies, 'rebuilt', 'index.cjs');
    mkdirSync(path.dirname(file), { recursive: true });
    const write = (letter: string) => {
      writeFileSync(file, `module.exports.answer = '${letter.repeat(4)}';\n`);
      stampBundleId(file);
    };
    const load = `const { loadBundle } = require(${JSON.stringify(path.join(ROOT, 'dist/functions/load-bundle.js'))});`;
    const answer = async () => {
      const { stdout, stderr } = (await run(
        process.execPath,
        ['-e', `${load} loadBundle(${JSON.stringify(file)}); console.log(require(${JSON.stringify(file)}).answer)`],
        {
          cwd: ROOT,
          env: { PATH: process.env.PATH, NODE_DEBUG: 'bundle' },
        },
      )) as { stdout: string; stderr: string };
      return { answer: stdout.trim(), cache: /code cache (.*)$/m.exec(stderr)?.[1] };
    };
    write('A');
    await run(process.execPath, ['-e', `${load} loadBundle(${JSON.stringify(file)}, { takeCodeCache: true }).saveCodeCache()`], { cwd: ROOT });
    expect(await answer()).toEqual({ answer: 'AAAA', cache: 'accepted' });

    write('B');
    expect(await answer()).toEqual({ answer: 'BBBB', cache: 'stale (another build)' });

    // Why the id: with the old build's id on the new bundle, V8 accepts the cache and runs the old code.
    const idOfA = readFileSync(`${file}.v8cache`).subarray(0, 32).toString('latin1');
    writeFileSync(file, readFileSync(file, 'utf8').replace(/bundleId=\w+/, `bundleId=${idOfA}`));
    expect(await answer()).toEqual({ answer: 'AAAA', cache: 'accepted' });
  });

  it('is accepted by V8 at start, for every function, with the runtime’s NODE_OPTIONS', async () => {
    for (const { name } of registry) {
      // The configuration check fails at once without settings, after the bundle is compiled and run.
      const failed = await run(process.execPath, [path.join(BUNDLES, 'main.cjs'), `--target=${name}`], {
        cwd: ROOT,
        env: { PATH: process.env.PATH, NODE_DEBUG: 'bundle', NODE_OPTIONS: RUNTIME_NODE_OPTIONS, NODE_ENV: 'production' },
      }).then(
        (result: { stderr: string }) => result.stderr,
        (error: { stderr: string }) => error.stderr,
      );
      expect(failed).toContain(`bundle: dist/bundles/${name}/index.cjs code cache accepted`);
    }
  });
});

describe('a bundle holds and opens only its own function', () => {
  const functionFolder = (source: string) => /(?:^|\/)functions\/([a-z0-9-]+)\//.exec(source)?.[1];

  it.each(registry.map((definition) => [definition.name]))('%s: no other function in its source map', (name) => {
    const map = JSON.parse(readFileSync(path.join(BUNDLES, name, 'index.cjs.map'), 'utf8')) as { sources: string[] };
    const folders = new Set(map.sources.map(functionFolder).filter(Boolean));
    expect([...folders]).toEqual([name]);
  });

  it('wallets-list, answering a request, opens no file of another function (strace)', async () => {
    const trace = mkdtempSync(path.join(tmpdir(), 'bundle-trace-'));
    const traceFile = path.join(trace, 'opens.txt');
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    const framework = path.join(path.dirname(require.resolve('@google-cloud/functions-framework')), 'main.js');
    const child = spawn('strace', [...STRACE_OPENS, '-o', traceFile, process.execPath, framework, '--target=wallets-list', `--port=${port}`], {
      cwd: ROOT,
      env: { ...process.env, ...env(), NODE_COMPILE_CACHE: 'dist/.compile-cache' },
      stdio: 'ignore',
    });
    try {
      let answer: { status: number } | undefined;
      for (let tries = 0; !answer && tries < 300; tries += 1) {
        answer = await ask(port, 'GET', '/api/v1/wallets/').catch(() => undefined);
        if (!answer) await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(answer?.status).toBe(401);
      const opened = openedPaths(traceFile).map((file) => path.relative(ROOT, path.resolve(ROOT, file)));
      const ours = opened.filter((file) => /^(functions|shared|dist)\//.test(file) && !file.startsWith('dist/.compile-cache/'));
      // Its bundle and the bundle's code cache (functions/load-bundle.ts); never its source map.
      expect([...new Set(ours)].sort()).toEqual([
        'dist/bundles/main.cjs',
        'dist/bundles/wallets-list/index.cjs',
        'dist/bundles/wallets-list/index.cjs.v8cache',
      ]);
    } finally {
      // strace leaves its command running when it is killed itself: the command goes first.
      killTraced(child.pid!);
      rmSync(trace, { recursive: true, force: true });
    }
  }, 30_000);
});

// Run by plain node, as a function runs it (jest's module VM refuses the connector's import('node:crypto')).
const CONNECT_THROUGH_BUNDLE = `
const { mariadb, Connector } = require(process.env.BUNDLE);
const { OAuth2Client } = require('google-auth-library');
(async () => {
  const auth = new OAuth2Client();
  auth.setCredentials({ access_token: process.env.TOKEN, expiry_date: Date.now() + 3600000 });
  const connector = new Connector({ sqlAdminAPIEndpoint: process.env.ADMIN_API, auth });
  const { stream } = await connector.getOptions({ instanceConnectionName: process.env.INSTANCE, ipType: 'PUBLIC' });
  const server = new URL(process.env.SERVER);
  const connection = await mariadb.createConnection({
    stream: (callback) => callback(null, stream()),
    user: decodeURIComponent(server.username || 'root'),
    password: decodeURIComponent(server.password),
    database: server.pathname.slice(1),
    allowPublicKeyRetrieval: true,
  });
  const rows = await connection.query('SELECT COUNT(*) AS users FROM users');
  await connection.end();
  connector.close();
  process.stdout.write(JSON.stringify({ users: Number(rows[0].users) }));
})().catch((error) => { process.stderr.write(String(error.stack)); process.exit(1); });
`;

describe('the Cloud SQL connector as the bundles hold it (its SQL_DATA tunnel left out)', () => {
  it('still connects through the Admin API and the instance TLS of the stand-in, and the driver queries over it', async () => {
    const folder = mkdtempSync(path.join(tmpdir(), 'connector-bundle-'));
    const standIn = await startCloudSqlStandIn();
    try {
      const bundled = path.join(folder, 'connector.cjs');
      await bundleConnector(bundled);
      const { stdout } = await run(process.execPath, ['-e', CONNECT_THROUGH_BUNDLE], {
        cwd: ROOT,
        env: {
          ...process.env,
          BUNDLE: bundled,
          TOKEN: standIn.accessToken,
          ADMIN_API: standIn.adminApiEndpoint,
          INSTANCE: standIn.instanceConnectionName,
          SERVER: database.url(),
        },
      });
      expect(JSON.parse(stdout).users).toBeGreaterThan(0);
      expect(standIn.acceptedCertificates).toHaveLength(1);
    } finally {
      await standIn.close();
      rmSync(folder, { recursive: true, force: true });
    }
  }, 30_000);
});
