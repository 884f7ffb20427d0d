import { Decimal } from '../money/decimal';

/** The largest amount a DECIMAL(17,2) balance column can hold. */
export const MAX_BALANCE = new Decimal('999999999999999.99');

/** Whether a balance fits the column: past it MariaDB refuses the write, which must not surface as a 500. */
export const fitsInBalance = (amount: Decimal) => amount.lessThanOrEqualTo(MAX_BALANCE);
