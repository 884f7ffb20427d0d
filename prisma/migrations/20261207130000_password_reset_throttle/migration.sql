-- Password-reset requests counted per e-mail address (case and trailing
-- spaces ignored, as the users table compares addresses), in one row per
-- address that a single statement reserves in (shared/auth/password-reset-throttle.ts),
-- the way login_throttle counts password checks. Whether the address belongs
-- to anyone does not matter: both are counted alike.
CREATE TABLE `password_reset_throttle` (
    `email` VARCHAR(254) NOT NULL,
    `window_started_at` DATETIME(6) NOT NULL,
    `requests` INTEGER NOT NULL DEFAULT 0,

    INDEX `password_reset_throttle_window_started_at_idx`(`window_started_at`),
    PRIMARY KEY (`email`)
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
