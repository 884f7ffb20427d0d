import { z } from 'zod';
import { db } from '../../shared/db/client';
import { defineEndpoint } from '../../shared/http/endpoint';
import { errorResponses } from '../../shared/http/error-docs';
import { MAX_AMOUNT, moneySchema } from '../../shared/money/decimal';
import { mlClient } from '../../shared/ml/service';
import { allocate, percentParts } from '../../shared/portfolio/apportion';
import { centsText } from '../../shared/portfolio/money';
import { riskAversionFor, riskLevelOf } from '../../shared/portfolio/risk';
import { metricsSchema, moneyText, portfolioAssetSchema, quoteStatisticsSchema } from '../../shared/portfolio/schemas';
import { quoteStatistics } from '../../shared/portfolio/statistics';
import { investingSum } from '../../shared/portfolio/wallets';

const adviceQuery = z.object({
  investing_sum: moneySchema({ max: MAX_AMOUNT }).optional(),
  risk_level: z
    .string()
    .regex(/^\d{1,3}$/, 'must be a whole number from 0 to 100')
    .transform(Number)
    .refine((level) => level <= 100, 'must be a whole number from 0 to 100')
    .optional(),
});

const adviceResponse = z.object({
  metrics: metricsSchema,
  assets: z.array(portfolioAssetSchema.extend({ statistics: quoteStatisticsSchema.nullable() })),
  suggested_sum: moneyText,
  risk_level: z.number().int().min(0).max(100),
});

export default defineEndpoint({
  summary: 'A recommended portfolio for an amount and a risk level',
  description:
    'Asks the investment service for a portfolio (`riskAversion = 1 − risk_level/100`; without `risk_level` the ' +
    'service picks its default, and `risk_level` in the answer says which). `investing_sum` defaults to the largest ' +
    'wallet balance and must fit in one wallet. Tickers with a zero part are left out; the largest part comes first. ' +
    '`part_of_portfolio` is weight × 100 rounded so that the parts add up to exactly 100 (largest remainder: each part ' +
    'is weight × 100 rounded down or up, and equals plain rounding whenever that already adds up to 100). ' +
    '`overall_sum` splits `suggested_sum` by those parts to the cent, adding up to it exactly — what a purchase of this ' +
    'advice stores. `statistics` is `null` for an asset whose quote failed. The answer plus `invested_sum` can be sent ' +
    'as is to `POST /api/v1/assets/`.',
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
  async handle({ query, user }) {
    const wallets = await db().wallet.findMany({ where: { userId: user.id }, select: { id: true, balance: true } });
    const amount = investingSum(wallets, query.investing_sum);
    const riskAversion = query.risk_level === undefined ? undefined : riskAversionFor(query.risk_level);

    const ml = mlClient();
    const advice = await ml.recommendPortfolio(user.mlUuid, riskAversion);
    const tickers = Object.entries(advice.portfolioComposition);
    const parts = percentParts(tickers.map(([, { weight }]) => weight));
    const chosen = allocate(tickers.map(([assetName], index) => ({ assetName, part: parts[index] })), amount);
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
