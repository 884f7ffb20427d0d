import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { promisify } from 'node:util';
import createClient, { type Client } from 'openapi-fetch';
import { createLocalServer } from '../../scripts/local-server';
import { seedDemoUsers } from '../../shared/demo/seed';
import { useMailCatcher } from '../mail-catcher';
import { useMlStandin } from '../ml-standin';
import { useSettings } from '../settings';
import { useTestDatabase } from '../test-database';
import type { components, paths } from './api';

/**
 * A client team's first day: types generated from /openapi.json with
 * openapi-typescript, calls made with openapi-fetch, against the whole API on
 * one port (as the gateway serves it) and the ML stand-in. `npm test`
 * type-checks this file strictly first, so a change to the API that breaks a
 * generated client fails there, before any request is sent.
 */

useTestDatabase();
useMlStandin();
const mail = useMailCatcher();
useSettings({ PASSWORD_RESET_ANSWER_MS: '20' });

type Wallet = components['schemas']['Wallet'];
type Transaction = components['schemas']['Transaction'];
type User = components['schemas']['User'];
type Session = components['schemas']['Session'];

let server: Server;
let baseUrl: string;
beforeAll(async () => {
  await seedDemoUsers();
  server = createLocalServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise((resolve) => server.close(resolve)));

/** The client a team builds once it has a key: openapi-fetch sends it as the bearerAuth scheme says. */
const clientWithKey = (key: string): Client<paths> => createClient<paths>({ baseUrl, headers: { Authorization: `Bearer ${key}` } });

it('has types generated from the document the server serves (run `npm run client:types` after changing the API)', async () => {
  // openapi-typescript runs as a client team runs it, in a process of its own, on the served URL.
  const generator = path.join(__dirname, 'generate-types.ts');
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', generator, `${baseUrl}/openapi.json`], { maxBuffer: 16 << 20 });
  expect(stdout).toBe(readFileSync(path.join(__dirname, 'api.d.ts'), 'utf8'));
});

it('logs in, tops up with a key, reads its money, takes advice, buys it, sees it held, and logs out', async () => {
  const anonymous = createClient<paths>({ baseUrl });
  const login = await anonymous.POST('/api/v1/auth/login/', { body: { username: 'johnwick', password: 'johnwick' } });
  expect(login.response.status).toBe(200);
  const api = clientWithKey(login.data!.key);

  const me = await api.GET('/api/v1/auth/user/');
  expect(me.data?.username).toBe('johnwick');

  const wallets = await api.GET('/api/v1/wallets/');
  expect(wallets.data!.map(({ card_number, balance }) => [card_number, balance])).toEqual([['************8213', 650]]);
  const wallet: Wallet = wallets.data![0];

  // A top-up with an Idempotency-Key, sent twice as a retry would be: the second answer replays the first.
  const topUp = { params: { path: { wallet_id: wallet.id }, header: { 'Idempotency-Key': randomUUID() } }, body: { sum: '400.00' } } as const;
  const first = await api.POST('/api/v1/wallets/{wallet_id}/topup/', topUp);
  const retry = await api.POST('/api/v1/wallets/{wallet_id}/topup/', topUp);
  expect(first.response.status).toBe(201);
  expect(first.data!.balance).toBe(wallet.balance + 400);
  expect(retry.data).toEqual(first.data);
  const toppedUp: Transaction = first.data!.transaction;
  expect([toppedUp.name, toppedUp.sum, toppedUp.sum_direction]).toEqual(['Top-up the wallet', 400, '+']);

  const statement = await api.GET('/api/v1/wallets/{wallet_id}/transactions/', { params: { path: { wallet_id: wallet.id }, query: { limit: 1000 } } });
  expect(statement.data!.filter((transaction) => transaction.created_at === toppedUp.created_at && transaction.name === 'Top-up the wallet')).toHaveLength(1);

  const today = new Date().toISOString().slice(0, 10);
  const stat = await api.GET('/api/v1/wallets/expenses/stat/', { params: { query: { start: today, end: today } } });
  const [todaysTotals] = Object.values(stat.data!);
  expect(todaysTotals.purchases).toBeGreaterThanOrEqual(400);

  const advice = await api.GET('/api/v1/assets/advice/', { params: { query: { investing_sum: '100.00', risk_level: 49 } } });
  expect(advice.response.status).toBe(200);
  expect(advice.data!.suggested_sum).toBe('100.00');

  // The advice answer goes back as the purchase body, as is, plus the amount.
  const bought = await api.POST('/api/v1/assets/', {
    params: { header: { 'Idempotency-Key': randomUUID() } },
    body: { ...advice.data!, invested_sum: advice.data!.suggested_sum },
  });
  expect(bought.response.status).toBe(201);
  expect(bought.data!.assets.map((asset) => asset.asset_name)).toEqual(advice.data!.assets.map((asset) => asset.asset_name));
  expect(bought.data!.transactions.map((transaction) => transaction.sum_direction)).toEqual(['+', '-']);

  const holdings = await api.GET('/api/v1/assets/');
  expect(holdings.response.status).toBe(200);
  expect(holdings.data!.invested_sum).toBe('100.00');
  const held = holdings.data!.assets[0];

  const assetStat = await api.GET('/api/v1/assets/{asset_name}/stat/', { params: { path: { asset_name: held.asset_name } } });
  expect(assetStat.data!.current_price).toBe(held.statistics!.current_price);

  const logout = await api.POST('/api/v1/auth/logout/');
  expect(logout.data?.detail).toBe('Successfully logged out.');
  const afterLogout = await api.GET('/api/v1/auth/user/');
  expect([afterLogout.response.status, afterLogout.error?.error.code]).toEqual([401, 'unauthorized']);
});

it('forgets a password, asks for a reset, follows the mailed link, and logs in with the new password', async () => {
  const anonymous = createClient<paths>({ baseUrl });
  const before = await anonymous.POST('/api/v1/auth/login/', { body: { username: 'alexray', password: 'alexray' } });
  const oldSession = clientWithKey(before.data!.key);

  const asked = await anonymous.POST('/api/v1/auth/password/reset/', { body: { email: 'alexray@example.com' } });
  expect([asked.response.status, asked.data?.detail]).toEqual([200, 'Password reset e-mail has been sent.']);
  const [message] = mail.messagesTo('alexray@example.com');
  const confirmation: components['schemas']['PasswordResetConfirm'] = {
    ...mail.resetLinkIn(message),
    new_password1: 'a ray in the morning',
    new_password2: 'a ray in the morning',
  };
  const confirmed = await anonymous.POST('/api/v1/auth/password/reset/confirm/', { body: confirmation });
  expect([confirmed.response.status, confirmed.data?.detail]).toEqual([200, 'Password has been reset with the new password.']);

  const reused = await anonymous.POST('/api/v1/auth/password/reset/confirm/', { body: confirmation });
  expect([reused.response.status, reused.error?.error.details.map((detail) => detail.field)]).toEqual([400, ['token']]);
  expect((await oldSession.GET('/api/v1/auth/user/')).response.status).toBe(401);
  const after = await anonymous.POST('/api/v1/auth/login/', { body: { username: 'alexray', password: 'a ray in the morning' } });
  expect(after.response.status).toBe(200);
});

it('edits the profile, sees and ends sessions, and changes the password, ending the other sessions', async () => {
  const anonymous = createClient<paths>({ baseUrl });
  const logIn = async (password: string) => {
    const { data, response } = await anonymous.POST('/api/v1/auth/login/', { body: { username: 'lyraking', password } });
    expect(response.status).toBe(200);
    return data!.key;
  };
  const api = clientWithKey(await logIn('lyraking'));
  const phone = clientWithKey(await logIn('lyraking'));

  const patched = await api.PATCH('/api/v1/auth/user/', { body: { first_name: 'Lyra-Rose' } });
  const user: User = patched.data!;
  expect([user.username, user.first_name, user.last_name]).toEqual(['lyraking', 'Lyra-Rose', 'King']);
  const put = await api.PUT('/api/v1/auth/user/', { body: { username: 'lyraking', first_name: 'Lyra', last_name: 'King' } });
  expect(put.data!.first_name).toBe('Lyra');

  const sessions = await api.GET('/api/v1/auth/sessions/');
  const listed: Session[] = sessions.data!;
  expect(listed.filter((session) => session.current)).toHaveLength(1);
  const phoneSession = (await phone.GET('/api/v1/auth/sessions/')).data!.find((session) => session.current)!;

  // A refused password names the field and the rule, in the types as in the answer.
  const common = await api.POST('/api/v1/auth/password/change/', {
    body: { old_password: 'lyraking', new_password1: 'iloveyou', new_password2: 'iloveyou' },
  });
  expect(common.error?.error.details.map(({ field, rule }) => [field, rule])).toEqual([['new_password1', 'password_too_common']]);

  const changed = await api.POST('/api/v1/auth/password/change/', {
    body: { old_password: 'lyraking', new_password1: 'a-starlit-passphrase-2026', new_password2: 'a-starlit-passphrase-2026' },
  });
  expect(changed.data?.detail).toBe('New password has been saved.');
  expect((await phone.GET('/api/v1/auth/user/')).response.status).toBe(401);
  expect((await api.GET('/api/v1/auth/sessions/')).data!.map((session) => session.id)).not.toContain(phoneSession.id);

  const laptop = clientWithKey(await logIn('a-starlit-passphrase-2026'));
  const laptopSession = (await laptop.GET('/api/v1/auth/sessions/')).data!.find((session) => session.current)!;
  const ended = await api.DELETE('/api/v1/auth/sessions/{session_id}/', { params: { path: { session_id: laptopSession.id } } });
  expect([ended.response.status, ended.data?.detail]).toEqual([200, 'Session ended.']);
  expect((await laptop.GET('/api/v1/auth/user/')).error?.error.code).toBe('unauthorized');
  const again = await api.DELETE('/api/v1/auth/sessions/{session_id}/', { params: { path: { session_id: laptopSession.id } } });
  expect([again.response.status, again.error?.error.code]).toEqual([404, 'not_found']);
});
