import { z } from 'zod';
import { Prisma, type Tx } from '../../shared/db/client';
import { defineEndpoint, type Result } from '../../shared/http/endpoint';
import { errorResponses } from '../../shared/http/error-docs';
import { ApiError } from '../../shared/http/errors';
import { Decimal, MAX_AMOUNT, moneySchema } from '../../shared/money/decimal';
import { mlClient } from '../../shared/ml/service';
import { findTicker } from '../../shared/ml/tickers';
import { allocate } from '../../shared/portfolio/apportion';
import { describeHoldings, describeMetrics } from '../../shared/portfolio/holdings';
import { quotePrice, saleProceeds } from '../../shared/portfolio/money';
import { metricsSchema, moneyText, portfolioAssetSchema, signedDecimalSchema } from '../../shared/portfolio/schemas';
import { payingWallet, type Funds } from '../../shared/portfolio/wallets';
import { balanceLimit, fitsInBalance } from '../../shared/wallets/balance';
import { statementRows } from '../../shared/wallets/statement';
import { purchaseName, saleName } from '../../shared/wallets/transaction-names';
import { renderTransaction, renderWallet, transactionJson, walletJson } from '../../shared/wallets/wallet-json';

const purchaseAsset = z.object({
  part_of_portfolio: z.number().int().min(0).max(100),
  asset_name: z
    .string()
    .max(20)
    .refine((name) => findTicker(name) !== undefined, 'is not an asset the investment service knows'),
  statistics: z.object({ current_price: moneySchema({ max: MAX_AMOUNT }) }),
});

const purchaseBody = z.object({
  assets: z
    .array(purchaseAsset)
    .min(1)
    .superRefine((assets, ctx) => {
      const total = assets.reduce((sum, asset) => sum + asset.part_of_portfolio, 0);
      if (Math.abs(total - 100) > 1) ctx.addIssue({ code: 'custom', message: `parts must add up to 100 (±1 for rounding), not ${total}` });
      const names = assets.map((asset) => asset.asset_name);
      const repeated = names.find((name, index) => names.indexOf(name) !== index);
      if (repeated) ctx.addIssue({ code: 'custom', message: `${repeated} is listed more than once` });
    }),
  metrics: z.object({
    rate_of_return: signedDecimalSchema,
    volatility: moneySchema({ max: MAX_AMOUNT }),
    value_at_risk: signedDecimalSchema,
  }),
  invested_sum: moneySchema({ max: MAX_AMOUNT }),
});

type PurchaseBody = z.output<typeof purchaseBody>;

const purchaseResponse = z.object({
  detail: z.literal('Portfolio purchased'),
  wallet: walletJson.describe('The wallet that paid (and received the sale of the previous portfolio), after the purchase'),
  transactions: z.array(transactionJson).describe('What the purchase wrote to that wallet: the sale of the previous portfolio, if any, then the purchase'),
  metrics: metricsSchema,
  assets: z.array(portfolioAssetSchema.extend({ price_per_unit: moneyText })),
  invested_sum: moneyText,
});

interface Order {
  investedSum: Decimal;
  assets: Array<{ assetName: string; part: number; pricePerUnit: Decimal; overallSum: Decimal }>;
  metrics: { rateOfReturn: Decimal; volatility: Decimal; valueAtRisk: Decimal };
}

function orderFrom(body: PurchaseBody): Order {
  const assets = allocate(
    body.assets.map((asset) => ({ assetName: asset.asset_name, part: asset.part_of_portfolio, pricePerUnit: asset.statistics.current_price })),
    body.invested_sum,
  );
  // The database refuses an asset worth less than a cent; say so in terms of the request.
  if (assets.some(({ overallSum }) => overallSum.lessThan('0.01'))) {
    throw new ApiError(400, 'invalid_request', 'Invalid invested_sum: too small to buy at least 0.01 of every asset', [
      { field: 'invested_sum', message: 'too small to buy at least 0.01 of every asset' },
    ]);
  }
  const { rate_of_return, volatility, value_at_risk } = body.metrics;
  return { investedSum: body.invested_sum, assets, metrics: { rateOfReturn: rate_of_return, volatility, valueAtRisk: value_at_risk } };
}

/** The transaction found a portfolio to sell with assets not yet priced; it is rolled back, priced, and run again. */
class QuotesNeeded extends Error {
  constructor(readonly assetNames: string[]) {
    super(`Quotes needed for ${assetNames.join(', ')}`);
  }
}

// Each round prices what the previous one found; only purchases racing for the
// same user, each bringing new tickers, can use them all up.
const MAX_ROUNDS = 3;

