import type { QueryOptions } from 'mariadb';
import { sqlPool } from './pool';

/**
 * Plain SQL on the driver, for the statements every request sends
 * (authentication, login, the wallet and statement reads). Prisma's client
 * costs several times the CPU of the statement itself, and loading it and its
 * query compiler adds ~150 ms to a cold start; a function that reads through
 * this module alone never loads it. Anything with a model shape, or rarely
 * run, goes through Prisma (./client) on the same pool.
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
