import { z } from 'zod';
import { defineEndpoint } from '../../shared/http/endpoint';
import { errorResponses } from '../../shared/http/error-docs';
import { Decimal, MAX_AMOUNT, moneySchema, toCents } from '../../shared/money/decimal';
import { mlClient } from '../../shared/ml/service';
import { adviceParts, compareAssetNames } from '../../shared/portfolio/apportion';
import { centsText } from '../../shared/portfolio/money';
import { riskAversionFor, riskLevelOf } from '../../shared/portfolio/risk';
import { metricsSchema, moneyText, portfolioAssetSchema, quoteStatisticsSchema } from '../../shared/portfolio/schemas';
import { quoteStatistics } from '../../shared/portfolio/statistics';
import { investingSum } from '../../shared/portfolio/paying-wallet';
import { confirmSessionWithWallets } from '../../shared/wallets/session-wallets';

const WHOLE_0_TO_100 = 'must be a whole number from 0 to 100';

const adviceQuery = z.object({
  // A query value is text; a number in the document, so a client sends "100.5" for 100.5.
  investing_sum: moneySchema({ max: MAX_AMOUNT })
    .optional()
    .describe('The amount to invest: a decimal ≥ 0.01 with at most 2 decimal places, that one wallet holds. ' + 'Default: the largest wallet balance.'),
  risk_level: z
    .string({ error: WHOLE_0_TO_100 })
    .regex(/^0*(100|[1-9]?\d)$/, WHOLE_0_TO_100)
    .transform(Number)
    .pipe(z.number().int().min(0).max(100))
    .optional()
    .describe(
      'A whole number from 0 (least risk) to 100 (most); sent to the investment service as ' +
        'riskAversion = 1 − risk_level/100. Default: the service’s own risk aversion.',
    ),
});

const adviceResponse = z
  .object({
    metrics: metricsSchema,
    assets: z.array(
      portfolioAssetSchema
        .extend({ statistics: quoteStatisticsSchema.nullable().describe('null when the service could not quote it') })
        .meta({ id: 'AdviceAsset', description: 'One asset of a recommended portfolio' }),
    ),
    suggested_sum: moneyText,
    risk_level: z.number().int().min(0).max(100),
  })
  .meta({ id: 'Advice', description: 'A recommended portfolio for an amount and a risk level' });

export default defineEndpoint({
  session: 'handler',
  summary: 'A recommended portfolio for an amount and a risk level',
  description:
    'Asks the investment service for a portfolio (`riskAversion = 1 − risk_level/100`; without `risk_level` the ' +
    'service picks its default, and `risk_level` in the answer says which). `investing_sum` defaults to the largest ' +
    'wallet balance and must fit in one wallet. As SPEC says, `part_of_portfolio` is weight × 100 rounded half up, ' +
    'tickers whose part is 0 are left out, and `overall_sum` is part × `suggested_sum` / 100 rounded half up to the ' +
    'cent; the largest part comes first (then by ticker). The parts then add up to 100 ± 1, which a purchase accepts. ' +
    'Only when they would not (many small weights can round to 97 or 103 between them) are the parts recomputed by ' +
    'largest remainder so they add up to exactly 100 (each weight × 100 rounded down or up, or, when the tickers left ' +
    'out held a noticeable share, each weight scaled up to fill 100 and rounded down or up), so that the advice can ' +
    'always be bought. Rounded each on its own, the `overall_sum`s may add up to a few cents more or less than ' +
    '`suggested_sum`; a purchase splits `invested_sum` exactly, so what it stores may differ from these by a cent. ' +
    '`statistics` is `null` for an asset whose quote failed. The answer plus `invested_sum` can be sent as is to ' +
    '`POST /api/v1/assets/`.',
  query: adviceQuery,
  responses: {
    200: {
      description: 'The recommendation',
      schema: adviceResponse,
      example: {
        metrics: { rate_of_return: '36.06', volatility: '42.50', value_at_risk: '0.80' },
        assets: [
          {
            part_of_portfolio: 56,
            overall_sum: '560.00',
            asset_name: 'TSLA',
            statistics: { long_name: 'Tesla, Inc.', current_price: '700.36', change_for_day: '0.06', change_for_day_direction: '+' },
          },
          {
            part_of_portfolio: 39,
            overall_sum: '390.00',
            asset_name: 'NVDA',
            statistics: { long_name: 'NVIDIA Corporation', current_price: '205.29', change_for_day: '1.26', change_for_day_direction: '-' },
          },
          {
            part_of_portfolio: 3,
            overall_sum: '30.00',
            asset_name: 'AAPL',
            statistics: { long_name: 'Apple Inc.', current_price: '149.00', change_for_day: '0.94', change_for_day_direction: '+' },
          },
          { part_of_portfolio: 2, overall_sum: '20.00', asset_name: 'MSFT', statistics: null },
        ],
        suggested_sum: '1000.00',
        risk_level: 80,
      },
    },
    ...errorResponses(400, 401, 502, 503, 504),
  },
  async handle({ query, unconfirmedSession }) {
    const { user, wallets: rows } = await confirmSessionWithWallets(unconfirmedSession);
    const wallets = rows.map((wallet) => ({ id: wallet.id, balance: new Decimal(wallet.balance) }));
    const amount = investingSum(wallets, query.investing_sum);
    const riskAversion = query.risk_level === undefined ? undefined : riskAversionFor(query.risk_level);

    const ml = mlClient();
    const advice = await ml.recommendPortfolio(user.mlUuid, riskAversion);
    const chosen = adviceParts(Object.entries(advice.portfolioComposition).map(([assetName, { weight }]) => ({ assetName, weight })))
      .sort((a, b) => b.part - a.part || compareAssetNames(a, b))
      // SPEC §3: overall_sum = part × investing_sum / 100, to the cent (half up), each on its own.
      .map((ticker) => ({ ...ticker, overallSum: toCents(amount.times(ticker.part).dividedBy(100)) }));
    const stats = await ml.getStats(chosen.map(({ assetName }) => assetName));

    const { expectedReturn, annualVolatility, sharpeRatio } = advice.portfolioMetrics;
    return {
      status: 200,
      body: {
        metrics: { rate_of_return: centsText(expectedReturn), volatility: centsText(annualVolatility), value_at_risk: centsText(sharpeRatio) },
        assets: chosen.map(({ assetName, part, overallSum }) => {
          const stat = stats.get(assetName);
          return { part_of_portfolio: part, overall_sum: overallSum.toFixed(2), asset_name: assetName, statistics: stat ? quoteStatistics(stat) : null };
        }),
        suggested_sum: amount.toFixed(2),
        risk_level: riskLevelOf(advice.riskAversion),
      },
    };
  },
});
