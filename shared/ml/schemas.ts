import { z } from 'zod';
import { findTicker } from './tickers';

/**
 * Shapes of the investment recommendation service's answers (SPEC §6).
 * Fields the contract lists are checked strictly; anything extra the service
 * adds is ignored (stripped), so it can grow without breaking us. Amounts stay
 * JSON numbers here: handlers turn them into exact decimals.
 */

const price = z.number().nonnegative();
const percent = z.number();

export const portfolioSchema = z
  .object({
    portfolioComposition: z
      .record(z.string().min(1), z.object({ weight: z.number().min(0).max(1), expectedReturn: percent, expectedVolatility: percent }))
      .refine((composition) => Object.keys(composition).length > 0, 'has no tickers')
      // Advice must be buyable, and a purchase takes only the 27 tickers of the contract; one the service
      // adds later is ignored until then, as long as it weighs nothing.
      .refine(
        (composition) => Object.entries(composition).every(([symbol, { weight }]) => weight === 0 || findTicker(symbol) !== undefined),
        'weighs a ticker that is not one of the contract’s',
      ),
    portfolioMetrics: z.object({ expectedReturn: percent, annualVolatility: percent, sharpeRatio: z.number() }),
    riskAversion: z.number().min(0).max(1),
  })
  .refine(
    // Weights that do not add up would make the advice's percentages unbuyable.
    ({ portfolioComposition }) => Math.abs(Object.values(portfolioComposition).reduce((sum, { weight }) => sum + weight, 0) - 1) <= 0.01,
    { message: 'weights do not sum to 1', path: ['portfolioComposition'] },
  );

export const statSchema = z.object({
  current_price: price,
  change_for_day: percent,
  long_name: z.string().nullable(),
});

export const detailedStatSchema = z.object({
  previous_close: price,
  current_price: price,
  change_for_day: percent,
  change_for_day_sum: z.number(),
  volume: z.number().nonnegative().nullable(),
  day_range_low: price,
  day_range_high: price,
  year_range_low: price,
  year_range_high: price,
  long_name: z.string().nullable(),
  exchange: z.string(),
  timezone: z.string(),
  currency: z.string(),
  // Epoch seconds; some feeds send a fractional value, callers want whole seconds.
  timestamp: z.number().nonnegative().transform(Math.trunc),
});

/**
 * Ten years of daily prices, weekends included: the contract fixes no length
 * (the stand-in sends 150 days), and an answer is shown whole to the client,
 * so a longer one is refused rather than passed on (about 100 KB as JSON).
 */
export const MAX_HISTORY_ENTRIES = 3660;

/** `{"<epoch ms>": open_price}`. */
export const historySchema = z
  .record(z.string().regex(/^\d+$/, 'must be epoch milliseconds'), price)
  .refine((history) => Object.keys(history).length <= MAX_HISTORY_ENTRIES, `must have at most ${MAX_HISTORY_ENTRIES} entries`);

export type Portfolio = z.output<typeof portfolioSchema>;
export type Stat = z.output<typeof statSchema>;
export type DetailedStat = z.output<typeof detailedStatSchema>;
export type History = z.output<typeof historySchema>;
