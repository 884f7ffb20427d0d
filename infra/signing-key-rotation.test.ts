import { createPublicKey } from 'node:crypto';
import { registry } from '../functions/registry';
import { keyIdOf } from '../shared/auth/signing-key-pairs';
import type { Io } from './cli';
import { formatCommand, materialize } from './commands';
import { main as deploy } from './deploy';
import { main as secrets } from './secrets';
import { KEY_LIFETIME_SECONDS } from './signing-key-rotation';
import { FakeSecretManager } from './testing/fake-secret-manager';
import { gcloudDictionary, parsePrinted, printedBy } from './testing/printed-commands';

const project = ['--project=p', '--project-number=42', '--ml-service-url=https://ml.example.com'];
const deployFlags = [...project, '--password-reset-link=https://app.example.com/reset/{uid}/{token}/', '--mail-from=no-reply@example.com'];
const HOUR = 3600_000;

/** A project whose secrets live in a fake Secret Manager, and what each function was last deployed with. */
function project_() {
  const gcloud = new FakeSecretManager();
  const lines: string[] = [];
  const io = (): Io => ({
    print: (line) => lines.push(line),
    env: {},
    exec: gcloud.exec,
    execAsync: gcloud.execAsync,
    query: gcloud.query,
    now: () => gcloud.now,
  });
  const deployed = new Map<string, Record<string, string>>();

  const run = async (...flags: string[]) => {
    lines.length = 0;
    await secrets([...project, ...flags], io());
    return [...lines];
  };
  const deployFunctions = async (...names: string[]) => {
    const from = gcloud.ran.length;
    await deploy([...names, ...deployFlags], io());
    for (const command of parsePrinted(gcloud.ran.slice(from).map(formatCommand))) {
      if (command.words.slice(1, 3).join(' ') === 'run deploy' && command.flags.has('--set-secrets')) {
        deployed.set(command.words[3], gcloudDictionary(command.flags.get('--set-secrets') as string));
      }
    }
  };
  const pinned = (name: string, variable: string) => {
    const [secret, version] = deployed.get(name)![variable].split(':');
    return gcloud.payload(secret, version);
  };
  /** The key auth-login signs with, and which functions would refuse a key it signs. */
  const refusing = () => {
    const kid = keyIdOf(createPublicKey(pinned('auth-login', 'SIGNING_PRIVATE_KEY')));
    return [...deployed.keys()].filter((name) => !(kid in (JSON.parse(pinned(name, 'SIGNING_PUBLIC_KEYS')) as object)));
  };
  const accepted = (name: string) => Object.keys(JSON.parse(pinned(name, 'SIGNING_PUBLIC_KEYS')) as object);

  return { gcloud, run, deployFunctions, refusing, accepted, pinned };
}

const signingKid = (pem: string) => keyIdOf(createPublicKey(pem));

