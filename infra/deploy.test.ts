import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { registry } from '../functions/registry';
import type { Command } from './commands';
import { formatCommand } from './commands';
import { main } from './deploy';
import { RESERVED_ENV } from './deploy-plan';
import { deploySettingsOf, functionUrl, minInstancesOf, readSettings, startupCpuBoost } from './settings';
import { gcloudDictionary, parsePrinted, printedBy, shellWords } from './testing/printed-commands';

const dryRun = ['--dry-run', '--allowed-origins=https://app.example.com,https://admin.example.com'];
const settings = readSettings({}, {}, { dryRun: true });

async function plannedDeploys(argv: string[]) {
  const printed = parsePrinted(await printedBy(main, argv));
  return {
    deploys: printed.filter((command) => command.words.slice(0, 3).join(' ') === 'gcloud run deploy'),
    bindings: printed.filter((command) => command.words.slice(0, 4).join(' ') === 'gcloud run services add-iam-policy-binding'),
    printed,
  };
}

describe('deploy --all --dry-run', () => {
  it('deploys every registry entry exactly once, as its own entry point, with its settings', async () => {
    const { deploys } = await plannedDeploys(['--all', ...dryRun]);
    expect(deploys.map((command) => command.words[3]).sort()).toEqual(registry.map((definition) => definition.name).sort());

    for (const definition of registry) {
      const { flags } = deploys.find((command) => command.words[3] === definition.name)!;
      const expected = deploySettingsOf(definition);
      expect(flags.get('--function')).toBe(definition.name);
      expect(flags.get('--source')).toBe('.');
      expect(flags.get('--base-image')).toBe('nodejs24');
      expect(flags.get('--no-allow-unauthenticated')).toBe(true);
      expect(flags.get('--memory')).toBe(expected.memory.replace(/B$/, ''));
      expect(flags.get('--timeout')).toBe(`${expected.timeoutSeconds}s`);
      expect(flags.get('--concurrency')).toBe(String(expected.concurrency));
      expect(flags.get('--max-instances')).toBe(String(expected.maxInstances));
      // Every one stated, so a redeploy inherits nothing: scale to zero unless asked.
      expect(flags.get('--min-instances')).toBe('0');
      // Builds run as the account that may only build, not the Compute Engine default account.
      expect(flags.get('--build-service-account')).toBe('projects/my-project/serviceAccounts/fulfillment-builder@my-project.iam.gserviceaccount.com');
      // The gateway and the scheduler call from outside any VPC; IAM is the gate.
      expect(flags.get('--ingress')).toBe('all');
    }
  });

  it('keeps --min-instances warm for every function a person waits on, never for the scheduled seed', async () => {
    const { deploys } = await plannedDeploys(['--all', ...dryRun, '--min-instances=1']);
    for (const definition of registry) {
      const { flags } = deploys.find((command) => command.words[3] === definition.name)!;
      expect([definition.name, flags.get('--min-instances')]).toEqual([definition.name, definition.auth === 'scheduler' ? '0' : '1']);
    }
  });

  it('lets a registry entry set its own warm instances over MIN_INSTANCES', () => {
    const purchase = registry.find((definition) => definition.name === 'assets-purchase')!;
    expect(minInstancesOf({ ...purchase, deploy: { ...purchase.deploy, minInstances: 2 } }, { minInstances: 1 })).toBe(2);
    expect(minInstancesOf(purchase, { minInstances: 1 })).toBe(1);
  });

  it('gives database functions the Cloud SQL connector’s instance and their secrets, and the others neither', async () => {
    const { deploys } = await plannedDeploys(['--all', ...dryRun]);
    for (const definition of registry) {
      const { flags } = deploys.find((command) => command.words[3] === definition.name)!;
      const env = gcloudDictionary(flags.get('--set-env-vars') as string);
      expect(env.ALLOWED_ORIGINS).toBe('https://app.example.com,https://admin.example.com');
      expect(env.GOOGLE_CLOUD_PROJECT).toBe('my-project');
      // The heap bounds the bench measured with (docs/performance.md).
      expect(env.NODE_OPTIONS).toBe('--max-semi-space-size=8 --max-old-space-size=192');
      expect(env.NODE_COMPILE_CACHE).toBe('dist/.compile-cache');
      if (deploySettingsOf(definition).database) {
        // The connector, not Cloud Run's /cloudsql socket (the Auth Proxy in socket mode, docs/database.md); a socket an older revision mounted is removed.
        expect(env.INSTANCE_CONNECTION_NAME).toBe('my-project:europe-west1:fulfillment');
        expect(env.CLOUD_SQL_IP_TYPE).toBe('PUBLIC');
        expect(flags.has('--clear-cloudsql-instances')).toBe(true);
        expect(flags.has('--set-cloudsql-instances') || flags.has('--add-cloudsql-instances')).toBe(false);
        // Pinned: a dry run shows where the looked-up version numbers go.
        expect(gcloudDictionary(flags.get('--set-secrets') as string)).toEqual({
          DATABASE_URL: 'database-url:<newest-enabled-version>',
          SIGNING_PUBLIC_KEYS: 'signing-public-keys:<newest-enabled-version>',
          // The signing private key only where keys are issued, the reset key only where reset links are made or checked.
          ...(deploySettingsOf(definition).signs ? { SIGNING_PRIVATE_KEY: 'signing-private-key:<newest-enabled-version>' } : {}),
          ...(deploySettingsOf(definition).resetKey ? { PASSWORD_RESET_KEY: 'password-reset-key:<newest-enabled-version>' } : {}),
          ...(deploySettingsOf(definition).cardKey ? { CARD_HMAC_KEY: 'card-hmac-key:<newest-enabled-version>' } : {}),
          // The mail relay's credentials only where mail is sent.
          ...(deploySettingsOf(definition).mail ? { SMTP_URL: 'smtp-url:<newest-enabled-version>' } : {}),
        });
        expect(env.DATABASE_POOL_SIZE).toBe('5');
      } else {
        expect(flags.has('--set-cloudsql-instances')).toBe(false);
        expect(env.INSTANCE_CONNECTION_NAME).toBeUndefined();
        expect(flags.has('--set-secrets')).toBe(false);
        expect(env.DATABASE_POOL_SIZE).toBeUndefined();
      }
      // Only the functions that call the ML service are told where it is (and check it at start).
      expect(env.ML_SERVICE_URL).toBe(deploySettingsOf(definition).ml ? 'https://ipre.example.com' : undefined);
      expect([env.PASSWORD_RESET_LINK, env.MAIL_FROM]).toEqual(
        deploySettingsOf(definition).mail ? ['https://app.example.com/password-reset/confirm/{uid}/{token}/', 'no-reply@example.com'] : [undefined, undefined],
      );
    }
    expect(registry.filter((definition) => deploySettingsOf(definition).mail).map((definition) => definition.name)).toEqual(['auth-password-reset']);
    expect(registry.some((definition) => !deploySettingsOf(definition).database)).toBe(true);
  });

  it('lets the gateway invoke client functions and only the scheduler invoke scheduled ones', async () => {
    const { bindings, deploys } = await plannedDeploys(['--all', ...dryRun]);
    expect(bindings.map((command) => command.words[4]).sort()).toEqual(registry.map((definition) => definition.name).sort());
    for (const definition of registry) {
      const { flags } = bindings.find((command) => command.words[4] === definition.name)!;
      expect(flags.get('--role')).toBe('roles/run.invoker');
      expect(flags.get('--member')).toBe(
        definition.auth === 'scheduler'
          ? 'serviceAccount:demo-seeder@my-project.iam.gserviceaccount.com'
          : 'serviceAccount:api-gateway@my-project.iam.gserviceaccount.com',
      );
    }

    const scheduled = registry.filter((definition) => definition.auth === 'scheduler');
    expect(scheduled.length).toBeGreaterThan(0);
    for (const definition of scheduled) {
      const env = gcloudDictionary(deploys.find((command) => command.words[3] === definition.name)!.flags.get('--set-env-vars') as string);
      expect(env.SCHEDULER_AUDIENCE).toBe(functionUrl(settings, definition.name));
      expect(env.SCHEDULER_SERVICE_ACCOUNT).toBe('demo-seeder@my-project.iam.gserviceaccount.com');
    }
  });

  it('sets no variable Cloud Run reserves for itself (FUNCTION_TARGET comes from --function)', async () => {
    const { deploys } = await plannedDeploys(['--all', ...dryRun]);
    for (const { flags } of deploys) {
      const names = Object.keys(gcloudDictionary(flags.get('--set-env-vars') as string));
      expect(names.filter((name) => RESERVED_ENV.includes(name) || name.startsWith('X_GOOGLE_'))).toEqual([]);
    }
  });

  it('boosts the CPU at start for what users wait on, and not for the scheduled job', async () => {
    const { deploys } = await plannedDeploys(['--all', ...dryRun]);
    for (const definition of registry) {
      const { flags } = deploys.find((command) => command.words[3] === definition.name)!;
      expect({ name: definition.name, boost: flags.has('--cpu-boost'), noBoost: flags.has('--no-cpu-boost') }).toEqual({
        name: definition.name,
        boost: startupCpuBoost(definition),
        noBoost: !startupCpuBoost(definition),
      });
    }
    expect(startupCpuBoost(registry.find((definition) => definition.name === 'seed-demo-users')!)).toBe(false);
    expect(startupCpuBoost(registry.find((definition) => definition.name === 'auth-login')!)).toBe(true);
  });

  it('mounts the card-number HMAC key only in the functions that hash a card number', () => {
    expect(registry.filter((definition) => deploySettingsOf(definition).cardKey).map((definition) => definition.name)).toEqual([
      'seed-demo-users',
      'wallets-create',
    ]);
  });

  it('looks the newest enabled version of each secret up before deploying, and only the secrets', async () => {
    const { printed } = await plannedDeploys(['--all', ...dryRun]);
    const lookups = printed.filter((command) => command.words.slice(1, 4).join(' ') === 'secrets versions list');
    const lookup = (secret: string) =>
      `gcloud secrets versions list ${secret} --project=my-project --filter=state:enabled '--sort-by=~createTime' --limit=1 '--format=value(name)'`;
    expect(lookups.map((command) => command.line)).toEqual(
      ['database-url', 'signing-public-keys', 'signing-private-key', 'password-reset-key', 'card-hmac-key', 'smtp-url'].map(lookup),
    );
    expect(printed.indexOf(lookups.at(-1)!)).toBeLessThan(printed.findIndex((command) => command.words[2] === 'deploy'));
  });

  it('mounts the signing private key on auth-login alone, the reset key on the two reset functions, and no JWT secret anywhere', async () => {
    const { deploys } = await plannedDeploys(['--all', ...dryRun]);
    const mounting = (variable: string) =>
      deploys
        .filter((command) => variable in gcloudDictionary((command.flags.get('--set-secrets') as string | undefined) ?? '='))
        .map((command) => command.words[3])
        .sort();
    expect(mounting('SIGNING_PRIVATE_KEY')).toEqual(['auth-login']);
    expect(mounting('PASSWORD_RESET_KEY')).toEqual(['auth-password-reset', 'auth-password-reset-confirm']);
    expect(mounting('SIGNING_PUBLIC_KEYS')).toEqual(
      registry
        .filter((definition) => definition.name !== 'docs')
        .map((definition) => definition.name)
        .sort(),
    );
    expect(deploys.map((command) => command.line).join('\n')).not.toMatch(/JWT_SECRET|jwt-secret/);
  });

  it('runs each function with a secret of its own as its own account, the other database functions as the shared one', async () => {
    const { deploys } = await plannedDeploys(['--all', ...dryRun]);
    const own = ['auth-login', 'auth-password-reset', 'auth-password-reset-confirm', 'seed-demo-users', 'wallets-create'];
    for (const definition of registry) {
      const { flags } = deploys.find((command) => command.words[3] === definition.name)!;
      const expected = own.includes(definition.name)
        ? `fn-${definition.name}@my-project.iam.gserviceaccount.com`
        : definition.name === 'docs'
          ? 'fulfillment-docs@my-project.iam.gserviceaccount.com'
          : 'fulfillment-functions@my-project.iam.gserviceaccount.com';
      expect([definition.name, flags.get('--service-account')]).toEqual([definition.name, expected]);
    }
  });

  it('knows every function that issues keys: exactly those whose handler calls issueToken are `signs`', () => {
    const functionsDir = path.resolve(__dirname, '../functions');
    const issuing = readdirSync(functionsDir, { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .filter((entry) =>
        readdirSync(path.join(functionsDir, entry.name))
          .filter((file) => file.endsWith('.ts') && !file.endsWith('.test.ts'))
          .some((file) => /\bissueToken\b/.test(readFileSync(path.join(functionsDir, entry.name, file), 'utf8'))),
      )
      .map((entry) => entry.name);
    expect(issuing).toContain('auth-login');
    expect(
      registry
        .filter((definition) => deploySettingsOf(definition).signs)
        .map((definition) => definition.name)
        .sort(),
    ).toEqual(issuing.sort());
  });

  it('prints the fleet connection budget before any command', async () => {
    const lines = await printedBy(main, ['--all', ...dryRun]);
    expect(lines[0]).toMatch(/^# Cloud SQL connections: Σ max-instances × pool size = \d+ .* fits max_connections 4000$/);
  });
});

describe('deploy selection', () => {
  it('deploys only the named functions', async () => {
    const { deploys } = await plannedDeploys(['auth-login', 'docs', '--dry-run']);
    expect(deploys.map((command) => command.words[3])).toEqual(['auth-login', 'docs']);
  });

  it('needs no secret lookup for docs alone', async () => {
    const { printed } = await plannedDeploys(['docs', '--dry-run']);
    expect(printed.filter((command) => command.words[1] === 'secrets')).toEqual([]);
  });

  it('refuses an unknown name and lists the registered ones', async () => {
    await expect(printedBy(main, ['auth-logn', '--dry-run'])).rejects.toThrow(/Unknown function\(s\): auth-logn\. Registered: auth-login, /);
  });

  it('needs exactly one way of choosing', async () => {
    await expect(printedBy(main, ['--dry-run'])).rejects.toThrow(/one of the three/);
    await expect(printedBy(main, ['auth-login', '--all', '--dry-run'])).rejects.toThrow(/one of the three/);
  });
});

describe('deploy safeguards', () => {
  it('refuses, before running anything, a fleet that could exhaust Cloud SQL connections', async () => {
    const ran: Command[] = [];
    const lines: string[] = [];
    await expect(
      main(['--all', '--max-connections=100', '--project=p', '--project-number=1', '--ml-service-url=https://ml'], {
        print: (line) => lines.push(line),
        env: {},
        exec: (command) => (ran.push(command), 0),
      }),
    ).rejects.toThrow(/EXCEEDS max_connections 100/);
    expect(ran).toEqual([]);
    expect(lines).toEqual([]);
  });

  it('will not guess the project, its number or the ML service for a real deploy', async () => {
    await expect(printedBy(main, ['--all'])).rejects.toThrow(
      'Missing settings: --project (or PROJECT_ID), --project-number (or PROJECT_NUMBER), --ml-service-url (or ML_SERVICE_URL)',
    );
  });

  const real = [
    '--all',
    '--project=p',
    '--project-number=42',
    '--ml-service-url=https://ml.example.com',
    '--password-reset-link=https://app.example.com/reset/{uid}/{token}/',
    '--mail-from=no-reply@example.com',
  ];
  const VERSIONS: Record<string, string> = {
    'database-url': '3',
    'signing-public-keys': '9',
    'signing-private-key': '7',
    'password-reset-key': '4',
    'card-hmac-key': '2',
    'smtp-url': '5',
  };
  const versions =
    (missing = '') =>
    (command: Command) => {
      const secret = command.args[3] as string;
      return secret === missing ? '' : `projects/42/secrets/${secret}/versions/${VERSIONS[secret]}\n`;
    };

  it('runs in a real deploy the commands a dry run prints, with the looked-up versions pinned', async () => {
    const planned = (await printedBy(main, [...real, '--dry-run'])).filter((line) => !line.startsWith('#'));

    const ran: string[] = [];
    const lookedUp: string[] = [];
    await main(real, {
      print: () => undefined,
      env: {},
      exec: (command) => (ran.push(formatCommand(command)), 0),
      query: (command) => (lookedUp.push(formatCommand(command)), versions()(command)),
    });
    // Compared word by word: a placeholder needs shell quotes that a number does not.
    const words = (line: string) =>
      shellWords(line)
        .join(' ')
        .replace(/([a-z-]+):<newest-enabled-version>/g, (_match, secret: string) => `${secret}:${VERSIONS[secret]}`);
    expect([...lookedUp, ...ran].map(words).sort()).toEqual(planned.map(words).sort());
    expect(ran.join('\n')).toContain('SIGNING_PRIVATE_KEY=signing-private-key:7');
  });

  it('pins the newest enabled version of each secret a function mounts, and only those', async () => {
    const ran: Command[] = [];
    await main(['auth-login', ...real.slice(1)], { print: () => undefined, env: {}, exec: (command) => (ran.push(command), 0), query: versions() });
    const printed = parsePrinted(ran.map(formatCommand));
    expect(gcloudDictionary(printed[0].flags.get('--set-secrets') as string)).toEqual({
      DATABASE_URL: 'database-url:3',
      SIGNING_PUBLIC_KEYS: 'signing-public-keys:9',
      SIGNING_PRIVATE_KEY: 'signing-private-key:7',
    });
  });

  it('looks up smtp-url only when a function that mails is deployed, and says how to create it', async () => {
    const lookedUp: string[] = [];
    const query = (command: Command) => (lookedUp.push(command.args[3] as string), versions()(command));
    await main(['auth-user', ...real.slice(1)], { print: () => undefined, env: {}, exec: () => 0, query });
    expect(lookedUp).toEqual(['database-url', 'signing-public-keys']);
    await expect(
      main(['auth-password-reset', ...real.slice(1)], { print: () => undefined, env: {}, exec: () => 0, query: versions('smtp-url') }),
    ).rejects.toThrow('Secret smtp-url has no enabled version: run npm run deploy:secrets -- --smtp-url');
  });

  it('will not deploy a function that mails without the reset link or the From address', async () => {
    const withoutFrom = real.filter((arg) => !arg.startsWith('--mail-from'));
    await expect(main(['auth-password-reset', ...withoutFrom.slice(1)], { print: () => undefined, env: {}, exec: () => 0, query: versions() })).rejects.toThrow(
      'auth-password-reset sends mail: --mail-from (or MAIL_FROM) is required',
    );
    const withoutLink = real.filter((arg) => !arg.startsWith('--password-reset-link'));
    await expect(main(['auth-password-reset', ...withoutLink.slice(1)], { print: () => undefined, env: {}, exec: () => 0, query: versions() })).rejects.toThrow(
      'auth-password-reset mails a reset link: --password-reset-link (or PASSWORD_RESET_LINK) is required',
    );
  });

  it('refuses to deploy without an enabled secret version', async () => {
    await expect(main(real, { print: () => undefined, env: {}, exec: () => 0, query: versions('signing-private-key') })).rejects.toThrow(
      'Secret signing-private-key has no enabled version: run npm run deploy:secrets',
    );
  });

  it('reports a failed function after the others finish and exits non-zero', async () => {
    const attempted: string[] = [];
    const lines: string[] = [];
    await expect(
      main([...real, '--parallel=3'], {
        print: (line) => lines.push(line),
        env: {},
        query: versions(),
        execAsync: async (command) => (attempted.push(command.args.slice(0, 3).join(' ')), command.args[2] === 'wallets-list' ? 1 : 0),
      }),
    ).rejects.toThrow('Failed to deploy wallets-list; the others were deployed');
    const deployed = attempted.filter((call) => call.startsWith('run deploy')).map((call) => call.split(' ')[2]);
    expect(deployed.sort()).toEqual(registry.map((definition) => definition.name).sort());
    expect(lines).toContain(
      '[wallets-list] FAILED (exit 1): ' + lines.find((line) => line.startsWith('[wallets-list] gcloud run deploy'))!.slice('[wallets-list] '.length),
    );
  });

  it('wants --parallel to be a positive whole number', async () => {
    await expect(printedBy(main, ['--all', '--dry-run', '--parallel=0'])).rejects.toThrow('--parallel must be a whole number of at least 1');
  });
});
