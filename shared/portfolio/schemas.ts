import { z } from 'zod';
import { MAX_AMOUNT, moneySchema, moneyString } from '../money/decimal';
import { TICKER_SYMBOLS } from '../ml/tickers';

/** Shapes the asset endpoints share, for parsing and for the OpenAPI document. */

/** Amounts here are 2-decimal strings (SPEC §3), the document's MoneyString. */
export const moneyText = moneyString;
export const signedText = moneyString;
/** An asset's symbol: one of the 27 the investment service knows (SPEC §6). */
export const ticker = z.enum(TICKER_SYMBOLS).meta({ id: 'Ticker', description: 'The symbol of one of the assets the investment service knows' });
export const direction = z.enum(['+', '-']).describe('"+" for a rise or zero, "-" for a fall');

export const metricsSchema = z
  .object({
    rate_of_return: signedText.describe('Expected annual return, percent'),
    volatility: signedText.describe('Expected annual volatility, percent'),
    value_at_risk: signedText.describe("The portfolio's Sharpe ratio, under the old clients' field name"),
  })
  .meta({ id: 'Metrics', description: "A portfolio's expected return, volatility and Sharpe ratio" });

const quoteStatisticsShape = {
  long_name: z.string().nullable(),
  current_price: moneyText,
  change_for_day: moneyText.describe("Today's change, percent, absolute value"),
  change_for_day_direction: direction,
};

export const quoteStatisticsSchema = z.object(quoteStatisticsShape).meta({ id: 'AssetQuote', description: "An asset's price now and today's change" });

export const holdingStatisticsSchema = z
  .object({
    ...quoteStatisticsShape,
    profit: moneyText.describe('overall_sum × (current_price / price_per_unit − 1), absolute value'),
    profit_direction: direction,
  })
  .meta({ id: 'HoldingStatistics', description: "An asset's price now, today's change, and the profit on what is held of it" });

export const portfolioAssetSchema = z.object({
  part_of_portfolio: z.number().int().min(0).max(100).describe('Whole percent of the invested sum, rounded half up; the parts add up to 100 ± 1'),
  overall_sum: moneyText,
  asset_name: ticker,
});

/** A signed decimal given as a JSON number or a string, at most 2 decimals, that a DECIMAL(17,2) holds (metrics). */
export const signedDecimalSchema = moneySchema({ min: MAX_AMOUNT.negated(), max: MAX_AMOUNT });
