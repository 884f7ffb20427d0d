import { randomBytes } from 'node:crypto';
import mariadb, { type Connection } from 'mariadb';
import { describeOnMysql, mysqlServer, mysqlSocket } from '../../testing/mysql-server';
import { startUnixSocketPipe, type UnixSocketPipe } from '../../testing/unix-socket-pipe';
import { poolConfigFromUrl } from './connection-options';

/**
 * MySQL 8.4's (and 9.7's) default authentication, caching_sha2_password, as a
 * fresh user meets it with a cold cache (after the user is created and after
 * every restart, failover or maintenance; FLUSH PRIVILEGES empties it too),
 * on each path a DATABASE_URL can take, with the options poolConfigFromUrl
 * gives that path. The server takes the password in clear only on a
 * connection it counts as secure (TLS, its own unix socket); on any other
 * the driver must encrypt it with the server's RSA key.
 */
describeOnMysql('a caching_sha2_password login with a cold cache, on MySQL', () => {
  const user = `fftest_cold_${randomBytes(3).toString('hex')}`;
  const password = randomBytes(12).toString('hex');
  let server: URL;
  let admin: Connection;
  let pipe: UnixSocketPipe;

  beforeAll(async () => {
    server = new URL(mysqlServer() as string);
    admin = await mariadb.createConnection(poolConfigFromUrl(server.toString(), { poolSize: 1, connectTimeoutMs: 3000 }));
    await admin.query(`CREATE USER '${user}'@'%' IDENTIFIED WITH caching_sha2_password BY '${password}'`);
    pipe = await startUnixSocketPipe({ host: server.hostname, port: Number(server.port || 3306) });
  });

  afterAll(async () => {
    await admin.query(`DROP USER IF EXISTS '${user}'@'%'`);
    await admin.end();
    await pipe.close();
  });

  const tcpUrl = (query = '') => `mysql://${user}:${password}@${server.host}/${query}`;
  const socketUrl = (socketPath: string) => `mysql://${user}:${password}@localhost/?socket=${encodeURIComponent(socketPath)}`;

  /** Logs in with the options poolConfigFromUrl gives `url`: the server's answer, 'OK' or the error number. */
  async function login(url: string): Promise<'OK' | number> {
    try {
      const conn = await mariadb.createConnection(poolConfigFromUrl(url, { poolSize: 1, connectTimeoutMs: 3000 }));
      const [{ who }] = await conn.query<Array<{ who: string }>>('SELECT CURRENT_USER() AS who');
      await conn.end();
      expect(who).toBe(`${user}@%`);
      return 'OK';
    } catch (error) {
      return (error as { errno?: number }).errno ?? Number.NaN;
    }
  }

  const coldCache = () => admin.query('FLUSH PRIVILEGES');

  it('over TCP to this machine (deploy:migrate through the Auth Proxy, a local server): OK, the RSA key asked for on loopback', async () => {
    await coldCache();
    expect(await login(tcpUrl())).toBe('OK');
  });

  it('over TCP without asking for the key: 45044, which is why loopback asks for it', async () => {
    await coldCache();
    expect(await login(tcpUrl('?allowPublicKeyRetrieval=false'))).toBe(45044);
    expect(await login(tcpUrl())).toBe('OK');
    expect(await login(tcpUrl('?allowPublicKeyRetrieval=false'))).toBe('OK');
  });

  it("over mysqld's own unix socket: OK, the server counts its socket as secure", async () => {
    const socketPath = mysqlSocket();
    if (!socketPath) throw new Error(`mysqld's socket is not known: set TEST_MYSQL_SOCKET (bash scripts/mysql-server.sh socket)`);
    const viaSocket = await mariadb.createConnection(
      poolConfigFromUrl(`mysql://root@localhost/?socket=${encodeURIComponent(socketPath)}`, { poolSize: 1, connectTimeoutMs: 3000 }),
    );
    const [[overSocket], [overTcp]] = await Promise.all([
      viaSocket.query<Array<{ id: string }>>('SELECT @@server_uuid AS id'),
      admin.query<Array<{ id: string }>>('SELECT @@server_uuid AS id'),
    ]);
    await viaSocket.end();
    expect(overSocket).toEqual(overTcp); // TEST_MYSQL_SOCKET and TEST_MYSQL_SERVER are one server
    await coldCache();
    expect(await login(socketUrl(socketPath))).toBe('OK');
  });

  it("over a unix socket piped to MySQL's TCP port (what Cloud Run's /cloudsql socket is): 1045 with a cold cache, OK once a TCP login warmed it", async () => {
    // The production fault: the driver sees a socket and sends the password in clear,
    // mysqld sees plain TCP and refuses it until a login over a secure path has cached it.
    // The Cloud SQL connector is the production path that avoids it (docs/database.md).
    await coldCache();
    expect(await login(socketUrl(pipe.path))).toBe(1045);
    expect(await login(socketUrl(pipe.path))).toBe(1045);
    expect(await login(tcpUrl())).toBe('OK');
    expect(await login(socketUrl(pipe.path))).toBe('OK');
  });
});
