import { Decimal } from '../money/decimal';

/**
 * The API speaks of a risk level 0–100; the ML service of a risk aversion
 * 0–1 (SPEC §3). Computed in decimals so 49 becomes exactly "0.51".
 */
export function riskAversionFor(riskLevel: number): string {
  return new Decimal(100).minus(riskLevel).dividedBy(100).toString();
}

/** round((1 − riskAversion) × 100), half-up, from the aversion the service echoes. */
export function riskLevelOf(riskAversion: number): number {
  return new Decimal(1).minus(riskAversion).times(100).toDecimalPlaces(0, Decimal.ROUND_HALF_UP).toNumber();
}
