import { db } from '../../shared/db/prisma';
import { seedDemoUsers } from '../../shared/demo/seed';
import { callFunction, loginAs, tokenHeader } from '../../testing/http';
import { useTestDatabase } from '../../testing/test-database';
import { randomCardNumber } from '../../testing/wallets';

useTestDatabase();

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

describe('POST /api/v1/wallets/', () => {
  it('creates a wallet with balance 0 that the owner then lists', async () => {
    const cardNumber = randomCardNumber();
    const response = await create(john, { bank_name: 'Bank of Tests', card_number: cardNumber });

    expect(response.status).toBe(201);
    expect(response.body).toEqual({ id: expect.stringMatching(/^[0-9a-f-]{36}$/), bank_name: 'Bank of Tests', card_number: cardNumber, balance: 0 });
    expect(response.text).toContain('"balance":0.00');
    const listed = await callFunction('wallets-list').get('/api/v1/wallets/').set(tokenHeader(john));
    expect(listed.body).toContainEqual(response.body);
    const othersList = await callFunction('wallets-list').get('/api/v1/wallets/').set(tokenHeader(alex));
    expect(othersList.body).not.toContainEqual(response.body);
  });

  it('trims surrounding spaces from both fields', async () => {
    const cardNumber = randomCardNumber();
    const response = await create(john, { bank_name: '  Spacey Bank ', card_number: ` ${cardNumber} ` });
    expect(response.status).toBe(201);
    expect(response.body).toMatchObject({ bank_name: 'Spacey Bank', card_number: cardNumber });
  });

  it.each([
    ['a 50-character bank name', 'b'.repeat(50), '123456789012'],
    ['a 12-digit card', 'Short card bank', '1'.repeat(11) + '2'],
    ['a 19-digit card with a leading zero', 'Long card bank', '0' + '7'.repeat(18)],
  ])('accepts %s', async (_, bankName, cardNumber) => {
    const response = await create(john, { bank_name: bankName, card_number: cardNumber });
    expect(response.status).toBe(201);
    expect(response.body).toMatchObject({ bank_name: bankName, card_number: cardNumber });
  });

  it.each([
    ['no bank_name', { card_number: '4000000000000001' }, ['bank_name']],
    ['an empty bank_name', { bank_name: '', card_number: '4000000000000002' }, ['bank_name']],
    ['a blank bank_name', { bank_name: '   ', card_number: '4000000000000003' }, ['bank_name']],
    ['a 51-character bank_name', { bank_name: 'b'.repeat(51), card_number: '4000000000000004' }, ['bank_name']],
    ['a numeric bank_name', { bank_name: 42, card_number: '4000000000000005' }, ['bank_name']],
    ['no card_number', { bank_name: 'Bank' }, ['card_number']],
    ['an 11-digit card', { bank_name: 'Bank', card_number: '40000000000' }, ['card_number']],
    ['a 20-digit card', { bank_name: 'Bank', card_number: '40000000000000000000' }, ['card_number']],
    ['a card with spaces inside', { bank_name: 'Bank', card_number: '4000 0000 0000 0006' }, ['card_number']],
    ['a card with dashes', { bank_name: 'Bank', card_number: '4000-0000-0000-0007' }, ['card_number']],
    ['a card with letters', { bank_name: 'Bank', card_number: '4000abcd00000008' }, ['card_number']],
    ['a card as a JSON number', { bank_name: 'Bank', card_number: 4000000000000009 }, ['card_number']],
    ['both fields wrong', { bank_name: '', card_number: 'x' }, ['bank_name', 'card_number']],
  ])('refuses %s with 400 naming the field', async (_, body, fields) => {
    const response = await create(john, body);
    expect(response.status).toBe(400);
    expect(fieldsNamed(response.body).sort()).toEqual(fields);
  });

  it('refuses a card number already registered, by the same user or by anyone else, with 400 naming card_number', async () => {
    const cardNumber = randomCardNumber();
    expect((await create(john, { bank_name: 'First', card_number: cardNumber })).status).toBe(201);

    for (const [key, number] of [
      [john, cardNumber],
      [alex, cardNumber],
      [alex, ` ${cardNumber}`],
      [john, '5587258023401650'], // lyraking's demo card
    ]) {
      const response = await create(key, { bank_name: 'Again', card_number: number });
      expect(response.status).toBe(400);
      expect(response.body.error.details).toEqual([{ field: 'card_number', message: 'a wallet with this card number already exists' }]);
    }
    expect(await db().wallet.count({ where: { cardNumber } })).toBe(1);
  });

  it('lets exactly one of 10 concurrent creates with one card number win; the rest get 400, none a 500', async () => {
    const cardNumber = randomCardNumber();
    const responses = await Promise.all(
      Array.from({ length: 10 }, (_, i) => create(i % 2 ? alex : john, { bank_name: `Racer ${i}`, card_number: cardNumber })),
    );
    const statuses = responses.map((response) => response.status).sort();
    expect(statuses).toEqual([201, ...Array(9).fill(400)]);
    for (const refused of responses.filter((response) => response.status === 400)) expect(fieldsNamed(refused.body)).toEqual(['card_number']);
    expect(await db().wallet.count({ where: { cardNumber } })).toBe(1);
  });

  it('answers 401 without a key', async () => {
    const response = await callFunction('wallets-create').post('/api/v1/wallets/').send({ bank_name: 'B', card_number: randomCardNumber() });
    expect(response.status).toBe(401);
  });
});
