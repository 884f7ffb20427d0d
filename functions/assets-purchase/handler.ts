import { z } from 'zod';
import type { SessionToConfirm } from '../../shared/auth/tokens';
import type { SqlTx } from '../../shared/db/sql';
import { defineEndpoint } from '../../shared/http/endpoint';
import type { Result } from '../../shared/core/result';
import { errorResponses } from '../../shared/http/error-docs';
import { ApiError } from '../../shared/core/errors';
import { Decimal, MAX_AMOUNT, moneySchema } from '../../shared/money/decimal';
import { findTicker } from '../../shared/ml/tickers';
import { allocate, PART_TOLERANCE } from '../../shared/portfolio/apportion';
import { describeHoldings, describeMetrics } from '../../shared/portfolio/holdings';
import { saleProceeds } from '../../shared/portfolio/money';
import { buyablePrice, PRICE_TOLERANCE, priceMoved, quotesFor } from '../../shared/portfolio/quotes';
import { metricsSchema, moneyText, portfolioAssetSchema, signedDecimalSchema } from '../../shared/portfolio/schemas';
import { deleteAssets, heldAssets, lockForPurchase, purchaseStart, replaceMetrics, storeAssets } from '../../shared/portfolio/store';
import { payingWallet } from '../../shared/portfolio/paying-wallet';
import { balanceLimit, fitsInBalance } from '../../shared/wallets/balance';
import { recordMoneyMoves, setWalletBalance } from '../../shared/wallets/money-moves';
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
      if (Math.abs(total - 100) > PART_TOLERANCE) {
        ctx.addIssue({ code: 'custom', message: `parts must add up to 100 (±${PART_TOLERANCE} for rounding), not ${total}` });
      }
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

interface OrderLine {
  assetName: string;
  part: number;
  /** The price the body carries (what advice showed); only checked against the quote. */
  shownPrice: Decimal;
  /** Where the asset is in the body, to name it in errors. */
  index: number;
  overallSum: Decimal;
}

interface Order {
  investedSum: Decimal;
  lines: OrderLine[];
  metrics: { rateOfReturn: Decimal; volatility: Decimal; valueAtRisk: Decimal };
}

type PricedAsset = OrderLine & { pricePerUnit: Decimal };

function orderFrom(body: PurchaseBody): Order {
  const lines = allocate(
    body.assets.map((asset, index) => ({ assetName: asset.asset_name, part: asset.part_of_portfolio, shownPrice: asset.statistics.current_price, index })),
    body.invested_sum,
  );
  // The database refuses an asset worth less than a cent; say so in terms of the request.
  if (lines.some(({ overallSum }) => overallSum.lessThan('0.01'))) {
    throw new ApiError(400, 'invalid_request', 'Invalid invested_sum: too small to buy at least 0.01 of every asset', [
      { field: 'invested_sum', message: 'too small to buy at least 0.01 of every asset' },
    ]);
  }
  const { rate_of_return, volatility, value_at_risk } = body.metrics;
  return { investedSum: body.invested_sum, lines, metrics: { rateOfReturn: rate_of_return, volatility, valueAtRisk: value_at_risk } };
}

const noWalletHolds = (amount: Decimal) =>
  new ApiError(422, 'insufficient_funds', `No wallet holds the invested sum of ${amount.toFixed(2)}`, [
    { field: 'invested_sum', message: `no wallet holds ${amount.toFixed(2)}` },
  ]);

/**
 * The order at the service's quotes: each asset is bought at its quote, and
 * refused with 409 when the body's price is stale advice (see PRICE_TOLERANCE).
 */
function priceOrder(order: Order, quotes: ReadonlyMap<string, Decimal>): PricedAsset[] {
  const priced = order.lines.map((line) => ({ ...line, pricePerUnit: buyablePrice(line.assetName, quotes.get(line.assetName)!) }));
  const stale = priced.filter((asset) => priceMoved(asset.shownPrice, asset.pricePerUnit));
  if (stale.length > 0) {
    throw new ApiError(
      409,
      'price_changed',
      'Prices have moved since this advice was given; ask for new advice (GET /api/v1/assets/advice/) and buy that',
      stale.map((asset) => ({
        field: `assets.${asset.index}.statistics.current_price`,
        message: `is ${asset.shownPrice.toFixed(2)}; ${asset.assetName} is quoted at ${asset.pricePerUnit.toFixed(2)} now`,
      })),
    );
  }
  return priced;
}

