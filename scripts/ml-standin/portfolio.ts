import { TICKERS } from '../../shared/ml/tickers';
import { unitFraction } from './deterministic';

/**
 * A stand-in for the service's optimiser: not finance, just an answer with the
 * properties callers depend on — weights over every ticker that sum to 1, some
 * exactly zero, concentrated in high-return tickers at riskAversion 0 and
 * spread over low-volatility ones at riskAversion 1.
 */

/** Weights below this are dropped to exactly 0, as a real optimiser's clean-up does. */
const MIN_WEIGHT = 0.02;
const BASIS_POINTS = 10_000;
/** One correlation for every pair: enough to make diversification lower volatility. */
const CORRELATION = 0.3;
const RISK_FREE_RATE = 2;

export interface PortfolioAnswer {
  portfolioComposition: Record<string, { weight: number; expectedReturn: number; expectedVolatility: number }>;
  portfolioMetrics: { expectedReturn: number; annualVolatility: number; sharpeRatio: number };
  riskAversion: number;
}

const returns = TICKERS.map((ticker) => ticker.expectedReturn);
const volatilities = TICKERS.map((ticker) => ticker.expectedVolatility);
const normalise = (value: number, all: number[]) => (value - Math.min(...all)) / (Math.max(...all) - Math.min(...all));

function rawWeights(mlUuid: string, riskAversion: number): number[] {
  // Low aversion: sharp preference for return. High aversion: gentle preference for calm.
  const sharpness = 14 - 8 * riskAversion;
  const scores = TICKERS.map((ticker) => {
    const preference =
      (1 - riskAversion) * normalise(ticker.expectedReturn, returns) +
      riskAversion * (1 - normalise(ticker.expectedVolatility, volatilities));
    // Each user gets a slightly different, but stable, portfolio.
    const personalTilt = 0.04 * (unitFraction(mlUuid, ticker.symbol) - 0.5);
    return Math.exp(sharpness * (preference + personalTilt));
  });
  const total = scores.reduce((sum, score) => sum + score, 0);
  return scores.map((score) => score / total);
}

/** Integer percentages summing to exactly 100, each the floor or ceiling of its share. */
function largestRemainder(percents: number[]): number[] {
  const parts = percents.map(Math.floor);
  let missing = 100 - parts.reduce((sum, part) => sum + part, 0);
  const byRemainder = percents
    .map((percent, index) => ({ index, remainder: percent - Math.floor(percent) }))
    .filter(({ remainder }) => remainder > 0)
    .sort((a, b) => b.remainder - a.remainder);
  for (const { index } of byRemainder) {
    if (missing === 0) break;
    parts[index] += 1;
    missing -= 1;
  }
  return parts;
}

/**
 * Drops small weights and expresses the rest in basis points summing to 10 000.
 * Each weight is also kept where `round(weight × 100)` gives its largest-remainder
 * percentage: the advice endpoint shows those percentages and the purchase
 * endpoint requires them to add up to 100, so the demo flow must not drift.
 */
function cleanWeights(weights: number[]): number[] {
  const kept = weights.map((weight) => (weight < MIN_WEIGHT ? 0 : weight));
  const keptTotal = kept.reduce((sum, weight) => sum + weight, 0);
  const parts = largestRemainder(kept.map((weight) => (weight / keptTotal) * 100));
  const band = (index: number) => [parts[index] * 100 - 49, parts[index] * 100 + 49];
  const basisPoints = kept.map((weight, index) => {
    if (parts[index] === 0) return 0;
    const [low, high] = band(index);
    return Math.min(high, Math.max(low, Math.round((weight / keptTotal) * BASIS_POINTS)));
  });
  // The band centres add up to exactly 10 000, so nudging one basis point at a time always gets there.
  let missing = BASIS_POINTS - basisPoints.reduce((sum, bp) => sum + bp, 0);
  while (missing !== 0) {
    const step = Math.sign(missing);
    const index = basisPoints.findIndex((bp, i) => parts[i] > 0 && Math.abs(bp + step - parts[i] * 100) <= 49);
    basisPoints[index] += step;
    missing -= step;
  }
  return basisPoints.map((bp) => bp / BASIS_POINTS);
}

export function recommendPortfolio(mlUuid: string, riskAversion: number): PortfolioAnswer {
  const weights = cleanWeights(rawWeights(mlUuid, riskAversion));

  let expectedReturn = 0;
  let variance = 0;
  weights.forEach((weightI, i) => {
    expectedReturn += weightI * returns[i];
    weights.forEach((weightJ, j) => {
      variance += weightI * weightJ * volatilities[i] * volatilities[j] * (i === j ? 1 : CORRELATION);
    });
  });
  const annualVolatility = Math.sqrt(variance);

  return {
    portfolioComposition: Object.fromEntries(
      TICKERS.map((ticker, i) => [
        ticker.symbol,
        { weight: weights[i], expectedReturn: ticker.expectedReturn, expectedVolatility: ticker.expectedVolatility },
      ]),
    ),
    portfolioMetrics: {
      expectedReturn,
      annualVolatility,
      sharpeRatio: (expectedReturn - RISK_FREE_RATE) / annualVolatility,
    },
    riskAversion,
  };
}
