/**
 * The database a fresh checkout talks to when DATABASE_URL is unset: the one
 * compose.yaml starts, or a local MariaDB with passwordless root. Shared by
 * `npm start`, the admin scripts and prisma.config.ts so they never disagree.
 */
export const LOCAL_DATABASE_URL = 'mysql://root@127.0.0.1:3306/fulfillment';

/**
 * The card-number HMAC key of that local database (development only; deployed,
 * it is the card-hmac-key secret, docs/deploy.md). Given only where the local
 * database is the default too: hashes made with another key than the
 * functions' would silently stop matching.
 */
export const LOCAL_CARD_HMAC_KEY = 'local-development-card-key-change-me-0123456789';

/** The password-reset link key of local development (deployed, the password-reset-key secret). */
export const LOCAL_PASSWORD_RESET_KEY = 'local-development-reset-key-change-me-0123456789';
