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

const TWO_PLACES = /^-?\d+\.\d{2}$/;

/** A DECIMAL(…,2) read as text is already its own exact JSON form: no Decimal needed on the way out. */
export const jsonNumber = (value: Decimal.Value): JsonNumber =>
  JSON.rawJSON(typeof value === 'string' && TWO_PLACES.test(value) ? value : new Decimal(value).toFixed(2));
