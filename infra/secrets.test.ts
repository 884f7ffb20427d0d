import { createPrivateKey, createPublicKey, sign, verify } from 'node:crypto';
import { keyIdOf } from '../shared/auth/signing-key-pairs';
import { parseConfig } from '../shared/config/config';
import { poolConfigFromUrl } from '../shared/db/connection-options';
import type { Command } from './commands';
import { formatCommand, runSteps, SecretFile } from './commands';
import { generateSecrets, main, secretsSteps, smtpUrlFromEnvironment } from './secrets';
import { readSettings } from './settings';
import { FakeSecretManager } from './testing/fake-secret-manager';
import { parsePrinted, printedBy } from './testing/printed-commands';

const settings = readSettings({}, {}, { dryRun: true });

const account = (id: string) => `serviceAccount:${id}@my-project.iam.gserviceaccount.com`;

describe('secrets', () => {
  it('prints the plan without any secret value', () => {
    const generated = generateSecrets();
    const lines: string[] = [];
    runSteps(secretsSteps(settings, generated), { dryRun: true, print: (line) => lines.push(line) });
    const output = lines.join('\n');
    for (const value of [generated.databasePassword, generated.cardHmacKey, generated.passwordResetKey, generated.signingPrivateKey]) {
      expect(output).not.toContain(value.value);
    }
    expect(output).not.toContain('PRIVATE KEY');

    const printed = parsePrinted(lines);
    expect(
      printed
        .filter((command) => command.words[2] !== 'add-iam-policy-binding')
        .map((command) =>
          command.words
            .slice(1)
            .filter((word) => !word.startsWith('--'))
            .join(' '),
        ),
    ).toEqual([
      'sql users create fulfillment',
      'secrets create database-url',
      'secrets create signing-private-key',
      'secrets create signing-public-keys',
      'secrets create password-reset-key',
      'secrets create card-hmac-key',
    ]);
    expect(output).not.toMatch(/jwt-secret/);
  });

  it('lets exactly the accounts of the functions that mount a secret read it: the signing private key, auth-login’s alone', () => {
    const lines: string[] = [];
    runSteps(secretsSteps(settings, generateSecrets()), { dryRun: true, print: (line) => lines.push(line) });
    const bindings = parsePrinted(lines).filter((command) => command.words[2] === 'add-iam-policy-binding');
    for (const binding of bindings) expect(binding.flags.get('--role')).toBe('roles/secretmanager.secretAccessor');
    const readers = (secret: string) =>
      bindings
        .filter((binding) => binding.words[3] === secret)
        .map((binding) => binding.flags.get('--member'))
        .sort();

    expect(readers('signing-private-key')).toEqual([account('fn-auth-login')]);
    expect(readers('password-reset-key')).toEqual([account('fn-auth-password-reset'), account('fn-auth-password-reset-confirm')].sort());
    expect(readers('card-hmac-key')).toEqual([account('fn-seed-demo-users'), account('fn-wallets-create')].sort());
    const everyDatabaseFunction = [
      account('fn-auth-login'),
      account('fn-auth-password-reset'),
      account('fn-auth-password-reset-confirm'),
      account('fn-seed-demo-users'),
      account('fn-wallets-create'),
      account('fulfillment-functions'),
    ].sort();
    expect(readers('database-url')).toEqual(everyDatabaseFunction);
    expect(readers('signing-public-keys')).toEqual(everyDatabaseFunction);
    // The shared account, which most functions run as, can read no secret beyond these two.
    expect(bindings.filter((binding) => binding.flags.get('--member') === account('fulfillment-functions')).map((binding) => binding.words[3])).toEqual([
      'database-url',
      'signing-public-keys',
    ]);
    expect(bindings.map((binding) => binding.words[3])).not.toContain('jwt-secret');
  });

  it('hands gcloud a signing key pair, a reset key and a card key the functions accept, and a database URL for the connector with the new user', async () => {
    const gcloud = new FakeSecretManager();
    await main(['--project=p'], { print: () => undefined, env: {}, exec: gcloud.exec, query: gcloud.query });
    const ran = gcloud.ran;
    const created = (name: string) => ran.find((command) => command.args.includes(name) && command.args.includes('create'))!.stdin!.value;

    const privateKey = createPrivateKey(created('signing-private-key'));
    expect(privateKey.asymmetricKeyDetails).toEqual({ namedCurve: 'prime256v1' });
    expect(created('signing-private-key')).toMatch(/^-----BEGIN PRIVATE KEY-----\n/); // PKCS#8
    const publicKeys = JSON.parse(created('signing-public-keys')) as Record<string, string>;
    const kid = keyIdOf(createPublicKey(privateKey));
    expect(Object.keys(publicKeys)).toEqual([kid]);
    // The published key checks what the private key signs.
    const signature = sign('sha256', Buffer.from('payload'), { key: privateKey, dsaEncoding: 'ieee-p1363' });
    expect(verify('sha256', Buffer.from('payload'), { key: publicKeys[kid], dsaEncoding: 'ieee-p1363' }, signature)).toBe(true);

    expect(Buffer.from(created('password-reset-key'), 'base64')).toHaveLength(32);
    const cardKey = created('card-hmac-key');
    expect(parseConfig({ CARD_HMAC_KEY: cardKey }, { database: false, cardKey: true }).CARD_HMAC_KEY).toBe(cardKey);
    expect(Buffer.from(cardKey, 'base64')).toHaveLength(32);

    const user = ran.find((command) => command.args[0] === 'sql')!;
    // gcloud sql users create takes the password only as a flag: it comes in a flags file, never on the command line.
    expect(user.args.filter((arg) => typeof arg === 'string' && arg.startsWith('--password'))).toEqual([]);
    const flagsFile = user.args.find((arg): arg is SecretFile => arg instanceof SecretFile)!;
    expect(flagsFile.flag).toBe('--flags-file');
    const password = (JSON.parse(flagsFile.content.value) as Record<string, string>)['--password'];
    const url = created('database-url');
    expect(url).toMatch(/^mysql:\/\/fulfillment:[0-9a-f]{48}@cloudsql\/fulfillment$/);
    expect(poolConfigFromUrl(url, { poolSize: 1, connectTimeoutMs: 1 })).toMatchObject({
      user: 'fulfillment',
      password,
      database: 'fulfillment',
    });
    expect(password).toMatch(/^[0-9a-f]{48}$/);
    expect(ran.map(formatCommand).join('\n')).not.toContain(password);
  });

  it('creates neither secret nor user again when they exist', async () => {
    const ran: string[] = [];
    await main(['--project=p'], {
      print: () => undefined,
      env: {},
      exec: (command, quiet) => (quiet ? 0 : (ran.push(formatCommand(command)), 0)),
      query: () => '{}',
    });
    expect(ran.length).toBeGreaterThan(0);
    expect(ran.every((line) => line.includes('add-iam-policy-binding'))).toBe(true);
  });

  it('takes the secrets from any other account, in a project deployed when every function shared one', async () => {
    const gcloud = new FakeSecretManager();
    const shared = 'serviceAccount:fulfillment-functions@p.iam.gserviceaccount.com';
    for (const name of ['database-url', 'card-hmac-key', 'smtp-url']) {
      gcloud.add(name, 'a value from before');
      gcloud.run({ program: 'gcloud', args: ['secrets', 'add-iam-policy-binding', name, `--member=${shared}`, '--role=roles/secretmanager.secretAccessor'] });
    }
    gcloud.run({
      program: 'gcloud',
      args: ['secrets', 'add-iam-policy-binding', 'card-hmac-key', '--member=user:someone@example.com', '--role=roles/secretmanager.secretAccessor'],
    });
    gcloud.run({
      program: 'gcloud',
      args: ['secrets', 'add-iam-policy-binding', 'card-hmac-key', '--member=user:someone@example.com', '--role=roles/secretmanager.admin'],
    });
    const lines: string[] = [];
    // No SMTP_URL needed: smtp-url, which exists, is handed over as it is.
    await main(['--project=p'], { print: (line) => lines.push(line), env: {}, exec: gcloud.exec, query: gcloud.query });
    expect(gcloud.secrets.get('smtp-url')).toHaveLength(1);

    const of = (...ids: string[]) => ids.map((id) => `serviceAccount:${id}@p.iam.gserviceaccount.com`).sort();
    expect(gcloud.members('card-hmac-key')).toEqual(of('fn-seed-demo-users', 'fn-wallets-create'));
    expect(gcloud.members('smtp-url')).toEqual(of('fn-auth-password-reset'));
    expect(gcloud.members('signing-private-key')).toEqual(of('fn-auth-login'));
    expect(gcloud.members('database-url')).toContain(shared);
    // Other roles are not this script's business.
    expect(gcloud.members('card-hmac-key', 'roles/secretmanager.admin')).toEqual(['user:someone@example.com']);
    expect(lines).toContain(
      'gcloud secrets remove-iam-policy-binding card-hmac-key --project=p --member=serviceAccount:fulfillment-functions@p.iam.gserviceaccount.com --role=roles/secretmanager.secretAccessor --quiet',
    );
    // What existed is kept.
    expect(gcloud.payload('database-url', 1)).toBe('a value from before');
  });

  it('--dry-run shows the policies it would read to take a secret from anyone else', async () => {
    const lines = await printedBy(main, ['--dry-run']);
    expect(lines.filter((line) => line.includes('get-iam-policy'))).toEqual(
      ['database-url', 'signing-private-key', 'signing-public-keys', 'password-reset-key', 'card-hmac-key'].map(
        (name) => `gcloud secrets get-iam-policy ${name} --project=my-project --format=json`,
      ),
    );
    expect(lines.at(-1)).toBe(
      '# A real run then removes roles/secretmanager.secretAccessor from anyone else in these policies (bindings with a condition excepted).',
    );
  });

  it('generates fresh secrets on each run', () => {
    expect(generateSecrets().signingPrivateKey.value).not.toBe(generateSecrets().signingPrivateKey.value);
    expect(generateSecrets().passwordResetKey.value).not.toBe(generateSecrets().passwordResetKey.value);
  });
});

