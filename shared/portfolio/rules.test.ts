import { Decimal } from '../money/decimal';
import { ApiError } from '../core/errors';
import { centsText, currentValue, profit, saleProceeds, signed } from './money';
import { buyablePrice, priceMoved, PRICE_TOLERANCE } from './quotes';
import { riskAversionFor, riskLevelOf } from './risk';
import { shortVolume } from './volume';
import { investingSum, payingWallet } from './paying-wallet';

const d = (value: string) => new Decimal(value);

describe('sale of a portfolio', () => {
  // The worked example: 1230.00 and 500.00 invested, −30.00 and −10.00 profit, 1690.00 credited.
  const sales = [
    { holding: { overallSum: d('1230.00'), pricePerUnit: d('123.00') }, currentPrice: d('120.00') },
    { holding: { overallSum: d('500.00'), pricePerUnit: d('50.00') }, currentPrice: d('49.00') },
  ];

  it('credits Σ overall_sum + Σ profit', () => {
    expect(sales.map(({ holding, currentPrice }) => profit(holding, currentPrice).toFixed(2))).toEqual(['-30.00', '-10.00']);
    expect(saleProceeds(sales).toFixed(2)).toBe('1690.00');
  });

  it('rounds each holding to the cent, half up, so the credit is the sum of what GET /assets/ shows', () => {
    const holding = { overallSum: d('100.00'), pricePerUnit: d('3.00') };
    expect(currentValue(holding, d('3.01')).toFixed(2)).toBe('100.33'); // 100.3333…
    expect(currentValue({ overallSum: d('0.50'), pricePerUnit: d('2.00') }, d('2.02')).toFixed(2)).toBe('0.51'); // 0.505
    const three = Array(3).fill({ holding, currentPrice: d('3.01') });
    expect(saleProceeds(three).toFixed(2)).toBe('300.99'); // rounding once at the end would give 301.00
    expect(saleProceeds([]).toFixed(2)).toBe('0.00');
  });
});

describe('signed amounts', () => {
  it.each([
    [-1.2345, '1.23', '-'],
    [0.005, '0.01', '+'],
    [-0.004, '0.00', '+'],
    [0, '0.00', '+'],
    [12.5, '12.50', '+'],
  ])('%p → %s %s', (value, amount, direction) => {
    expect(signed(value)).toEqual({ amount, direction });
  });

  it('writes signed metrics without a negative zero', () => {
    expect([centsText(-0.001), centsText(-0.156), centsText(14.2)]).toEqual(['0.00', '-0.16', '14.20']);
  });
});

describe('risk level and risk aversion', () => {
  it.each([
    [49, '0.51'],
    [0, '1'],
    [100, '0'],
    [50, '0.5'],
    [7, '0.93'],
  ])('risk level %p is sent as riskAversion=%s', (level, aversion) => {
    expect(riskAversionFor(level)).toBe(aversion);
  });

  it.each([
    [0.51, 49],
    [1, 0],
    [0, 100],
    [0.505, 50],
    [0.3333, 67],
  ])('riskAversion %p reads back as risk level %p', (aversion, level) => {
    expect(riskLevelOf(aversion)).toBe(level);
  });
});

describe('shortVolume', () => {
  it.each([
    [24452230, '24M'],
    [24552230, '25M'],
    [1520, '2K'],
    [1499, '1K'],
    [999, '999'],
    [0, '0'],
    [999_999, '1M'],
    [999_499, '999K'],
    [3_200_000_000, '3B'],
    [7.2e15, '7200T'],
  ])('%p → %s', (volume, short) => {
    expect(shortVolume(volume)).toBe(short);
  });

  it('keeps an unknown volume unknown', () => {
    expect(shortVolume(null)).toBeNull();
  });
});

describe('paying wallet', () => {
  const wallets = [
    { id: 'a', balance: d('1281.99') },
    { id: 'b', balance: d('1950.50') },
    { id: 'c', balance: d('1950.50') },
    { id: 'd', balance: d('0.00') },
  ];

  it('is the largest balance among those holding the amount, the first of equals', () => {
    expect(payingWallet(wallets, d('100.00'))?.id).toBe('b');
    expect(payingWallet(wallets, d('1950.50'))?.id).toBe('b');
    expect(payingWallet(wallets, d('1950.51'))).toBeUndefined();
    expect(payingWallet([], d('0.01'))).toBeUndefined();
  });

  it('gives advice the largest balance by default, and refuses what no wallet holds', () => {
    expect(investingSum(wallets, undefined).toFixed(2)).toBe('1950.50');
    expect(investingSum(wallets, d('10.00')).toFixed(2)).toBe('10.00');
    const refusal = (call: () => unknown) => {
      try {
        call();
      } catch (error) {
        return error instanceof ApiError ? [error.status, error.code, error.details.map((detail) => detail.field)] : error;
      }
      return 'no error';
    };
    expect(refusal(() => investingSum(wallets, d('1950.51')))).toEqual([400, 'insufficient_funds', ['investing_sum']]);
    expect(refusal(() => investingSum([], undefined))).toEqual([400, 'no_wallet', []]);
    expect(refusal(() => investingSum([{ id: 'x', balance: d('0') }], d('1')))).toEqual([400, 'wallets_empty', []]);
  });
});

describe('the price a purchase body carries', () => {
  it('may differ from the quote by up to 2 % of the quote, either way', () => {
    expect(PRICE_TOLERANCE.toString()).toBe('0.02');
    expect(priceMoved(d('102.00'), d('100.00'))).toBe(false);
    expect(priceMoved(d('98.00'), d('100.00'))).toBe(false);
    expect(priceMoved(d('102.01'), d('100.00'))).toBe(true);
    expect(priceMoved(d('97.99'), d('100.00'))).toBe(true);
    expect(priceMoved(d('0.01'), d('149.00'))).toBe(true);
  });

  it('is bought only at a quote a DECIMAL(17,2) price can hold and a sale can divide by; else the service answered badly', () => {
    expect(buyablePrice('AAPL', d('0.01')).toFixed(2)).toBe('0.01');
    for (const quote of ['0.00', '1000000000000000.00']) {
      try {
        buyablePrice('AAPL', d(quote));
        throw new Error('no error');
      } catch (error) {
        expect(error).toMatchObject({ status: 502, code: 'ml_bad_response' });
      }
    }
  });
});
