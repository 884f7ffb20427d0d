import mariadb, { type Connection } from 'mariadb';
import { resetConfigForTests } from '../shared/config/config';
import { poolConfigFromUrl } from '../shared/db/connection-options';
import { closePool } from '../shared/db/pool';
import { disconnectDb } from '../shared/db/prisma';
import { seedDemoUsers } from '../shared/demo/seed';
import { startFaultProxy, type FaultProxy } from './fault-proxy';
import { loginAs } from './http';
import { useSettings } from './settings';

/**
 * The calling file's functions reach its test database through
 * testing/fault-proxy, with `settings` set; the demo users are seeded and
 * `usernames` logged in before any fault, and each one's richest wallet
 * named. Checks read the database directly, past the proxy (`sql`, `direct`).
 */
export interface DatabaseBehindProxy {
  proxy: FaultProxy;
  /** A connection of its own, straight to the database. */
  direct: Connection;
  sql<T>(text: string, values?: unknown[]): Promise<T[]>;
  /** Each user's key, issued before any fault. */
  keys: Record<string, string>;
  /** Each user's richest wallet. */
  walletOf: Record<string, string>;
}

export function useDatabaseBehindProxy(database: { url: () => string }, usernames: readonly string[], settings: Record<string, string>): DatabaseBehindProxy {
  useSettings(settings);
  let proxy: FaultProxy | undefined;
  let direct: Connection | undefined;
  const keys: Record<string, string> = {};
  const walletOf: Record<string, string> = {};
  const sql = <T>(text: string, values: unknown[] = []): Promise<T[]> => direct!.query({ sql: text, bigIntAsNumber: true }, values);

  beforeAll(async () => {
    const server = new URL(process.env.TEST_DATABASE_SERVER as string);
    proxy = await startFaultProxy({ host: server.hostname, port: Number(server.port || 3306) });
    direct = await mariadb.createConnection(poolConfigFromUrl(database.url(), { poolSize: 1, connectTimeoutMs: 2000 }));
    await seedDemoUsers();
    await disconnectDb();
    process.env.DATABASE_URL = proxy.urlFor(database.url());
    resetConfigForTests();
    for (const username of usernames) {
      keys[username] = await loginAs(username);
      walletOf[username] = (
        await sql<{ id: string }>('SELECT w.id FROM wallets w JOIN users u ON u.id = w.user_id WHERE u.username = ? ORDER BY w.balance DESC LIMIT 1', [
          username,
        ])
      )[0].id;
    }
  });

  afterAll(async () => {
    await closePool();
    await disconnectDb();
    process.env.DATABASE_URL = database.url();
    resetConfigForTests();
    await direct?.end();
    await proxy?.close();
  });

  return {
    get proxy() {
      return proxy!;
    },
    get direct() {
      return direct!;
    },
    sql,
    keys,
    walletOf,
  };
}
