import { db, Prisma } from './prisma';
import { readPrismaSchema, type ExpectedColumn } from '../../testing/prisma-schema';
import { useTestDatabase } from '../../testing/test-database';
import mariadb from 'mariadb';
import { databaseName, poolConfigFromUrl } from './connection-options';
import { applyMigrations, readMigrations } from './migrations';

const database = useTestDatabase();

/**
 * The migrations are hand-written (no schema engine offline), so this is what
 * proves prisma/schema.prisma and the migrated database describe the same thing.
 */
describe('schema.prisma and the migrated database agree', () => {
  const expected = readPrismaSchema();

  async function actualColumns(table: string) {
    return db().$queryRaw<Array<{ name: string; columnType: string; nullable: string; defaultValue: string | null; extra: string }>>`
      SELECT COLUMN_NAME AS name, COLUMN_TYPE AS columnType, IS_NULLABLE AS nullable, COLUMN_DEFAULT AS defaultValue, EXTRA AS extra
      FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ${databaseName(database.url())} AND TABLE_NAME = ${table}
      ORDER BY ORDINAL_POSITION`;
  }

  async function actualIndexes(table: string) {
    const rows = await db().$queryRaw<Array<{ name: string; column: string; nonUnique: number | bigint }>>`
      SELECT INDEX_NAME AS name, COLUMN_NAME AS \`column\`, NON_UNIQUE AS nonUnique
      FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = ${databaseName(database.url())} AND TABLE_NAME = ${table}
      ORDER BY INDEX_NAME, SEQ_IN_INDEX`;
    const byName = new Map<string, { name: string; columns: string[]; unique: boolean }>();
    for (const row of rows) {
      const index = byName.get(row.name) ?? { name: row.name, columns: [], unique: Number(row.nonUnique) === 0 };
      index.columns.push(row.column);
      byName.set(row.name, index);
    }
    return [...byName.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  it('has a table for every model and no other', async () => {
    const tables = await db().$queryRaw<Array<{ name: string }>>`
      SELECT TABLE_NAME AS name FROM information_schema.TABLES WHERE TABLE_SCHEMA = ${databaseName(database.url())}`;
    expect(
      tables
        .map((t) => t.name)
        .filter((name) => name !== '_prisma_migrations')
        .sort(),
    ).toEqual(expected.map((t) => t.table).sort());
  });

  it.each(expected.map((table) => [table.model, table] as const))('%s: columns, types, nullability, defaults', async (_model, table) => {
    const actual = await actualColumns(table.table);
    expect(actual.map(fromInformationSchema)).toEqual(table.columns.map(portable));
  });

  it('reads MySQL 8.4’s spellings of the same columns as MariaDB’s', () => {
    // information_schema.COLUMNS rows as MySQL 8.4 and MariaDB 10.11 report the same four columns. The cases
    // above compare every table on each real server: CI runs this file on MariaDB and on MySQL 9.7.
    const mysql = [
      { name: 'id', columnType: 'bigint', nullable: 'NO', defaultValue: null, extra: 'auto_increment' },
      { name: 'email', columnType: 'varchar(254)', nullable: 'NO', defaultValue: '', extra: '' },
      { name: 'created_at', columnType: 'datetime(6)', nullable: 'NO', defaultValue: 'CURRENT_TIMESTAMP(6)', extra: 'DEFAULT_GENERATED' },
      { name: 'revoked_at', columnType: 'datetime(6)', nullable: 'YES', defaultValue: null, extra: '' },
    ];
    const mariadb = [
      { name: 'id', columnType: 'bigint(20)', nullable: 'NO', defaultValue: null, extra: 'auto_increment' },
      { name: 'email', columnType: 'varchar(254)', nullable: 'NO', defaultValue: "''", extra: '' },
      { name: 'created_at', columnType: 'datetime(6)', nullable: 'NO', defaultValue: 'current_timestamp(6)', extra: '' },
      { name: 'revoked_at', columnType: 'datetime(6)', nullable: 'YES', defaultValue: 'NULL', extra: '' },
    ];
    expect(mysql.map(fromInformationSchema)).toEqual(mariadb.map(fromInformationSchema));
    expect(mysql.map(fromInformationSchema)[0]).toEqual({ name: 'id', columnType: 'bigint', nullable: false, defaultValue: null, autoIncrement: true });
  });

  it.each(expected.map((table) => [table.model, table] as const))('%s: unique keys and indexes', async (_model, table) => {
    expect(await actualIndexes(table.table)).toEqual([...table.indexes].sort((a, b) => a.name.localeCompare(b.name)));
  });

  it('records each migration in _prisma_migrations with the checksum Prisma Migrate computes', async () => {
    const rows = await db().$queryRaw<Array<{ migration_name: string; checksum: string; finished_at: Date | null; applied_steps_count: number }>>`
      SELECT migration_name, checksum, finished_at, applied_steps_count FROM _prisma_migrations ORDER BY migration_name`;
    expect(rows.map((row) => [row.migration_name, row.checksum, row.finished_at !== null, Number(row.applied_steps_count)])).toEqual(
      readMigrations().map((migration) => [migration.name, migration.checksum, true, 1]),
    );
  });

  it('applies nothing the second time', async () => {
    expect(await applyMigrations(database.url())).toEqual([]);
  });

  it('waits for, then refuses to run beside, another migration run holding the lock', async () => {
    const other = await mariadb.createConnection(poolConfigFromUrl(database.url(), { poolSize: 1, connectTimeoutMs: 2000 }));
    try {
      await other.query("SELECT GET_LOCK('prisma_migrate', 1)");
      await expect(applyMigrations(database.url(), readMigrations(), 1)).rejects.toThrow(/holds the migration lock/);
    } finally {
      await other.end();
    }
  });

  it('refuses a migration edited after it was applied', async () => {
    const [first, ...rest] = readMigrations();
    await expect(applyMigrations(database.url(), [{ ...first, checksum: '0'.repeat(64) }, ...rest])).rejects.toThrow(/edited after it was applied/);
  });
});

/**
 * A column as either server spells it, in one spelling: MariaDB writes integer
 * display widths (`int(11)`), lower-case `current_timestamp(6)`, quoted string
 * defaults and a nullable column's missing default as the text NULL; MySQL 8
 * drops the widths (all but tinyint(1)), writes CURRENT_TIMESTAMP(6) and
 * unquoted string defaults.
 */
function portable(column: ExpectedColumn): ExpectedColumn {
  const columnType = column.columnType.toLowerCase().replace(/^(int|bigint|smallint|mediumint)\(\d+\)/, '$1');
  let defaultValue = column.defaultValue;
  if (defaultValue !== null) {
    defaultValue = /^current_timestamp/i.test(defaultValue) ? defaultValue.toLowerCase() : defaultValue;
    if (/char|text/.test(columnType)) defaultValue = defaultValue.replace(/^'(.*)'$/, '$1');
  }
  return { ...column, columnType, defaultValue };
}

function fromInformationSchema(column: { name: string; columnType: string; nullable: string; defaultValue: string | null; extra: string }): ExpectedColumn {
  return portable({
    name: column.name,
    columnType: column.columnType,
    nullable: column.nullable === 'YES',
    defaultValue: column.defaultValue === 'NULL' ? null : column.defaultValue,
    autoIncrement: column.extra.includes('auto_increment'),
  });
}

describe('every model round-trips through Prisma Client', () => {
  it('writes and reads back each model with exact decimals and microsecond-column times', async () => {
    const client = db();
    const when = new Date('2021-06-03T13:04:22.335Z');
    const user = await client.user.create({
      data: {
        username: 'roundtrip',
        passwordHash: 'x'.repeat(60),
        mlUuid: 'user-0000000000000001',
        firstName: 'Ró',
        lastName: 'Ünd',
        email: 'r@example.com',
        dateJoined: when,
      },
    });
    const session = await client.session.create({ data: { id: '00000000-0000-4000-8000-000000000001', userId: user.id, expiresAt: when } });
    const throttle = await client.loginThrottle.create({ data: { username: 'roundtrip', windowStartedAt: when, failures: 3, checksInFlight: 2 } });
    const wallet = await client.wallet.create({
      data: {
        userId: user.id,
        bankName: 'B',
        cardNumber: '*********0123',
        cardHash: 'c'.repeat(64),
        cardLast4: '0123',
        cardLength: 13,
        balance: new Prisma.Decimal('999999999999999.99'),
      },
    });
    const transaction = await client.transaction.create({
      data: { walletId: wallet.id, name: 'Top-up the wallet', sum: new Prisma.Decimal('-0.01'), createdAt: when },
    });
    const asset = await client.asset.create({
      data: { transactionId: transaction.id, assetName: 'AAPL', pricePerUnit: new Prisma.Decimal('148.92'), overallSum: new Prisma.Decimal('0.01') },
    });
    const metrics = await client.metrics.create({
      data: { userId: user.id, rateOfReturn: new Prisma.Decimal('-14.20'), volatility: new Prisma.Decimal('18.50'), valueAtRisk: new Prisma.Decimal('0.63') },
    });
    const flow = await client.dailyFlow.create({
      data: { userId: user.id, day: new Date('2021-06-03T00:00:00Z'), moneyIn: new Prisma.Decimal('999999999999999999.99') },
    });
    const record = await client.idempotencyRecord.create({
      data: { userId: user.id, key: 'k', route: 'POST /x/', requestHash: 'a'.repeat(64), status: 201, responseBody: '{"a":1}' },
    });

    const read = await client.user.findUniqueOrThrow({
      where: { id: user.id },
      include: { sessions: true, metrics: true, wallets: { include: { transactions: { include: { assets: true } } } } },
    });
    expect(read.dateJoined.toISOString()).toBe(when.toISOString());
    expect(read.sessions).toEqual([expect.objectContaining({ id: session.id, expiresAt: when, revokedAt: null })]);
    expect(read.wallets[0].balance.toFixed(2)).toBe('999999999999999.99');
    expect(read.wallets[0]).toEqual(expect.objectContaining({ cardHash: 'c'.repeat(64), cardLast4: '0123', cardLength: 13 }));
    expect(read.wallets[0].transactions[0].sum.toFixed(2)).toBe('-0.01');
    expect(read.wallets[0].transactions[0].createdAt.toISOString()).toBe(when.toISOString());
    expect(read.wallets[0].transactions[0].assets[0]).toEqual(expect.objectContaining({ id: asset.id, assetName: 'AAPL' }));
    expect(read.wallets[0].transactions[0].assets[0].pricePerUnit.toFixed(2)).toBe('148.92');
    expect(read.metrics?.rateOfReturn.toFixed(2)).toBe('-14.20');
    expect(metrics.valueAtRisk.toFixed(2)).toBe('0.63');
    expect(await client.loginThrottle.findUniqueOrThrow({ where: { username: throttle.username } })).toEqual({
      username: 'roundtrip',
      windowStartedAt: when,
      failures: 3,
      checksInFlight: 2,
    });
    const flowRead = await client.dailyFlow.findUniqueOrThrow({ where: { userId_day: { userId: user.id, day: flow.day } } });
    expect(flowRead.day.toISOString()).toBe('2021-06-03T00:00:00.000Z');
    expect([flowRead.moneyIn.toFixed(2), flowRead.moneyOut.toFixed(2)]).toEqual(['999999999999999999.99', '0.00']);
    expect(await client.idempotencyRecord.findUniqueOrThrow({ where: { id: record.id } })).toEqual(
      expect.objectContaining({ status: 201, responseBody: '{"a":1}' }),
    );
  });

  it('keeps a balance from going negative and a bought asset from costing under a cent', async () => {
    const wallet = await db().wallet.findFirstOrThrow({ where: { cardHash: 'c'.repeat(64) } });
    await expect(db().wallet.update({ where: { id: wallet.id }, data: { balance: new Prisma.Decimal('-0.01') } })).rejects.toThrow();
    const transaction = await db().transaction.findFirstOrThrow({ where: { walletId: wallet.id } });
    await expect(
      db().asset.create({
        data: { transactionId: transaction.id, assetName: 'AAPL', pricePerUnit: new Prisma.Decimal('0.00'), overallSum: new Prisma.Decimal('1') },
      }),
    ).rejects.toThrow();
  });
});
