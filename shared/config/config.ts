import { z } from 'zod';

/**
 * Every setting the functions read, parsed once. A missing or malformed
 * variable stops the process at start with its name, rather than failing the
 * first request that happens to need it.
 */
/** The body limit when MAX_BODY_BYTES is unset, and the one body-limit keeps when the configuration cannot be read. */
export const DEFAULT_MAX_BODY_BYTES = 64 * 1024;
/** The largest ML answer read: far above any real one (a 150-day history is about 4 KB; the longest allowed, about 100 KB). */
export const DEFAULT_ML_MAX_RESPONSE_BYTES = 1024 * 1024;
/** Likewise for REQUEST_RECEIVE_TIMEOUT_MS (shared/http/slow-requests). */
export const DEFAULT_REQUEST_RECEIVE_TIMEOUT_MS = 5_000;

const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);
const secretVersion = z.string().regex(/^projects\/[^/]+\/secrets\/[^/]+\/versions\/[^/]+$/, 'must be projects/P/secrets/S/versions/V');

const configSchema = z.object({
  DATABASE_URL: z
    .string()
    .regex(/^(mysql|mariadb):\/\//, 'must start with mysql:// or mariadb://')
    .optional(),
  // Set in production: the database is reached through the Cloud SQL Node.js
  // connector (shared/db/cloud-sql-connector) instead of DATABASE_URL's host.
  INSTANCE_CONNECTION_NAME: z
    .string()
    .regex(/^([^:/]+:)?[^:/]+:[^:/]+:[^:/]+$/, 'must be PROJECT:REGION:INSTANCE')
    .optional(),
  // Which of the instance's addresses the connector dials: PUBLIC needs no VPC
  // from Cloud Run; PRIVATE or PSC need Direct VPC egress or a connector.
  CLOUD_SQL_IP_TYPE: z.enum(['PUBLIC', 'PRIVATE', 'PSC']).default('PUBLIC'),
  DATABASE_POOL_SIZE: positiveInt(5),
  // A new connection's bound: a database that never answers (a black hole) is known to be away after this long.
  DATABASE_CONNECT_TIMEOUT_MS: positiveInt(3000),
  // While the database is known to be away (shared/db/database-breaker), one request this often tries it again; the rest are answered 503 at once.
  DATABASE_PROBE_INTERVAL_MS: positiveInt(500),
  // API keys are ES256 JWTs (docs/auth.md, Signing keys). Each key material is
  // given either itself (dev, tests, or mounted with --set-secrets) or as the
  // Secret Manager version to fetch it from, never both. The public keys, a JSON
  // object of kid → SPKI PEM (the signing-public-keys secret), in every function that checks keys:
  SIGNING_PUBLIC_KEYS: z.string().optional(),
  SIGNING_PUBLIC_KEYS_VERSION: secretVersion.optional(),
  // The private key (PKCS#8 PEM, the signing-private-key secret), only in the functions that issue keys (deploy `signs`).
  SIGNING_PRIVATE_KEY: z.string().optional(),
  SIGNING_PRIVATE_KEY_VERSION: secretVersion.optional(),
  // The HMAC key of password-reset links (shared/auth/reset-tokens; the password-reset-key secret), only in the two reset functions.
  PASSWORD_RESET_KEY: z.string().min(32, 'must be at least 32 characters').optional(),
  TOKEN_TTL_SECONDS: positiveInt(60 * 60 * 24),
  // The HMAC key of card-number hashes (shared/cards): mounted from Secret Manager
  // (card-hmac-key) for the functions that hash a number, a fixed value in dev and tests.
  CARD_HMAC_KEY: z.string().min(32, 'must be at least 32 characters').optional(),
  // Wallets one user may hold; the next create is 422 (shared/wallets/new-wallet).
  MAX_WALLETS_PER_USER: positiveInt(20),
  ALLOWED_ORIGINS: z
    .string()
    .default('')
    .transform((value) =>
      value
        .split(',')
        .map((origin) => origin.trim())
        .filter(Boolean),
    ),
  ML_SERVICE_URL: z.string().url('must be a URL').optional(),
  ML_TIMEOUT_MS: positiveInt(5000),
  // A larger answer is a 502, cut off as it arrives (shared/ml/answer-limits).
  ML_MAX_RESPONSE_BYTES: positiveInt(DEFAULT_ML_MAX_RESPONSE_BYTES),
  // How old a quote shown in holdings and advice, and advice's recommendation, may be (0: always ask). Purchases: ML_QUOTE_MAX_AGE_MS.
  ML_STAT_TTL_MS: z.coerce.number().int().min(0).default(2000),
  // How old a quote a purchase may trade at (0: every purchase asks for its own). See shared/portfolio/quotes.
  ML_QUOTE_MAX_AGE_MS: z.coerce.number().int().min(0).max(5000).default(1000),
  // The most any request may take before it is answered 503 (shared/deadline):
  // database waits and ML calls are bounded by what is left of it.
  REQUEST_DEADLINE_MS: positiveInt(10_000),
  MAX_BODY_BYTES: positiveInt(DEFAULT_MAX_BODY_BYTES),
  LOGIN_MAX_FAILURES: positiveInt(5),
  LOGIN_FAILURE_WINDOW_SECONDS: positiveInt(15 * 60),
  // Password checks one client address (an IPv6 client's /64) may cause per window, whatever the usernames (shared/auth/client-throttle).
  LOGIN_CLIENT_MAX_CHECKS: positiveInt(20),
  LOGIN_CLIENT_WINDOW_SECONDS: positiveInt(60),
  // Password checks (bcrypt, ~70 ms of CPU each) running at once on one instance; past it, 429 at once (shared/auth/password-check-slots).
  PASSWORD_CHECKS_PER_INSTANCE: positiveInt(4),
  // How many X-Forwarded-For entries, counted from the right, Google's infrastructure appends after the client's address (shared/http/client-address).
  CLIENT_ADDRESS_HOPS: z.coerce.number().int().min(0).max(10).default(1),
  // The most a request may take to arrive, headers and body (node's requestTimeout); past it, 408 (shared/http/slow-requests). Capped at REQUEST_DEADLINE_MS.
  REQUEST_RECEIVE_TIMEOUT_MS: positiveInt(DEFAULT_REQUEST_RECEIVE_TIMEOUT_MS),
  IDEMPOTENCY_TTL_HOURS: positiveInt(48),
  // Password reset (docs/auth.md, Password reset). The mail server: smtp:// (STARTTLS when offered,
  // port 587) or smtps:// (TLS from the start, 465), with the relay's user and password; Secret Manager in deploy.
  SMTP_URL: z
    .string()
    .regex(/^smtps?:\/\/[^/]+/, 'must be smtp://[user:pass@]host[:port] or smtps://…')
    .optional(),
  // Each wait on the mail server (connecting, its greeting, each reply) at most this long.
  SMTP_TIMEOUT_MS: positiveInt(3000),
  // After the mail server failed, every reset answers 503 at once for this long (Retry-After).
  SMTP_RETRY_AFTER_SECONDS: positiveInt(30),
  MAIL_FROM: z.string().min(3).default('no-reply@localhost'),
  // The page of the web client that asks for the new password; {uid} and {token} are filled in.
  PASSWORD_RESET_LINK: z
    .string()
    .url('must be a URL')
    .refine((link) => link.includes('{uid}') && link.includes('{token}'), 'must contain {uid} and {token}')
    .default('http://localhost:3000/password-reset/confirm/{uid}/{token}/'),
  PASSWORD_RESET_TTL_SECONDS: positiveInt(60 * 60),
  // Every reset request answers this long after it arrived, mail sent or not, so a known and an
  // unknown address cannot be told apart by the time the answer takes.
  PASSWORD_RESET_ANSWER_MS: positiveInt(1500),
  PASSWORD_RESET_MAX_REQUESTS: positiveInt(3),
  PASSWORD_RESET_WINDOW_SECONDS: positiveInt(60 * 60),
  // One request in this many that adds a short-lived row also purges expired ones (shared/db/housekeeping).
  HOUSEKEEPING_EVERY: positiveInt(20),
  // Who may call seed-demo-users: the audience Cloud Scheduler puts in its OIDC
  // token and the service account it signs as.
  SCHEDULER_AUDIENCE: z.string().optional(),
  SCHEDULER_SERVICE_ACCOUNT: z.string().optional(),
});

export type Config = z.infer<typeof configSchema>;

export class ConfigError extends Error {}

/**
 * What a function needs beyond the HTTP basics. Every function but `docs`
 * reaches the database and checks keys; `docs` is deployed without either.
 */
export interface ConfigNeeds {
  database: boolean;
  /** Calls the ML service. */
  ml?: boolean;
  /** Accepts Cloud Scheduler's calls. */
  scheduler?: boolean;
  /** Hashes card numbers (CARD_HMAC_KEY). */
  cardKey?: boolean;
  /** Sends e-mail (SMTP_URL). */
  mail?: boolean;
  /** Issues keys (SIGNING_PRIVATE_KEY). */
  signs?: boolean;
  /** Makes or checks password-reset links (PASSWORD_RESET_KEY). */
  resetKey?: boolean;
}

/** The key materials that may come from Secret Manager by version (`<NAME>_VERSION`) instead of themselves. */
export type SecretName = 'SIGNING_PUBLIC_KEYS' | 'SIGNING_PRIVATE_KEY';

const missingDatabaseUrl = () => new ConfigError('Invalid configuration: DATABASE_URL is required (mysql://user:pass@host:port/db)');
const missingCardKey = () => new ConfigError('Invalid configuration: CARD_HMAC_KEY is required');
const missingSecret = (name: SecretName) => new ConfigError(`Invalid configuration: set exactly one of ${name} or ${name}_VERSION`);
const missingResetKey = () => new ConfigError('Invalid configuration: PASSWORD_RESET_KEY is required');

export function parseConfig(env: NodeJS.ProcessEnv, needs: ConfigNeeds = { database: true }): Config {
  // `NAME=` in a deploy file means unset, not an empty value to validate.
  const result = configSchema.safeParse(Object.fromEntries(Object.entries(env).filter(([, value]) => value !== '')));
  if (!result.success) {
    const problems = result.error.issues.map((issue) => `${issue.path.join('.')} ${issue.message}`);
    throw new ConfigError(`Invalid configuration: ${problems.join('; ')}`);
  }
  const config = result.data;
  if (needs.database) {
    if (!config.DATABASE_URL) throw missingDatabaseUrl();
    secretSetting('SIGNING_PUBLIC_KEYS', config);
  }
  if (needs.signs) secretSetting('SIGNING_PRIVATE_KEY', config);
  if (needs.resetKey && !config.PASSWORD_RESET_KEY) throw missingResetKey();
  if (needs.cardKey && !config.CARD_HMAC_KEY) throw missingCardKey();
  if (needs.ml && !config.ML_SERVICE_URL) throw new ConfigError('Invalid configuration: ML_SERVICE_URL is required');
  if (needs.mail && !config.SMTP_URL) throw new ConfigError('Invalid configuration: SMTP_URL is required');
  // The password reset answers at this time, inside the request: at or past the deadline, every reset would be a 503.
  if (needs.mail && config.PASSWORD_RESET_ANSWER_MS >= config.REQUEST_DEADLINE_MS) {
    throw new ConfigError('Invalid configuration: PASSWORD_RESET_ANSWER_MS must be less than REQUEST_DEADLINE_MS');
  }
  if (needs.scheduler) {
    const missing = (['SCHEDULER_AUDIENCE', 'SCHEDULER_SERVICE_ACCOUNT'] as const).filter((name) => !config[name]);
    if (missing.length) throw new ConfigError(`Invalid configuration: ${missing.join(' and ')} ${missing.length > 1 ? 'are' : 'is'} required`);
  }
  return config;
}

let cached: Config | undefined;

/** The settings every function reads; what only some need is checked by the accessors below. */
export function config(): Config {
  cached ??= parseConfig(process.env, { database: false });
  return cached;
}

/** Called as a function instance starts, so it fails then, naming what is missing. */
export function checkStartupConfig(needs: ConfigNeeds): void {
  parseConfig(process.env, needs);
}

export function databaseUrl(settings = config()): string {
  if (!settings.DATABASE_URL) throw missingDatabaseUrl();
  return settings.DATABASE_URL;
}

/** A key material as given: itself, or the Secret Manager version that holds it. */
export function secretSetting(name: SecretName, settings = config()): { value: string } | { version: string } {
  const value = settings[name];
  const version = settings[`${name}_VERSION`];
  if (!value === !version) throw missingSecret(name);
  return value ? { value } : { version: version as string };
}

export function passwordResetKey(settings = config()): string {
  if (!settings.PASSWORD_RESET_KEY) throw missingResetKey();
  return settings.PASSWORD_RESET_KEY;
}

export function smtpUrl(settings = config()): string {
  if (!settings.SMTP_URL) throw new ConfigError('Invalid configuration: SMTP_URL is required');
  return settings.SMTP_URL;
}

export function cardHmacKey(settings = config()): string {
  if (!settings.CARD_HMAC_KEY) throw missingCardKey();
  return settings.CARD_HMAC_KEY;
}

/** Tests change the environment between cases; production never calls this. */
export function resetConfigForTests(): void {
  cached = undefined;
}
