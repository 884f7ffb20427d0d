import { execFileSync } from 'node:child_process';
import { generateKeyPair } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { OAuth2Client } from 'google-auth-library';
import { Connector } from '@google-cloud/cloud-sql-connector';
import { startCloudSqlStandIn } from '../testing/cloud-sql-standin';
import { median } from './report';
// eslint-disable-next-line @typescript-eslint/no-require-imports -- the build's own script, plain CommonJS
const { bundleConnector } = require('../scripts/bundle-functions') as { bundleConnector: (outfile: string) => Promise<unknown> };

/**
 * What the Cloud SQL connector adds to a function's cold start
 * (`npm run bench:connector`; docs/performance.md), in three parts:
 *
 * 1. loading it: a fresh node process requires the driver alone, then the
 *    driver and the connector (Google's auth library, the Admin API client,
 *    gRPC), measured from inside the process (wall and CPU);
 * 2. its first refresh: the 2048-bit RSA key pair it makes for every client
 *    certificate, measured alone;
 * 3. its first stream, end to end, against the local stand-in
 *    (testing/cloud-sql-standin): two Admin API calls and a TLS 1.3
 *    handshake. Locally this includes the stand-in's own `openssl` runs, so
 *    it is an upper bound for the client's share, not Google's latency.
 */
const SPAWNS = Number(process.env.BENCH_SPAWNS ?? 7);

function loadCost(modules: string[]): { wallMs: number; cpuMs: number } {
  const script = `const cpu = process.cpuUsage(); const t = process.hrtime.bigint();
${modules.map((name) => `require(${JSON.stringify(name)});`).join('\n')}
const used = process.cpuUsage(cpu);
console.log(JSON.stringify({ wallMs: Number(process.hrtime.bigint() - t) / 1e6, cpuMs: (used.user + used.system) / 1000 }));`;
  return JSON.parse(execFileSync(process.execPath, ['-e', script], { cwd: `${__dirname}/..`, encoding: 'utf8' }));
}

async function main(): Promise<void> {
  const rows: string[] = [];
  for (const [label, modules] of [
    ['mariadb', ['mariadb']],
    ['mariadb + @google-cloud/cloud-sql-connector', ['mariadb', '@google-cloud/cloud-sql-connector']],
  ] as const) {
    const runs = Array.from({ length: SPAWNS }, () => loadCost([...modules]));
    rows.push(`| require ${label} | ${median(runs.map((r) => r.wallMs)).toFixed(1)} | ${median(runs.map((r) => r.cpuMs)).toFixed(1)} |`);
  }

  // As the functions load it: bundled, its SQL_DATA tunnel client (and with it @google-cloud/sql and gRPC) left out.
  const bundled = path.join(mkdtempSync(path.join(tmpdir(), 'connector-bundle-')), 'connector.cjs');
  await bundleConnector(bundled);
  const bundledRuns = Array.from({ length: SPAWNS }, () => loadCost([bundled]));
  rows.push(
    `| require mariadb + the connector, bundled (scripts/bundle-functions.js) | ${median(bundledRuns.map((r) => r.wallMs)).toFixed(1)} | ${median(bundledRuns.map((r) => r.cpuMs)).toFixed(1)} |`,
  );
  rmSync(path.dirname(bundled), { recursive: true, force: true });

  const keygen = promisify(generateKeyPair);
  const keyMs: number[] = [];
  for (let i = 0; i < SPAWNS; i++) {
    const began = performance.now();
    await keygen('rsa', { modulusLength: 2048 });
    keyMs.push(performance.now() - began);
  }
  rows.push(`| RSA 2048 key pair (each certificate refresh) | ${median(keyMs).toFixed(1)} | – |`);

  const standIn = await startCloudSqlStandIn();
  try {
    const streamMs: number[] = [];
    for (let i = 0; i < SPAWNS; i++) {
      const auth = new OAuth2Client();
      auth.setCredentials({ access_token: standIn.accessToken, expiry_date: Date.now() + 3_600_000 });
      const connector = new Connector({ sqlAdminAPIEndpoint: standIn.adminApiEndpoint, auth });
      const began = performance.now();
      const { stream } = await connector.getOptions({ instanceConnectionName: standIn.instanceConnectionName, ipType: 'PUBLIC' as never });
      const socket = stream();
      await new Promise<void>((resolve, reject) => {
        socket.once('secureConnect', () => resolve());
        socket.once('error', reject);
      });
      streamMs.push(performance.now() - began);
      socket.destroy();
      connector.close();
    }
    rows.push(`| first stream: Admin API ×2 + keys + TLS, local stand-in | ${median(streamMs).toFixed(1)} | – |`);
  } finally {
    await standIn.close();
  }

  console.log(`Cloud SQL connector cost, median of ${SPAWNS} (Node ${process.version})\n`);
  console.log('| step | wall ms | CPU ms |\n|---|---:|---:|');
  for (const row of rows) console.log(row);
}

main().catch((error: Error) => {
  console.error(error);
  process.exitCode = 1;
});
