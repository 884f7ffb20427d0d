import { bootstrapSteps, main } from './bootstrap';
import type { CreateOnce } from './commands';
import { readSettings } from './settings';
import { parsePrinted, printedBy } from './testing/printed-commands';

describe('bootstrap --dry-run', () => {
  it('enables the APIs, creates the service accounts, the Cloud SQL instance and the database', async () => {
    const printed = parsePrinted(await printedBy(main, ['--dry-run', '--project=acme', '--project-number=99']));
    const lines = printed.map((command) => command.words.slice(1).join(' '));

    const enabled = printed[0].words.slice(3).filter((word) => !word.startsWith('--'));
    expect(enabled).toEqual(
      expect.arrayContaining([
        'run.googleapis.com',
        'sqladmin.googleapis.com',
        'secretmanager.googleapis.com',
        'cloudscheduler.googleapis.com',
        'apigateway.googleapis.com',
      ]),
    );
    for (const account of ['fulfillment-functions', 'fulfillment-docs', 'api-gateway', 'demo-seeder', 'fulfillment-builder']) {
      expect(lines).toContainEqual(expect.stringMatching(new RegExp(`^iam service-accounts create ${account} `)));
    }
    // The functions with a secret of their own run as their own accounts, with the shared runtime account's project role.
    const runtimeAccounts = [
      'fulfillment-functions',
      'fn-auth-login',
      'fn-auth-password-reset',
      'fn-auth-password-reset-confirm',
      'fn-seed-demo-users',
      'fn-wallets-create',
    ];
    for (const account of runtimeAccounts) {
      expect(lines).toContainEqual(expect.stringMatching(new RegExp(`^iam service-accounts create ${account} `)));
      expect(lines).toContain(
        `projects add-iam-policy-binding acme --member=serviceAccount:${account}@acme.iam.gserviceaccount.com --role=roles/cloudsql.client --condition=None --quiet`,
      );
    }
    expect(lines.filter((line) => line.startsWith('iam service-accounts create'))).toHaveLength(5 + 5);
    expect(lines.filter((line) => line.includes('--role=roles/cloudsql.client'))).toHaveLength(runtimeAccounts.length);
    // Source builds run as their own account, which may build; the Compute Engine default account is given nothing.
    expect(lines).toContain(
      'projects add-iam-policy-binding acme --member=serviceAccount:fulfillment-builder@acme.iam.gserviceaccount.com --role=roles/run.builder --condition=None --quiet',
    );
    expect(lines.filter((line) => line.includes('-compute@developer.gserviceaccount.com'))).toEqual([]);
    const instance = printed.find((command) => command.words.slice(1, 4).join(' ') === 'sql instances create')!;
    expect(instance.flags.get('--tier')).toBe('db-custom-1-3840');
    // Flags as in https://cloud.google.com/sdk/gcloud/reference/sql/instances/create; 8.0 is on paid extended support.
    expect(instance.flags.get('--database-version')).toBe('MYSQL_8_4');
    expect(instance.flags.get('--edition')).toBe('ENTERPRISE');
    expect(instance.flags.get('--deletion-protection')).toBe(true);
    expect(instance.flags.get('--availability-type')).toBe('zonal');
    // Backups and point-in-time recovery (for MySQL: the binary log), https://cloud.google.com/sql/docs/mysql/backup-recovery/configure-pitr
    expect(instance.flags.get('--backup-start-time')).toBe('02:00');
    expect(instance.flags.get('--enable-bin-log')).toBe(true);
    expect(instance.flags.get('--retained-transaction-log-days')).toBe('7');
    // Only Cloud SQL connectors may connect (https://cloud.google.com/sql/docs/mysql/connect-connectors), on a new instance and an old one alike.
    expect(instance.flags.get('--connector-enforcement')).toBe('REQUIRED');
    // The docs account is created and granted nothing.
    expect(lines.filter((line) => line.includes('fulfillment-docs@'))).toEqual([]);
    expect(lines).toContain('sql databases create fulfillment --instance=fulfillment --project=acme --charset=utf8mb4 --collation=utf8mb4_unicode_ci');
  });
});

describe('bootstrap on an instance that already exists', () => {
  it('turns on deletion protection and connector enforcement, and leaves the rest alone', () => {
    const steps = bootstrapSteps(readSettings({ project: 'acme', 'project-number': '99' }, {}, { dryRun: true }));
    const instance = steps.find((step): step is CreateOnce => 'probe' in step && step.probe.args.slice(0, 3).join(' ') === 'sql instances describe')!;
    expect(instance.update?.map((command) => command.args.join(' '))).toEqual([
      'sql instances patch fulfillment --project=acme --deletion-protection --connector-enforcement=REQUIRED --quiet',
    ]);
  });
});

describe('bootstrap availability', () => {
  const instanceOf = async (argv: string[], env: NodeJS.ProcessEnv = {}) =>
    parsePrinted(await printedBy(main, ['--dry-run', ...argv], env)).find((command) => command.words.slice(1, 4).join(' ') === 'sql instances create')!;

  it('is regional with --regional or SQL_AVAILABILITY_TYPE=regional', async () => {
    expect((await instanceOf(['--regional'])).flags.get('--availability-type')).toBe('regional');
    expect((await instanceOf([], { SQL_AVAILABILITY_TYPE: 'regional' })).flags.get('--availability-type')).toBe('regional');
  });

  it('refuses anything but zonal or regional', async () => {
    await expect(instanceOf(['--sql-availability-type=multi'])).rejects.toThrow('--sql-availability-type must be zonal or regional');
  });
});
