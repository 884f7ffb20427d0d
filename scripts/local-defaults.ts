/**
 * The database a fresh checkout talks to when DATABASE_URL is unset: the one
 * compose.yaml starts, or a local MariaDB with passwordless root. Shared by
 * `npm start`, the admin scripts and prisma.config.ts so they never disagree.
 */
export const LOCAL_DATABASE_URL = 'mysql://root@127.0.0.1:3306/fulfillment';
