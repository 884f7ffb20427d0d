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
    const preference = (1 - riskAversion) * normalise(ticker.expectedReturn, returns) + riskAversion * (1 - normalise(ticker.expectedVolatility, volatilities));
    // Each user gets a slightly different, but stable, portfolio.
    const personalTilt = 0.04 * (unitFraction(mlUuid, ticker.symbol) - 0.5);
    return Math.exp(sharpness * (preference + personalTilt));
  });
  const total = scores.reduce((sum, score) => sum + score, 0);
  return scores.map((score) => score / total);
}

/**
 * Drops small weights and expresses the rest in basis points summing to 10 000,
 * the rounding difference going to the largest weight. Like a real optimiser's
 * output, `round(weight × 100)` does not always add up to 100: callers must
 * round the percentages themselves (see shared/portfolio/apportion.ts).
 */
function cleanWeights(weights: number[]): number[] {
  const kept = weights.map((weight) => (weight < MIN_WEIGHT ? 0 : weight));
  const keptTotal = kept.reduce((sum, weight) => sum + weight, 0);
  const basisPoints = kept.map((weight) => Math.round((weight / keptTotal) * BASIS_POINTS));
  const largest = basisPoints.indexOf(Math.max(...basisPoints));
  basisPoints[largest] += BASIS_POINTS - basisPoints.reduce((sum, bp) => sum + bp, 0);
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
      TICKERS.map((ticker, i) => [ticker.symbol, { weight: weights[i], expectedReturn: ticker.expectedReturn, expectedVolatility: ticker.expectedVolatility }]),
    ),
    portfolioMetrics: {
      expectedReturn,
      annualVolatility,
      sharpeRatio: (expectedReturn - RISK_FREE_RATE) / annualVolatility,
    },
    riskAversion,
  };
}
