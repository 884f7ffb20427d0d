import { recommendPortfolio } from '../../scripts/ml-standin/portfolio';
import { Decimal } from '../money/decimal';
import { adviceParts, allocate, percentParts, roundedParts, splitCents } from './apportion';

const sum = (values: number[]) => values.reduce((total, value) => total + value, 0);
const halfUp = (weight: number) => new Decimal(weight).times(100).toDecimalPlaces(0, Decimal.ROUND_HALF_UP).toNumber();
const floorOrCeil = (weights: number[], parts: number[]) =>
  parts.every((part, i) => part === Math.floor(new Decimal(weights[i]).times(100).toNumber()) || part === new Decimal(weights[i]).times(100).ceil().toNumber());

describe('percentParts', () => {
  it('keeps plain rounding when it already adds up to 100', () => {
    expect(percentParts([0.3, 0.25, 0.2, 0.15, 0.1])).toEqual([30, 25, 20, 15, 10]);
    expect(percentParts([0.494, 0.336, 0.166, 0.004])).toEqual([49, 34, 17, 0]);
  });

  it('adds up to 100 where plain rounding gives 98', () => {
    const weights = [0.334, 0.334, 0.332]; // round: 33 + 33 + 33 = 99
    expect(sum(weights.map(halfUp))).toBe(99);
    expect(percentParts(weights)).toEqual([34, 33, 33]);
    const drifting = [0.124, 0.124, 0.124, 0.124, 0.124, 0.38]; // round: 5 × 12 + 38 = 98
    expect(sum(drifting.map(halfUp))).toBe(98);
    expect(percentParts(drifting)).toEqual([13, 13, 12, 12, 12, 38]);
  });

  it('adds up to 100 where plain rounding gives 103', () => {
    const weights = [0.175, 0.165, 0.165, 0.165, 0.165, 0.165]; // round: 18 + 5 × 17 = 103
    expect(sum(weights.map(halfUp))).toBe(103);
    const parts = percentParts(weights);
    expect(parts).toEqual([18, 17, 17, 16, 16, 16]);
    expect(floorOrCeil(weights, parts)).toBe(true);
  });

  it('scales weights that are off by a whole point before rounding', () => {
    expect(percentParts([0.5, 0.49])).toEqual([51, 49]);
    expect(percentParts([0.51, 0.5])).toEqual([50, 50]);
  });

  it('over every stand-in answer: adds up to 100, floor or ceiling each, and plain rounding whenever that adds up', () => {
    let drifted = 0;
    for (const uuid of ['user-0000000000000001', 'user-0000000000000501', 'user-0000000000000999']) {
      for (let level = 0; level <= 100; level += 1) {
        const weights = Object.values(recommendPortfolio(uuid, 1 - level / 100).portfolioComposition).map(({ weight }) => weight);
        const parts = percentParts(weights);
        expect(sum(parts)).toBe(100);
        expect(floorOrCeil(weights, parts)).toBe(true);
        if (sum(weights.map(halfUp)) === 100) expect(parts).toEqual(weights.map(halfUp));
        else drifted += 1;
      }
    }
    expect(drifted).toBeGreaterThan(50); // the case this exists for is common
  });

  it('refuses weights that add up to nothing', () => {
    expect(() => percentParts([0, 0])).toThrow(/more than zero/);
  });
});

describe('splitCents', () => {
  it('splits to the cent and adds up exactly', () => {
    expect(splitCents(new Decimal('100.00'), [34, 33, 33]).map(String)).toEqual(['34', '33', '33']);
    expect(splitCents(new Decimal('100.00'), [1, 1, 1]).map((d) => d.toFixed(2))).toEqual(['33.34', '33.33', '33.33']);
    // Rounding each half-up would give 292.58, 253.57, 214.56, 214.56: 1950.52 in all.
    const sums = splitCents(new Decimal('1950.50'), [18, 15, 13, 12, 11, 11, 10, 10]);
    expect(sums.map((d) => d.toFixed(2))).toEqual(['351.09', '292.58', '253.57', '234.06', '214.55', '214.55', '195.05', '195.05']);
    expect(Decimal.sum(...sums).toFixed(2)).toBe('1950.50');
  });

  it('treats parts adding up to 99 or 101 as shares of their sum', () => {
    expect(splitCents(new Decimal('99.00'), [50, 49]).map((d) => d.toFixed(2))).toEqual(['50.00', '49.00']);
    expect(splitCents(new Decimal('1000.00'), [51, 50]).map((d) => d.toFixed(2))).toEqual(['504.95', '495.05']);
  });

  it('never goes below zero, even for a few cents over many parts', () => {
    const sums = splitCents(new Decimal('0.10'), Array(20).fill(5));
    expect(sums.filter((d) => d.equals('0.01'))).toHaveLength(10);
    expect(sums.filter((d) => d.isZero())).toHaveLength(10);
  });
});

