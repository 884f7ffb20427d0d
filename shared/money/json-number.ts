import { randomUUID } from 'node:crypto';
import { Decimal } from './decimal';

/**
 * Fields the old clients read as JSON numbers (balance, sum) must still be the
 * decimal's exact text — `1650.00`, never `1649.9999999`. JSON.stringify only
 * writes floats, so such values travel as a marker string that `toJson`
 * replaces with the raw digits. The marker carries a per-process nonce so no
 * user-supplied string can pose as one.
 */
const MARKER = `\u0001num-${randomUUID()}:`;
const MARKED = new RegExp(`"${MARKER.replace('\u0001', '\\\\u0001')}(-?\\d+(?:\\.\\d+)?)"`, 'g');

export class JsonNumber {
  readonly text: string;

  constructor(value: Decimal.Value) {
    this.text = new Decimal(value).toFixed(2);
  }

  toJSON(): string {
    return `${MARKER}${this.text}`;
  }
}

export const jsonNumber = (value: Decimal.Value) => new JsonNumber(value);

export function toJson(body: unknown): string {
  return JSON.stringify(body).replace(MARKED, '$1');
}
