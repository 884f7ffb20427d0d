import { Prisma } from './client';
import { db } from './client';
import { useTestDatabase } from '../testing/test-database';
import { inTransaction } from './transactions';

useTestDatabase();

/**
 * Two transactions lock the same two rows in opposite order with raw
 * `SELECT … FOR UPDATE` — the way handlers lock wallets — so InnoDB must kill
 * one. The victim is run again and both finish.
 */
describe('inTransaction', () => {
  it('runs a deadlock victim again, for raw SQL locks too', async () => {
    const user = await db().user.create({ data: { username: 'deadlock', passwordHash: 'x', mlUuid: 'u' } });
    const [a, b] = await Promise.all(
      ['100000000001', '100000000002'].map((cardNumber) => db().wallet.create({ data: { userId: user.id, bankName: 'B', cardNumber } })),
    );

    let bothHoldOne: () => void = () => undefined;
    const barrier = new Promise<void>((resolve) => {
      let waiting = 2;
      bothHoldOne = () => {
        waiting -= 1;
        if (waiting === 0) resolve();
      };
    });
    let attempts = 0;
    const lockInOrder = (first: string, second: string) =>
      inTransaction(async (tx) => {
        attempts += 1;
        await tx.$queryRaw(Prisma.sql`SELECT id FROM wallets WHERE id = ${first} FOR UPDATE`);
        bothHoldOne();
        await barrier;
        await tx.$queryRaw(Prisma.sql`SELECT id FROM wallets WHERE id = ${second} FOR UPDATE`);
        return first;
      });

    await expect(Promise.all([lockInOrder(a.id, b.id), lockInOrder(b.id, a.id)])).resolves.toEqual([a.id, b.id]);
    expect(attempts).toBe(3);
  });

  it('does not run again after an ordinary error', async () => {
    let attempts = 0;
    await expect(
      inTransaction(async () => {
        attempts += 1;
        throw new Error('refused');
      }),
    ).rejects.toThrow('refused');
    expect(attempts).toBe(1);
  });
});
