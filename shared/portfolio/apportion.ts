import { Decimal } from '../money/decimal';

const sumOf = (values: readonly Decimal[]) => values.reduce((total, value) => total.plus(value), new Decimal(0));

/**
 * Whole units (percentage points, cents) that add up to an exact total.
 * Rounding each share on its own does not: a real optimiser's weights can
 * round to 98 % or 103 %, and three thirds of 100.00 round to 99.99. Largest
 * remainder keeps each share the floor or the ceiling of its exact value and
 * gives the ceilings to the largest fractional remainders (the earlier share
 * first among equals), so wherever plain half-up rounding already adds up, it
 * is what comes out.
 */
function largestRemainder(exact: readonly Decimal[], total: Decimal): Decimal[] | undefined {
  const floors = exact.map((value) => value.floor());
  const missing = total.minus(sumOf(floors)).toNumber();
  const byRemainder = exact
    .map((value, index) => ({ index, remainder: value.minus(floors[index]) }))
    .filter(({ remainder }) => remainder.isPositive() && !remainder.isZero())
    .sort((a, b) => b.remainder.comparedTo(a.remainder) || a.index - b.index);
  if (missing < 0 || missing > byRemainder.length) return undefined;
  for (const { index } of byRemainder.slice(0, missing)) floors[index] = floors[index].plus(1);
  return floors;
}

function proportional(values: readonly Decimal[], total: Decimal): Decimal[] {
  const sum = sumOf(values);
  if (!sum.isPositive() || sum.isZero()) throw new Error('apportion: the shares must add up to more than zero');
  return values.map((value) => value.times(total).dividedBy(sum));
}

/**
 * `part_of_portfolio` from weights that add up to about 1: whole percentages
 * adding up to exactly 100, each the floor or ceiling of weight × 100. Only
 * when that is impossible (weights off by a whole point) are the weights first
 * scaled to add up to 1.
 */
export function percentParts(weights: readonly Decimal.Value[]): number[] {
  const hundred = new Decimal(100);
  const exact = weights.map((weight) => new Decimal(weight).times(100));
  const parts = largestRemainder(exact, hundred) ?? largestRemainder(proportional(exact, hundred), hundred);
  // Scaled to add up to 100, every floor/ceiling choice is feasible.
  return parts!.map((part) => part.toNumber());
}

/** How far the parts of a portfolio may add up from 100 and still be bought: rounded percentages may give 99 or 101. */
export const PART_TOLERANCE = 1;

/** SPEC §3's part of one weight: weight × 100 rounded half up. */
const halfUpPercent = (weight: Decimal.Value) => new Decimal(weight).times(100).toDecimalPlaces(0, Decimal.ROUND_HALF_UP).toNumber();

/** `rounded` (each weight's halfUpPercent) when they add up to 100 ± PART_TOLERANCE, else the weights' percentParts. */
function partsOrFallback(weights: readonly Decimal.Value[], rounded: number[]): number[] {
  const total = rounded.reduce((sum, part) => sum + part, 0);
  return Math.abs(total - 100) <= PART_TOLERANCE ? rounded : percentParts(weights);
}

/**
 * Whole percentages of weights that add up to about 1, as SPEC §3 rounds
 * them: each weight × 100 rounded half up. Those add up to 100 ± PART_TOLERANCE
 * in the usual case, which a purchase accepts. Only when they do not (many
 * small weights can round to 97 or 103 between them) are they recomputed by
 * largest remainder (`percentParts`) to add up to exactly 100: each the floor
 * or the ceiling of weight × 100 where that can reach 100, else of the weights
 * scaled up to fill 100 (when the dropped tickers held a noticeable share).
 */
export function roundedParts(weights: readonly Decimal.Value[]): number[] {
  return partsOrFallback(weights, weights.map(halfUpPercent));
}

/**
 * Advice's `part_of_portfolio` for each ticker (SPEC §3): tickers whose
 * weight × 100 rounds to 0 are left out, the others get `roundedParts` of
 * their weights, so the advice can always be bought. A ticker the
 * largest-remainder fallback leaves at 0 is left out too.
 */
export function adviceParts<A extends { weight: Decimal.Value }>(tickers: readonly A[]): Array<A & { part: number }> {
  // Every advice request rounds the service's 27 weights, many of them 0: each is rounded once, a 0 without decimals.
  const rounded = tickers.map(({ weight }) => (weight === 0 ? 0 : halfUpPercent(weight)));
  const kept = tickers.filter((_, index) => rounded[index] > 0);
  const parts = partsOrFallback(
    kept.map(({ weight }) => weight),
    rounded.filter((part) => part > 0),
  );
  return kept.map((ticker, index) => ({ ...ticker, part: parts[index] })).filter(({ part }) => part > 0);
}

/**
 * `total` split into cents in proportion to `parts`, adding up to `total`
 * exactly: what a wallet is debited is what the bought assets are worth.
 * Parts adding up to 99 or 101 (rounded percentages) are shares of their sum.
 */
export function splitCents(total: Decimal, parts: readonly number[]): Decimal[] {
  const cents = total.times(100);
  const shares = largestRemainder(
    proportional(
      parts.map((part) => new Decimal(part)),
      cents,
    ),
    cents,
  );
  return shares!.map((share) => share.dividedBy(100));
}

/**
 * The tie-break wherever a portfolio's assets are listed: by ticker, in code
 * point order (not locale order), so every endpoint lists equal parts alike.
 */
export function compareAssetNames(a: { assetName: string }, b: { assetName: string }): number {
  return a.assetName < b.assetName ? -1 : a.assetName > b.assetName ? 1 : 0;
}

/**
 * The assets of a portfolio worth `total`: parts of 0 dropped, the largest
 * part first (then by name), each with its share of `total` to the cent.
 * The order decides which asset gets a leftover cent. A purchase stores these
 * sums, which add up to exactly what the wallet is debited; advice shows each
 * part rounded on its own (SPEC §3), so the two may differ by a cent.
 */
export function allocate<A extends { assetName: string; part: number }>(assets: readonly A[], total: Decimal): Array<A & { overallSum: Decimal }> {
  const held = assets.filter(({ part }) => part > 0).sort((a, b) => b.part - a.part || compareAssetNames(a, b));
  const sums = splitCents(
    total,
    held.map(({ part }) => part),
  );
  return held.map((asset, index) => ({ ...asset, overallSum: sums[index] }));
}
