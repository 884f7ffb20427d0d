/**
 * The names a statement shows for each kind of money movement (SPEC §3). They
 * are business rules of the wallet and asset functions; the demo seed uses
 * the same names so seeded statements look like real ones.
 */
export const TOP_UP_NAME = 'Top-up the wallet';
export const purchaseName = (count: number) => `Purchase of ${count} asset(s)`;
export const saleName = (count: number) => `Sale of ${count} asset(s)`;
