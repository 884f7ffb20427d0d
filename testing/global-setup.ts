// First: on a Node without JSON.rawJSON the suite stops here, in one line, rather than as dozens of failing tests and a run that never ends.
import '../shared/config/node-version';
import mariadb from 'mariadb';

/**
 * Runs once before the suite: checks MariaDB answers (with a message that says
 * what to do when it does not) and fixes the environment every test process
 * inherits. Each test file then migrates a database of its own (test-database.ts).
 */
export default async function globalSetup(): Promise<void> {
  const server = process.env.TEST_DATABASE_SERVER ?? 'mysql://root@127.0.0.1:3306';
  const runId = `${Date.now().toString(36)}${process.pid.toString(36)}`;
  process.env.TEST_DATABASE_SERVER = server;
  process.env.TEST_RUN_ID = runId;
  process.env.DATABASE_URL = `${server}/fftest_${runId}`;
  process.env.JWT_SECRET ??= 'test-secret-that-is-long-enough-for-hs256-0123456789';
  // Fixed, so tests can compute the card-number hashes they expect to find at rest.
  process.env.CARD_HMAC_KEY ??= 'test-card-hmac-key-that-is-long-enough-0123456789';
  process.env.LOG_LEVEL ??= 'silent';
  // Tests switch the ML stand-in's failures on and off between requests; a kept quote would hide them.
  process.env.ML_STAT_TTL_MS ??= '0';
  process.env.ML_QUOTE_MAX_AGE_MS ??= '0';
  delete process.env.JWT_SECRET_VERSION;
  delete process.env.ML_SERVICE_URL;

  const url = new URL(server);
  try {
    const conn = await mariadb.createConnection({
      host: url.hostname,
      port: Number(url.port || 3306),
      user: decodeURIComponent(url.username || 'root'),
      password: decodeURIComponent(url.password),
      connectTimeout: 3000,
    });
    await conn.end();
  } catch (error) {
    throw new Error(
      `Tests need MariaDB at ${url.host} (${(error as Error).message}). ` +
        'Start it with: start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd',
      { cause: error },
    );
  }
}
