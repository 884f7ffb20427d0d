import { randomUUID } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { db } from '../../shared/db/prisma';
import { seedDemoUsers } from '../../shared/demo/seed';
import { Decimal } from '../../shared/money/decimal';
import { callFunction, loginAs, logout, tokenHeader } from '../../testing/http';
import { useTestDatabase } from '../../testing/test-database';
import { createWallet, dailyFlowsOutOfStep, rebuildFlowsOfWallet, walletsOutOfBalance } from '../../testing/wallets';

useTestDatabase();

let john: string;
let alex: string;
let johnsDemoWallet: string;
beforeAll(async () => {
  await seedDemoUsers();
  john = await loginAs('johnwick');
  alex = await loginAs('alexray');
  johnsDemoWallet = (await db().wallet.findFirstOrThrow({ where: { user: { username: 'johnwick' } } })).id;
});

afterEach(async () => {
  expect(await walletsOutOfBalance()).toEqual([]);
  expect(await dailyFlowsOutOfStep()).toEqual([]);
});

function topUp(key: string, walletId: string, body: unknown, idempotencyKey?: string) {
  const request = callFunction('wallets-topup').post(`/api/v1/wallets/${walletId}/topup/`).set(tokenHeader(key));
  if (idempotencyKey) request.set('Idempotency-Key', idempotencyKey);
  return request.send(body as object);
}

async function ledger(walletId: string) {
  const wallet = await db().wallet.findUniqueOrThrow({ where: { id: walletId } });
  return { balance: wallet.balance.toFixed(2), transactions: await db().transaction.count({ where: { walletId } }) };
}

const ISO_MICRO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;

