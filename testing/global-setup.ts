// First: on a Node without JSON.rawJSON the suite stops here, in one line, rather than as dozens of failing tests and a run that never ends.
import '../shared/config/node-version';
import mariadb from 'mariadb';
import { newSigningKeyPair, publicKeySetText } from '../shared/auth/signing-key-pairs';

/**
 * Runs once before the suite: checks the test server answers (with a message
 * that says what to do when it does not) and fixes the environment every test
 * process inherits. Each test file then migrates a database of its own
 * (test-database.ts).
 *
 * The suite runs on MariaDB (the default) or on MySQL (TEST_DATABASE_SERVER,
 * e.g. `npm run test:mysql`). A few tests are about MySQL alone (its
 * password exchange, its statement bounds); they use TEST_MYSQL_SERVER, which
 * is the test server itself when that is MySQL and can be set besides it, so
 * the MariaDB run (CI sets it there) runs them too (testing/mysql-server.ts).
 */
export default async function globalSetup(): Promise<void> {
  const chosen = process.env.TEST_DATABASE_SERVER;
  const server = chosen ?? 'mysql://root@127.0.0.1:3306';
  const runId = `${Date.now().toString(36)}${process.pid.toString(36)}`;
  process.env.TEST_DATABASE_SERVER = server;
  process.env.TEST_RUN_ID = runId;
  process.env.DATABASE_URL = `${server}/fftest_${runId}`;
  // One key pair for the run, as the deploy gives it: the private key and the public set holding its key.
  if (!process.env.SIGNING_PRIVATE_KEY) {
    const pair = newSigningKeyPair();
    process.env.SIGNING_PRIVATE_KEY = pair.privateKeyPem;
    process.env.SIGNING_PUBLIC_KEYS = publicKeySetText([pair.publicKeyPem]);
  }
  process.env.PASSWORD_RESET_KEY ??= 'test-password-reset-key-that-is-long-enough-0123456789';
  // Fixed, so tests can compute the card-number hashes they expect to find at rest.
  process.env.CARD_HMAC_KEY ??= 'test-card-hmac-key-that-is-long-enough-0123456789';
  process.env.LOG_LEVEL ??= 'silent';
  // Tests switch the ML stand-in's failures on and off between requests; a kept quote would hide them.
  process.env.ML_STAT_TTL_MS ??= '0';
  process.env.ML_QUOTE_MAX_AGE_MS ??= '0';
  // Every test logs in and asks for password resets from this one address, many times a minute
  // and in bursts; the tests of these two limits (functions/auth-login, auth-password-reset,
  // auth-password-reset-confirm) set their own.
  process.env.LOGIN_CLIENT_MAX_CHECKS ??= '1000000';
  process.env.PASSWORD_CHECKS_PER_INSTANCE ??= '1000';
  delete process.env.SIGNING_PUBLIC_KEYS_VERSION;
  delete process.env.SIGNING_PRIVATE_KEY_VERSION;
  delete process.env.ML_SERVICE_URL;

  const flavor = await flavorOf(server, chosen === undefined ? START_MARIADB : `the server TEST_DATABASE_SERVER names. ${START_MYSQL}`);
  process.env.TEST_DATABASE_FLAVOR = flavor;
  const mysql = process.env.TEST_MYSQL_SERVER;
  if (flavor === 'mysql') process.env.TEST_MYSQL_SERVER = server;
  else if (mysql && (await flavorOf(mysql, `the MySQL TEST_MYSQL_SERVER names. ${START_MYSQL}`)) !== 'mysql') {
    throw new Error(`TEST_MYSQL_SERVER (${new URL(mysql).host}) is MariaDB, not MySQL`);
  }
}

const START_MARIADB = 'MariaDB (the default). Start it with: start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd';
const START_MYSQL = "The project's MySQL starts with: bash scripts/mysql-server.sh start";

/** Which server answers at `server`, or a message naming it and how to start it. */
async function flavorOf(server: string, which: string): Promise<'mariadb' | 'mysql'> {
  const url = new URL(server);
  try {
    const conn = await mariadb.createConnection({
      host: url.hostname,
      port: Number(url.port || 3306),
      user: decodeURIComponent(url.username || 'root'),
      password: decodeURIComponent(url.password),
      connectTimeout: 3000,
    });
    try {
      const [{ version }] = await conn.query<Array<{ version: string }>>('SELECT VERSION() AS version');
      return /mariadb/i.test(version) ? 'mariadb' : 'mysql';
    } finally {
      await conn.end();
    }
  } catch (error) {
    throw new Error(`Tests need a database at ${url.host}: ${which} (${(error as Error).message})`, { cause: error });
  }
}
