import { db } from './prisma';
import { useTestDatabase } from '../../testing/test-database';
import { storedCardData } from '../../testing/wallets';
import { inSqlTransaction, sqlExecute, type SqlTx } from './sql';

useTestDatabase();

/** Two transactions each take one lock, then wait here until both hold theirs. */
function meetingPoint(): { bothHoldOne: () => void; barrier: Promise<void> } {
  let waiting = 2;
  let release: () => void = () => undefined;
  const barrier = new Promise<void>((resolve) => {
    release = resolve;
  });
  return {
    barrier,
    bothHoldOne: () => {
      waiting -= 1;
      if (waiting === 0) release();
    },
  };
}

/** A user with two wallets whose rows the transactions lock in opposite orders. */
async function twoWallets(username: string, cards: [string, string]) {
  const user = await db().user.create({ data: { username, passwordHash: 'x', mlUuid: 'u' } });
  const [a, b] = await Promise.all(
    cards.map((cardNumber) => db().wallet.create({ data: { userId: user.id, bankName: 'B', ...storedCardData(user.id, cardNumber) } })),
  );
  return { user, a, b };
}

describe('inSqlTransaction', () => {
  /**
   * Two transactions lock the same two rows in opposite order with
   * `SELECT … FOR UPDATE` — the way money moves lock wallets — so InnoDB must
   * kill one. The victim is run again and both finish.
   */
  it('runs a deadlock victim again, and commits both', async () => {
    const { user, a, b } = await twoWallets('deadlock-sql', ['100000000011', '100000000012']);
    const { bothHoldOne, barrier } = meetingPoint();
    let attempts = 0;
    const lockInOrder = (first: string, second: string) =>
      inSqlTransaction(async (tx) => {
        attempts += 1;
        await tx.rows('SELECT id FROM wallets WHERE id = ? FOR UPDATE', [first]);
        bothHoldOne();
        await barrier;
        await tx.rows('SELECT id FROM wallets WHERE id = ? FOR UPDATE', [second]);
        await tx.execute("UPDATE wallets SET bank_name = CONCAT(bank_name, 'x') WHERE id = ?", [first]);
        return first;
      });
    await expect(Promise.all([lockInOrder(a.id, b.id), lockInOrder(b.id, a.id)])).resolves.toEqual([a.id, b.id]);
    expect(attempts).toBe(3);
    const names = await db().wallet.findMany({ where: { userId: user.id }, select: { bankName: true } });
    expect(names.map((wallet) => wallet.bankName).sort()).toEqual(['Bx', 'Bx']);
  });

  it('rolls back everything on an ordinary error and does not run again', async () => {
    const user = await db().user.create({ data: { username: 'rollback-sql', passwordHash: 'x', mlUuid: 'u' } });
    let attempts = 0;
    await expect(
      inSqlTransaction(async (tx) => {
        attempts += 1;
        await tx.execute("UPDATE users SET first_name = 'changed' WHERE id = ?", [user.id]);
        throw new Error('refused');
      }),
    ).rejects.toThrow('refused');
    expect(attempts).toBe(1);
    expect((await db().user.findUniqueOrThrow({ where: { id: user.id } })).firstName).toBe('');
  });

  it('reads what another transaction committed after its first read: every connection runs READ COMMITTED', async () => {
    const user = await db().user.create({ data: { username: 'isolation-sql', passwordHash: 'x', mlUuid: 'u' } });
    const firstName = (tx: SqlTx) =>
      tx.rows<{ firstName: string }>('SELECT first_name AS firstName FROM users WHERE id = ?', [user.id]).then(([row]) => row.firstName);
    const seen = await inSqlTransaction(async (tx) => {
      const before = await firstName(tx);
      // Another connection, committed at once.
      await sqlExecute('UPDATE users SET first_name = CONCAT(first_name, ?) WHERE id = ?', ['x', user.id]);
      return [before, await firstName(tx)];
    });
    expect(seen).toEqual(['', 'x']);
  });
});
