import { parseConfig } from '../shared/config/config';
import { poolConfigFromUrl } from '../shared/db/connection-options';
import type { Command } from './commands';
import { formatCommand, runSteps, SecretFile } from './commands';
import { generateSecrets, main, secretsSteps, smtpUrlFromEnvironment } from './secrets';
import { readSettings } from './settings';
import { parsePrinted, printedBy } from './testing/printed-commands';

const settings = readSettings({}, {}, { dryRun: true });

describe('secrets', () => {
  it('prints the plan without any secret value', () => {
    const generated = generateSecrets();
    const lines: string[] = [];
    runSteps(secretsSteps(settings, generated), { dryRun: true, print: (line) => lines.push(line) });
    const output = lines.join('\n');
    expect(output).not.toContain(generated.jwtSecret.value);
    expect(output).not.toContain(generated.databasePassword.value);
    expect(output).not.toContain(generated.cardHmacKey.value);

    const printed = parsePrinted(lines);
    expect(
      printed.map((command) =>
        command.words
          .slice(1)
          .filter((word) => !word.startsWith('--'))
          .join(' '),
      ),
    ).toEqual([
      'secrets create jwt-secret',
      'sql users create fulfillment',
      'secrets create database-url',
      'secrets create card-hmac-key',
      'secrets add-iam-policy-binding jwt-secret',
      'secrets add-iam-policy-binding database-url',
      'secrets add-iam-policy-binding card-hmac-key',
    ]);
    for (const binding of printed.slice(4)) {
      expect(binding.flags.get('--member')).toBe('serviceAccount:fulfillment-functions@my-project.iam.gserviceaccount.com');
      expect(binding.flags.get('--role')).toBe('roles/secretmanager.secretAccessor');
    }
  });

  it('hands gcloud a JWT secret and a card key the functions accept, and a database URL for the connector with the new user', async () => {
    const ran: Command[] = [];
    await main(['--project=p'], { print: () => undefined, env: {}, exec: (command, quiet) => (quiet ? 1 : (ran.push(command), 0)) });

    const jwt = ran.find((command) => command.args.includes('jwt-secret') && command.args.includes('create'))!;
    expect(jwt.stdin!.value.length).toBeGreaterThanOrEqual(32); // config.ts requires 32 characters
    const cardKey = ran.find((command) => command.args.includes('card-hmac-key') && command.args.includes('create'))!;
    expect(parseConfig({ CARD_HMAC_KEY: cardKey.stdin!.value }, { database: false, cardKey: true }).CARD_HMAC_KEY).toBe(cardKey.stdin!.value);
    expect(Buffer.from(cardKey.stdin!.value, 'base64')).toHaveLength(32);

    const user = ran.find((command) => command.args[0] === 'sql')!;
    // gcloud sql users create takes the password only as a flag: it comes in a flags file, never on the command line.
    expect(user.args.filter((arg) => typeof arg === 'string' && arg.startsWith('--password'))).toEqual([]);
    const flagsFile = user.args.find((arg): arg is SecretFile => arg instanceof SecretFile)!;
    expect(flagsFile.flag).toBe('--flags-file');
    const password = (JSON.parse(flagsFile.content.value) as Record<string, string>)['--password'];
    const url = ran.find((command) => command.args.includes('database-url') && command.args.includes('create'))!.stdin!.value;
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
    await main(['--project=p'], { print: () => undefined, env: {}, exec: (command, quiet) => (quiet ? 0 : (ran.push(formatCommand(command)), 0)) });
    expect(ran.every((line) => line.includes('add-iam-policy-binding'))).toBe(true);
  });

  it('generates fresh secrets on each run', () => {
    expect(generateSecrets().jwtSecret.value).not.toBe(generateSecrets().jwtSecret.value);
  });
});

describe('secrets --rotate-jwt', () => {
  it('adds a new jwt-secret version from stdin and touches nothing else', async () => {
    const ran: Command[] = [];
    const lines: string[] = [];
    await main(['--project=p', '--rotate-jwt'], { print: (line) => lines.push(line), env: {}, exec: (command) => (ran.push(command), 0) });
    expect(ran.map(formatCommand)).toEqual([
      'gcloud secrets versions add jwt-secret --data-file=- --project=p  # stdin: <jwt secret: 48 random bytes, base64>',
    ]);
    expect(ran[0].stdin!.value.length).toBeGreaterThanOrEqual(32);
    expect(lines.join('\n')).not.toContain(ran[0].stdin!.value);
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
        expect.stringMatching(/^gcloud secrets add-iam-policy-binding smtp-url .*--member=serviceAccount:fulfillment-functions@/),
      ]),
    );
    expect(lines.join('\n')).not.toMatch(/jwt-secret|database-url/);
  });

  it('adds a version when smtp-url exists, with the value itself on stdin', async () => {
    const ran: Command[] = [];
    await main(['--smtp-url', '--project=p'], { print: () => undefined, env: { SMTP_URL: relay }, exec: (command) => (ran.push(command), 0) });
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
});
