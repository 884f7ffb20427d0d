import { z } from 'zod';
import { defineEndpoint } from '../../shared/http/endpoint';
import { errorResponses } from '../../shared/http/error-docs';
import { notFound } from '../../shared/core/errors';
import { ML_REJECTIONS, MlRejectedError } from '../../shared/ml/errors';
import { mlClient } from '../../shared/ml/service';
import { quotePrice, signed } from '../../shared/portfolio/money';
import { direction, moneyText } from '../../shared/portfolio/schemas';
import { shortVolume } from '../../shared/portfolio/volume';

// What a ticker can look like (BRK.B, ^GSPC, BF-B); anything else names no asset (404 before any ML call).
const statParams = z.object({ asset_name: z.string().regex(/^[A-Za-z.^-]{1,20}$/) });

const statResponse = z
  .object({
    previous_close: moneyText,
    current_price: moneyText,
    change_for_day: moneyText.describe("Today's change, percent, absolute value"),
    change_for_day_direction: direction,
    change_for_day_sum: moneyText.describe("Today's change in price, absolute value"),
    change_for_day_sum_direction: direction,
    long_name: z.string().nullable(),
    exchange: z.string(),
    timezone: z.string(),
    currency: z.string(),
    volume: z.string().nullable().describe('Short form: 24452230 → "24M", 1520 → "2K"; null when the market reports none'),
    day_range_low: moneyText,
    day_range_high: moneyText,
    year_range_low: moneyText,
    year_range_high: moneyText,
    timestamp: z.number().int().describe('Epoch seconds of the quote'),
    history: z.record(z.string().regex(/^\d+$/), z.number()).describe('Daily open price by epoch milliseconds'),
  })
  .meta({ id: 'AssetStatistics', description: "One asset's day, year and price history" });

const isUnknownAsset = (result: PromiseSettledResult<unknown>) =>
  result.status === 'rejected' && result.reason instanceof MlRejectedError && result.reason.mlMessage === ML_REJECTIONS.assetNameUnknown;

export default defineEndpoint({
  session: 'pipeline',
  summary: "One asset's quote and price history",
  description:
    'Asks the investment service for the detailed quote and the history at once. Amounts are 2-decimal strings, ' +
    'changes absolute with a direction. An asset the service does not know is a 404.',
  params: statParams,
  responses: {
    200: {
      description: 'The quote and its history',
      schema: statResponse,
      example: {
        previous_close: '699.93',
        current_price: '700.36',
        change_for_day: '0.06',
        change_for_day_direction: '+',
        change_for_day_sum: '0.43',
        change_for_day_sum_direction: '+',
        long_name: 'Tesla, Inc.',
        exchange: 'NMS',
        timezone: 'America/New_York',
        currency: 'USD',
        volume: '69M',
        day_range_low: '694.73',
        day_range_high: '702.62',
        year_range_low: '633.19',
        year_range_high: '825.58',
        timestamp: 1795636800,
        history: { '1795478400000': 685.31, '1795564800000': 681.47, '1795651200000': 670.85 },
      },
    },
    ...errorResponses(401, 404, 502, 503, 504),
  },
  async handle({ params }) {
    const ml = mlClient();
    const [detailedResult, historyResult] = await Promise.allSettled([ml.getDetailedStat(params.asset_name), ml.getHistory(params.asset_name)]);
    if (isUnknownAsset(detailedResult) || isUnknownAsset(historyResult)) throw notFound('Asset');
    if (detailedResult.status === 'rejected') throw detailedResult.reason;
    if (historyResult.status === 'rejected') throw historyResult.reason;
    const detailed = detailedResult.value;

    const change = signed(detailed.change_for_day);
    const changeSum = signed(detailed.change_for_day_sum);
    const money = (price: number) => quotePrice(price).toFixed(2);
    return {
      status: 200,
      body: {
        previous_close: money(detailed.previous_close),
        current_price: money(detailed.current_price),
        change_for_day: change.amount,
        change_for_day_direction: change.direction,
        change_for_day_sum: changeSum.amount,
        change_for_day_sum_direction: changeSum.direction,
        long_name: detailed.long_name,
        exchange: detailed.exchange,
        timezone: detailed.timezone,
        currency: detailed.currency,
        volume: shortVolume(detailed.volume),
        day_range_low: money(detailed.day_range_low),
        day_range_high: money(detailed.day_range_high),
        year_range_low: money(detailed.year_range_low),
        year_range_high: money(detailed.year_range_high),
        timestamp: detailed.timestamp,
        history: historyResult.value,
      },
    };
  },
});
