import { registry } from '../functions/registry';
import { formatCommand } from './commands';
import { environmentOf } from './deploy-plan';
import { main } from './scheduler';
import { functionUrl, readSettings } from './settings';
import { parsePrinted, printedBy } from './testing/printed-commands';

const settings = readSettings({}, {}, { dryRun: true });
const scheduled = registry.filter((definition) => definition.auth === 'scheduler');

describe('scheduler --dry-run', () => {
  it('creates one daily job per scheduled function, calling its route with an OIDC token the function accepts', async () => {
    const jobs = parsePrinted(await printedBy(main, ['--dry-run']));
    expect(jobs.map((job) => job.words[5])).toEqual(scheduled.map((definition) => definition.name));
    expect(scheduled.length).toBeGreaterThan(0);

    for (const definition of scheduled) {
      const { words, flags } = jobs.find((job) => job.words[5] === definition.name)!;
      const url = functionUrl(settings, definition.name);
      const expects = environmentOf(definition, settings);
      expect(words.slice(0, 5)).toEqual(['gcloud', 'scheduler', 'jobs', 'create', 'http']);
      expect(flags.get('--uri')).toBe(`${url}${definition.paths[0]}`);
      expect(flags.get('--http-method')).toBe(definition.methods[0]);
      expect(flags.get('--schedule')).toBe('0 3 * * *');
      // What the function checks (deploy.ts sets these) is what the job sends.
      expect(flags.get('--oidc-token-audience')).toBe(expects.SCHEDULER_AUDIENCE);
      expect(flags.get('--oidc-service-account-email')).toBe(expects.SCHEDULER_SERVICE_ACCOUNT);
    }
  });

  it('updates the job when it exists', async () => {
    const ran: string[] = [];
    await main(['--project=p', '--project-number=7'], {
      print: () => undefined,
      env: {},
      exec: (command, quiet) => (quiet ? 0 : (ran.push(formatCommand(command)), 0)),
    });
    expect(ran).toHaveLength(scheduled.length);
    expect(ran[0]).toMatch(
      /^gcloud scheduler jobs update http seed-demo-users .*--uri=https:\/\/seed-demo-users-7\.europe-west1\.run\.app\/internal\/seed-demo-users\//,
    );
  });
});
