/**
 * A wallet's card as its columns hold it (shared/cards): `card_hash`,
 * `card_last4`, `card_length`. The mask is made by the database, in the
 * statement that reads the wallet. Until the contract migration drops
 * `card_number` (docs/database.md, "Card numbers"), a row the previous
 * revision wrote during a rollout, before the migrate step's backfill reached
 * it, has only `card_number`: its mask is made from that column, the same way.
 */
// CAST to a short string: REPEAT with a length known only per row types the
// expression as LONGTEXT, which made the read of a user's wallets sort by row
// id and read each row again (wallets-list: about a fifth fewer requests a
// second at the same CPU, bench). A card number has at most 19 characters.
export const MASKED_CARD_NUMBER = `CAST(CONCAT(REPEAT('*', COALESCE(w.card_length, CHAR_LENGTH(w.card_number)) - 4), COALESCE(w.card_last4, RIGHT(w.card_number, 4))) AS CHAR(19))`;
