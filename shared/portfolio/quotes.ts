import { Decimal, MAX_AMOUNT } from '../money/decimal';
import { mlBadResponse } from '../ml/errors';
import { mlClient } from '../ml/service';
import { quotePrice } from './money';

/**
 * How far the price a purchase body carries (`statistics.current_price`, what
 * advice showed) may be from the investment service's quote at the moment of
 * purchase: 2 % of the quote, either way. The purchase always buys at the
 * quote — never at a price the client names, or buying at 0.01 and selling at
 * the real price would create money — and the body's price only tells stale
 * advice apart: past this tolerance the purchase is refused (409
 * `price_changed`) so the user sees the new prices before paying them. 2 % is
 * wider than a quote's usual drift in the minutes between advice and purchase
 * and far narrower than any price a client could profit from naming.
 */
export const PRICE_TOLERANCE = new Decimal('0.02');

/** Whether `shown` differs from `quote` by more than PRICE_TOLERANCE of the quote. */
export function priceMoved(shown: Decimal, quote: Decimal): boolean {
  return shown.minus(quote).abs().greaterThan(quote.times(PRICE_TOLERANCE));
}

/**
 * The price of each asset now, in cents (as a sale rounds it), fetched
 * concurrently, once per asset. Every quote must arrive: one failure fails
 * the whole call with its 502/503/504, before the caller writes anything.
 *
 * "Now" is at most ML_QUOTE_MAX_AGE_MS (1 s) ago: a quote another purchase
 * asked for within that second is shared, answered or still on its way
 * (getQuotes). A purchase trades at a price no more than a second old, never
 * at one the client names, and purchases arriving together cost the service,
 * and this instance, one call per asset instead of one each.
 */
export async function quotesFor(assetNames: Iterable<string>): Promise<Map<string, Decimal>> {
  const stats = await mlClient().getQuotes([...assetNames]);
  return new Map([...stats].map(([name, stat]) => [name, quotePrice(stat.current_price)] as const));
}

/**
 * A quote a purchase can store as price_per_unit: at least 0.01 (a sale
 * divides by it) and within DECIMAL(17,2). Anything else is a bad answer of
 * the service (502), not the client's fault.
 */
export function buyablePrice(assetName: string, quote: Decimal): Decimal {
  if (quote.lessThan('0.01') || quote.greaterThan(MAX_AMOUNT)) {
    throw mlBadResponse(new Error(`stat/: ${assetName} quoted at ${quote.toFixed(2)}, which cannot be bought`));
  }
  return quote;
}
