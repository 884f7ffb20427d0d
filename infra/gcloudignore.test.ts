import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { isIgnored, parseIgnoreFile } from './testing/gcloudignore';

const ROOT = path.resolve(__dirname, '..');
const rules = parseIgnoreFile(readFileSync(path.join(ROOT, '.gcloudignore'), 'utf8'));
const ignored = (relative: string, isDirectory = false) => isIgnored(rules, relative, isDirectory);

/** Every file `gcloud run deploy --source=.` would upload from this working tree. */
function uploaded(directory = ''): string[] {
  return readdirSync(path.join(ROOT, directory), { withFileTypes: true }).flatMap((entry) => {
    const relative = directory ? `${directory}/${entry.name}` : entry.name;
    if (entry.isDirectory()) return ignored(relative, true) ? [] : uploaded(relative);
    return ignored(relative) ? [] : [relative];
  });
}

const NEEDED_OUTSIDE_SOURCES = [
  'package.json',
  'package-lock.json',
  'tsconfig.json',
  'tsconfig.build.json',
  'prisma/schema.prisma',
  // npm ci runs postinstall, which runs these.
  'scripts/generate-prisma-client.js',
  'scripts/schema-engine-offline.sh',
  // npm run build (gcp-build) runs these after tsc.
  'scripts/finish-build.js',
  'scripts/bundle-functions.js',
  'scripts/take-code-cache.js',
];

const isSource = (file: string) => (file.startsWith('functions/') || file.startsWith('shared/')) && !file.endsWith('.test.ts');

describe('.gcloudignore', () => {
  const files = uploaded();

  it('uploads the function sources and what the build needs, nothing else', () => {
    expect(files.filter((file) => !isSource(file)).sort()).toEqual([...NEEDED_OUTSIDE_SOURCES].sort());
    expect(files.filter(isSource).length).toBeGreaterThan(20);
  });

  it('leaves out the deploy scripts, other scripts, tests, benchmarks, local tools and installs', () => {
    for (const [file, isDirectory] of [
      ['infra', true],
      ['infra/deploy.ts', false],
      ['scripts/start.ts', false],
      ['functions/bundles.test.ts', false],
      ['bench/hello-function.cjs', false],
      ['scripts/node24.sh', false],
      ['bench', true],
      ['bench/purchase.ts', false],
      ['testing', true],
      ['testing/test-database.ts', false],
      ['functions/auth-login/auth-login.test.ts', false],
      ['shared/money/decimal.test.ts', false],
      ['.tools', true],
      ['node_modules', true],
      ['functions/node_modules', true],
      ['dist', true],
      ['.git', true],
      ['.ci', true],
      ['coverage', true],
      ['prisma/generated', true],
      ['prisma/migrations', true],
      ['README.md', false],
      ['.env', false],
    ] as const) {
      expect({ file, ignored: ignored(file, isDirectory) }).toEqual({ file, ignored: true });
    }
  });

  it('uploads every script the uploaded build scripts require', () => {
    // What a build script requires by a relative path, and what that requires: a script left out fails Cloud Build.
    const required = new Set<string>();
    const visit = (file: string) => {
      for (const [, relative] of readFileSync(path.join(ROOT, file), 'utf8').matchAll(/require\('(\.{1,2}\/[\w./-]+)'\)/g)) {
        const target = path.posix.join(path.posix.dirname(file), relative.endsWith('.js') ? relative : `${relative}.js`);
        if (target.startsWith('scripts/') && !required.has(target)) {
          required.add(target);
          visit(target);
        }
      }
    };
    files.filter((file) => file.startsWith('scripts/') && file.endsWith('.js')).forEach(visit);
    expect(required).toContain('scripts/take-code-cache.js');
    expect([...required].filter((file) => !files.includes(file))).toEqual([]);
  });

  it('uploads every file `npm run build` compiles (prisma/generated is rebuilt by postinstall)', () => {
    const tsc = require.resolve('typescript/bin/tsc');
    const compiled = execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json', '--listFilesOnly'], { cwd: ROOT, encoding: 'utf8' })
      .split('\n')
      .filter(Boolean)
      .map((file) => path.relative(ROOT, file).split(path.sep).join('/'))
      .filter((file) => !file.startsWith('node_modules/') && !file.startsWith('prisma/generated/') && !file.startsWith('..'));
    expect(compiled.length).toBeGreaterThan(20);
    expect(compiled.filter((file) => !files.includes(file))).toEqual([]);
  });
});
