import { z } from 'zod';
import { Decimal } from '../money/decimal';

/** Shapes the asset endpoints share, for parsing and for the OpenAPI document. */

/** The largest amount a DECIMAL(17,2) column holds. */
export const MAX_AMOUNT = '999999999999999.99';

export const moneyText = z.string().regex(/^\d+\.\d{2}$/).describe('Amount as a 2-decimal string, e.g. "340.00"');
export const signedText = z.string().regex(/^-?\d+\.\d{2}$/).describe('Signed 2-decimal string, e.g. "-0.15"');
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
  part_of_portfolio: z.number().int().min(0).max(100).describe('Whole percent of the invested sum; the parts add up to 100'),
  overall_sum: moneyText,
  asset_name: z.string(),
});

const SIGNED_TEXT = /^-?\d{1,15}(\.\d{1,2})?$/;

/** A signed decimal given as a JSON number or a string, at most 2 decimals (metrics). */
export const signedDecimalSchema = z
  .union([z.number(), z.string()], { error: 'must be a decimal number' })
  .transform((value, ctx) => {
    const text = typeof value === 'number' ? (Number.isFinite(value) ? String(value) : '') : value.trim();
    if (!SIGNED_TEXT.test(text)) {
      ctx.addIssue({ code: 'custom', message: 'must be a decimal number with at most 2 decimal places' });
      return z.NEVER;
    }
    return new Decimal(text);
  });
