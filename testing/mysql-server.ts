import { existsSync } from 'node:fs';
import path from 'node:path';

/**
 * Tests about MySQL alone (its password exchange, how its statements are
 * bounded) run on TEST_MYSQL_SERVER: the test server itself when the suite
 * runs on MySQL (`npm run test:mysql`), or a MySQL named besides MariaDB
 * (CI sets it for both runs, so they never go unrun there). Without one they
 * are skipped, and say so in their name.
 */
export const mysqlServer = (): string | undefined => process.env.TEST_MYSQL_SERVER;

/** Which server the suite runs on, found by testing/global-setup. */
export const testServerFlavor = (): 'mariadb' | 'mysql' => (process.env.TEST_DATABASE_FLAVOR === 'mysql' ? 'mysql' : 'mariadb');

export function describeOnMysql(name: string, body: () => void): void {
  if (mysqlServer()) describe(name, body);
  else describe.skip(`${name} [SKIPPED: needs MySQL; the suite runs on MariaDB and TEST_MYSQL_SERVER is not set (bash scripts/mysql-server.sh start)]`, body);
}

/**
 * mysqld's own unix socket: TEST_MYSQL_SOCKET, or where scripts/mysql-server.sh
 * puts it (inside the root it runs mysqld in), if that server is up.
 */
export function mysqlSocket(): string | undefined {
  if (process.env.TEST_MYSQL_SOCKET) return process.env.TEST_MYSQL_SOCKET;
  const projects = path.join(__dirname, '..', '.tools', 'mysql', 'root', 'run', 'mysqld', 'mysqld.sock');
  return existsSync(projects) ? projects : undefined;
}