describe('POST /api/v1/wallets/{wallet_id}/topup/', () => {
  it('records the top-up and answers 201 with the transaction and the new balance', async () => {
    const before = await ledger(johnsDemoWallet);
    const response = await topUp(john, johnsDemoWallet, { sum: 400 });

    expect(response.status).toBe(201);
    expect(response.body).toEqual({
      detail: 'Wallet has been replenished',
      transaction: { created_at: expect.stringMatching(ISO_MICRO), name: 'Top-up the wallet', sum: 400, sum_direction: '+' },
      balance: Number(before.balance) + 400,
    });
    // Amounts are JSON numbers written from the exact decimal.
    expect(response.text).toContain('"sum":400.00');
    expect(response.text).toContain(`"balance":${new Decimal(before.balance).plus(400).toFixed(2)}`);
    expect(await ledger(johnsDemoWallet)).toEqual({
      balance: new Decimal(before.balance).plus(400).toFixed(2),
      transactions: before.transactions + 1,
    });

    const listed = await callFunction('wallets-transactions').get(`/api/v1/wallets/${johnsDemoWallet}/transactions/`).set(tokenHeader(john));
    expect(listed.body.at(-1)).toEqual(response.body.transaction);
  });

  it('shows the microseconds the database stamped, the same in the answer, the statement and the row', async () => {
    const wallet = await createWallet(john);
    const answers: string[] = [];
    for (let i = 0; i < 5; i += 1) {
      const response = await topUp(john, wallet, { sum: '1.00' });
      expect(response.status).toBe(201);
      answers.push(response.body.transaction.created_at);
    }
    const stored = await db().$queryRaw<Array<{ stamp: string }>>`
      SELECT DATE_FORMAT(created_at, '%Y-%m-%dT%H:%i:%s.%fZ') AS stamp FROM transactions WHERE wallet_id = ${wallet} ORDER BY created_at, id`;
    expect(answers).toEqual(stored.map(({ stamp }) => stamp));
    const listed = await callFunction('wallets-transactions').get(`/api/v1/wallets/${wallet}/transactions/`).set(tokenHeader(john));
    expect(listed.body.map((transaction: { created_at: string }) => transaction.created_at)).toEqual(answers);
    // A millisecond clock would end every stamp in 000; five in a row doing so by chance is a one-in-10^15 event.
    expect(answers.every((stamp) => stamp.endsWith('000Z'))).toBe(false);
    expect([...answers].sort()).toEqual(answers);
    expect(new Set(answers).size).toBe(answers.length);
  });

  it.each([
    ['a decimal string', '12.5', '12.50'],
    ['a string with 2 decimals', '0.10', '0.10'],
    ['the smallest amount', 0.01, '0.01'],
    ['the largest amount', 1000000, '1000000.00'],
    ['the largest amount as a string', '1000000.00', '1000000.00'],
  ])('accepts %s (%p)', async (_, sum, text) => {
    const wallet = await createWallet(john);
    const response = await topUp(john, wallet, { sum });
    expect(response.status).toBe(201);
    expect(response.text).toContain(`"sum":${text}`);
    expect(response.text).toContain(`"balance":${text}`);
    expect(await ledger(wallet)).toEqual({ balance: text, transactions: 1 });
  });

  it.each([
    ['zero', 0],
    ['a third decimal', 0.001],
    ['a negative amount', -1],
    ['more than 1,000,000.00', 1000000.01],
    ['a float sum that is not 2-decimal', 0.1 + 0.2],
    ['exponent notation', '1e3'],
    ['text', 'abc'],
    ['an empty string', ''],
    ['null', null],
    ['a boolean', true],
    ['an object', { amount: 5 }],
  ])('refuses %s with 400 naming sum, moving nothing', async (_, sum) => {
    const before = await ledger(johnsDemoWallet);
    const response = await topUp(john, johnsDemoWallet, { sum });
    expect(response.status).toBe(400);
    expect(response.body.error.details.map((detail: { field: string }) => detail.field)).toEqual(['sum']);
    expect(await ledger(johnsDemoWallet)).toEqual(before);
  });

  it('refuses a body without sum with 400 naming sum', async () => {
    const response = await topUp(john, johnsDemoWallet, {});
    expect(response.status).toBe(400);
    expect(response.body.error.details).toEqual([{ field: 'sum', message: expect.any(String) }]);
  });

  it('answers one and the same 404 for a stranger’s, an unknown and a malformed wallet id, moving nothing', async () => {
    const before = await ledger(johnsDemoWallet);
    const strangers = await topUp(alex, johnsDemoWallet, { sum: 10 });
    const unknown = await topUp(john, randomUUID(), { sum: 10 });
    const malformed = await topUp(john, 'not-a-uuid', { sum: 10 });

    expect(strangers.status).toBe(404);
    expect(strangers.body).toEqual({ error: { code: 'not_found', message: expect.any(String), details: [] } });
    expect(unknown.status).toBe(404);
    expect(unknown.text).toBe(strangers.text);
    expect(malformed.status).toBe(404);
    expect(malformed.text).toBe(strangers.text);
    expect(await ledger(johnsDemoWallet)).toEqual(before);
  });

  it('finds the wallet by its id in capitals too', async () => {
    const wallet = await createWallet(john);
    const response = await topUp(john, wallet.toUpperCase(), { sum: 1 });
    expect(response.status).toBe(201);
    expect(await ledger(wallet)).toEqual({ balance: '1.00', transactions: 1 });
  });

  it('answers 401 without a key', async () => {
    const response = await callFunction('wallets-topup').post(`/api/v1/wallets/${johnsDemoWallet}/topup/`).send({ sum: 1 });
    expect(response.status).toBe(401);
  });

  it('counts every one of 50 concurrent top-ups of 0.01, one after another', async () => {
    const wallet = await createWallet(john);
    const responses = await Promise.all(Array.from({ length: 50 }, () => topUp(john, wallet, { sum: 0.01 })));

    expect(responses.map((response) => response.status)).toEqual(Array(50).fill(201));
    // The row lock serialises them: each saw the balance the one before left.
    const balances = responses.map((response) => Number(response.body.balance).toFixed(2)).sort((a, b) => Number(a) - Number(b));
    expect(balances).toEqual(Array.from({ length: 50 }, (_, i) => ((i + 1) / 100).toFixed(2)));
    expect(await ledger(wallet)).toEqual({ balance: '0.50', transactions: 50 });
  });

  it('keeps cents exact: 1000 top-ups of 0.01 make 10.00', async () => {
    const wallet = await createWallet(john);
    for (let batch = 0; batch < 50; batch += 1) {
      const responses = await Promise.all(Array.from({ length: 20 }, () => topUp(john, wallet, { sum: '0.01' })));
      expect(responses.every((response) => response.status === 201)).toBe(true);
    }
    expect(await ledger(wallet)).toEqual({ balance: '10.00', transactions: 1000 });
    const last = await topUp(john, wallet, { sum: 0.01 });
    expect(last.text).toContain('"balance":10.01');
  });

  it('refuses with 422 a top-up that would overflow the balance column, and fills it to the last cent', async () => {
    const wallet = await createWallet(john);
    const nearlyFull = new Decimal('999999999999998.37');
    await db().$transaction([
      db().transaction.create({ data: { walletId: wallet, name: 'Opening balance', sum: nearlyFull } }),
      db().wallet.update({ where: { id: wallet }, data: { balance: nearlyFull } }),
    ]);
    await rebuildFlowsOfWallet(wallet);

    const over = await topUp(john, wallet, { sum: 1.63 });
    expect(over.status).toBe(422);
    expect(over.body.error).toEqual({ code: 'balance_limit', message: expect.any(String), details: [{ field: 'sum', message: expect.any(String) }] });
    expect(await ledger(wallet)).toEqual({ balance: '999999999999998.37', transactions: 1 });

    const full = await topUp(john, wallet, { sum: 1.62 });
    expect(full.status).toBe(201);
    // Beyond a double's precision: only the exact decimal text gets this right.
    expect(full.text).toContain('"balance":999999999999999.99');
    expect((await topUp(john, wallet, { sum: 0.01 })).status).toBe(422);
  });
});

