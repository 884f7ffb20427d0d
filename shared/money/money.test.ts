import { jsonNumber } from './json-number';
import { moneySchema } from './decimal';

describe('jsonNumber', () => {
  it('is written by JSON.stringify as the exact decimal, a JSON number', () => {
    expect(JSON.stringify({ balance: jsonNumber('1650'), list: [jsonNumber('0.30')], neg: jsonNumber('-12.5') })).toBe(
      '{"balance":1650.00,"list":[0.30],"neg":-12.50}',
    );
  });
});

describe('moneySchema', () => {
  const schema = moneySchema();
  it.each([
    [0.01, '0.01'],
    ['0.10', '0.10'],
    [1000000, '1000000.00'],
    ['12.5', '12.50'],
    [0.3, '0.30'],
  ])('accepts %p as %s', (input, expected) => {
    expect(schema.parse(input).toFixed(2)).toBe(expected);
  });

  it.each([0, 0.001, -1, '-1', '1e3', 'abc', 1000000.01, '', null, true, 0.1 + 0.2, Infinity])('rejects %p', (input) => {
    expect(schema.safeParse(input).success).toBe(false);
  });

  it('takes signed amounts when the bounds allow them', () => {
    expect(moneySchema({ min: '-100', max: '100' }).parse('-14.2').toFixed(2)).toBe('-14.20');
  });

  it('asks for a string when a JSON number is too large to carry its cents', () => {
    const wide = moneySchema({ max: '999999999999999.99' });
    // eslint-disable-next-line no-loss-of-precision -- the point: this literal cannot carry its cents
    const result = wide.safeParse(500000000000000.01);
    expect(result.success).toBe(false);
    expect(result.error?.issues[0].message).toMatch(/must be sent as a decimal string/);
    expect(wide.parse('500000000000000.01').toFixed(2)).toBe('500000000000000.01');
    expect(wide.parse(9999999999999.99).toFixed(2)).toBe('9999999999999.99');
  });
});
