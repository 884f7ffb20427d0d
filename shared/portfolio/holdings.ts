import { Decimal } from '../money/decimal';
import { compareAssetNames, roundedParts } from './apportion';
import { centsText, type Holding } from './money';

/** A bought asset as stored. */
export interface StoredAsset extends Holding {
  assetName: string;
}

export interface StoredMetrics {
  rateOfReturn: Decimal;
  volatility: Decimal;
  valueAtRisk: Decimal;
}

/**
 * A portfolio as the API lists it: largest holding first, each with its whole
 * percentage of the invested sum (the sum of the holdings), rounded as advice
 * rounds weights (`roundedParts`). A purchase gives each asset its part's
 * share of the parts' sum, so these are the parts that were bought, also when
 * they added up to 99 or 101 (but for a part of 50 or more, which such a
 * share can round past).
 */
export function describeHoldings<A extends StoredAsset>(assets: readonly A[]) {
  const sorted = [...assets].sort((a, b) => b.overallSum.comparedTo(a.overallSum) || compareAssetNames(a, b));
  const investedSum = sorted.reduce((total, asset) => total.plus(asset.overallSum), new Decimal(0));
  const parts = roundedParts(sorted.map((asset) => asset.overallSum.dividedBy(investedSum)));
  return {
    investedSum,
    holdings: sorted.map((asset, index) => ({
      asset,
      row: { part_of_portfolio: parts[index], overall_sum: asset.overallSum.toFixed(2), asset_name: asset.assetName },
    })),
  };
}

export function describeMetrics(metrics: StoredMetrics) {
  return {
    rate_of_return: centsText(metrics.rateOfReturn),
    volatility: centsText(metrics.volatility),
    value_at_risk: centsText(metrics.valueAtRisk),
  };
}
