import { holdingStatistics, quoteStatistics } from './statistics';
import { Decimal } from '../money/decimal';

describe('quoteStatistics', () => {
  const stat = { current_price: 148.925, change_for_day: -0.004, long_name: 'Apple Inc.' };

  it('shows a quote to the cent, with the change as an amount and a direction', () => {
    expect(quoteStatistics(stat)).toEqual({ long_name: 'Apple Inc.', current_price: '148.93', change_for_day: '0.00', change_for_day_direction: '+' });
    expect(quoteStatistics({ ...stat, change_for_day: -1.256 })).toMatchObject({ change_for_day: '1.26', change_for_day_direction: '-' });
  });

  it('formats a shared quote once: the same frozen object for every request that shows it', () => {
    const first = quoteStatistics(stat);
    expect(quoteStatistics(stat)).toBe(first);
    expect(Object.isFrozen(first)).toBe(true);
    const holding = holdingStatistics(stat, { overallSum: new Decimal('100.00'), pricePerUnit: new Decimal('140.00') });
    expect(holding).toMatchObject({ ...first, profit: '6.38', profit_direction: '+' });
  });
});
