import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import mariadb from 'mariadb';
import { cardNumberHash } from '../shared/cards/card-number';
import { applyMigrations, dropDatabase, readMigrations } from '../shared/db/migrations';
import { main, throughProxy } from './migrate';
import { printedBy } from './testing/printed-commands';

const ROOT = path.resolve(__dirname, '..');
/** What the stand-in gcloud answers for the card-hmac-key secret: not the tests' own CARD_HMAC_KEY. */
const CARD_KEY = 'card-key-from-the-secret-manager-stand-in-0123456789';

describe('throughProxy', () => {
  it('turns the functions’ database URL into one for the local proxy, keeping user, password and database', () => {
    expect(throughProxy('mysql://app:0a1b2c@cloudsql/fulfillment\n', 3307)).toBe('mysql://app:0a1b2c@127.0.0.1:3307/fulfillment');
  });

  it('does the same for a secret written before the connector (the /cloudsql socket URL)', () => {
    expect(throughProxy('mysql://app:0a1b2c@localhost/fulfillment?socket=/cloudsql/p:r:i\n', 3307)).toBe('mysql://app:0a1b2c@127.0.0.1:3307/fulfillment');
  });
});

describe('migrate --dry-run', () => {
  it('prints the proxy, the secret read and the migration command', async () => {
    expect(await printedBy(main, ['--dry-run', '--project=acme', '--proxy-port=4406'])).toEqual([
      'cloud-sql-proxy --port=4406 acme:europe-west1:fulfillment &',
      'gcloud secrets versions access latest --secret=database-url --project=acme',
      'gcloud secrets versions access latest --secret=card-hmac-key --project=acme',
      'DATABASE_URL=<database-url secret, through 127.0.0.1:4406> CARD_HMAC_KEY=<card-hmac-key secret> npm run migrate',
    ]);
  });
});

/**
 * A real run against stand-ins for the two Google tools: a "proxy" that
 * forwards to the local MariaDB and a "gcloud" that prints a URL like the
 * database-url secret. The project's own `npm run migrate` does the rest.
 */
describe('migrate (real run, with stand-ins for cloud-sql-proxy and gcloud)', () => {
  const database = `migrate_step_${process.pid}`;
  const adminUrl = `mysql://root@127.0.0.1:3306/${database}`;
  let bin: string;

  beforeAll(() => {
    bin = mkdtempSync(path.join(tmpdir(), 'fake-google-'));
    const script = (name: string, text: string) => {
      writeFileSync(path.join(bin, name), text);
      chmodSync(path.join(bin, name), 0o755);
    };
    script(
      'cloud-sql-proxy',
      `#!/usr/bin/env node
const net = require('node:net');
const port = Number(process.argv.find((arg) => arg.startsWith('--port=')).slice(7));
net.createServer((client) => {
  const server = net.connect(3306, '127.0.0.1');
  client.pipe(server).pipe(client);
  client.on('error', () => server.destroy());
  server.on('error', () => client.destroy());
}).listen(port, '127.0.0.1');
`,
    );
    // printf: a secret's payload has no newline unless one was stored.
    script('gcloud', `#!/bin/sh\ncase "$*" in *card-hmac-key*) printf '%s' '${CARD_KEY}' ;; *) echo "mysql://root@cloudsql/${database}" ;; esac\n`);
  });

  afterAll(async () => {
    rmSync(bin, { recursive: true, force: true });
    await dropDatabase(adminUrl);
  });

  it('applies every migration to the database the secret names, converting card numbers with the card-hmac-key secret', async () => {
    // The previous release's database, with a card number in clear.
    const migrations = readMigrations();
    await applyMigrations(
      adminUrl,
      migrations.slice(
        0,
        migrations.findIndex((migration) => migration.name === '20261207110000_card_number_hash'),
      ),
    );
    const before = await mariadb.createConnection({ host: '127.0.0.1', port: 3306, user: 'root', database });
    await before.query("INSERT INTO users (id, username, password_hash, ml_uuid) VALUES ('u1', 'one', 'x', 'm')");
    await before.query("INSERT INTO wallets (id, user_id, bank_name, card_number, balance) VALUES ('w1', 'u1', 'B', '4532015112830366', 0)");
    await before.end();

    const port = await freePort();
    const run = spawnSync(process.execPath, [require.resolve('tsx/cli'), 'infra/migrate.ts', '--project=acme', `--proxy-port=${port}`], {
      cwd: ROOT,
      encoding: 'utf8',
      env: { ...process.env, PATH: `${bin}${path.delimiter}${process.env.PATH}`, LOG_LEVEL: 'info' },
      timeout: 60_000,
    });
    expect({ status: run.status, stderr: run.stderr }).toMatchObject({ status: 0 });

    const conn = await mariadb.createConnection({ host: '127.0.0.1', port: 3306, user: 'root', database });
    try {
      const rows: Array<{ migration_name: string }> = await conn.query(
        'SELECT migration_name FROM _prisma_migrations WHERE finished_at IS NOT NULL ORDER BY migration_name',
      );
      expect(rows.map((row) => row.migration_name)).toEqual(readMigrations().map((migration) => migration.name));
      expect(await conn.query('SELECT card_number, card_hash FROM wallets')).toEqual([
        { card_number: '************0366', card_hash: cardNumberHash(CARD_KEY, 'u1', '4532015112830366') },
      ]);
    } finally {
      await conn.end();
    }
  });
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
