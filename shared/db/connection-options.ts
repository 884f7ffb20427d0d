import type { PoolConfig } from 'mariadb';

export interface PoolSettings {
  poolSize: number;
  connectTimeoutMs: number;
}

/**
 * Turns DATABASE_URL into driver options. Cloud SQL is reached through a unix
 * socket (`mysql://user:pass@localhost/db?socket=/cloudsql/P:R:I`), which the
 * URL form of the driver does not understand, so the URL is taken apart here.
 */
export function poolConfigFromUrl(databaseUrl: string, settings: PoolSettings): PoolConfig {
  const url = new URL(databaseUrl);
  const socketPath = url.searchParams.get('socket') ?? url.searchParams.get('socketPath') ?? undefined;
  const database = decodeURIComponent(url.pathname.replace(/^\//, ''));
  return {
    ...(socketPath ? { socketPath } : { host: url.hostname || '127.0.0.1', port: Number(url.port || 3306) }),
    user: decodeURIComponent(url.username || 'root'),
    password: decodeURIComponent(url.password),
    database: database || undefined,
    connectionLimit: settings.poolSize,
    // Short timeouts so a wrong host or password surfaces as itself instead of
    // a "pool timeout" ten seconds later (SPEC §8).
    connectTimeout: settings.connectTimeoutMs,
    acquireTimeout: settings.connectTimeoutMs + 1000,
    // Money and times are compared and grouped by UTC day in SQL.
    initSql: "SET time_zone = '+00:00'",
    // Interactive transactions keep the connection; fail rather than wait forever for it.
    idleTimeout: 60,
    // The adapter turns the driver's prepared-statement cache off unless told
    // otherwise, so every statement was prepared, executed and closed: three
    // round trips, and a parse on the server, each time. Handlers send a few
    // fixed statement shapes, so a small per-connection cache holds them all.
    prepareCacheLength: 64,
    // The driver writes every bound value into the message of a failed
    // statement (`sql: … - parameters:['…','4111…']`), which the request log
    // then carries: card numbers, keys, user ids. The SQL text alone is kept.
    logParam: false,
  };
}

export function databaseName(databaseUrl: string): string {
  return decodeURIComponent(new URL(databaseUrl).pathname.replace(/^\//, ''));
}

/** The same URL pointed at no database, for creating or dropping one. */
export function serverUrl(databaseUrl: string): string {
  const url = new URL(databaseUrl);
  url.pathname = '/';
  return url.toString();
}
