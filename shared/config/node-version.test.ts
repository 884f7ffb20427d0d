import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { NODE_24_ADVICE } from './node-version';

/**
 * On a Node without JSON.rawJSON (Node 20, which the machines here still
 * ship), every way in stops at once with one line naming scripts/node24.sh.
 */
const ROOT = path.resolve(__dirname, '../..');

/** Runs `entry` under this Node with JSON.rawJSON taken away first, as Node 20 would lack it. */
function startWithoutRawJson(entry: string) {
  return spawnSync(process.execPath, ['--import', 'tsx', '-e', `delete JSON.rawJSON; require(${JSON.stringify(entry)})`], {
    cwd: ROOT,
    env: { ...process.env, FUNCTION_TARGET: 'wallets-list' },
    encoding: 'utf8',
    timeout: 30_000,
  });
}

it.each([
  ['the functions’ entry (what Cloud Run loads)', './functions/main.cts'],
  ['npm start', './scripts/start.ts'],
  ['jest’s global setup (npm test)', './testing/global-setup.ts'],
])('%s refuses to start, in one line naming scripts/node24.sh', (_entry, file) => {
  const result = startWithoutRawJson(file);
  expect(result.status).toBe(1);
  expect(result.stderr.trim()).toBe(NODE_24_ADVICE);
  expect(result.stderr).toContain('PATH="$(bash scripts/node24.sh):$PATH"');
  expect(result.stdout).toBe('');
});

// The machine's own Node (20 here), if it has one older than the project's.
const machineNode = ['/usr/bin/node', '/usr/local/bin/node'].find((file) => {
  try {
    return Number(execFileSync(file, ['-p', 'process.versions.node.split(".")[0]'], { encoding: 'utf8' }).trim()) < 24;
  } catch {
    return false;
  }
});

(machineNode ? it : it.skip)('npm ci on the machine’s older Node stops before installing anything, showing the same advice', () => {
  const clone = mkdtempSync(path.join(tmpdir(), 'node20-ci-'));
  try {
    for (const file of ['package.json', 'package-lock.json', '.npmrc']) copyFileSync(path.join(ROOT, file), path.join(clone, file));
    const npm = path.join(path.dirname(machineNode!), 'npm');
    const result = spawnSync(machineNode!, [npm, 'ci', '--no-audit', '--no-fund'], {
      cwd: clone,
      env: { PATH: path.dirname(machineNode!), HOME: process.env.HOME },
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain('EBADENGINE');
    expect(result.stderr).toContain('bash scripts/node24.sh');
    expect(existsSync(path.join(clone, 'node_modules'))).toBe(false);
  } finally {
    rmSync(clone, { recursive: true, force: true });
  }
});
