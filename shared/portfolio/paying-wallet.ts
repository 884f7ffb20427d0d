import { ApiError } from '../core/errors';
import type { Decimal } from '../money/decimal';

/**
 * Which wallet money for a portfolio comes from (SPEC §3): the largest balance
 * among the wallets that hold the whole amount — one wallet pays, amounts are
 * never split across cards. Among equal balances the first given wins, so
 * callers pass wallets in a stable order.
 */
export interface Funds {
  id: string;
  balance: Decimal;
}

export function payingWallet<W extends Funds>(wallets: readonly W[], amount: Decimal): W | undefined {
  return wallets
    .filter((wallet) => wallet.balance.greaterThanOrEqualTo(amount))
    .reduce<W | undefined>((best, wallet) => (best && best.balance.greaterThanOrEqualTo(wallet.balance) ? best : wallet), undefined);
}

/**
 * The amount advice is computed for (SPEC §3): `requested`, or by default the
 * largest balance, as long as one wallet could pay it.
 */
export function investingSum(wallets: readonly Funds[], requested: Decimal | undefined): Decimal {
  if (wallets.length === 0) throw new ApiError(400, 'no_wallet', 'Add a wallet before asking for advice: there is nothing to invest');
  const largest = wallets.reduce((max, wallet) => (wallet.balance.greaterThan(max) ? wallet.balance : max), wallets[0].balance);
  if (largest.isZero()) throw new ApiError(400, 'wallets_empty', 'Every wallet is empty: top one up before asking for advice');
  if (requested === undefined) return largest;
  if (!payingWallet(wallets, requested)) {
    throw new ApiError(400, 'insufficient_funds', `Invalid investing_sum: no wallet holds ${requested.toFixed(2)}`, [
      { field: 'investing_sum', message: `no wallet holds ${requested.toFixed(2)}; the largest balance is ${largest.toFixed(2)}` },
    ]);
  }
  return requested;
}