async function quotesFor(assetNames: string[]): Promise<Map<string, Decimal>> {
  const ml = mlClient();
  // Every quote must arrive: a failure fails the purchase (502/503/504) before anything is written.
  return new Map(await Promise.all(assetNames.map(async (name) => [name, quotePrice((await ml.getStat(name)).current_price)] as const)));
}

async function purchase(tx: Tx, userId: string, order: Order, quotes: ReadonlyMap<string, Decimal>): Promise<Result> {
  // Every purchase of this user locks all the user's wallets, so purchases for
  // one user run one after another and the balances read here are current.
  const wallets = await tx.$queryRaw<Funds[]>(Prisma.sql`SELECT id, balance FROM wallets WHERE user_id = ${userId} ORDER BY id FOR UPDATE`);
  const payer = payingWallet(wallets, order.investedSum);
  if (!payer) {
    throw new ApiError(422, 'insufficient_funds', `No wallet holds the invested sum of ${order.investedSum.toFixed(2)}`, [
      { field: 'invested_sum', message: `no wallet holds ${order.investedSum.toFixed(2)}` },
    ]);
  }

  // READ COMMITTED: this sees the portfolio any earlier purchase committed while we waited for the locks.
  const previous = await tx.asset.findMany({ where: { transaction: { wallet: { userId } } } });
  const unpriced = [...new Set(previous.map((asset) => asset.assetName))].filter((name) => !quotes.has(name));
  if (unpriced.length > 0) throw new QuotesNeeded(unpriced);

  // Every amount is checked before anything is written: a sale credit or a
  // balance past what DECIMAL(17,2) holds would fail its insert as a 500.
  const proceeds = previous.length > 0 ? saleProceeds(previous.map((holding) => ({ holding, currentPrice: quotes.get(holding.assetName)! }))) : undefined;
  const balance = payer.balance.plus(proceeds ?? 0).minus(order.investedSum);
  if (proceeds && !fitsInBalance(proceeds)) {
    throw balanceLimit({ field: 'invested_sum', message: 'the sale of the current portfolio would credit more than a wallet can hold' });
  }
  if (!fitsInBalance(balance)) {
    throw balanceLimit({ field: 'invested_sum', message: 'the sale of the current portfolio would take the balance over its limit; invest more' });
  }

  const soldAt = new Date();
  const moves = [];
  if (proceeds) {
    moves.push(await tx.transaction.create({ data: { walletId: payer.id, name: saleName(previous.length), sum: proceeds, createdAt: soldAt } }));
    await tx.asset.deleteMany({ where: { id: { in: previous.map((asset) => asset.id) } } });
  }

  const bought = await tx.transaction.create({
    // A microsecond-exact tie with the sale would leave statements free to list the purchase first.
    data: { walletId: payer.id, name: purchaseName(order.assets.length), sum: order.investedSum.negated(), createdAt: new Date(soldAt.getTime() + 1) },
  });
  moves.push(bought);
  await tx.asset.createMany({
    data: order.assets.map(({ assetName, pricePerUnit, overallSum }) => ({ transactionId: bought.id, assetName, pricePerUnit, overallSum })),
  });
  await tx.metrics.deleteMany({ where: { userId } });
  await tx.metrics.create({ data: { userId, ...order.metrics } });
  // Set from the locked balance in decimals: `balance = balance + ?` would be computed by MariaDB as a double.
  const wallet = await tx.wallet.update({ where: { id: payer.id }, data: { balance } });

  const { investedSum, holdings } = describeHoldings(order.assets);
  return {
    status: 201,
    body: {
      detail: 'Portfolio purchased',
      wallet: renderWallet(wallet),
      transactions: (await statementRows(tx, moves.map(({ id }) => id))).map(renderTransaction),
      metrics: describeMetrics(order.metrics),
      assets: holdings.map(({ asset, row }) => ({ ...row, price_per_unit: asset.pricePerUnit.toFixed(2) })),
      invested_sum: investedSum.toFixed(2),
    },
  };
}

