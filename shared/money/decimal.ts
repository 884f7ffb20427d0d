import { Decimal } from '@prisma/client/runtime/client';
import { z } from 'zod';

export { Decimal };

/**
 * Money crosses the API as a JSON number or a decimal string and lives as a
 * Decimal from there on: a JavaScript float never carries an amount.
 */
const MONEY_TEXT = /^\d{1,15}(\.\d{1,2})?$/;

function moneyText(value: unknown): string | undefined {
  if (typeof value === 'string') return value.trim();
  // String(n) is the shortest text that reads back as n: 0.1 gives "0.1", not 0.1000000000000000055…
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}

export interface MoneyBounds {
  min?: string;
  max?: string;
}

export function moneySchema({ min = '0.01', max = '1000000.00' }: MoneyBounds = {}) {
  return z
    .union([z.number(), z.string()], { error: 'must be a decimal number' })
    .transform((value, ctx) => {
      const text = moneyText(value);
      if (text === undefined || !MONEY_TEXT.test(text)) {
        ctx.addIssue({ code: 'custom', message: 'must be a decimal number with at most 2 decimal places' });
        return z.NEVER;
      }
      const amount = new Decimal(text);
      if (amount.lessThan(min)) {
        ctx.addIssue({ code: 'custom', message: `must be at least ${min}` });
        return z.NEVER;
      }
      if (amount.greaterThan(max)) {
        ctx.addIssue({ code: 'custom', message: `must be at most ${max}` });
        return z.NEVER;
      }
      return amount;
    });
}

/** `"340.00"`: the API's money-as-string fields. */
export function moneyString(amount: Decimal.Value): string {
  return new Decimal(amount).toFixed(2);
}

/** Rounds half away from zero to cents, as a bank statement would. */
export function toCents(amount: Decimal.Value): Decimal {
  return new Decimal(amount).toDecimalPlaces(2, Decimal.ROUND_HALF_UP);
}
