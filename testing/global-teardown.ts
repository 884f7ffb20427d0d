import mariadb from 'mariadb';

/**
 * Drops every database this run created, even those of a test file that
 * crashed, on the test server and on the MySQL the MySQL-only tests used.
 */
export default async function globalTeardown(): Promise<void> {
  const servers = new Set([process.env.TEST_DATABASE_SERVER as string, process.env.TEST_MYSQL_SERVER].filter((server) => server !== undefined));
  for (const server of servers) await dropRunDatabases(server);
}

async function dropRunDatabases(server: string): Promise<void> {
  const url = new URL(server);
  const conn = await mariadb.createConnection({
    host: url.hostname,
    port: Number(url.port || 3306),
    user: decodeURIComponent(url.username || 'root'),
    password: decodeURIComponent(url.password),
  });
  try {
    const rows: Array<{ name: string }> = await conn.query('SELECT schema_name AS name FROM information_schema.schemata WHERE schema_name LIKE ?', [
      `fftest\\_${process.env.TEST_RUN_ID}%`,
    ]);
    for (const { name } of rows) await conn.query(`DROP DATABASE IF EXISTS \`${name}\``);
  } finally {
    await conn.end();
  }
}
