import { db } from '../db/client';
import { seedDemoUsers } from '../demo/seed';
import { callFunction, loginAs, tokenHeader } from '../testing/http';
import { useTestDatabase } from '../testing/test-database';
import { createWallet, walletsOutOfBalance } from '../testing/wallets';

useTestDatabase();

let key: string;
let walletId: string;
beforeAll(async () => {
  await seedDemoUsers(db());
  key = await loginAs('alexray');
  walletId = await createWallet(key);
});

const topUp = (sum: string, idempotencyKey: string) =>
  callFunction('wallets-topup')
    .post(`/api/v1/wallets/${walletId}/topup/`)
    .set(tokenHeader(key))
    .set('Idempotency-Key', idempotencyKey)
    .send({ sum });

const hoursAgo = (hours: number) => new Date(Date.now() - hours * 3600_000);

describe('how long an Idempotency-Key is kept', () => {
  afterEach(async () => expect(await walletsOutOfBalance()).toEqual([]));

  it('still replays a key used 47 hours ago', async () => {
    const first = await topUp('1.00', 'kept-47h');
    await db().idempotencyRecord.updateMany({ where: { key: 'kept-47h' }, data: { createdAt: hoursAgo(47) } });
    const replay = await topUp('1.00', 'kept-47h');
    expect(replay.status).toBe(201);
    expect(replay.body).toEqual(first.body);
    expect((await topUp('2.00', 'kept-47h')).status).toBe(409);
    expect(await db().transaction.count({ where: { walletId } })).toBe(1);
  });

  it('forgets a key after 48 hours: it may then start a new request', async () => {
    await topUp('1.00', 'old-49h');
    await db().idempotencyRecord.updateMany({ where: { key: 'old-49h' }, data: { createdAt: hoursAgo(49) } });
    const again = await topUp('3.00', 'old-49h');
    expect(again.status).toBe(201);
    expect(again.body.transaction.sum).toBe(3);
  });

  it('clears the user’s expired keys when a key is used', async () => {
    await topUp('1.00', 'stale-a');
    await topUp('1.00', 'stale-b');
    await db().idempotencyRecord.updateMany({ where: { key: { in: ['stale-a', 'stale-b'] } }, data: { createdAt: hoursAgo(72) } });
    await topUp('1.00', 'fresh');
    expect(await db().idempotencyRecord.findMany({ where: { key: { in: ['stale-a', 'stale-b'] } } })).toEqual([]);
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
