import { randomUUID } from 'node:crypto';
import mariadb, { type Connection } from 'mariadb';
import { cardNumberHash } from '../cards/card-number';
import { cardHmacKey } from '../config/config';
import { db } from './prisma';
import { poolConfigFromUrl } from './connection-options';
import { seedDemoUsers } from '../demo/seed';
import { setLogSink } from '../core/logging';
import { errorResult } from '../http/request-lifecycle';
import { callFunction, loginAs, tokenHeader } from '../../testing/http';
import { useMlStandin } from '../../testing/ml-standin';
import { useTestDatabase } from '../../testing/test-database';

/**
 * A statement that fails carries its SQL into the error, and the driver adds
 * the values bound to it unless told not to: a card number, an
 * Idempotency-Key, a user id, an answer holding both. Here a statement of
 * wallet creation and one of a purchase are made to fail for real (held on a
 * row lock by another connection, then killed, as an operator would), and the
 * whole log is searched for what was bound.
 */
const database = useTestDatabase();
useMlStandin();

let side: Connection;
let johnsKey: string;
let johnsId: string;
beforeAll(async () => {
  await seedDemoUsers();
  johnsKey = await loginAs('johnwick');
  johnsId = (await db().user.findUniqueOrThrow({ where: { username: 'johnwick' } })).id;
  side = await mariadb.createConnection(poolConfigFromUrl(database.url(), { poolSize: 1, connectTimeoutMs: 3000 }));
});
afterAll(() => side?.end());

/** Runs `request` while `side` holds a row it needs, kills its statement once it waits on that row, and returns the answer and every log line. */
async function killedWhileWaiting(statementStart: string, request: () => PromiseLike<{ status: number }>) {
  const lines: string[] = [];
  const restore = setLogSink((line) => lines.push(line));
  const previousLevel = process.env.LOG_LEVEL;
  process.env.LOG_LEVEL = 'info';
  try {
    const answer = Promise.resolve(request());
    let victim: number | undefined;
    for (let tries = 0; victim === undefined && tries < 200; tries += 1) {
      const [waiting] = await side.query<Array<{ ID: number }>>('SELECT ID FROM information_schema.PROCESSLIST WHERE ID <> CONNECTION_ID() AND INFO LIKE ?', [
        `${statementStart}%`,
      ]);
      victim = waiting?.ID;
      if (victim === undefined) await new Promise((resolve) => setTimeout(resolve, 10));
    }
    if (victim === undefined) throw new Error(`no statement starting "${statementStart}" ever waited`);
    await side.query(`KILL QUERY ${victim}`);
    const response = await answer;
    return { status: response.status, log: lines };
  } finally {
    restore();
    process.env.LOG_LEVEL = previousLevel;
    await side.rollback();
  }
}

/** The log with each line's own `userId` field (the request's caller, logged on purpose) taken out. */
const withoutCallerField = (lines: string[]) =>
  lines
    .map((line) => {
      const { userId, ...rest } = JSON.parse(line) as Record<string, unknown>;
      expect([undefined, johnsId]).toContain(userId);
      return JSON.stringify(rest);
    })
    .join('\n');

it('keeps the card number, its hash, the key and the user id of a failed wallet creation out of the log', async () => {
  const cardNumber = '4111112222333370';
  const cardHash = cardNumberHash(cardHmacKey(), johnsId, cardNumber);
  // An uncommitted wallet of john's with that card: the creation's INSERT waits on the unique key. Without
  // foreign-key checks the side takes no lock on john's row, so the creation's lock on it is granted first.
  await side.query('SET SESSION foreign_key_checks = 0');
  await side.beginTransaction();
  await side.query(
    "INSERT INTO wallets (id, user_id, bank_name, card_number, card_hash, card_last4, card_length, balance, created_at) VALUES (?, ?, 'Other', '************3370', ?, '3370', 16, 0, NOW(6))",
    [randomUUID(), johnsId, cardHash],
  );
  await side.query('SET SESSION foreign_key_checks = 1');

  const { status, log } = await killedWhileWaiting('INSERT INTO wallets', () =>
    callFunction('wallets-create').post('/api/v1/wallets/').set(tokenHeader(johnsKey)).send({ bank_name: 'LeakTest', card_number: cardNumber }),
  );

  expect(status).toBe(503);
  const text = withoutCallerField(log);
  // The failure was logged (with its SQL), just not what was bound to it.
  expect(text).toContain('INSERT INTO wallets');
  for (const secret of [cardNumber, cardHash, johnsKey, johnsId, 'LeakTest']) expect(text).not.toContain(secret);
});

it('keeps the Idempotency-Key, the card number and the user id of a failed purchase out of the log', async () => {
  const idempotencyKey = `leak-test-${randomUUID()}`;
  // Another request's uncommitted record of this very key: the purchase's own record waits on it.
  await side.beginTransaction();
  await side.query(
    `INSERT INTO idempotency_records (id, user_id, \`key\`, route, request_hash, status, response_body, created_at)
     VALUES (?, ?, ?, 'POST /api/v1/assets/', 'x', 201, '{}', NOW(6))`,
    [randomUUID(), johnsId, idempotencyKey],
  );
  const advice = await callFunction('assets-advice').get('/api/v1/assets/advice/').query({ investing_sum: '10.00' }).set(tokenHeader(johnsKey));
  expect(advice.status).toBe(200);

  const { status, log } = await killedWhileWaiting('INSERT INTO idempotency_records', () =>
    callFunction('assets-purchase')
      .post('/api/v1/assets/')
      .set(tokenHeader(johnsKey))
      .set('Idempotency-Key', idempotencyKey)
      .send({ ...advice.body, invested_sum: '10.00' }),
  );

  expect(status).toBe(503);
  const text = withoutCallerField(log);
  expect(text).toContain('INSERT INTO idempotency_records');
  // The purchase's answer, bound to that INSERT, names the paying wallet (its card only masked now).
  for (const secret of [idempotencyKey, '************8213', johnsKey, johnsId]) expect(text).not.toContain(secret);
});

it('blanks the values a database error quotes in its own message, as the server writes some', () => {
  const duplicate = Object.assign(new Error("(conn:7, no: 1062, SQLState: 23000) Duplicate entry '4111112222333370' for key 'wallets_card_number_key'"), {
    name: 'SqlError',
    errno: 1062,
    sqlState: '23000',
  });
  const logged = JSON.stringify(errorResult(duplicate).logged);
  expect(logged).toContain('Duplicate entry');
  expect(logged).not.toContain('4111112222333370');
});
