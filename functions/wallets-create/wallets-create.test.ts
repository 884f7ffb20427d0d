import mariadb from 'mariadb';
import { hashPassword } from '../../shared/auth/passwords';
import { cardNumberHash } from '../../shared/cards/card-number';
import { setLogSink } from '../../shared/core/logging';
import { poolConfigFromUrl } from '../../shared/db/connection-options';
import { db } from '../../shared/db/prisma';
import { seedDemoUsers } from '../../shared/demo/seed';
import { callFunction, loginAs, tokenHeader } from '../../testing/http';
import { useSettings } from '../../testing/settings';
import { useTestDatabase } from '../../testing/test-database';
import { randomCardNumber, withLuhnDigit } from '../../testing/wallets';

const database = useTestDatabase();

let john: string;
let alex: string;
beforeAll(async () => {
  await seedDemoUsers();
  john = await loginAs('johnwick');
  alex = await loginAs('alexray');
});

const create = (key: string, body: unknown) =>
  callFunction('wallets-create')
    .post('/api/v1/wallets/')
    .set(tokenHeader(key))
    .send(body as object);

const fieldsNamed = (body: { error: { details: Array<{ field: string }> } }) => [...new Set(body.error.details.map((detail) => detail.field))];

/** What a client is shown of a card: as long as the number, all but the last four digits as `*`. */
const masked = (cardNumber: string) => '*'.repeat(cardNumber.length - 4) + cardNumber.slice(-4);

/** A user of its own, logged in, so counts of wallets start at zero. */
async function freshUser(username: string): Promise<{ id: string; key: string }> {
  const user = await db().user.create({ data: { username, passwordHash: await hashPassword('pass-word-123'), mlUuid: 'user-0000000000000999' } });
  return { id: user.id, key: await loginAs(username, 'pass-word-123') };
}

/** Every wallets row as the database holds it, read with the driver, not through the app. */
async function walletRowsAtRest(): Promise<Array<Record<string, unknown>>> {
  const conn = await mariadb.createConnection(poolConfigFromUrl(database.url(), { poolSize: 1, connectTimeoutMs: 5000 }));
  try {
    return await conn.query('SELECT * FROM wallets');
  } finally {
    await conn.end();
  }
}

