import { randomBytes } from 'node:crypto';
import { OAuth2Client } from 'google-auth-library';
import mariadb from 'mariadb';
import { resetConfigForTests } from '../config/config';
import { setLogSink } from '../core/logging';
import { seedDemoUsers } from '../demo/seed';
import { startCloudSqlStandIn, type CloudSqlStandIn } from '../../testing/cloud-sql-standin';
import { callFunction, loginAs, tokenHeader } from '../../testing/http';
import { testServerFlavor } from '../../testing/mysql-server';
import { useTestDatabase } from '../../testing/test-database';
import { useCloudSqlAdminForTests } from './cloud-sql-connector';
import { databaseName } from './connection-options';
import { closePool, sqlPool } from './pool';

/**
 * The production path (INSTANCE_CONNECTION_NAME set): the real connector,
 * against a local Cloud SQL (testing/cloud-sql-standin) whose Admin API
 * issues real certificates and whose TLS server checks them and pipes to the
 * test database. The one thing not real is the Google account: an OAuth2
 * client holding the stand-in's token.
 */
const database = useTestDatabase();
let standIn: CloudSqlStandIn;
let key: string;
const savedEnv = { ...process.env };

function poolTarget(serverUrl: string) {
  const url = new URL(serverUrl);
  return {
    host: url.hostname,
    port: Number(url.port || 3306),
    user: decodeURIComponent(url.username || 'root'),
    password: decodeURIComponent(url.password),
    allowPublicKeyRetrieval: true,
  };
}

/** Sends the app through the connector; DATABASE_URL's host is then unused, so it names none that exists. */
async function useConnector(databaseUrl = database.url()): Promise<void> {
  await closePool();
  const url = new URL(databaseUrl);
  url.host = 'cloudsql';
  process.env.DATABASE_URL = url.toString();
  process.env.INSTANCE_CONNECTION_NAME = standIn.instanceConnectionName;
  resetConfigForTests();
}

const listWallets = () => callFunction('wallets-list').get('/api/v1/wallets/').set(tokenHeader(key));

beforeAll(async () => {
  await seedDemoUsers();
  standIn = await startCloudSqlStandIn();
  // Node's own fetch: gaxios otherwise loads node-fetch with import(), which jest's module VM refuses.
  const auth = new OAuth2Client({ transporterOptions: { fetchImplementation: fetch } });
  auth.setCredentials({ access_token: standIn.accessToken, expiry_date: Date.now() + 3_600_000 });
  useCloudSqlAdminForTests({ sqlAdminAPIEndpoint: standIn.adminApiEndpoint, auth });
  // A short connect timeout, so an instance that is away is answered (503) in a couple of seconds.
  process.env.DATABASE_CONNECT_TIMEOUT_MS = '1500';
  await useConnector();
  key = await loginAs('lyraking');
});

afterAll(async () => {
  await closePool();
  useCloudSqlAdminForTests({});
  await standIn?.close();
  for (const name of ['INSTANCE_CONNECTION_NAME', 'DATABASE_CONNECT_TIMEOUT_MS', 'LOG_LEVEL']) {
    if (savedEnv[name] === undefined) delete process.env[name];
    else process.env[name] = savedEnv[name];
  }
  resetConfigForTests();
});