/** The transaction found a portfolio to sell with assets not yet priced; it is rolled back, priced, and run again. */
class QuotesNeeded extends Error {
  constructor(readonly assetNames: string[]) {
    super(`Quotes needed for ${assetNames.join(', ')}`);
  }
}

// The first round has quotes for everything held when the purchase began, so
// it needs more only when another purchase for the same user changed the
// portfolio in between; only purchases racing that way can use up the rounds.
const MAX_ROUNDS = 3;

// Plain SQL on the driver (SqlTx, shared/portfolio/store) rather than a Prisma
// transaction: with it the purchase was the last request to load Prisma's
// client, the largest part of its cold start and memory.
async function purchase(
  tx: SqlTx,
  session: SessionToConfirm,
  order: Order,
  assets: readonly PricedAsset[],
  quotes: ReadonlyMap<string, Decimal>,
): Promise<Result> {
  // The session, the user's row and the wallets, locked in the transaction's
  // first statement, as every money move starts (see lockForPurchase): a
  // logout that committed while this purchase was being priced refuses it
  // here, and one that comes later waits for it to commit.
  const wallets = await lockForPurchase(tx, session);
  const userId = session.key.userId;
  const payer = payingWallet(wallets, order.investedSum);
  if (!payer) throw noWalletHolds(order.investedSum);

  // A plain read under READ COMMITTED (every connection's level): it sees the portfolio any earlier purchase committed while we waited for the locks.
  const previous = await heldAssets(tx, userId);
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

  // Both moves are stamped by the database's clock once the locks were held,
  // the purchase a microsecond after the sale, and written together.
  const moves = await recordMoneyMoves(tx, { walletId: payer.id, userId, at: wallets[0].lockedAt }, [
    ...(proceeds ? [{ name: saleName(previous.length), sum: proceeds }] : []),
    { name: purchaseName(assets.length), sum: order.investedSum.negated() },
  ]);
  const bought = moves[moves.length - 1];
  await deleteAssets(tx, previous);
  await storeAssets(tx, bought.id, assets);
  await replaceMetrics(tx, userId, order.metrics);
  await setWalletBalance(tx, payer.id, balance);

  const { investedSum, holdings } = describeHoldings(assets);
  return {
    status: 201,
    body: {
      detail: 'Portfolio purchased',
      wallet: renderWallet({ ...payer, balance }),
      transactions: moves.map(renderTransaction),
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
    '`asset_name` must be a known ticker, listed once. Each asset gets its part of `invested_sum` to the cent, the ' +
    'stored `overall_sum`s adding up to exactly the `invested_sum` debited, so that what the wallet pays is what the ' +
    'assets are worth. Advice rounds each part’s sum on its own (SPEC: part × investing_sum / 100), so a stored ' +
    '`overall_sum` may differ by a cent from the one advice showed; and where the parts add up to 99 or 101, each asset ' +
    'gets its part’s share of their sum (part / Σ parts of `invested_sum`), about 1 % more or less than advice showed.\n\n' +
    '**Price (a deliberate departure from SPEC’s `price_per_unit = current_price`):** every asset is bought at the ' +
    'investment service’s quote at the moment of purchase (`GET /stat/`, rounded to the cent as a sale rounds it; a ' +
    'quote asked for at most one second earlier, by this or another purchase, counts as one), never at a price the client names. `statistics.current_price` in the body only guards against stale advice: ' +
    `when it differs from the quote by more than ${PRICE_TOLERANCE.times(100).toString()} % of the quote the answer is 409 ` +
    '`price_changed`, with a detail naming each `assets.N.statistics.current_price` concerned, and nothing changes; ' +
    'ask for new advice and buy that. An advice answer sent back promptly is within the tolerance and buys.\n\n' +
    'The paying wallet is the one with the largest balance among those holding `invested_sum` (none: 422). The current ' +
    'portfolio, if any, is sold at the investment service’s current prices: each asset fetches ' +
    '`overall_sum × current_price / price_per_unit` rounded to the cent (so Σ overall_sum + Σ profit as GET /assets/ ' +
    'shows them), credited to the paying wallet as "Sale of N asset(s)". Then `invested_sum` is debited as ' +
    '"Purchase of N asset(s)" and the new assets and metrics replace the old. All of it is one database transaction with ' +
    'the user’s wallets locked: it happens entirely or not at all. A sale credit or a resulting balance over ' +
    `${MAX_AMOUNT.toFixed(2)} (what DECIMAL(17,2) holds) is refused with 422 \`balance_limit\` before anything is written. ` +
    'All quotes (the new assets and the portfolio held) are fetched before that transaction starts, so a slow ' +
    'investment service holds no locks; if any quote fails the answer is 502/503/504 and nothing changes. Two purchases ' +
    'racing for one user run one after the other; the second sells what the first bought.\n\n' +
    'Send an `Idempotency-Key` header to retry safely: the same key and body replays the first response and moves no ' +
    'money — even if the service is down or prices have moved since; the same key with another body is 409 ' +
    '`idempotency_key_reused`; a retry while the first is still running may get 409 `idempotency_in_progress`. ' +
    'Refused requests are not remembered.',
  body: purchaseBody,
  // Only the fields the schema declares, so the example validates strictly; an advice
  // answer sent back whole also buys, its other fields ignored (see the description).
  bodyExample: {
    assets: [
      { part_of_portfolio: 56, asset_name: 'TSLA', statistics: { current_price: '700.36' } },
      { part_of_portfolio: 39, asset_name: 'NVDA', statistics: { current_price: '205.29' } },
      { part_of_portfolio: 3, asset_name: 'AAPL', statistics: { current_price: '149.00' } },
      { part_of_portfolio: 2, asset_name: 'MSFT', statistics: { current_price: '301.91' } },
    ],
    metrics: { rate_of_return: '36.06', volatility: '42.50', value_at_risk: '0.80' },
    invested_sum: '1000.00',
  },
  idempotent: true,
  confirmsSessionItself: true,
  responses: {
    201: {
      description: 'Bought (or the replay of the first response for this Idempotency-Key)',
      schema: purchaseResponse,
      example: {
        detail: 'Portfolio purchased',
        wallet: { id: 'e9f23058-02b5-5939-9a0c-8b55d8744e9b', bank_name: 'Bank of Banks', card_number: '5587258023401650', balance: 6005.11 },
        transactions: [
          { created_at: '2026-11-26T12:28:38.962417Z', name: 'Sale of 7 asset(s)', sum: 5054.61, sum_direction: '+' },
          { created_at: '2026-11-26T12:28:38.962683Z', name: 'Purchase of 4 asset(s)', sum: 1000.0, sum_direction: '-' },
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
    409: {
      ...errorResponses(409)[409],
      description:
        '`price_changed`: a `statistics.current_price` is stale (details name each); `idempotency_key_reused`: the ' +
        'Idempotency-Key was used with another body; `idempotency_in_progress`: a request with this key is still running; ' +
        '`portfolio_changed`: other purchases kept changing the portfolio',
    },
    422: {
      ...errorResponses(422)[422],
      description: '`insufficient_funds`: no wallet holds `invested_sum`; `balance_limit`: the wallet could not hold the result',
    },
  },
  async handle({ body, unconfirmedSession, storedAnswer, sqlTransaction, replayOrRefuse }) {
    const order = orderFrom(body);

    // Everything that needs the investment service happens before the first
    // database transaction: the session, wallets, holdings and any answer
    // stored under the Idempotency-Key are read in one statement, then the old
    // and the new assets quoted concurrently. A retry is answered from its
    // stored answer before anything is priced; a slow service (a timeout,
    // retried) holds no locks and no connection, and the transaction normally
    // runs once and commits.
    let assets: PricedAsset[];
    let quotes: Map<string, Decimal>;
    try {
      const start = await purchaseStart(unconfirmedSession, storedAnswer);
      if (start.replay) return start.replay;
      // Checked again under the locks; refusing here spares the service a pointless call.
      if (!payingWallet(start.wallets, order.investedSum)) throw noWalletHolds(order.investedSum);
      quotes = await quotesFor([...order.lines.map((line) => line.assetName), ...start.heldNames]);
      assets = priceOrder(order, quotes);
    } catch (error) {
      if (!(error instanceof ApiError) || !unconfirmedSession.confirmed) throw error;
      // A retry racing its own first attempt may find the money spent, prices
      // moved or the service down once that attempt has committed: it replays
      // that answer; otherwise the refusal stands.
      return replayOrRefuse(error);
    }

    for (let round = 0; round < MAX_ROUNDS; round += 1) {
      try {
        return await sqlTransaction((tx) => purchase(tx, unconfirmedSession, order, assets, quotes));
      } catch (error) {
        if (!(error instanceof QuotesNeeded)) throw error;
        // Another purchase changed the portfolio since it was read: price what it bought, and run again.
        quotes = new Map([...quotes, ...(await quotesFor(error.assetNames))]);
      }
    }
    return replayOrRefuse(new ApiError(409, 'portfolio_changed', 'The portfolio kept changing while this purchase was being priced; retry'));
  },
});
