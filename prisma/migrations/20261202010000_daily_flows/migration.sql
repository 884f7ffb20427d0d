-- Money in and out per user per UTC day, kept by every money move in the same
-- database transaction, so the expenses stat reads a few rows per day instead
-- of every transaction the user ever made. DECIMAL(20,2): a day's flows can
-- exceed what one balance (DECIMAL(17,2)) holds.
CREATE TABLE `daily_flows` (
    `user_id` CHAR(36) NOT NULL,
    `day` DATE NOT NULL,
    `money_in` DECIMAL(20, 2) NOT NULL DEFAULT 0.00,
    `money_out` DECIMAL(20, 2) NOT NULL DEFAULT 0.00,

    PRIMARY KEY (`user_id`, `day`)
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;

-- AddForeignKey
ALTER TABLE `daily_flows` ADD CONSTRAINT `daily_flows_user_id_fkey` FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON DELETE CASCADE ON UPDATE CASCADE;

-- The history so far.
INSERT INTO `daily_flows` (`user_id`, `day`, `money_in`, `money_out`)
SELECT w.`user_id`, DATE(t.`created_at`),
       SUM(CASE WHEN t.`sum` > 0 THEN t.`sum` ELSE 0 END),
       SUM(CASE WHEN t.`sum` < 0 THEN -t.`sum` ELSE 0 END)
FROM `transactions` t JOIN `wallets` w ON w.`id` = t.`wallet_id`
GROUP BY w.`user_id`, DATE(t.`created_at`);
