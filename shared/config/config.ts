import { z } from 'zod';

/**
 * Every setting the functions read, parsed once. A missing or malformed
 * variable stops the process at start with its name, rather than failing the
 * first request that happens to need it.
 */
/** The body limit when MAX_BODY_BYTES is unset, and the one body-limit keeps when the configuration cannot be read. */
export const DEFAULT_MAX_BODY_BYTES = 64 * 1024;

const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);

const configSchema = z.object({
  DATABASE_URL: z
    .string()
    .regex(/^(mysql|mariadb):\/\//, 'must start with mysql:// or mariadb://')
    .optional(),
  DATABASE_POOL_SIZE: positiveInt(5),
  DATABASE_CONNECT_TIMEOUT_MS: positiveInt(5000),
  // Exactly one of these two: the secret itself (dev, or mounted with --set-secrets),
  // or the Secret Manager version to fetch it from.
  JWT_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  JWT_SECRET_VERSION: z
    .string()
    .regex(/^projects\/[^/]+\/secrets\/[^/]+\/versions\/[^/]+$/, 'must be projects/P/secrets/S/versions/V')
    .optional(),
  // The secret before the last rotation, still accepted (never used to sign)
  // until keys signed with it have expired: docs/deploy.md, "Rotating the JWT secret".
  JWT_SECRET_PREVIOUS: z.string().min(32, 'must be at least 32 characters').optional(),
  TOKEN_TTL_SECONDS: positiveInt(60 * 60 * 24),
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
  /** Sends e-mail (SMTP_URL). */
  mail?: boolean;
}

const missingDatabaseUrl = () => new ConfigError('Invalid configuration: DATABASE_URL is required (mysql://user:pass@host:port/db)');
const ambiguousJwtSecret = () => new ConfigError('Invalid configuration: set exactly one of JWT_SECRET or JWT_SECRET_VERSION');

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
    if (!config.JWT_SECRET === !config.JWT_SECRET_VERSION) throw ambiguousJwtSecret();
  }
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

export function jwtSecretSetting(settings = config()): { secret: string } | { version: string } {
  if (!settings.JWT_SECRET === !settings.JWT_SECRET_VERSION) throw ambiguousJwtSecret();
  return settings.JWT_SECRET ? { secret: settings.JWT_SECRET } : { version: settings.JWT_SECRET_VERSION as string };
}

export function smtpUrl(settings = config()): string {
  if (!settings.SMTP_URL) throw new ConfigError('Invalid configuration: SMTP_URL is required');
  return settings.SMTP_URL;
}

/** Tests change the environment between cases; production never calls this. */
export function resetConfigForTests(): void {
  cached = undefined;
}
