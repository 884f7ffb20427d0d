import { setTimeout as sleep } from 'node:timers/promises';
import { db, type Prisma, type Tx } from './client';
import { isWriteConflict } from './conflicts';
import { MAX_TRANSACTION_ATTEMPTS, type SqlTx } from './sql';

export interface TransactionOptions {
  /**
   * MariaDB's default, REPEATABLE READ, fixes a transaction's snapshot at its
   * first plain read, so rows
   * another request committed while this one waited for a lock stay invisible
   * to plain reads. A handler that locks first and then must read the latest
   * committed state asks for READ COMMITTED.
   */
  isolationLevel?: Prisma.TransactionIsolationLevel;
}

/**
 * One interactive transaction, rolled back whole on any error, and run again
 * (from the start, with nothing of the failed attempt kept) when the database
 * chose it as a deadlock victim. Generous waits: under a burst, requests queue
 * for a row lock and for one of the pool's few connections instead of failing.
 */
export async function inTransaction<T>(work: (tx: Tx) => Promise<T>, options: TransactionOptions = {}): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await db().$transaction(work, { maxWait: 10_000, timeout: 20_000, isolationLevel: options.isolationLevel });
    } catch (error) {
      if (attempt >= MAX_TRANSACTION_ATTEMPTS || !isWriteConflict(error)) throw error;
      await sleep(10 + Math.random() * 40 * attempt);
    }
  }
}

/** A Prisma interactive transaction seen as plain SQL, for code shared with driver transactions (./sql). */
export function asSqlTx(tx: Tx): SqlTx {
  return {
    rows: (sql, values = []) => tx.$queryRawUnsafe(sql, ...values),
    execute: (sql, values = []) => tx.$executeRawUnsafe(sql, ...values),
  };
}