describe('signing key rotation, run against a fake Secret Manager', () => {
  it('moves signing to a new key and retires the old one with every function accepting what auth-login signs at every step', async () => {
    const { gcloud, run, deployFunctions, refusing, accepted, pinned } = project_();
    await run();
    gcloud.add('smtp-url', 'smtp://user:password@smtp.example.com:587');
    await deployFunctions('--all');
    const oldKid = signingKid(pinned('auth-login', 'SIGNING_PRIVATE_KEY'));
    expect(refusing()).toEqual([]);

    // Step 1: a new pair, published; its private key added and disabled at once.
    const rotated = await run('--rotate-signing-key');
    expect(gcloud.states('signing-private-key')).toEqual(['1:enabled', '2:disabled']);
    const published = JSON.parse(gcloud.payload('signing-public-keys', 2)) as Record<string, string>;
    const newKid = signingKid(gcloud.secrets.get('signing-private-key')![1].payload);
    expect(Object.keys(published)).toEqual([oldKid, newKid]);
    expect(rotated).toContain('# Next: npm run deploy -- --all (every function accepts the new key), then npm run deploy:secrets -- --sign-with-new-key');

    // Step 2: every function accepts both keys; auth-login still signs with the old one.
    await deployFunctions('--all');
    expect(signingKid(pinned('auth-login', 'SIGNING_PRIVATE_KEY'))).toBe(oldKid);
    for (const definition of registry.filter((entry) => entry.name !== 'docs')) expect(accepted(definition.name)).toEqual([oldKid, newKid]);
    expect(refusing()).toEqual([]);

    // Step 3: the new key signs once the functions that sign are deployed.
    const switched = await run('--sign-with-new-key');
    expect(gcloud.states('signing-private-key')).toEqual(['1:enabled', '2:enabled']);
    expect(switched).toContain('# Next: npm run deploy -- auth-login (new keys are signed with signing-private-key:2 from then on).');
    expect(switched.join('\n')).toContain(`no earlier than ${new Date(gcloud.now + KEY_LIFETIME_SECONDS * 1000).toISOString()}`);
    await deployFunctions('auth-login');
    expect(signingKid(pinned('auth-login', 'SIGNING_PRIVATE_KEY'))).toBe(newKid);
    expect(refusing()).toEqual([]);

    // Step 4, a key lifetime later: only the new key published, the old private key disabled.
    gcloud.now += KEY_LIFETIME_SECONDS * 1000 + HOUR;
    await run('--retire-old-signing-keys');
    expect(Object.keys(JSON.parse(gcloud.payload('signing-public-keys', 3)) as object)).toEqual([newKid]);
    expect(gcloud.states('signing-private-key')).toEqual(['1:disabled', '2:enabled']);
    await deployFunctions('--all');
    for (const definition of registry.filter((entry) => entry.name !== 'docs')) expect(accepted(definition.name)).toEqual([newKid]);
    expect(refusing()).toEqual([]);
    expect(await run('--retire-old-signing-keys')).toContain('# Nothing to retire: only the signing key is published, and no older private key is enabled.');

    // No private key went on a command line or the screen: only to gcloud's standard input.
    const argv = gcloud.ran.map((command) => materialize(command).argv.join(' ')).join('\n');
    expect(argv).not.toContain('PRIVATE KEY');
    expect(gcloud.ran.filter((command) => command.stdin?.value.includes('PRIVATE KEY'))).toHaveLength(2);
  });

  it('refuses each step out of turn', async () => {
    const { gcloud, run } = project_();
    await expect(run('--rotate-signing-key')).rejects.toThrow('signing-private-key has no enabled version: run npm run deploy:secrets');
    await run();
    await expect(run('--sign-with-new-key')).rejects.toThrow(
      'No signing-private-key version newer than the signing key is disabled: nothing to sign with. Start with npm run deploy:secrets -- --rotate-signing-key',
    );

    await run('--rotate-signing-key');
    const changes = gcloud.ran.length;
    await expect(run('--rotate-signing-key')).rejects.toThrow(
      'signing-private-key version 2 is newer than the signing key and disabled: a rotation is under way',
    );
    // Retiring before the switch would unpublish the key about to sign.
    gcloud.now += 10 * KEY_LIFETIME_SECONDS * 1000;
    await expect(run('--retire-old-signing-keys')).rejects.toThrow('signing-private-key version 2 is disabled and not yet signing');
    expect(gcloud.ran.slice(changes).filter((command) => !['list', 'access'].includes(command.args[2] as string))).toEqual([]);
    expect(gcloud.states('signing-private-key')).toEqual(['1:enabled', '2:disabled']);
  });

  it('says so loudly when the new private key could not be disabled', async () => {
    const { gcloud, run } = project_();
    await run();
    const exec = gcloud.exec;
    gcloud.exec = (command, quiet) => (command.args[2] === 'disable' ? 1 : exec(command, quiet));
    await expect(run('--rotate-signing-key')).rejects.toThrow('signing-private-key:2 is enabled: disable it before any deploy');
  });

  it('refuses to retire the old key within a key lifetime of the new one', async () => {
    const { gcloud, run } = project_();
    await run();
    await run('--rotate-signing-key');
    await run('--sign-with-new-key');
    gcloud.now += KEY_LIFETIME_SECONDS * 1000 - HOUR;
    const until = new Date(Date.parse('2026-01-01T00:00:00Z') + KEY_LIFETIME_SECONDS * 1000).toISOString();
    await expect(run('--retire-old-signing-keys')).rejects.toThrow(`Too early: keys signed with the previous key may be valid until ${until} at the least`);
    expect(gcloud.states('signing-private-key')).toEqual(['1:enabled', '2:enabled']);
    expect(gcloud.secrets.get('signing-public-keys')).toHaveLength(2);
  });

  it('refuses to retire keys while the signing key is not published', async () => {
    const { gcloud, run } = project_();
    await run();
    await run('--rotate-signing-key');
    await run('--sign-with-new-key');
    // Someone published a set without the new key.
    gcloud.add('signing-public-keys', gcloud.payload('signing-public-keys', 1));
    gcloud.now += KEY_LIFETIME_SECONDS * 1000 + HOUR;
    await expect(run('--retire-old-signing-keys')).rejects.toThrow(/^signing-public-keys:3 lacks the signing key \(kid [\w-]+\): run npm run deploy -- --all/);
    expect(gcloud.states('signing-private-key')).toEqual(['1:enabled', '2:enabled']);
  });
});

