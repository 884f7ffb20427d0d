import type { Stat } from '../ml/schemas';
import { profit, quotePrice, signed, type Holding } from './money';

function formatQuote(stat: Stat) {
  const change = signed(stat.change_for_day);
  return {
    long_name: stat.long_name,
    current_price: quotePrice(stat.current_price).toFixed(2),
    change_for_day: change.amount,
    change_for_day_direction: change.direction,
  };
}

// A quote is one object shared by every request within ML_STAT_TTL_MS
// (shared/ml/client), so its decimal formatting is done once, not per request.
const formatted = new WeakMap<Stat, Readonly<ReturnType<typeof formatQuote>>>();

/** An ML `/stat/` answer as advice shows it (SPEC §3). */
export function quoteStatistics(stat: Stat): Readonly<ReturnType<typeof formatQuote>> {
  let statistics = formatted.get(stat);
  if (!statistics) {
    statistics = Object.freeze(formatQuote(stat));
    formatted.set(stat, statistics);
  }
  return statistics;
}

/** The same for an asset the user holds, with its profit (SPEC §3, GET /assets/). */
export function holdingStatistics(stat: Stat, holding: Holding) {
  const gain = signed(profit(holding, quotePrice(stat.current_price)));
  return { ...quoteStatistics(stat), profit: gain.amount, profit_direction: gain.direction };
}