describe('POST /api/v1/wallets/', () => {
  it('creates a wallet with balance 0 that the owner then lists, the card masked to its last four digits', async () => {
    const cardNumber = randomCardNumber();
    const response = await create(john, { bank_name: 'Bank of Tests', card_number: cardNumber });

    expect(response.status).toBe(201);
    expect(response.body).toEqual({ id: expect.stringMatching(/^[0-9a-f-]{36}$/), bank_name: 'Bank of Tests', card_number: masked(cardNumber), balance: 0 });
    expect(response.body.card_number).toMatch(/^\*{12}\d{4}$/);
    expect(response.text).toContain('"balance":0.00');
    expect(response.text).not.toContain(cardNumber);
    const listed = await callFunction('wallets-list').get('/api/v1/wallets/').set(tokenHeader(john));
    expect(listed.body).toContainEqual(response.body);
    expect(listed.text).not.toContain(cardNumber);
    const othersList = await callFunction('wallets-list').get('/api/v1/wallets/').set(tokenHeader(alex));
    expect(othersList.body).not.toContainEqual(response.body);
  });

  it('keeps no card number in clear at rest: only an HMAC of user and number, the last four digits and the length', async () => {
    const cardNumber = randomCardNumber();
    const response = await create(john, { bank_name: 'At rest', card_number: cardNumber });
    expect(response.status).toBe(201);

    const rows = await walletRowsAtRest();
    const row = rows.find((wallet) => wallet.id === response.body.id);
    expect(row).toMatchObject({
      card_hash: cardNumberHash(process.env.CARD_HMAC_KEY as string, row?.user_id as string, cardNumber),
      card_last4: cardNumber.slice(-4),
      card_length: 16,
    });
    // No column of any row holds the number, or its first twelve digits.
    const everything = JSON.stringify(rows, (_, value: unknown) => (typeof value === 'bigint' ? String(value) : value));
    expect(everything).not.toContain(cardNumber.slice(0, 12));
  });

  it('trims surrounding spaces from both fields', async () => {
    const cardNumber = randomCardNumber();
    const response = await create(john, { bank_name: '  Spacey Bank ', card_number: ` ${cardNumber} ` });
    expect(response.status).toBe(201);
    expect(response.body).toMatchObject({ bank_name: 'Spacey Bank', card_number: masked(cardNumber) });
  });

  it.each([
    ['a 50-character bank name', 'b'.repeat(50), withLuhnDigit('12345678901')],
    ['a 12-digit card', 'Short card bank', withLuhnDigit('1'.repeat(10) + '2')],
    ['a 19-digit card with a leading zero', 'Long card bank', withLuhnDigit('0' + '7'.repeat(17))],
  ])('accepts %s', async (_, bankName, cardNumber) => {
    const response = await create(john, { bank_name: bankName, card_number: cardNumber });
    expect(response.status).toBe(201);
    expect(response.body).toMatchObject({ bank_name: bankName, card_number: masked(cardNumber) });
    expect(response.body.card_number).toHaveLength(cardNumber.length);
  });

  it.each([
    ['no bank_name', { card_number: '4000000000000002' }, ['bank_name']],
    ['an empty bank_name', { bank_name: '', card_number: '4000000000000010' }, ['bank_name']],
    ['a blank bank_name', { bank_name: '   ', card_number: '4000000000000028' }, ['bank_name']],
    ['a 51-character bank_name', { bank_name: 'b'.repeat(51), card_number: '4000000000000036' }, ['bank_name']],
    ['a numeric bank_name', { bank_name: 42, card_number: '4000000000000044' }, ['bank_name']],
    ['no card_number', { bank_name: 'Bank' }, ['card_number']],
    ['an 11-digit card', { bank_name: 'Bank', card_number: '40000000009' }, ['card_number']],
    ['a 20-digit card', { bank_name: 'Bank', card_number: '40000000000000000006' }, ['card_number']],
    ['a card with spaces inside', { bank_name: 'Bank', card_number: '4000 0000 0000 0051' }, ['card_number']],
    ['a card with dashes', { bank_name: 'Bank', card_number: '4000-0000-0000-0069' }, ['card_number']],
    ['a card with letters', { bank_name: 'Bank', card_number: '4000abcd00000008' }, ['card_number']],
    ['a card as a JSON number', { bank_name: 'Bank', card_number: 4000000000000077 }, ['card_number']],
    ['a 16-digit card that fails the Luhn check', { bank_name: 'Bank', card_number: '4532580928888214' }, ['card_number']],
    ['a 12-digit card that fails the Luhn check', { bank_name: 'Bank', card_number: '123456789012' }, ['card_number']],
    ['both fields wrong', { bank_name: '', card_number: 'x' }, ['bank_name', 'card_number']],
  ])('refuses %s with 400 naming the field', async (_, body, fields) => {
    const response = await create(john, body);
    expect(response.status).toBe(400);
    expect(fieldsNamed(response.body).sort()).toEqual(fields);
  });

  it('refuses a card the same user already registered with 400 naming card_number', async () => {
    const cardNumber = randomCardNumber();
    expect((await create(john, { bank_name: 'First', card_number: cardNumber })).status).toBe(201);

    for (const number of [cardNumber, ` ${cardNumber}`]) {
      const response = await create(john, { bank_name: 'Again', card_number: number });
      expect(response.status).toBe(400);
      expect(response.body.error.details).toEqual([{ field: 'card_number', message: 'you already have a wallet with this card number' }]);
    }
    expect((await walletRowsAtRest()).filter((row) => row.card_last4 === cardNumber.slice(-4) && row.user_id !== undefined)).toHaveLength(1);
  });

  it('accepts a card another user registered, so no answer tells that someone else holds it', async () => {
    const cardNumber = randomCardNumber();
    const johns = await create(john, { bank_name: 'First', card_number: cardNumber });
    expect(johns.status).toBe(201);

    const alexs = await create(alex, { bank_name: 'Mine too', card_number: cardNumber });
    expect(alexs.status).toBe(201);
    expect(alexs.body.card_number).toBe(masked(cardNumber));
    // lyraking's demo card, from a user who has never seen it.
    expect((await create(john, { bank_name: 'Lyra card', card_number: '5587258023401650' })).status).toBe(201);

    // Two users' hashes of one card are unrelated: the table cannot tell they share it.
    const hashes = (await walletRowsAtRest()).filter((row) => row.id === johns.body.id || row.id === alexs.body.id).map((row) => row.card_hash);
    expect(hashes).toHaveLength(2);
    expect(hashes[0]).not.toBe(hashes[1]);
  });

  it('lets exactly one of 10 concurrent creates of one user with one card number win; the rest get 400, none a 500', async () => {
    const cardNumber = randomCardNumber();
    const racer = await freshUser('card-racer');
    const responses = await Promise.all(Array.from({ length: 10 }, (_, i) => create(racer.key, { bank_name: `Racer ${i}`, card_number: cardNumber })));
    const statuses = responses.map((response) => response.status).sort();
    expect(statuses).toEqual([201, ...Array(9).fill(400)]);
    for (const refused of responses.filter((response) => response.status === 400)) expect(fieldsNamed(refused.body)).toEqual(['card_number']);
    expect(await db().wallet.count({ where: { userId: racer.id } })).toBe(1);
  });

  it('logs no card number, whole or in part past the last four, on any path: created, malformed, failing Luhn, duplicate', async () => {
    const lines: string[] = [];
    const restore = setLogSink((line) => lines.push(line));
    const previousLevel = process.env.LOG_LEVEL;
    process.env.LOG_LEVEL = 'debug';
    const cardNumber = randomCardNumber();
    const notLuhn = cardNumber.slice(0, -1) + String((Number(cardNumber.at(-1)) + 1) % 10);
    try {
      const statuses = [];
      for (const number of [cardNumber, cardNumber, notLuhn, `${cardNumber}x`, `${cardNumber}123456`]) {
        statuses.push((await create(john, { bank_name: 'Log test', card_number: number })).status);
      }
      expect(statuses).toEqual([201, 400, 400, 400, 400]);
    } finally {
      restore();
      process.env.LOG_LEVEL = previousLevel;
    }
    expect(lines.length).toBeGreaterThanOrEqual(5);
    const log = lines.join('\n');
    expect(log).not.toContain(cardNumber.slice(0, 12));
    expect(log).not.toContain(notLuhn.slice(0, 12));
  });

  it('answers 401 without a key', async () => {
    const response = await callFunction('wallets-create').post('/api/v1/wallets/').send({ bank_name: 'B', card_number: randomCardNumber() });
    expect(response.status).toBe(401);
  });
});

