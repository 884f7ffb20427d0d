import { z } from 'zod';
import { defineEndpoint } from '../../shared/http/endpoint';
import { errorResponses } from '../../shared/http/error-docs';
import { findOwnWallet, walletIdParams } from '../../shared/wallets/ownership';
import { walletStatement } from '../../shared/wallets/statement';
import { renderTransaction, transactionExample, transactionJson } from '../../shared/wallets/wallet-json';

const MAX_LIMIT = 1000;

/** Query values arrive as text; only plain digits are a count (no "1e3", " 5" or "-0"). */
const wholeNumber = (min: number, max: number) =>
  z
    .string({ error: 'must be a whole number' })
    .regex(/^\d+$/, 'must be a whole number')
    .transform(Number)
    .pipe(z.number().int().min(min, `must be between ${min} and ${max}`).max(max, `must be between ${min} and ${max}`));

const pageQuery = z.object({
  limit: wholeNumber(1, MAX_LIMIT).optional().describe(`How many transactions to return, 1–${MAX_LIMIT}; default all`),
  offset: wholeNumber(0, 2_147_483_647).optional().describe('How many of the oldest transactions to skip; default 0'),
});

export default defineEndpoint({
  session: 'pipeline',
  summary: "A wallet's transactions",
  description:
    'Oldest first (ties in `created_at` broken by transaction id, so pages are stable). `created_at` is the time the ' +
    'database stamped the transaction, to the microsecond. `sum` is the absolute amount as a ' +
    'JSON number; `sum_direction` is "+" for money in and "-" for money out. Without `limit`/`offset` every transaction is ' +
    `returned; \`limit\` is 1–${MAX_LIMIT}, \`offset\` ≥ 0 (skips that many). Someone else’s wallet, an unknown id and a ` +
    'malformed id all answer the same 404.',
  params: walletIdParams,
  query: pageQuery,
  responses: {
    200: { description: 'The transactions', schema: z.array(transactionJson), example: [transactionExample] },
    ...errorResponses(400, 401, 404),
  },
  async handle({ user, params, query }) {
    const wallet = await findOwnWallet(user.id, params.wallet_id);
    const transactions = await walletStatement(wallet.id, { limit: query.limit, offset: query.offset });
    return { status: 200, body: transactions.map(renderTransaction) };
  },
});
