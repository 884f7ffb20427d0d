-- Password checks per client address (shared/auth/client-throttle.ts): one
-- row per address (an IPv6 client's /64), counting the checks of the current
-- window, reserved in one statement. A spray of random usernames from one
-- client cost a bcrypt check each, unbounded by the per-username throttle.
-- Rows last one window; housekeeping purges them after.
CREATE TABLE `login_client_throttle` (
    `client` VARCHAR(64) NOT NULL,
    `window_started_at` DATETIME(6) NOT NULL,
    `password_checks` INTEGER NOT NULL DEFAULT 0,

    INDEX `login_client_throttle_window_started_at_idx`(`window_started_at`),
    PRIMARY KEY (`client`)
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
