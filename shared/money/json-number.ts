import { Decimal } from './decimal';

/**
 * Fields the old clients read as JSON numbers (balance, sum) must still be the
 * decimal's exact text — `1650.00`, never `1649.9999999`. `JSON.rawJSON`
 * (Node 21+) lets JSON.stringify write those digits as they are.
 */
declare global {
  interface JSON {
    rawJSON(text: string): JsonNumber;
  }
}

/** An exact decimal that JSON.stringify writes as a number with 2 places. */
export interface JsonNumber {
  readonly rawJSON: string;
}

export const jsonNumber = (value: Decimal.Value): JsonNumber => JSON.rawJSON(new Decimal(value).toFixed(2));
