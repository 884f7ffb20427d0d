import mariadb, { type Connection } from 'mariadb';
import { hashPassword } from '../shared/auth/passwords';
import { storedCard } from '../shared/cards/card-number';
import { cardHmacKey } from '../shared/config/config';
import { disconnectDb } from '../shared/db/prisma';
import { applyMigrations, dropDatabase } from '../shared/db/migrations';
import { seedDemoUsers } from '../shared/demo/seed';
import { seedManyTransactions } from './seed-many';

/**
 * The bench's own database: created fresh each run (a leftover from a killed
 * run is dropped first), migrated and seeded with the app's own code, dropped
 * at the end. One plain connection stays open for the bench's SQL and the
 * counter samples; it is never used while a window is being measured, apart
 * from the closing counter sample.
 */
export const BENCH_DATABASE = 'fulfillment_bench';

/** A user of the bench's own, so the demo users' statements stay as SPEC §5 has them. */
export const HEAVY_USER = {
  username: 'benchheavy',
  id: '00000000-0000-4000-8000-00000000b001',
  walletId: '00000000-0000-4000-8000-00000000b002',
};

export interface BenchDatabase {
  url: string;
  conn: Connection;
  close(): Promise<void>;
}

export async function createBenchDatabase(server = process.env.BENCH_DATABASE_SERVER ?? 'mysql://root@127.0.0.1:3306'): Promise<BenchDatabase> {
  const url = `${server.replace(/\/$/, '')}/${BENCH_DATABASE}`;
  await dropDatabase(url);
  await applyMigrations(url);
  // The seed reads DATABASE_URL through the app's config, as `npm run seed` does.
  process.env.DATABASE_URL = url;
  await seedDemoUsers();
  await disconnectDb();

  const parsed = new URL(url);
  const conn = await mariadb.createConnection({
    host: parsed.hostname,
    port: Number(parsed.port || 3306),
    user: decodeURIComponent(parsed.username || 'root'),
    password: decodeURIComponent(parsed.password),
    database: BENCH_DATABASE,
  });
  await conn.query("SET time_zone = '+00:00'");
  return {
    url,
    conn,
    async close() {
      await conn.end().catch(() => undefined);
      await dropDatabase(url);
    },
  };
}

/** The expenses-stat user: one wallet holding `count` transactions over the last year. */
export async function seedHeavyUser(conn: Connection, count: number): Promise<void> {
  await conn.query("INSERT INTO users (id, username, email, password_hash, ml_uuid) VALUES (?, ?, '', ?, 'user-bench-heavy')", [
    HEAVY_USER.id,
    HEAVY_USER.username,
    await hashPassword(HEAVY_USER.username),
  ]);
  const card = storedCard(cardHmacKey(), HEAVY_USER.id, '9000000000000001');
  await conn.query(
    "INSERT INTO wallets (id, user_id, bank_name, card_number, card_hash, card_last4, card_length, balance) VALUES (?, ?, 'Bench bank', ?, ?, ?, ?, 0)",
    [HEAVY_USER.walletId, HEAVY_USER.id, card.masked, card.hash, card.lastFour, card.length],
  );
  await seedManyTransactions(conn, { walletId: HEAVY_USER.walletId, count, days: 365 });
}

/** Wallets whose balance is not the sum of their transactions (SPEC §4 says: none, ever). */
export async function walletsOutOfBalance(conn: Connection): Promise<Array<{ id: string; balance: string; ledger: string }>> {
  return conn.query(`
    SELECT w.id, CAST(w.balance AS CHAR) AS balance, CAST(COALESCE(SUM(t.sum), 0) AS CHAR) AS ledger
    FROM wallets w LEFT JOIN transactions t ON t.wallet_id = w.id
    GROUP BY w.id, w.balance
    HAVING w.balance <> COALESCE(SUM(t.sum), 0)`);
}

export async function walletCount(conn: Connection): Promise<number> {
  const [{ n }] = await conn.query('SELECT COUNT(*) AS n FROM wallets');
  return Number(n);
}