describe('top-ups racing a logout of their session', () => {
  it('are all dated before the revocation they did not cross, as the audit trail must read', async () => {
    const wallet = await createWallet(john);
    const session = await loginAs('johnwick');
    const { jti } = jwt.decode(session) as jwt.JwtPayload;
    const topUps = Array.from({ length: 40 }, () => topUp(session, wallet, { sum: '0.01' }).then((response) => response.status));
    // The logout queues behind the top-ups holding the session's row, as a real one would.
    const loggedOut = logout(session);
    const statuses = await Promise.all(topUps);
    await loggedOut;
    expect(statuses.filter((status) => status !== 201 && status !== 401)).toEqual([]);
    // Some landed before the logout, or there would be nothing to date.
    expect(statuses).toContain(201);

    const revokedAt = (await db().session.findUniqueOrThrow({ where: { id: jti } })).revokedAt!;
    const [{ later }] = await db().$queryRawUnsafe<Array<{ later: bigint }>>(
      'SELECT COUNT(*) AS later FROM transactions t JOIN sessions s ON s.id = ? WHERE t.wallet_id = ? AND t.created_at >= s.revoked_at',
      jti,
      wallet,
    );
    expect(revokedAt).not.toBeNull();
    expect(Number(later)).toBe(0);
    expect(await ledger(wallet)).toEqual({
      balance: (statuses.filter((status) => status === 201).length / 100).toFixed(2),
      transactions: statuses.filter((status) => status === 201).length,
    });
  });
});

