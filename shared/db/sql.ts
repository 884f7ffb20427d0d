import { setTimeout as sleep } from 'node:timers/promises';
import type { QueryOptions } from 'mariadb';
import { isWriteConflict } from './conflicts';
import { sqlPool } from './pool';

/**
 * Plain SQL on the driver, for the statements every request sends
 * (authentication, login, the wallet and statement reads). Prisma's client
 * costs several times the CPU of the statement itself, and loading it and its
 * query compiler lengthens a cold start (docs/performance.md); every request
 * the API serves, a purchase and the demo seed included, goes through this
 * module alone, so no function loads it. Prisma (./prisma, on the same pool)
 * is left to the admin tools, `npm start`'s demo-user check and tests.
 *
 * Values are bound as `?` (the driver escapes them); rows come back with
 * DECIMALs as exact strings and DATETIMEs as `YYYY-MM-DD HH:MM:SS.ffffff`
 * text in UTC (the session time zone), never through a JavaScript number or
 * Date. Times are compared and stamped with the database's clock (NOW(6)).
 */
const ROWS: Omit<QueryOptions, 'sql'> = { dateStrings: true, bigIntAsNumber: true, insertIdAsNumber: true, decimalAsNumber: false };

export async function sqlRows<T>(sql: string, values: readonly unknown[] = []): Promise<T[]> {
  return sqlPool().query({ sql, ...ROWS }, values as unknown[]);
}

/** For INSERT, UPDATE and DELETE: how many rows it changed. */
export async function sqlExecute(sql: string, values: readonly unknown[] = []): Promise<number> {
  const result: { affectedRows: number } = await sqlPool().query({ sql, ...ROWS }, values as unknown[]);
  return result.affectedRows;
}

/** `?, ?, …`: the placeholders of an IN list of `count` values. */
export const placeholderList = (count: number): string => Array<string>(count).fill('?').join(', ');

/** `(?, …), (?, …)`: the placeholders of a multi-row INSERT of `rows` rows of `columns` values. */
export const placeholderRows = (rows: number, columns: number): string =>
  Array<string>(rows)
    .fill(`(${placeholderList(columns)})`)
    .join(', ');

/** For a statement that reports a value through LAST_INSERT_ID(expr): the insert id it answered with. */
export async function sqlInsertId(sql: string, values: readonly unknown[] = []): Promise<number> {
  const result: { insertId: number } = await sqlPool().query({ sql, ...ROWS }, values as unknown[]);
  return result.insertId;
}

/**
 * A database transaction as the money rules see it: plain SQL with `?`
 * values, on one of the pool's connections (inSqlTransaction), whose rows
 * carry DECIMALs as exact strings.
 */
export interface SqlTx {
  rows<T>(sql: string, values?: readonly unknown[]): Promise<T[]>;
  execute(sql: string, values?: readonly unknown[]): Promise<number>;
}

/**
 * InnoDB picks a victim when transactions wait on each other; the victim may
 * simply run again, from the start, with nothing of the failed attempt kept.
 */
export const MAX_TRANSACTION_ATTEMPTS = 5;

/**
 * One transaction on one of the pool's connections, rolled back whole on any
 * error, run again as a deadlock victim. Every connection runs READ COMMITTED
 * (./session-settings): a plain read sees what committed before it, including
 * while this transaction waited for a lock, and no gap locks are taken.
 */
export async function inSqlTransaction<T>(work: (tx: SqlTx) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    const conn = await sqlPool().getConnection();
    try {
      await conn.beginTransaction();
      const tx: SqlTx = {
        rows: (sql, values = []) => conn.query({ sql, ...ROWS }, values as unknown[]),
        execute: async (sql, values = []) => ((await conn.query({ sql, ...ROWS }, values as unknown[])) as { affectedRows: number }).affectedRows,
      };
      const result = await work(tx);
      await conn.commit();
      return result;
    } catch (error) {
      await conn.rollback().catch(() => undefined);
      if (attempt >= MAX_TRANSACTION_ATTEMPTS || !isWriteConflict(error)) throw error;
      await sleep(10 + Math.random() * 40 * attempt);
    } finally {
      await conn.release();
    }
  }
}
