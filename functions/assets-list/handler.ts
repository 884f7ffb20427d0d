import { z } from 'zod';
import { defineEndpoint } from '../../shared/http/endpoint';
import { errorResponses } from '../../shared/http/error-docs';
import { mlClient } from '../../shared/ml/service';
import { describeHoldings, describeMetrics } from '../../shared/portfolio/holdings';
import { holdingStatisticsSchema, metricsSchema, moneyText, portfolioAssetSchema } from '../../shared/portfolio/schemas';
import { holdingStatistics } from '../../shared/portfolio/statistics';
import { portfolioOf } from '../../shared/portfolio/store';

const portfolioResponse = z
  .object({
    metrics: metricsSchema,
    assets: z.array(
      portfolioAssetSchema
        .extend({ statistics: holdingStatisticsSchema.nullable().describe('null when the service could not quote it') })
        .meta({ id: 'Holding', description: 'One asset held' }),
    ),
    invested_sum: moneyText,
  })
  .meta({ id: 'Holdings', description: 'What the user holds, at the service’s prices now' });

export default defineEndpoint({
  session: 'pipeline',
  summary: "The user's portfolio, with today's prices and profits",
  description:
    'Assets come largest first. `part_of_portfolio` is the whole percentage of `invested_sum`, rounded half up as advice ' +
    'rounds weights (so a portfolio shows the parts it was bought with; they add up to 100 ± 1, and only where rounding ' +
    'misses that by more are they computed by largest remainder to add up to exactly 100). ' +
    '`statistics` comes from the investment service, asked for every asset at once; it is `null` for an asset whose ' +
    'quote failed, and the answer is still 200. Prices are rounded to cents before profits are computed, so ' +
    '`overall_sum` + `profit` is exactly what selling the asset would credit. Metrics and assets are read together, ' +
    'from one database snapshot, so a purchase in progress shows either wholly or not at all.',
  responses: {
    200: {
      description: 'The portfolio',
      schema: portfolioResponse,
      example: {
        metrics: { rate_of_return: '14.20', volatility: '18.50', value_at_risk: '0.63' },
        assets: [
          {
            part_of_portfolio: 30,
            overall_sum: '300.00',
            asset_name: 'AAPL',
            statistics: {
              long_name: 'Apple Inc.',
              current_price: '149.00',
              change_for_day: '0.94',
              change_for_day_direction: '+',
              profit: '9.45',
              profit_direction: '+',
            },
          },
          { part_of_portfolio: 25, overall_sum: '250.00', asset_name: 'MSFT', statistics: null },
          {
            part_of_portfolio: 20,
            overall_sum: '200.00',
            asset_name: 'GOOG',
            statistics: {
              long_name: 'Alphabet Inc.',
              current_price: '2798.84',
              change_for_day: '1.21',
              change_for_day_direction: '-',
              profit: '2.28',
              profit_direction: '+',
            },
          },
          {
            part_of_portfolio: 15,
            overall_sum: '150.00',
            asset_name: 'JNJ',
            statistics: {
              long_name: 'Johnson & Johnson',
              current_price: '172.95',
              change_for_day: '0.00',
              change_for_day_direction: '+',
              profit: '1.08',
              profit_direction: '-',
            },
          },
          {
            part_of_portfolio: 10,
            overall_sum: '100.00',
            asset_name: 'SPY',
            statistics: {
              long_name: 'SPDR S&P 500',
              current_price: '452.37',
              change_for_day: '0.62',
              change_for_day_direction: '+',
              profit: '0.21',
              profit_direction: '+',
            },
          },
        ],
        invested_sum: '1000.00',
      },
    },
    204: { description: 'The user holds no portfolio' },
    ...errorResponses(401, 503),
  },
  async handle({ user }) {
    const portfolio = await portfolioOf(user.id);
    if (!portfolio) return { status: 204 };
    const { metrics, assets } = portfolio;

    const { investedSum, holdings } = describeHoldings(assets);
    const stats = await mlClient().getStats(holdings.map(({ asset }) => asset.assetName));
    return {
      status: 200,
      body: {
        metrics: describeMetrics(metrics),
        assets: holdings.map(({ asset, row }) => {
          const stat = stats.get(asset.assetName);
          return { ...row, statistics: stat ? holdingStatistics(stat, asset) : null };
        }),
        invested_sum: investedSum.toFixed(2),
      },
    };
  },
});
