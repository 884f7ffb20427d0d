import { db } from '../../shared/db/prisma';
import { hashPassword } from '../../shared/auth/passwords';
import { DEMO_USERS } from '../../shared/demo/demo-data';
import { demoEvents, demoId, seedDemoUsers } from '../../shared/demo/seed';
import { Decimal } from '../../shared/money/decimal';
import { callFunction, loginAs, tokenHeader } from '../../testing/http';
import { useTestDatabase } from '../../testing/test-database';

useTestDatabase();
beforeAll(async () => {
  await seedDemoUsers();
  await db().user.create({ data: { username: 'newcomer', passwordHash: await hashPassword('newcomer'), mlUuid: 'user-0000000000000777' } });
});

const listWallets = (key: string) => callFunction('wallets-list').get('/api/v1/wallets/').set(tokenHeader(key));

/** SPEC §5's wallets of one demo user, as the API writes them: the card masked to its last four digits, at its length. */
function expectedWalletsJson(username: string): string {
  const user = DEMO_USERS.find((demo) => demo.username === username)!;
  const balances = user.wallets.map(() => new Decimal(0));
  for (const event of demoEvents(user)) balances[event.walletIndex] = balances[event.walletIndex].plus(event.sum);
  // The seed opens each wallet at its first top-up, and SPEC §5 lists a user's top-ups wallet by wallet: oldest first is SPEC order.
  const wallets = user.wallets.map(
    (wallet, index) =>
      `{"id":"${demoId(username, 'wallet', index)}","bank_name":"${wallet.bankName}","card_number":"${'*'.repeat(wallet.cardNumber.length - 4)}${wallet.cardNumber.slice(-4)}","balance":${balances[index].toFixed(2)}}`,
  );
  return `[${wallets.join(',')}]`;
}

describe('GET /api/v1/wallets/', () => {
  it.each(DEMO_USERS.map((user) => user.username))('lists exactly the wallets of %s, balances as exact JSON numbers', async (username) => {
    const response = await listWallets(await loginAs(username));
    expect(response.status).toBe(200);
    expect(response.text).toBe(expectedWalletsJson(username));
  });

  it('shows SPEC §5 balances', async () => {
    const response = await listWallets(await loginAs('lyraking'));
    const balances = Object.fromEntries(response.body.map((wallet: { bank_name: string; balance: number }) => [wallet.bank_name, wallet.balance]));
    expect(balances).toEqual({ 'Bank of Banks': 1950.5, 'Bank example': 1281.99 });
  });

  it('lists nothing for a user without wallets', async () => {
    const response = await listWallets(await loginAs('newcomer'));
    expect(response.status).toBe(200);
    expect(response.text).toBe('[]');
  });

  it('answers 401 without a key and 405 for another method', async () => {
    expect((await callFunction('wallets-list').get('/api/v1/wallets/')).status).toBe(401);
    const key = await loginAs('alexray');
    expect((await callFunction('wallets-list').delete('/api/v1/wallets/').set(tokenHeader(key))).status).toBe(405);
  });
});
