-- The login throttle keeps one row per username, counted in one statement
-- (shared/auth/login-throttle.ts), instead of a row per failure: a burst of
-- guesses could not see the failures still in flight, and got ~23 password
-- checks through a limit of 5.
CREATE TABLE `login_throttle` (
    `username` VARCHAR(150) NOT NULL,
    `window_started_at` DATETIME(6) NOT NULL,
    `failures` INTEGER NOT NULL DEFAULT 0,
    `checks_in_flight` INTEGER NOT NULL DEFAULT 0,

    INDEX `login_throttle_window_started_at_idx`(`window_started_at`),
    PRIMARY KEY (`username`)
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;

-- What it replaces: failures older than a window are worthless, newer ones
-- last a window at most.
DROP TABLE `login_failures`;
