import { spawnSync } from 'node:child_process';
import path from 'node:path';
import type { Io } from './cli';
import { main as bootstrap } from './bootstrap';
import { main as deploy } from './deploy';
import { main as gateway } from './gateway';
import { main as migrate } from './migrate';
import { main as scheduler } from './scheduler';
import { main as secrets } from './secrets';

const SCRIPTS = { deploy, bootstrap, secrets, migrate, gateway, scheduler };

describe('--help', () => {
  it.each(Object.entries(SCRIPTS))('%s prints usage, flags and environment variables, and runs nothing', async (_name, main) => {
    const lines: string[] = [];
    const refuse = () => {
      throw new Error('--help must not run anything');
    };
    // No project and no settings at all: --help needs none.
    const io: Io = { print: (line) => lines.push(line), env: {}, exec: refuse, execAsync: refuse, query: refuse };
    await main(['--help'], io);
    const text = lines.join('\n');
    expect(text).toMatch(/^Usage: npm run deploy/);
    expect(text).toContain('--dry-run');
    expect(text).toContain('--project, PROJECT_ID');
    expect(text).toContain('--region, REGION');
    lines.length = 0;
    await main(['-h'], io);
    expect(lines.join('\n')).toBe(text);
  });

  it('exits 0 from the command line', () => {
    const result = spawnSync(process.execPath, ['--import', 'tsx', path.join(__dirname, 'deploy.ts'), '--help'], {
      encoding: 'utf8',
      env: { PATH: process.env.PATH },
    });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('--parallel=N');
  });
});
