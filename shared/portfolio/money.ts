import { Decimal, toCents } from '../money/decimal';

/**
 * Money rules of a portfolio. The ML service quotes prices and percentages as
 * floats; they become decimals rounded half-up to cents before any
 * arithmetic, so what a user is shown is what the sums are made of.
 */
export type Direction = '+' | '-';

/** An amount as SPEC §3 shows it: absolute 2-decimal text plus a direction ("+" for zero). */
export function signed(value: Decimal.Value): { amount: string; direction: Direction } {
  const cents = toCents(value);
  return { amount: cents.abs().toFixed(2), direction: cents.isNegative() && !cents.isZero() ? '-' : '+' };
}

/** A signed 2-decimal text (metrics such as a negative Sharpe ratio); never "-0.00". */
export function centsText(value: Decimal.Value): string {
  const cents = toCents(value);
  return cents.isZero() ? '0.00' : cents.toFixed(2);
}

export interface Holding {
  overallSum: Decimal;
  pricePerUnit: Decimal;
}

/**
 * What a holding fetches at `currentPrice`: overall_sum × current_price /
 * price_per_unit, rounded half-up to the cent per holding. Rounding per
 * holding (not once over the sum) makes a sale credit exactly the sum of the
 * values GET /assets/ showed, at the cost of up to half a cent per holding
 * against rounding once at the end.
 */
export function currentValue(holding: Holding, currentPrice: Decimal): Decimal {
  return toCents(holding.overallSum.times(currentPrice).dividedBy(holding.pricePerUnit));
}

/** SPEC §3: profit = overall_sum × (current_price / price_per_unit − 1), to the cent. */
export function profit(holding: Holding, currentPrice: Decimal): Decimal {
  return currentValue(holding, currentPrice).minus(holding.overallSum);
}

/** SPEC §3: selling credits Σ overall_sum + Σ profit, i.e. the sum of the holdings' current values. */
export function saleProceeds(sales: ReadonlyArray<{ holding: Holding; currentPrice: Decimal }>): Decimal {
  return sales.reduce((total, { holding, currentPrice }) => total.plus(currentValue(holding, currentPrice)), new Decimal(0));
}

/** A quoted price as money. */
export const quotePrice = (price: number): Decimal => toCents(price);
