// decimal.js itself, the library Prisma's Decimal is: importing it through
// @prisma/client/runtime would load Prisma's whole runtime into functions that never use Prisma.
import Decimal from 'decimal.js';
import { z } from 'zod';

export { Decimal };

/** The largest amount a DECIMAL(17,2) column holds. */
export const MAX_AMOUNT = new Decimal('999999999999999.99');

/**
 * Money crosses the API as a JSON number or a decimal string and lives as a
 * Decimal from there on: a JavaScript float never carries an amount.
 */
const MONEY_TEXT = /^-?\d{1,15}(\.\d{1,2})?$/;

// A double keeps 15 significant digits exactly: 13 before the point and 2
// after. A larger JSON number may already have lost cents when it was parsed,
// so it must come as a decimal string instead.
const LARGEST_EXACT_NUMBER = 1e13;

type Parsed = { text: string } | { problem: string };

function moneyText(value: unknown): Parsed {
  if (typeof value === 'string') return { text: value.trim() };
  if (typeof value !== 'number' || !Number.isFinite(value)) return { problem: 'must be a decimal number' };
  if (Math.abs(value) >= LARGEST_EXACT_NUMBER) {
    return { problem: 'amounts of 10,000,000,000,000 or more must be sent as a decimal string' };
  }
  // String(n) is the shortest text that reads back as n: 0.1 gives "0.1", not 0.1000000000000000055…
  return { text: String(value) };
}

export interface MoneyBounds {
  /** Inclusive; default 0.01. */
  min?: Decimal.Value;
  /** Inclusive; default 1,000,000.00. */
  max?: Decimal.Value;
}

/** A decimal with at most 2 places, given as a JSON number or a string, within bounds. */
export function moneySchema({ min = '0.01', max = '1000000.00' }: MoneyBounds = {}) {
  const lowest = new Decimal(min);
  const highest = new Decimal(max);
  // The document states the rules the transform below enforces, from the same bounds (meta only documents).
  const largestNumber = new Decimal(LARGEST_EXACT_NUMBER).minus('0.01');
  const asNumber = z.number().meta({
    minimum: Decimal.max(lowest, largestNumber.negated()).toNumber(),
    maximum: Decimal.min(highest, largestNumber).toNumber(),
    multipleOf: 0.01,
  });
  const asText = z.string().meta({
    pattern: lowest.isNegative() ? MONEY_TEXT.source : MONEY_TEXT.source.replace('^-?', '^'),
    description: `a decimal from ${lowest.toFixed(2)} to ${highest.toFixed(2)}, at most 2 places`,
  });
  return z.union([asNumber, asText], { error: 'must be a decimal number' }).transform((value, ctx) => {
    const parsed = moneyText(value);
    if ('problem' in parsed) {
      ctx.addIssue({ code: 'custom', message: parsed.problem });
      return z.NEVER;
    }
    if (!MONEY_TEXT.test(parsed.text)) {
      ctx.addIssue({ code: 'custom', message: 'must be a decimal number with at most 2 decimal places' });
      return z.NEVER;
    }
    const amount = new Decimal(parsed.text);
    if (amount.lessThan(lowest)) {
      ctx.addIssue({ code: 'custom', message: `must be at least ${lowest.toFixed(2)}` });
      return z.NEVER;
    }
    if (amount.greaterThan(highest)) {
      ctx.addIssue({ code: 'custom', message: `must be at most ${highest.toFixed(2)}` });
      return z.NEVER;
    }
    return amount;
  });
}

/** Rounds half away from zero to cents, as a bank statement would. */
export function toCents(amount: Decimal.Value): Decimal {
  return new Decimal(amount).toDecimalPlaces(2, Decimal.ROUND_HALF_UP);
}

/**
 * Amounts in answers, in the two forms SPEC §2 keeps for the old clients,
 * named so a generated client types every amount alike. Both carry the exact
 * decimal with 2 places; which form a field takes is fixed per field.
 */
export const moneyNumber = z.number().meta({
  id: 'MoneyNumber',
  format: 'decimal',
  description:
    'An exact amount with 2 decimal places, written as a JSON number whose text is that decimal (`650.00`). ' +
    'A client that parses JSON into binary floating point keeps it exactly up to 90,071,992,547,409.91; past that, read the ' +
    "number's text (JSON.parse's reviver gets it as `context.source`).",
});

export const moneyString = z
  .string()
  .regex(/^-?\d+\.\d{2}$/)
  .meta({
    id: 'MoneyString',
    format: 'decimal',
    description: 'An exact amount with 2 decimal places, as a string (`"340.00"`; negative where a sign is part of the value).',
  });
