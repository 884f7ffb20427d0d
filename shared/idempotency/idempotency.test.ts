import { db } from '../db/prisma';
import { seedDemoUsers } from '../demo/seed';
import { callFunction, loginAs, tokenHeader } from '../../testing/http';
import { useSettings } from '../../testing/settings';
import { useTestDatabase } from '../../testing/test-database';
import { createWallet, dailyFlowsOutOfStep, walletsOutOfBalance } from '../../testing/wallets';

useTestDatabase();

let key: string;
let walletId: string;
beforeAll(async () => {
  await seedDemoUsers();
  key = await loginAs('alexray');
  walletId = await createWallet(key);
});

const topUp = (sum: string, idempotencyKey: string) =>
  callFunction('wallets-topup').post(`/api/v1/wallets/${walletId}/topup/`).set(tokenHeader(key)).set('Idempotency-Key', idempotencyKey).send({ sum });

const hoursAgo = (hours: number) => new Date(Date.now() - hours * 3600_000);

describe('how long an Idempotency-Key is kept', () => {
  afterEach(async () => {
    expect(await walletsOutOfBalance()).toEqual([]);
    expect(await dailyFlowsOutOfStep()).toEqual([]);
  });

  it('still replays a key used 47 hours ago', async () => {
    const first = await topUp('1.00', 'kept-47h');
    await db().idempotencyRecord.updateMany({ where: { key: 'kept-47h' }, data: { createdAt: hoursAgo(47) } });
    const replay = await topUp('1.00', 'kept-47h');
    expect(replay.status).toBe(201);
    expect(replay.body).toEqual(first.body);
    expect((await topUp('2.00', 'kept-47h')).status).toBe(409);
    expect(await db().transaction.count({ where: { walletId } })).toBe(1);
  });

  it('replays a key whose request the rules would now refuse (a retry of a top-up that already filled the wallet)', async () => {
    const first = await topUp('7.00', 'refused-on-retry');
    const before = await db().wallet.findUniqueOrThrow({ where: { id: walletId } });
    const moves = await db().transaction.count({ where: { walletId } });
    // As if later top-ups had filled the wallet: the same top-up again would now be 422.
    await db().wallet.update({ where: { id: walletId }, data: { balance: '999999999999999.99' } });
    try {
      const replay = await topUp('7.00', 'refused-on-retry');
      expect(replay.status).toBe(201);
      expect(replay.text).toBe(first.text);
      expect(await db().transaction.count({ where: { walletId } })).toBe(moves);
      expect((await topUp('7.00', 'a-new-key')).status).toBe(422);
    } finally {
      await db().wallet.update({ where: { id: walletId }, data: { balance: before.balance } });
    }
  });

  it('forgets a key after 48 hours: it may then start a new request', async () => {
    await topUp('1.00', 'old-49h');
    await db().idempotencyRecord.updateMany({ where: { key: 'old-49h' }, data: { createdAt: hoursAgo(49) } });
    const again = await topUp('3.00', 'old-49h');
    expect(again.status).toBe(201);
    expect(again.body.transaction.sum).toBe(3);
  });

  it('tells keys apart by case: CaseKey and casekey are two requests', async () => {
    const first = await topUp('5.00', 'CaseKey');
    const second = await topUp('5.00', 'casekey');
    expect(first.status).toBe(201);
    expect(second.status).toBe(201);
    expect(second.body.transaction.created_at).not.toBe(first.body.transaction.created_at);
    expect(second.body.balance).toBeGreaterThan(first.body.balance);
  });

  describe('with housekeeping on every request', () => {
    useSettings({ HOUSEKEEPING_EVERY: '1' });

    it('clears expired keys, anyone’s, when a key is used (one request in HOUSEKEEPING_EVERY does; here every one)', async () => {
      await topUp('1.00', 'stale-a');
      await topUp('1.00', 'stale-b');
      await db().idempotencyRecord.updateMany({ where: { key: { in: ['stale-a', 'stale-b'] } }, data: { createdAt: hoursAgo(72) } });
      const stranger = await db().user.findUniqueOrThrow({ where: { username: 'johnwick' } });
      await db().idempotencyRecord.create({
        data: { userId: stranger.id, key: 'stale-c', route: 'POST /x/', requestHash: 'a'.repeat(64), status: 201, responseBody: '{}', createdAt: hoursAgo(72) },
      });
      await topUp('1.00', 'fresh');
      expect(await db().idempotencyRecord.findMany({ where: { key: { in: ['stale-a', 'stale-b', 'stale-c'] } } })).toEqual([]);
    });
  });

  it.each([
    ['empty', ''],
    ['too long', 'k'.repeat(256)],
    ['not printable ASCII', 'clé'],
  ])('refuses a key that is %s with 400 naming the header', async (_case, idempotencyKey) => {
    const response = await topUp('1.00', idempotencyKey);
    expect(response.status).toBe(400);
    expect(response.body.error.details).toEqual([expect.objectContaining({ field: 'Idempotency-Key' })]);
  });
});
