-- Card numbers as card data, the expand step (docs/database.md, "Card numbers").
-- A wallet keeps an HMAC of (user id, number) for per-user uniqueness and the last
-- four digits with the length for the masked answer. SQL cannot compute the HMAC
-- (the key is in Secret Manager; MariaDB and MySQL differ anyway), so the runner's
-- data step for this migration (shared/db/card-number-backfill.ts) fills these
-- columns for existing rows and overwrites card_number with its mask. card_number
-- stays, holding only masks, for the revision still serving while the functions
-- roll out; a later migration drops it and makes these columns NOT NULL.
ALTER TABLE `wallets`
    ADD COLUMN `card_hash` CHAR(64) NULL,
    ADD COLUMN `card_last4` CHAR(4) NULL,
    ADD COLUMN `card_length` SMALLINT NULL,
    -- Uniqueness is per user now; masks of different cards collide.
    DROP INDEX `wallets_card_number_key`,
    ADD UNIQUE INDEX `wallets_user_id_card_hash_key`(`user_id`, `card_hash`);
