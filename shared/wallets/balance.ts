import { ApiError, type FieldProblem } from '../core/errors';
import { Decimal, MAX_AMOUNT } from '../money/decimal';

/**
 * A balance, and every transaction sum, is a DECIMAL(17,2): past MAX_AMOUNT
 * MariaDB refuses the write, which must not surface as a 500. Money moves
 * check every amount they are about to write against it before writing any.
 */
export const fitsInBalance = (amount: Decimal) => amount.lessThanOrEqualTo(MAX_AMOUNT);

/** The one refusal for an amount a wallet cannot hold (422), naming what the client sent that leads to it. */
export const balanceLimit = (detail: FieldProblem) => new ApiError(422, 'balance_limit', `The wallet balance cannot exceed ${MAX_AMOUNT.toFixed(2)}`, [detail]);
