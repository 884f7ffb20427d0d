import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { registry } from '../functions/registry';
import { changedPathsSince, functionsAffectedBy } from './changed-functions';

const names = (paths: string[]) => functionsAffectedBy(registry, paths).map((definition) => definition.name);
const everyName = registry.map((definition) => definition.name);
const aFunction = registry.find((definition) => definition.name !== 'docs' && definition.auth === 'user')!.name;

describe('functionsAffectedBy', () => {
  it('redeploys a function whose folder changed, and the docs that describe it', () => {
    expect(names([`functions/${aFunction}/handler.ts`])).toEqual(everyName.filter((name) => name === aFunction || name === 'docs'));
  });

  it('redeploys only the docs when only the docs changed', () => {
    expect(names(['functions/docs/swagger-page.ts'])).toEqual(['docs']);
  });

  it.each([
    'shared/http/http-function.ts',
    'shared/openapi/document.ts',
    'prisma/schema.prisma',
    'prisma/migrations/20261126120000_init/migration.sql',
    'functions/registry.ts',
    'functions/index.ts',
    'functions/main.cts',
    'scripts/finish-build.js',
    'package-lock.json',
    'tsconfig.build.json',
    'infra/settings.ts',
    'infra/deploy-plan.ts',
    '.gcloudignore',
    'scripts/schema-engine-offline.sh',
  ])('redeploys every function when %s changed', (changed) => {
    expect(names(['README.md', changed])).toEqual(everyName);
  });

  it.each([
    ['tests', [`functions/${aFunction}/${aFunction}.test.ts`, 'shared/money/json-number.test.ts', 'testing/http.ts']],
    ['docs and infra scripts', ['README.md', 'docs/deploy.md', 'infra/gateway.ts', 'infra/README-deploy.md', 'scripts/ml-standin.ts']],
    ['nothing', []],
  ])('redeploys nothing for %s', (_, changed) => {
    expect(names(changed)).toEqual([]);
  });

  it('does not take a folder that merely starts with a function name for it', () => {
    expect(names(['functions/auth-login-old/notes.md'])).toEqual([]);
  });
});

describe('changedPathsSince', () => {
  let repo: string;
  const git = (...args: string[]) => execFileSync('git', args, { cwd: repo, stdio: 'pipe' });

  beforeEach(() => {
    repo = mkdtempSync(path.join(tmpdir(), 'changed-since-'));
    git('init', '--quiet');
    git('config', 'user.email', 'test@example.com');
    git('config', 'user.name', 'test');
    writeFileSync(path.join(repo, 'kept.txt'), 'a');
    writeFileSync(path.join(repo, 'edited.txt'), 'a');
    git('add', '.');
    git('commit', '--quiet', '-m', 'base');
  });

  afterEach(() => rmSync(repo, { recursive: true, force: true }));

  it('lists committed, uncommitted and new files, since --source=. uploads the working tree', () => {
    writeFileSync(path.join(repo, 'committed.txt'), 'b');
    git('add', 'committed.txt');
    git('commit', '--quiet', '-m', 'next');
    writeFileSync(path.join(repo, 'edited.txt'), 'b');
    writeFileSync(path.join(repo, 'untracked.txt'), 'b');

    expect(changedPathsSince('HEAD~1', repo).sort()).toEqual(['committed.txt', 'edited.txt', 'untracked.txt']);
  });
});