describe('Idempotency-Key on top-up', () => {
  it('replays the first response for the same key and body, moving no money again', async () => {
    const wallet = await createWallet(john);
    const key = randomUUID();
    const first = await topUp(john, wallet, { sum: 25 }, key);
    expect(first.status).toBe(201);
    // Money moved in between must not leak into the replay.
    expect((await topUp(john, wallet, { sum: 5 })).status).toBe(201);

    const again = await topUp(john, wallet, { sum: 25 }, key);
    expect(again.status).toBe(201);
    expect(again.text).toBe(first.text);
    expect(await ledger(wallet)).toEqual({ balance: '30.00', transactions: 2 });
  });

  it('treats the same amount written differently as another body: 409', async () => {
    const wallet = await createWallet(john);
    const key = randomUUID();
    expect((await topUp(john, wallet, { sum: 25 }, key)).status).toBe(201);

    const otherBody = await topUp(john, wallet, { sum: '25.00' }, key);
    expect(otherBody.status).toBe(409);
    expect(otherBody.body.error.code).toBe('idempotency_key_reused');
    expect(await ledger(wallet)).toEqual({ balance: '25.00', transactions: 1 });
  });

  it('answers 409 for the same key with another sum or another wallet', async () => {
    const wallet = await createWallet(john);
    const otherWallet = await createWallet(john);
    const key = randomUUID();
    expect((await topUp(john, wallet, { sum: 25 }, key)).status).toBe(201);

    expect((await topUp(john, wallet, { sum: 26 }, key)).status).toBe(409);
    expect((await topUp(john, otherWallet, { sum: 25 }, key)).status).toBe(409);
    expect(await ledger(wallet)).toEqual({ balance: '25.00', transactions: 1 });
    expect(await ledger(otherWallet)).toEqual({ balance: '0.00', transactions: 0 });
  });

  it('keeps keys per user: another user may use the same key', async () => {
    const johns = await createWallet(john);
    const alexs = await createWallet(alex);
    const key = `shared-key-${randomUUID()}`;
    const fromJohn = await topUp(john, johns, { sum: 7 }, key);
    const fromAlex = await topUp(alex, alexs, { sum: 7 }, key);

    expect(fromJohn.status).toBe(201);
    expect(fromAlex.status).toBe(201);
    expect(await ledger(johns)).toEqual({ balance: '7.00', transactions: 1 });
    expect(await ledger(alexs)).toEqual({ balance: '7.00', transactions: 1 });
  });

  it('does not remember a refused request: the key can be used once the request is right', async () => {
    const wallet = await createWallet(john);
    const key = randomUUID();
    expect((await topUp(alex, wallet, { sum: 3 }, key)).status).toBe(404);
    expect((await topUp(john, randomUUID(), { sum: 3 }, key)).status).toBe(404);

    const accepted = await topUp(john, wallet, { sum: 3 }, key);
    expect(accepted.status).toBe(201);
    expect(await ledger(wallet)).toEqual({ balance: '3.00', transactions: 1 });
  });

  it('moves money once when 10 requests with the same key arrive together', async () => {
    const wallet = await createWallet(john);
    const key = randomUUID();
    const responses = await Promise.all(Array.from({ length: 10 }, () => topUp(john, wallet, { sum: 12.34 }, key)));

    expect(responses.map((response) => response.status)).toEqual(Array(10).fill(201));
    expect(new Set(responses.map((response) => response.text)).size).toBe(1);
    expect(responses[0].text).toContain('"balance":12.34');
    expect(await ledger(wallet)).toEqual({ balance: '12.34', transactions: 1 });
  });

  it('answers 401, not the stored answer, when the key is replayed after its session logged out', async () => {
    const wallet = await createWallet(john);
    const session = await loginAs('johnwick');
    const key = randomUUID();
    expect((await topUp(session, wallet, { sum: 7 }, key)).status).toBe(201);
    await logout(session);

    const replay = await topUp(session, wallet, { sum: 7 }, key);
    expect(replay.status).toBe(401);
    expect(replay.body.error.message).toBe('Token has been revoked');
    expect(await ledger(wallet)).toEqual({ balance: '7.00', transactions: 1 });
  });

  it('refuses a malformed key with 400', async () => {
    const response = await topUp(john, johnsDemoWallet, { sum: 1 }, 'x'.repeat(256));
    expect(response.status).toBe(400);
    expect(response.body.error.details[0].field).toBe('Idempotency-Key');
  });
});