describe('allocate', () => {
  it('drops zero parts, orders by part then name, and splits the total', () => {
    const assets = allocate(
      [
        { assetName: 'MSFT', part: 25 },
        { assetName: 'TSLA', part: 0 },
        { assetName: 'AAPL', part: 25 },
        { assetName: 'SPY', part: 50 },
      ],
      new Decimal('0.02'),
    );
    expect(assets.map(({ assetName, overallSum }) => [assetName, overallSum.toFixed(2)])).toEqual([
      ['SPY', '0.01'],
      ['AAPL', '0.01'],
      ['MSFT', '0.00'],
    ]);
  });
});

describe('roundedParts and adviceParts (SPEC §3: round(weight × 100))', () => {
  it('rounds each weight half up while the parts add up to 100 ± 1', () => {
    expect(roundedParts([0.3, 0.25, 0.2, 0.15, 0.1])).toEqual([30, 25, 20, 15, 10]);
    expect(roundedParts([0.334, 0.334, 0.332])).toEqual([33, 33, 33]); // 99: kept
    expect(roundedParts([0.505, 0.495])).toEqual([51, 50]); // 101: kept
  });

  it('falls back to largest remainder, adding up to exactly 100, only beyond ± 1', () => {
    const drifting = [0.124, 0.124, 0.124, 0.124, 0.124, 0.38]; // round: 5 × 12 + 38 = 98
    expect(roundedParts(drifting)).toEqual([13, 13, 12, 12, 12, 38]);
    const over = [0.175, 0.165, 0.165, 0.165, 0.165, 0.165]; // round: 18 + 5 × 17 = 103
    expect(roundedParts(over)).toEqual([18, 17, 17, 16, 16, 16]);
  });

  it('leaves out the tickers whose part rounds to 0, and keeps SPEC rounding for the others', () => {
    const tickers = [
      { assetName: 'AAPL', weight: 0.494 },
      { assetName: 'MSFT', weight: 0.336 },
      { assetName: 'TSLA', weight: 0.004 },
      { assetName: 'V', weight: 0.166 },
      { assetName: 'C', weight: 0 },
    ];
    expect(adviceParts(tickers).map(({ assetName, part }) => [assetName, part])).toEqual([
      ['AAPL', 49],
      ['MSFT', 34],
      ['V', 17],
    ]);
  });

  it('over every stand-in answer: SPEC rounding whenever it is within ± 1 of 100, else exactly 100, never a 0', () => {
    const halfUpOf = (weight: number) => new Decimal(weight).times(100).toDecimalPlaces(0, Decimal.ROUND_HALF_UP).toNumber();
    let fallbacks = 0;
    for (const uuid of ['user-0000000000000001', 'user-0000000000000501', 'user-0000000000000999']) {
      for (let level = 0; level <= 100; level += 1) {
        const tickers = Object.entries(recommendPortfolio(uuid, 1 - level / 100).portfolioComposition).map(([assetName, { weight }]) => ({
          assetName,
          weight,
        }));
        const rounded = tickers.filter(({ weight }) => halfUpOf(weight) > 0);
        const roundedTotal = sum(rounded.map(({ weight }) => halfUpOf(weight)));
        const parts = adviceParts(tickers);
        expect(parts.every(({ part }) => part > 0)).toBe(true);
        if (Math.abs(roundedTotal - 100) <= 1) {
          expect(parts.map(({ assetName, part }) => [assetName, part])).toEqual(rounded.map(({ assetName, weight }) => [assetName, halfUpOf(weight)]));
        } else {
          fallbacks += 1;
          expect(sum(parts.map(({ part }) => part))).toBe(100);
        }
      }
    }
    expect(fallbacks).toBeGreaterThan(10); // the stand-in exercises the fallback
  });
});
