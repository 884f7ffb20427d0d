import { main } from './bootstrap';
import { parsePrinted, printedBy } from './testing/printed-commands';

describe('bootstrap --dry-run', () => {
  it('enables the APIs, creates the service accounts, the Cloud SQL instance and the database', async () => {
    const printed = parsePrinted(await printedBy(main, ['--dry-run', '--project=acme', '--project-number=99']));
    const lines = printed.map((command) => command.words.slice(1).join(' '));

    const enabled = printed[0].words.slice(3).filter((word) => !word.startsWith('--'));
    expect(enabled).toEqual(expect.arrayContaining(['run.googleapis.com', 'sqladmin.googleapis.com', 'secretmanager.googleapis.com', 'cloudscheduler.googleapis.com', 'apigateway.googleapis.com']));
    for (const account of ['fulfillment-functions', 'api-gateway', 'demo-seeder']) {
      expect(lines).toContainEqual(expect.stringMatching(new RegExp(`^iam service-accounts create ${account} `)));
    }
    expect(lines).toContain(
      'projects add-iam-policy-binding acme --member=serviceAccount:fulfillment-functions@acme.iam.gserviceaccount.com --role=roles/cloudsql.client --condition=None --quiet',
    );
    const instance = printed.find((command) => command.words.slice(1, 4).join(' ') === 'sql instances create')!;
    expect(instance.flags.get('--tier')).toBe('db-custom-1-3840');
    expect(instance.flags.get('--database-version')).toBe('MYSQL_8_0');
    expect(lines).toContain('sql databases create fulfillment --instance=fulfillment --project=acme --charset=utf8mb4 --collation=utf8mb4_unicode_ci');
  });
});
