import { z } from 'zod';
import { MAX_AMOUNT, moneySchema } from '../money/decimal';

/** Shapes the asset endpoints share, for parsing and for the OpenAPI document. */

export const moneyText = z
  .string()
  .regex(/^\d+\.\d{2}$/)
  .describe('Amount as a 2-decimal string, e.g. "340.00"');
export const signedText = z
  .string()
  .regex(/^-?\d+\.\d{2}$/)
  .describe('Signed 2-decimal string, e.g. "-0.15"');
export const direction = z.enum(['+', '-']).describe('"+" for a rise or zero, "-" for a fall');

export const metricsSchema = z.object({
  rate_of_return: signedText.describe('Expected annual return, percent'),
  volatility: signedText.describe('Expected annual volatility, percent'),
  value_at_risk: signedText.describe("The portfolio's Sharpe ratio, under the old clients' field name"),
});

export const quoteStatisticsSchema = z.object({
  long_name: z.string().nullable(),
  current_price: moneyText,
  change_for_day: moneyText.describe("Today's change, percent, absolute value"),
  change_for_day_direction: direction,
});

export const holdingStatisticsSchema = quoteStatisticsSchema.extend({
  profit: moneyText.describe('overall_sum × (current_price / price_per_unit − 1), absolute value'),
  profit_direction: direction,
});

export const portfolioAssetSchema = z.object({
  part_of_portfolio: z.number().int().min(0).max(100).describe('Whole percent of the invested sum, rounded half up; the parts add up to 100 ± 1'),
  overall_sum: moneyText,
  asset_name: z.string(),
});

/** A signed decimal given as a JSON number or a string, at most 2 decimals, that a DECIMAL(17,2) holds (metrics). */
export const signedDecimalSchema = moneySchema({ min: MAX_AMOUNT.negated(), max: MAX_AMOUNT });
