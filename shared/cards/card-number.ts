import { createHmac } from 'node:crypto';

/**
 * Card numbers as card data (PCI DSS: no full number at rest, at most the last
 * four shown). A wallet keeps a keyed hash of its number, for uniqueness, and
 * the last four digits with the number's length, for the masked answer; the
 * number itself is never stored, logged or answered.
 */

/** The Luhn check every real card number passes (ISO/IEC 7812-1, annex B). */
export function passesLuhn(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let digit = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
  }
  return sum % 10 === 0;
}

/** `************8213`: as long as the number, all but the last four digits hidden. */
export const maskedCardNumber = (lastFour: string, length: number) => '*'.repeat(Math.max(length - lastFour.length, 0)) + lastFour;

/**
 * HMAC-SHA256 of the user's id and the number, hex. The user id is part of the
 * input because uniqueness is per user: the same card held by two users gets
 * two unrelated hashes, so the table (a dump, a person browsing it) cannot tell
 * that two users share a card, and no hash can be tried against another user's
 * rows. The key lives in Secret Manager, never in the database, so a stolen
 * table cannot be brute-forced over the small space of valid card numbers.
 */
export function cardNumberHash(key: string, userId: string, cardNumber: string): string {
  return createHmac('sha256', key).update(`${userId}:${cardNumber}`).digest('hex');
}

/** What a wallet stores of its card. */
export interface StoredCard {
  hash: string;
  lastFour: string;
  length: number;
  /** For the old revision's card_number column until it is dropped (docs/database.md, "Card numbers"). */
  masked: string;
}

export function storedCard(key: string, userId: string, cardNumber: string): StoredCard {
  const lastFour = cardNumber.slice(-4);
  return { hash: cardNumberHash(key, userId, cardNumber), lastFour, length: cardNumber.length, masked: maskedCardNumber(lastFour, cardNumber.length) };
}