describe('secrets --rotate-password-reset-key', () => {
  it('adds a new password-reset-key version from stdin and touches nothing else', async () => {
    const ran: Command[] = [];
    const lines: string[] = [];
    await main(['--project=p', '--rotate-password-reset-key'], { print: (line) => lines.push(line), env: {}, exec: (command) => (ran.push(command), 0) });
    expect(ran.map(formatCommand)).toEqual([
      'gcloud secrets versions add password-reset-key --data-file=- --project=p  # stdin: <password reset key: 32 random bytes, base64>',
    ]);
    expect(Buffer.from(ran[0].stdin!.value, 'base64')).toHaveLength(32);
    expect(lines.join('\n')).not.toContain(ran[0].stdin!.value);
    expect(lines).toContain('# Next: npm run deploy -- auth-password-reset auth-password-reset-confirm (reset links sent before stop working)');
  });
});

describe('secrets --smtp-url', () => {
  const relay = 'smtp://apikey:SG.very-secret-key@smtp.sendgrid.net:587';

  it('stores SMTP_URL from the environment on stdin, never printed, readable by the functions', async () => {
    const lines = await printedBy(main, ['--smtp-url', '--dry-run'], { SMTP_URL: relay });
    expect(lines.join('\n')).not.toContain('very-secret-key');
    expect(lines).toEqual(
      expect.arrayContaining([
        'gcloud secrets create smtp-url --replication-policy=automatic --data-file=- --project=my-project  # stdin: <SMTP_URL: smtp://…@smtp.sendgrid.net:587>',
      ]),
    );
    // Readable by the account of the one function that mails, not by the shared one.
    expect(
      parsePrinted(lines)
        .filter((command) => command.words[2] === 'add-iam-policy-binding')
        .map((command) => command.flags.get('--member')),
    ).toEqual([account('fn-auth-password-reset')]);
    expect(lines.join('\n')).not.toMatch(/signing|database-url/);
  });

  it('adds a version when smtp-url exists, with the value itself on stdin', async () => {
    const ran: Command[] = [];
    await main(['--smtp-url', '--project=p'], {
      print: () => undefined,
      env: { SMTP_URL: relay },
      exec: (command) => (ran.push(command), 0),
      query: () => '{}',
    });
    const added = ran.find((command) => command.args.slice(0, 3).join(' ') === 'secrets versions add')!;
    expect(added.args).toContain('smtp-url');
    expect(added.stdin?.value).toBe(relay);
    expect(ran.flatMap((command) => command.args).join(' ')).not.toContain('very-secret-key');
  });

  it.each([undefined, '', 'https://smtp.example.com', 'not a url'])('refuses SMTP_URL=%p', (value) => {
    expect(() => smtpUrlFromEnvironment(value === undefined ? {} : { SMTP_URL: value })).toThrow('--smtp-url reads SMTP_URL from the environment');
  });
});

describe('secrets CLI', () => {
  it('needs only the project for a real run', async () => {
    await expect(printedBy(main, [])).rejects.toThrow('Missing settings: --project (or PROJECT_ID)');
  });

  it('does one thing at a time', async () => {
    await expect(printedBy(main, ['--dry-run', '--smtp-url', '--rotate-signing-key'])).rejects.toThrow('One of --smtp-url, --rotate-signing-key at a time');
  });
});