describe('the Cloud SQL connector path', () => {
  it('connects through the Admin API and the instance TLS, and serves GET /wallets/ over it', async () => {
    const response = await listWallets();
    expect(response.status).toBe(200);
    expect(response.body.map((wallet: { bank_name: string }) => wallet.bank_name).sort()).toEqual(['Bank example', 'Bank of Banks']);
    // One certificate fetched; every connection the instance accepted presented it.
    expect(standIn.issuedCertificates).toHaveLength(1);
    expect(standIn.acceptedCertificates.length).toBeGreaterThan(0);
    expect(new Set(standIn.acceptedCertificates)).toEqual(new Set(standIn.issuedCertificates));
  });

  it('sends a database-url written for the /cloudsql socket through the connector too', async () => {
    const url = new URL(database.url());
    url.searchParams.set('socket', `/cloudsql/${standIn.instanceConnectionName}`);
    await useConnector(url.toString());
    const accepted = standIn.acceptedCertificates.length;
    try {
      expect((await listWallets()).status).toBe(200);
      expect(standIn.acceptedCertificates.length).toBeGreaterThan(accepted);
    } finally {
      await useConnector();
    }
  });

  it('refreshes its client certificate before it expires, and new connections present the new one', async () => {
    // The connector refreshes a certificate with under four minutes left: these give it three seconds.
    standIn.clientCertificateLifetimeMs = 4 * 60_000 + 3000;
    try {
      await useConnector(); // a new connector, as in a new instance
      expect((await listWallets()).status).toBe(200);
      const first = standIn.issuedCertificates.at(-1);
      const second = await standIn.nextCertificate();
      expect(second).not.toBe(first);
      expect((await listWallets()).status).toBe(200);
      // The pool reopens what the instance drops; once the new certificate is in place, that is what they present.
      for (let attempt = 0; ; attempt++) {
        expect(attempt).toBeLessThan(20);
        const reopened = standIn.nextConnection();
        standIn.dropConnections();
        if ((await reopened) === second) break;
      }
      expect((await listWallets()).status).toBe(200);
    } finally {
      standIn.clientCertificateLifetimeMs = 86_400_000;
      await useConnector();
    }
  });

  it('answers 503 database_unavailable while the instance is away, and serves again once it is back', async () => {
    await standIn.stop();
    const away = await listWallets();
    expect(away.status).toBe(503);
    expect(away.body.error.code).toBe('database_unavailable');
    expect(away.headers['retry-after']).toBeDefined();

    const acceptedBefore = standIn.acceptedCertificates.length;
    await standIn.start();
    // The pool spaces its reconnection attempts out (200 ms more after each
    // failure, up to 10 s) and retries only while a request waits; what this
    // proves is that the connector, its certificate and its instance data
    // survive the outage: requests are served again without a restart.
    for (let attempt = 0; ; attempt++) {
      const back = await listWallets();
      if (back.status === 200) break;
      expect(back.body.error.code).toBe('database_unavailable');
      expect(attempt).toBeLessThan(8);
    }
    expect(standIn.acceptedCertificates.length).toBeGreaterThan(acceptedBefore);
  }, 60_000);

  it('answers 503 with Retry-After when the Admin API refuses (403), and logs the missing role once, not per request', async () => {
    const lines: string[] = [];
    process.env.LOG_LEVEL = 'info';
    const restore = setLogSink((line) => lines.push(line));
    try {
      standIn.refuse(403);
      await useConnector();
      for (let attempt = 0; attempt < 3; attempt++) {
        const response = await listWallets();
        expect(response.status).toBe(503);
        expect(response.body.error.code).toBe('database_unavailable');
        expect(response.headers['retry-after']).toBeDefined();
      }
    } finally {
      restore();
      process.env.LOG_LEVEL = savedEnv.LOG_LEVEL;
      standIn.refuse(undefined);
    }
    const advice = lines.filter((line) => line.includes('roles/cloudsql.client'));
    expect(advice).toHaveLength(1);
    expect(JSON.parse(advice[0])).toMatchObject({ severity: 'ERROR', instance: standIn.instanceConnectionName, status: 403 });
    expect(advice[0]).toContain('cloudsql.instances.connect');

    // A new pool (a new instance, in production) gets in once the role is granted.
    await useConnector();
    expect((await listWallets()).status).toBe(200);
  });

  // Through the stand-in to the suite's own server: on MySQL (`npm run test:mysql`, CI's second run).
  (testServerFlavor() === 'mysql' ? it : it.skip)(
    'logs in a fresh caching_sha2_password user with a cold cache (MySQL only: MariaDB has no caching_sha2_password; runs in npm run test:mysql)',
    async () => {
      const user = `cold_${randomBytes(4).toString('hex')}`;
      const password = randomBytes(12).toString('hex');
      const admin = await mariadb.createConnection(poolTarget(process.env.TEST_DATABASE_SERVER!));
      try {
        await admin.query(`CREATE USER '${user}'@'%' IDENTIFIED WITH caching_sha2_password BY '${password}'`);
        await admin.query(`GRANT ALL ON \`${databaseName(database.url())}\`.* TO '${user}'@'%'`);
        // Empties the server's cache of verified passwords: the state after every restart or failover.
        await admin.query('FLUSH PRIVILEGES');
        const url = new URL(database.url());
        url.username = user;
        url.password = password;
        await useConnector(url.toString());
        const accepted = standIn.acceptedCertificates.length;
        const [row] = await sqlPool().query<Array<{ who: string }>>('SELECT CURRENT_USER() AS who');
        expect(row.who).toBe(`${user}@%`);
        expect(standIn.acceptedCertificates.length).toBeGreaterThan(accepted);
        expect((await listWallets()).status).toBe(200);
      } finally {
        await useConnector();
        await admin.query(`DROP USER IF EXISTS '${user}'@'%'`);
        await admin.end();
      }
    },
  );
});
