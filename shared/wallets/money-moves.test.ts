import { randomBytes } from 'node:crypto';
import mariadb from 'mariadb';
import { poolConfigFromUrl } from '../db/connection-options';
import { applyMigrations, dropDatabase, readMigrations } from '../db/migrations';
import { consecutiveStamps } from './money-moves';

describe('consecutiveStamps', () => {
  it.each([
    ['one move stays where it is', '2026-12-02 10:00:00.000000', 1, ['2026-12-02 10:00:00.000000']],
    ['two moves, a microsecond apart', '2026-12-02 10:00:00.999999', 2, ['2026-12-02 10:00:00.999999', '2026-12-02 10:00:01.000000']],
    ['at the day’s last microsecond, moved back into the day', '2026-12-31 23:59:59.999999', 2, ['2026-12-31 23:59:59.999998', '2026-12-31 23:59:59.999999']],
    ['a day’s first microsecond', '2027-01-01 00:00:00.000000', 3, ['2027-01-01 00:00:00.000000', '2027-01-01 00:00:00.000001', '2027-01-01 00:00:00.000002']],
  ])('%s', (_case, at, count, stamps) => {
    expect(consecutiveStamps(at, count)).toEqual(stamps);
  });
});

describe('the daily_flows migration', () => {
  const url = `${process.env.TEST_DATABASE_SERVER}/fftest_${process.env.TEST_RUN_ID}_flows_${randomBytes(3).toString('hex')}`;
  afterAll(() => dropDatabase(url));

  it('rolls up the transactions that existed before it, per user and UTC day', async () => {
    const migrations = readMigrations();
    const flows = migrations.findIndex((migration) => migration.name.endsWith('_daily_flows'));
    expect(flows).toBeGreaterThan(0);
    await applyMigrations(url, migrations.slice(0, flows));
    const conn = await mariadb.createConnection(poolConfigFromUrl(url, { poolSize: 1, connectTimeoutMs: 3000 }));
    try {
      await conn.query("INSERT INTO users (id, username, password_hash, ml_uuid) VALUES ('u1', 'one', 'x', 'm'), ('u2', 'two', 'x', 'm')");
      await conn.query(
        "INSERT INTO wallets (id, user_id, bank_name, card_number, balance) VALUES ('w1', 'u1', 'B', '100000000001', 0), ('w2', 'u1', 'B', '100000000002', 0), ('w3', 'u2', 'B', '100000000003', 0)",
      );
      await conn.query(`INSERT INTO transactions (id, wallet_id, name, sum, created_at) VALUES
        ('t1', 'w1', 'in', 100.10, '2026-01-01 00:00:00.000000'), ('t2', 'w2', 'in', 0.90, '2026-01-01 23:59:59.999999'),
        ('t3', 'w1', 'out', -50.00, '2026-01-01 12:00:00.000000'), ('t4', 'w1', 'in', 1.00, '2026-01-02 00:00:00.000000'),
        ('t5', 'w3', 'out', -7.77, '2026-01-01 08:00:00.000000')`);
      await applyMigrations(url, migrations);
      const rows = await conn.query(
        'SELECT user_id, CAST(day AS CHAR) AS day, CAST(money_in AS CHAR) AS money_in, CAST(money_out AS CHAR) AS money_out FROM daily_flows ORDER BY user_id, day',
      );
      expect(rows).toEqual([
        { user_id: 'u1', day: '2026-01-01', money_in: '101.00', money_out: '50.00' },
        { user_id: 'u1', day: '2026-01-02', money_in: '1.00', money_out: '0.00' },
        { user_id: 'u2', day: '2026-01-01', money_in: '0.00', money_out: '7.77' },
      ]);
    } finally {
      await conn.end();
    }
  });
});
