import { randomBytes } from 'node:crypto';
import mariadb, { type Connection } from 'mariadb';
import { cardNumberHash } from '../cards/card-number';
import { resetConfigForTests } from '../config/config';
import { MASKED_CARD_NUMBER } from '../wallets/card-columns';
import { poolConfigFromUrl } from './connection-options';
import { applyMigrations, dropDatabase, readMigrations } from './migrations';

/**
 * The card-number conversion on a database as the previous release left it:
 * migrated up to the migration before 20261207110000_card_number_hash, with
 * clear numbers in it, then migrated by this release's runner (expand, then
 * the data step) and read straight from the table.
 */
const HASH_MIGRATION = '20261207110000_card_number_hash';
const KEY = () => process.env.CARD_HMAC_KEY as string;
const CARDS = { a: '4532015112830366', amex: '371449635398431', long: '6011000990139424123', d: '5105105105105100' };

const databases: string[] = [];
afterAll(() => Promise.all(databases.map((url) => dropDatabase(url))));

async function previousRelease(): Promise<{ url: string; conn: Connection }> {
  const url = `${process.env.TEST_DATABASE_SERVER}/fftest_${process.env.TEST_RUN_ID}_cards_${randomBytes(3).toString('hex')}`;
  databases.push(url);
  const migrations = readMigrations();
  const expand = migrations.findIndex((migration) => migration.name === HASH_MIGRATION);
  expect(expand).toBeGreaterThan(0);
  await applyMigrations(url, migrations.slice(0, expand));
  const conn = await mariadb.createConnection(poolConfigFromUrl(url, { poolSize: 1, connectTimeoutMs: 3000 }));
  await conn.query("INSERT INTO users (id, username, password_hash, ml_uuid) VALUES ('u1', 'one', 'x', 'm'), ('u2', 'two', 'x', 'm')");
  return { url, conn };
}

/** The previous revision's INSERT, as it still runs during the rollout. */
const oldRevisionInsert = (conn: Connection, id: string, userId: string, cardNumber: string) =>
  conn.query("INSERT INTO wallets (id, user_id, bank_name, card_number, balance, created_at) VALUES (?, ?, 'B', ?, 0, NOW(6))", [id, userId, cardNumber]);

const tableText = async (conn: Connection) =>
  JSON.stringify(await conn.query('SELECT * FROM wallets'), (_, value: unknown) => (typeof value === 'bigint' ? String(value) : value));