describe('POST /api/v1/wallets/ with MAX_WALLETS_PER_USER=3', () => {
  useSettings({ MAX_WALLETS_PER_USER: '3' });

  it('refuses the wallet past the cap with 422, and creates nothing', async () => {
    const user = await freshUser('card-collector');
    for (let i = 0; i < 3; i++) expect((await create(user.key, { bank_name: `Card ${i}`, card_number: randomCardNumber() })).status).toBe(201);

    const response = await create(user.key, { bank_name: 'One too many', card_number: randomCardNumber() });
    expect(response.status).toBe(422);
    expect(response.body.error).toMatchObject({ code: 'wallet_limit' });
    expect(await db().wallet.count({ where: { userId: user.id } })).toBe(3);
    // Another user is not held to this user's count.
    expect((await create(alex, { bank_name: 'Still free', card_number: randomCardNumber() })).status).toBe(201);
  });

  it('holds the cap under 12 concurrent creates: exactly 3 win, the rest get 422, none a 500', async () => {
    const user = await freshUser('card-stampede');
    const responses = await Promise.all(Array.from({ length: 12 }, (_, i) => create(user.key, { bank_name: `Rush ${i}`, card_number: randomCardNumber() })));
    expect(responses.map((response) => response.status).sort()).toEqual([201, 201, 201, ...Array(9).fill(422)]);
    expect(await db().wallet.count({ where: { userId: user.id } })).toBe(3);
  });
});
