import { registry } from '../functions/registry';
import type { Command } from './commands';
import { formatCommand } from './commands';
import { main } from './deploy';
import { deploySettingsOf, functionUrl, readSettings } from './settings';
import { gcloudDictionary, parsePrinted, printedBy } from './testing/printed-commands';

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
      expect(flags.get('--service-account')).toBe('fulfillment-functions@my-project.iam.gserviceaccount.com');
      expect(flags.get('--memory')).toBe(expected.memory.replace(/B$/, ''));
      expect(flags.get('--timeout')).toBe(`${expected.timeoutSeconds}s`);
      expect(flags.get('--concurrency')).toBe(String(expected.concurrency));
      expect(flags.get('--max-instances')).toBe(String(expected.maxInstances));
    }
  });

  it('gives database functions the Cloud SQL socket and both secrets, and the others neither', async () => {
    const { deploys } = await plannedDeploys(['--all', ...dryRun]);
    for (const definition of registry) {
      const { flags } = deploys.find((command) => command.words[3] === definition.name)!;
      const env = gcloudDictionary(flags.get('--set-env-vars') as string);
      expect(env.ALLOWED_ORIGINS).toBe('https://app.example.com,https://admin.example.com');
      expect(env.GOOGLE_CLOUD_PROJECT).toBe('my-project');
      if (deploySettingsOf(definition).database) {
        expect(flags.get('--set-cloudsql-instances')).toBe('my-project:europe-west1:fulfillment');
        expect(gcloudDictionary(flags.get('--set-secrets') as string)).toEqual({
          DATABASE_URL: 'database-url:latest',
          JWT_SECRET: 'jwt-secret:latest',
        });
        expect(env.DATABASE_POOL_SIZE).toBe('5');
      } else {
        expect(flags.has('--set-cloudsql-instances')).toBe(false);
        expect(flags.has('--set-secrets')).toBe(false);
        expect(env.DATABASE_POOL_SIZE).toBeUndefined();
      }
      // Only the functions that call the ML service are told where it is (and check it at start).
      expect(env.ML_SERVICE_URL).toBe(deploySettingsOf(definition).ml ? 'https://ipre.example.com' : undefined);
    }
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

  it('runs in a real deploy exactly the commands a dry run prints, and stops at the first failure', async () => {
    const real = ['--all', '--project=p', '--project-number=42', '--ml-service-url=https://ml.example.com'];
    const planned = (await printedBy(main, [...real, '--dry-run'])).filter((line) => !line.startsWith('#'));

    const ran: string[] = [];
    await main(real, { print: () => undefined, env: {}, exec: (command) => (ran.push(formatCommand(command)), 0) });
    expect(ran).toEqual(planned);

    const attempted: string[] = [];
    await expect(
      main(real, { print: () => undefined, env: {}, exec: (command) => (attempted.push(formatCommand(command)), attempted.length === 3 ? 1 : 0) }),
    ).rejects.toThrow(/^Failed \(exit 1\): gcloud run deploy auth-logout /);
    expect(attempted).toHaveLength(3);
  });
});