describe(`migration ${HASH_MIGRATION} and its data step`, () => {
  it('converts every clear number to its HMAC, last four digits and length, and leaves only the mask in card_number', async () => {
    const { url, conn } = await previousRelease();
    try {
      await oldRevisionInsert(conn, 'w1', 'u1', CARDS.a);
      await oldRevisionInsert(conn, 'w2', 'u1', CARDS.amex);
      await oldRevisionInsert(conn, 'w3', 'u2', CARDS.long);
      expect(await tableText(conn)).toContain(CARDS.a);
      // A purchase's remembered answer, kept for retries, naming the paying wallet's card.
      const answer = (card: string) =>
        `{"detail":"Portfolio purchased","wallet":{"id":"w1","bank_name":"B","card_number":"${card}","balance":6005.11},"transactions":[]}`;
      await conn.query(
        "INSERT INTO idempotency_records (id, user_id, `key`, route, request_hash, status, response_body) VALUES ('i1', 'u1', 'k', 'POST /api/v1/assets/', 'h', 201, ?)",
        [answer(CARDS.a)],
      );

      expect(await applyMigrations(url)).toContain(HASH_MIGRATION);

      expect(await conn.query('SELECT id, user_id, card_number, card_hash, card_last4, card_length FROM wallets ORDER BY id')).toEqual([
        { id: 'w1', user_id: 'u1', card_number: '************0366', card_hash: cardNumberHash(KEY(), 'u1', CARDS.a), card_last4: '0366', card_length: 16 },
        { id: 'w2', user_id: 'u1', card_number: '***********8431', card_hash: cardNumberHash(KEY(), 'u1', CARDS.amex), card_last4: '8431', card_length: 15 },
        {
          id: 'w3',
          user_id: 'u2',
          card_number: '***************4123',
          card_hash: cardNumberHash(KEY(), 'u2', CARDS.long),
          card_last4: '4123',
          card_length: 19,
        },
      ]);
      const atRest = await tableText(conn);
      for (const number of Object.values(CARDS)) expect(atRest).not.toContain(number.slice(0, 11));
      // Masked in place, the rest as it was: a retry still replays the same purchase.
      expect(await conn.query("SELECT response_body FROM idempotency_records WHERE id = 'i1'")).toEqual([{ response_body: answer('************0366') }]);
    } finally {
      await conn.end();
    }
  });

  it('keeps the previous revision working during the rollout, and converts what it wrote meanwhile on the next migrate', async () => {
    const { url, conn } = await previousRelease();
    try {
      await oldRevisionInsert(conn, 'w1', 'u1', CARDS.a);
      await applyMigrations(url);

      // The previous revision still serving: its reads see masks, its INSERT still works, with no global unique key in the way.
      expect(await conn.query("SELECT card_number FROM wallets WHERE id = 'w1'")).toEqual([{ card_number: '************0366' }]);
      await oldRevisionInsert(conn, 'w2', 'u2', CARDS.a);
      await oldRevisionInsert(conn, 'w3', 'u1', CARDS.d);
      await oldRevisionInsert(conn, 'w4', 'u1', CARDS.a); // u1's card again: the old revision checked only the global key it no longer has
      // The new revision shows those rows masked even before they are converted.
      expect(await conn.query(`SELECT w.id, ${MASKED_CARD_NUMBER} AS masked FROM wallets w ORDER BY w.id`)).toEqual([
        { id: 'w1', masked: '************0366' },
        { id: 'w2', masked: '************0366' },
        { id: 'w3', masked: '************5100' },
        { id: 'w4', masked: '************0366' },
      ]);

      expect(await applyMigrations(url)).toEqual([]);
      expect(await conn.query('SELECT id, card_number, card_hash, card_last4, card_length FROM wallets ORDER BY id')).toEqual([
        { id: 'w1', card_number: '************0366', card_hash: cardNumberHash(KEY(), 'u1', CARDS.a), card_last4: '0366', card_length: 16 },
        { id: 'w2', card_number: '************0366', card_hash: cardNumberHash(KEY(), 'u2', CARDS.a), card_last4: '0366', card_length: 16 },
        { id: 'w3', card_number: '************5100', card_hash: cardNumberHash(KEY(), 'u1', CARDS.d), card_last4: '5100', card_length: 16 },
        // Its user's duplicate keeps its wallet and is masked, without a hash.
        { id: 'w4', card_number: '************0366', card_hash: null, card_last4: '0366', card_length: 16 },
      ]);
      const atRest = await tableText(conn);
      for (const number of Object.values(CARDS)) expect(atRest).not.toContain(number.slice(0, 11));
    } finally {
      await conn.end();
    }
  });

  describe('without CARD_HMAC_KEY', () => {
    const saved = process.env.CARD_HMAC_KEY;
    beforeEach(() => {
      delete process.env.CARD_HMAC_KEY;
      resetConfigForTests();
    });
    afterEach(() => {
      process.env.CARD_HMAC_KEY = saved;
      resetConfigForTests();
    });

    it('refuses to convert clear numbers, naming the setting, and leaves them for the run that has the key', async () => {
      const { url, conn } = await previousRelease();
      try {
        await oldRevisionInsert(conn, 'w1', 'u1', CARDS.a);
        await expect(applyMigrations(url)).rejects.toThrow(/data step of migration 20261207110000_card_number_hash failed: .*CARD_HMAC_KEY is required/);
        expect(await conn.query("SELECT card_hash, card_last4 FROM wallets WHERE id = 'w1'")).toEqual([{ card_hash: null, card_last4: null }]);
      } finally {
        await conn.end();
      }
    });

    it('migrates a database with no card to convert', async () => {
      const { url, conn } = await previousRelease();
      await conn.end();
      // This migration and those after it, the previous release lacking them all.
      const names = readMigrations().map((migration) => migration.name);
      expect(await applyMigrations(url)).toEqual(names.slice(names.indexOf(HASH_MIGRATION)));
    });
  });
});
