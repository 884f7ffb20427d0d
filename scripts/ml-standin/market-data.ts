import type { Ticker } from '../../shared/ml/tickers';
import { roundTo, unitFraction } from './deterministic';

/**
 * Market data the stand-in serves. Quotes are constant per ticker (never
 * wall-clock dependent) so tests and the demo seed can rely on them; only the
 * history's dates and the quote timestamp follow today's date.
 */

const DAY_MS = 86_400_000;
export const HISTORY_DAYS = 150;

export interface Quote {
  previous_close: number;
  current_price: number;
  change_for_day: number;
  change_for_day_sum: number;
  volume: number | null;
  day_range_low: number;
  day_range_high: number;
  year_range_low: number;
  year_range_high: number;
  long_name: string;
  exchange: string;
  timezone: string;
  currency: string;
}

/** Amplitude of the slow price wave the history follows, as a fraction of the base price. */
const waveAmplitude = (ticker: Ticker) => 0.04 + 0.06 * unitFraction(ticker.symbol, 'amplitude');

export function quoteFor(ticker: Ticker): Quote {
  const base = Number(ticker.basePrice);
  const currentPrice = roundTo(base * (1 + 0.03 * (unitFraction(ticker.symbol, 'price') - 0.5)), 2);
  // Riskier tickers move more in a day.
  const dailyMove = 4 * (unitFraction(ticker.symbol, 'change') - 0.5) * (ticker.expectedVolatility / 30);
  const previousClose = roundTo(currentPrice / (1 + dailyMove / 100), 2);
  const dayLow = roundTo(Math.min(previousClose, currentPrice) * (1 - 0.01 * unitFraction(ticker.symbol, 'day-low')), 2);
  const dayHigh = roundTo(Math.max(previousClose, currentPrice) * (1 + 0.01 * unitFraction(ticker.symbol, 'day-high')), 2);
  // Wide enough to contain every history point (wave plus noise) and today's range.
  const amplitude = waveAmplitude(ticker);
  const yearLow = roundTo(base * (1 - amplitude - 0.02 - 0.05 * unitFraction(ticker.symbol, 'year-low')), 2);
  const yearHigh = roundTo(base * (1 + amplitude + 0.02 + 0.08 * unitFraction(ticker.symbol, 'year-high')), 2);

  return {
    previous_close: previousClose,
    current_price: currentPrice,
    change_for_day: ((currentPrice - previousClose) / previousClose) * 100,
    change_for_day_sum: roundTo(currentPrice - previousClose, 2),
    // Mutual funds trade once a day at NAV and report no volume, as the real feed does.
    volume: ticker.exchange === 'NAS' ? null : Math.floor((2 + 78 * unitFraction(ticker.symbol, 'volume')) * 1_000_000),
    day_range_low: dayLow,
    day_range_high: dayHigh,
    year_range_low: Math.min(yearLow, dayLow),
    year_range_high: Math.max(yearHigh, dayHigh),
    long_name: ticker.longName,
    exchange: ticker.exchange,
    timezone: ticker.timezone,
    currency: ticker.currency,
  };
}

/** Epoch seconds of the latest US market close (20:00 UTC) at or before `now`. */
export function lastCloseTimestamp(now: Date): number {
  const todayClose = Math.floor(now.getTime() / DAY_MS) * DAY_MS + 20 * 3_600_000;
  const close = todayClose <= now.getTime() ? todayClose : todayClose - DAY_MS;
  return close / 1000;
}

/**
 * Daily open prices for the HISTORY_DAYS days ending today, keyed by the epoch
 * milliseconds of each day's UTC midnight. A day's price depends only on the
 * ticker and that date, so yesterday's point does not change tomorrow.
 */
export function historyFor(ticker: Ticker, now: Date): Record<string, number> {
  const base = Number(ticker.basePrice);
  const amplitude = waveAmplitude(ticker);
  const periodDays = 40 + 80 * unitFraction(ticker.symbol, 'period');
  const phase = 2 * Math.PI * unitFraction(ticker.symbol, 'phase');
  const today = Math.floor(now.getTime() / DAY_MS);

  const history: Record<string, number> = {};
  for (let day = today - HISTORY_DAYS + 1; day <= today; day += 1) {
    const wave = amplitude * Math.sin((2 * Math.PI * day) / periodDays + phase);
    const noise = 0.02 * (unitFraction(ticker.symbol, 'open', day) - 0.5);
    history[String(day * DAY_MS)] = roundTo(base * (1 + wave + noise), 2);
  }
  return history;
}
