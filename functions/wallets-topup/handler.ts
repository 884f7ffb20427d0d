import { z } from 'zod';
import { defineEndpoint } from '../../shared/http/endpoint';
import { errorResponses } from '../../shared/http/error-docs';
import { MAX_AMOUNT, moneyNumber, moneySchema } from '../../shared/money/decimal';
import { jsonNumber } from '../../shared/money/json-number';
import { balanceLimit, fitsInBalance } from '../../shared/wallets/balance';
import { lockOwnWallet, recordMoneyMove, setWalletBalance } from '../../shared/wallets/money-moves';
import { walletIdParams } from '../../shared/wallets/ownership';
import { TOP_UP_NAME } from '../../shared/wallets/transaction-names';
import { renderTransaction, transactionExample, transactionJson } from '../../shared/wallets/wallet-json';

const topUpBody = z.object({ sum: moneySchema() }).meta({ id: 'TopUp' });

const topUpResponse = z
  .object({
    detail: z.literal('Wallet has been replenished'),
    transaction: transactionJson,
    balance: moneyNumber.describe('The wallet balance after the top-up'),
  })
  .meta({ id: 'TopUpReceipt' });

export default defineEndpoint({
  session: 'handler',
  summary: 'Top up a wallet',
  description:
    '`sum`: 0.01 to 1,000,000.00 with at most 2 decimals, as a JSON number or a decimal string. Records the transaction ' +
    '"Top-up the wallet" and raises the balance in one database transaction with the wallet row locked, so concurrent ' +
    'top-ups all count. Someone else’s wallet, an unknown id and a malformed id all answer the same 404. A balance may not ' +
    `exceed ${MAX_AMOUNT.toFixed(2)} (what DECIMAL(17,2) holds): 422.\n\n` +
    'Send an `Idempotency-Key` header (1–255 printable ASCII characters, per user, kept at least 24 hours) to retry safely: ' +
    'the same key with the same wallet and body replays the first response and moves no money; the same key with another ' +
    'wallet or body is 409. Refused requests (4xx) are not remembered, so the key can be retried.',
  params: walletIdParams,
  body: topUpBody,
  bodyExample: { sum: 400 },
  idempotent: true,
  responses: {
    201: {
      description: 'Topped up (or the replay of the first response for this Idempotency-Key)',
      schema: topUpResponse,
      example: { detail: 'Wallet has been replenished', transaction: transactionExample, balance: 1650.0 },
    },
    ...errorResponses(400, 401, 404, 409, 413, 415, 422),
  },
  async handle({ unconfirmedSession, params, body, storedAnswer, sqlTransaction }) {
    return sqlTransaction(async (tx) => {
      const wallet = await lockOwnWallet(tx, unconfirmedSession, params.wallet_id, storedAnswer);
      if (wallet.replay) return wallet.replay;
      const userId = unconfirmedSession.key.userId;
      // The row lock makes the locked balance the current one.
      const balance = wallet.balance.plus(body.sum);
      if (!fitsInBalance(balance)) throw balanceLimit({ field: 'sum', message: 'would take the balance over its limit' });
      const created = await recordMoneyMove(tx, { walletId: wallet.id, userId, name: TOP_UP_NAME, sum: body.sum, at: wallet.lockedAt });
      await setWalletBalance(tx, wallet.id, balance);
      return {
        status: 201,
        body: { detail: 'Wallet has been replenished', transaction: renderTransaction(created), balance: jsonNumber(balance) },
      };
    });
  },
});
