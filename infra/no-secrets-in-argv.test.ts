import type { Io } from './cli';
import { materialize, type Command } from './commands';
import { main as bootstrap } from './bootstrap';
import { main as deploy } from './deploy';
import { main as gateway } from './gateway';
import { main as migrate } from './migrate';
import { main as scheduler } from './scheduler';
import { main as secrets } from './secrets';

// Every "random" byte is 0xab, so the secrets the scripts generate are known here.
jest.mock('node:crypto', () => ({ ...jest.requireActual('node:crypto'), randomBytes: (size: number) => Buffer.alloc(size, 0xab) }));

// The card key and the password-reset key: 32 bytes each.
const HMAC_KEY = Buffer.alloc(32, 0xab).toString('base64');
const DATABASE_PASSWORD = Buffer.alloc(24, 0xab).toString('hex');
// A signing private key is random all the same (generateKeyPairSync); its PEM armour gives it away.
const SECRET_VALUES = [HMAC_KEY, DATABASE_PASSWORD, 'PRIVATE KEY'];

const project = ['--project=p', '--project-number=42', '--ml-service-url=https://ml.example.com'];
const RUNS: Array<[string, (argv: string[], io: Io) => unknown, string[]]> = [
  ['deploy', deploy, ['--all', ...project, '--password-reset-link=https://app.example.com/reset/{uid}/{token}/', '--mail-from=no-reply@example.com']],
  ['bootstrap', bootstrap, project],
  ['secrets', secrets, project],
  ['secrets --rotate-password-reset-key', secrets, [...project, '--rotate-password-reset-key']],
  ['gateway', gateway, project],
  ['scheduler', scheduler, project],
];

describe('no secret value on any command line or screen', () => {
  // The signing key rotation's real runs are in signing-key-rotation.test.ts: they need gcloud's answers.
  const rotation: typeof RUNS = ['--rotate-signing-key', '--sign-with-new-key', '--retire-old-signing-keys'].map((flag) => [
    `secrets ${flag}`,
    secrets,
    [...project, flag],
  ]);
  it.each([...RUNS, ...rotation, ['migrate', migrate, project] as (typeof RUNS)[number]])('%s --dry-run prints none', async (_name, main, argv) => {
    const lines: string[] = [];
    await main([...argv, '--dry-run'], { print: (line) => lines.push(line), env: {} });
    const output = lines.join('\n');
    for (const value of SECRET_VALUES) expect(output).not.toContain(value);
  });

  it.each(RUNS)('%s (real run, gcloud stood in for) passes none in argv', async (_name, main, argv) => {
    const argvs: string[][] = [];
    const lines: string[] = [];
    const record = (command: Command) => {
      const { argv: real, cleanup } = materialize(command);
      argvs.push([command.program, ...real]);
      cleanup();
      return 1; // probes find nothing, so everything is created
    };
    await main(argv, {
      print: (line) => lines.push(line),
      env: {},
      exec: (command, quiet) => (record(command), quiet ? 1 : 0),
      execAsync: async (command) => (record(command), 0),
      // A version number for a version lookup, an empty policy for a policy lookup.
      query: (command) => (record(command), command.args[1] === 'get-iam-policy' ? '{}' : '3\n'),
    });
    expect(argvs.length).toBeGreaterThan(0);
    const everything = [...argvs.flat(), ...lines].join('\n');
    for (const value of SECRET_VALUES) expect(everything).not.toContain(value);
  });

  it('does hand the secrets to gcloud (so the checks above are not vacuous)', async () => {
    const fed: string[] = [];
    await secrets(project, {
      print: () => undefined,
      env: {},
      exec: (command, quiet) => (command.stdin && fed.push(command.stdin.value), quiet ? 1 : 0),
      query: () => '{}',
    });
    for (const value of SECRET_VALUES) expect(fed.join('\n')).toContain(value);
  });
});