describe('signing key rotation --dry-run', () => {
  const commands = async (flag: string) =>
    parsePrinted(await printedBy(secrets, ['--dry-run', flag])).map((command) => command.line.replace(/kid [\w-]{43}/g, 'kid K'));

  it('--rotate-signing-key reads the published set, adds it with the new key, adds the private key and disables it', async () => {
    expect(await commands('--rotate-signing-key')).toEqual([
      "gcloud secrets versions list signing-private-key --project=my-project '--filter=NOT state:destroyed' '--format=value(name,state,createTime)'",
      "gcloud secrets versions list signing-public-keys --project=my-project --filter=state:enabled '--sort-by=~createTime' --limit=1 '--format=value(name)'",
      "gcloud secrets versions access '<newest-enabled-version>' --secret=signing-public-keys --project=my-project",
      'gcloud secrets versions add signing-public-keys --data-file=- --project=my-project  # stdin: <signing-public-keys: the keys of version <newest-enabled-version> and kid K>',
      'gcloud secrets versions add signing-private-key --data-file=- --project=my-project  # stdin: <signing private key: EC P-256, PKCS#8 PEM, kid K>',
      "gcloud secrets versions list signing-private-key --project=my-project '--filter=NOT state:destroyed' '--format=value(name,state,createTime)'",
      "gcloud secrets versions disable '<the version just added>' --secret=signing-private-key --project=my-project --quiet",
    ]);
  });

  it('--sign-with-new-key enables the newest version', async () => {
    expect(await commands('--sign-with-new-key')).toEqual([
      "gcloud secrets versions list signing-private-key --project=my-project '--filter=NOT state:destroyed' '--format=value(name,state,createTime)'",
      "gcloud secrets versions enable '<the newest version, disabled>' --secret=signing-private-key --project=my-project --quiet",
    ]);
  });

  it('--retire-old-signing-keys publishes only the signing key and disables the older private keys', async () => {
    expect(await commands('--retire-old-signing-keys')).toEqual([
      "gcloud secrets versions list signing-private-key --project=my-project '--filter=NOT state:destroyed' '--format=value(name,state,createTime)'",
      "gcloud secrets versions access '<newest-enabled-version>' --secret=signing-private-key --project=my-project",
      "gcloud secrets versions list signing-public-keys --project=my-project --filter=state:enabled '--sort-by=~createTime' --limit=1 '--format=value(name)'",
      "gcloud secrets versions access '<newest-enabled-version>' --secret=signing-public-keys --project=my-project",
      'gcloud secrets versions add signing-public-keys --data-file=- --project=my-project  # stdin: <signing-public-keys: only the key of version <newest-enabled-version>>',
      "gcloud secrets versions disable '<each older enabled version>' --secret=signing-private-key --project=my-project --quiet",
    ]);
  });
});
