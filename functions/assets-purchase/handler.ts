import { z } from 'zod';
import type { Result } from '../../shared/core/result';
import { defineEndpoint } from '../../shared/http/endpoint';
import { errorResponses } from '../../shared/http/error-docs';
import { MAX_AMOUNT, moneySchema } from '../../shared/money/decimal';
import { findTicker, TICKER_SYMBOLS } from '../../shared/ml/tickers';
import { PART_TOLERANCE } from '../../shared/portfolio/apportion';
import { describeHoldings, describeMetrics } from '../../shared/portfolio/holdings';
import { buyPortfolio, orderFrom, type Purchased } from '../../shared/portfolio/purchase';
import { PRICE_TOLERANCE } from '../../shared/portfolio/quotes';
import { metricsSchema, moneyText, portfolioAssetSchema, signedDecimalSchema } from '../../shared/portfolio/schemas';
import { renderTransaction, renderWallet, transactionJson, walletJson } from '../../shared/wallets/wallet-json';

const purchaseAsset = z.object({
  part_of_portfolio: z.number().int().min(0).max(100),
  asset_name: z
    .string()
    .max(20)
    .refine((name) => findTicker(name) !== undefined, 'is not an asset the investment service knows')
    .meta({ enum: TICKER_SYMBOLS }),
  // What advice showed; null where advice could not quote the asset, so an advice answer sent back whole still buys.
  statistics: z.object({ current_price: moneySchema({ max: MAX_AMOUNT }) }).nullable(),
});

const purchaseBody = z
  .object({
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
  })
  .meta({ id: 'PurchaseOrder', description: 'What advice answered, plus the amount to invest' });

const purchaseResponse = z
  .object({
    detail: z.literal('Portfolio purchased'),
    wallet: walletJson.describe('The wallet that paid (and received the sale of the previous portfolio), after the purchase'),
    transactions: z.array(transactionJson).describe('What the purchase wrote to that wallet: the sale of the previous portfolio, if any, then the purchase'),
    metrics: metricsSchema,
    assets: z.array(portfolioAssetSchema.extend({ price_per_unit: moneyText }).meta({ id: 'BoughtAsset', description: 'One asset bought, at its price' })),
    invested_sum: moneyText,
  })
  .meta({ id: 'PurchaseReceipt', description: 'What a purchase bought, and what it did to the paying wallet' });

function renderPurchase({ wallet, moves, assets, metrics }: Purchased): Result {
  const { investedSum, holdings } = describeHoldings(assets);
  return {
    status: 201,
    body: {
      detail: 'Portfolio purchased',
      wallet: renderWallet(wallet),
      transactions: moves.map(renderTransaction),
      metrics: describeMetrics(metrics),
      assets: holdings.map(({ asset, row }) => ({ ...row, price_per_unit: asset.pricePerUnit.toFixed(2) })),
      invested_sum: investedSum.toFixed(2),
    },
  };
}

export default defineEndpoint({
  session: 'handler',
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
    'ask for new advice and buy that. An advice answer sent back promptly is within the tolerance and buys; an asset advice could ' +
    'not quote (`statistics: null`) is bought at the quote, with no shown price to check it against.\n\n' +
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
  responses: {
    201: {
      description: 'Bought (or the replay of the first response for this Idempotency-Key)',
      schema: purchaseResponse,
      example: {
        detail: 'Portfolio purchased',
        wallet: { id: 'e9f23058-02b5-5939-9a0c-8b55d8744e9b', bank_name: 'Bank of Banks', card_number: '************1650', balance: 6005.11 },
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
  async handle(context) {
    const { body } = context;
    const order = orderFrom({
      investedSum: body.invested_sum,
      assets: body.assets.map((asset) => ({ assetName: asset.asset_name, part: asset.part_of_portfolio, shownPrice: asset.statistics?.current_price })),
      metrics: { rateOfReturn: body.metrics.rate_of_return, volatility: body.metrics.volatility, valueAtRisk: body.metrics.value_at_risk },
    });
    return buyPortfolio(context, order, renderPurchase);
  },
});