export default defineEndpoint({
  summary: 'Buy a portfolio, selling the current one',
  description:
    'The body is what `GET /api/v1/assets/advice/` answered plus `invested_sum`; `overall_sum` and other fields are ' +
    'ignored. `part_of_portfolio` (0–100, whole) must add up to 100 ±1 over the assets; parts of 0 are skipped; each ' +
    '`asset_name` must be a known ticker, listed once. Each asset gets its part of `invested_sum` to the cent, the parts ' +
    'adding up to `invested_sum` exactly, at `price_per_unit = statistics.current_price`.\n\n' +
    'The paying wallet is the one with the largest balance among those holding `invested_sum` (none: 422). The current ' +
    'portfolio, if any, is sold at the investment service’s current prices: each asset fetches ' +
    '`overall_sum × current_price / price_per_unit` rounded to the cent (so Σ overall_sum + Σ profit as GET /assets/ ' +
    'shows them), credited to the paying wallet as "Sale of N asset(s)". Then `invested_sum` is debited as ' +
    '"Purchase of N asset(s)" and the new assets and metrics replace the old. All of it is one database transaction with ' +
    'the user’s wallets locked: it happens entirely or not at all. The quotes are fetched before that transaction ' +
    'starts, so a slow investment service holds no locks; if any quote fails the answer is 502/503/504 and nothing ' +
    'changes. Two purchases racing for one user run one after the other; the second sells what the first bought.\n\n' +
    'Send an `Idempotency-Key` header to retry safely: the same key and body replays the first response and moves no ' +
    'money; the same key with another body is 409. Refused requests are not remembered.',
  body: purchaseBody,
  bodyExample: {
    assets: [
      { part_of_portfolio: 56, overall_sum: '560.00', asset_name: 'TSLA', statistics: { long_name: 'Tesla, Inc.', current_price: '700.36', change_for_day: '0.06', change_for_day_direction: '+' } },
      { part_of_portfolio: 39, overall_sum: '390.00', asset_name: 'NVDA', statistics: { long_name: 'NVIDIA Corporation', current_price: '205.29', change_for_day: '1.26', change_for_day_direction: '-' } },
      { part_of_portfolio: 3, overall_sum: '30.00', asset_name: 'AAPL', statistics: { long_name: 'Apple Inc.', current_price: '149.00', change_for_day: '0.94', change_for_day_direction: '+' } },
      { part_of_portfolio: 2, overall_sum: '20.00', asset_name: 'MSFT', statistics: { long_name: 'Microsoft Corporation', current_price: '301.91', change_for_day: '0.05', change_for_day_direction: '+' } },
    ],
    metrics: { rate_of_return: '36.06', volatility: '42.50', value_at_risk: '0.80' },
    suggested_sum: '1000.00',
    risk_level: 80,
    invested_sum: '1000.00',
  },
  idempotent: true,
  responses: {
    201: {
      description: 'Bought (or the replay of the first response for this Idempotency-Key)',
      schema: purchaseResponse,
      example: {
        detail: 'Portfolio purchased',
        wallet: { id: 'e9f23058-02b5-5939-9a0c-8b55d8744e9b', bank_name: 'Bank of Banks', card_number: '5587258023401650', balance: 6005.11 },
        transactions: [
          { created_at: '2026-11-26T12:28:38.962000Z', name: 'Sale of 7 asset(s)', sum: 5054.61, sum_direction: '+' },
          { created_at: '2026-11-26T12:28:38.963000Z', name: 'Purchase of 4 asset(s)', sum: 1000.0, sum_direction: '-' },
        ],
        metrics: { rate_of_return: '36.06', volatility: '42.50', value_at_risk: '0.80' },
        assets: [
          { part_of_portfolio: 56, overall_sum: '560.00', asset_name: 'TSLA', price_per_unit: '700.36' },
          { part_of_portfolio: 39, overall_sum: '390.00', asset_name: 'NVDA', price_per_unit: '205.29' },
          { part_of_portfolio: 3, overall_sum: '30.00', asset_name: 'AAPL', price_per_unit: '149.00' },
          { part_of_portfolio: 2, overall_sum: '20.00', asset_name: 'MSFT', price_per_unit: '301.91' },
        ],
        invested_sum: '1000.00',
      },
    },
    ...errorResponses(400, 401, 409, 413, 415, 422, 502, 503, 504),
  },
  async handle({ body, user, transaction }) {
    const order = orderFrom(body);
    // Quotes are fetched between transactions, never while the wallets are
    // locked: a slow investment service (a timeout, retried) must not hold up
    // the user's top-ups or a database connection. A first transaction finds
    // what needs pricing and rolls back; the next one uses the quotes. The
    // Idempotency-Key is checked first each time, so a retry of a purchase
    // that went through replays without asking the service anything.
    let quotes = new Map<string, Decimal>();
    for (let round = 0; round < MAX_ROUNDS; round += 1) {
      try {
        return await transaction((tx) => purchase(tx, user.id, order, quotes), { isolationLevel: Prisma.TransactionIsolationLevel.ReadCommitted });
      } catch (error) {
        if (!(error instanceof QuotesNeeded)) throw error;
        quotes = new Map([...quotes, ...(await quotesFor(error.assetNames))]);
      }
    }
    throw new ApiError(409, 'portfolio_changed', 'The portfolio kept changing while this purchase was being priced; retry');
  },
});
