import { z } from 'zod';
import { moneyNumber, type Decimal } from '../money/decimal';
import { jsonNumber } from '../money/json-number';

/**
 * The wallet and transaction shapes of SPEC §3, as the old clients read them:
 * money is a JSON number written from the exact decimal, and a transaction's
 * sign travels separately from its (absolute) amount.
 */
export const walletJson = z
  .object({
    id: z.uuid(),
    bank_name: z.string(),
    card_number: z
      .string()
      .regex(/^\*{8,15}\d{4}$/)
      .describe('The card number masked to its last four digits, as long as the number (`************8213`); the full number is never stored or answered'),
    balance: moneyNumber,
  })
  .meta({ id: 'Wallet', description: 'A bank card and the money on it' });

export const transactionJson = z
  .object({
    created_at: z.iso.datetime({ precision: 6 }),
    name: z.string(),
    sum: moneyNumber.describe('The amount moved, absolute; its direction is `sum_direction`'),
    sum_direction: z.enum(['+', '-']).describe('"+" money came in, "-" money went out'),
  })
  .meta({ id: 'Transaction', description: 'One movement of money in or out of a wallet' });

export const walletExample = {
  id: '0b5d6c3e-8a1f-4b2c-9d3e-4f5a6b7c8d9e',
  bank_name: 'The name of bank',
  card_number: '************8213',
  balance: 650.0,
};

export const transactionExample = {
  created_at: '2021-06-03T13:04:22.335512Z',
  name: 'Top-up the wallet',
  sum: 400.0,
  sum_direction: '+',
};

export function renderWallet(wallet: { id: string; bankName: string; maskedCardNumber: string; balance: Decimal.Value }) {
  return { id: wallet.id, bank_name: wallet.bankName, card_number: wallet.maskedCardNumber, balance: jsonNumber(wallet.balance) };
}

/** `createdAt` is the stored stamp as text (see ./statement): a Date would lose its microseconds. */
export function renderTransaction(transaction: { createdAt: string; name: string; sum: Decimal }) {
  return {
    created_at: transaction.createdAt,
    name: transaction.name,
    sum: jsonNumber(transaction.sum.abs()),
    sum_direction: transaction.sum.isNegative() ? '-' : '+',
  };
}
