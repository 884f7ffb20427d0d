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
  const host = url.hostname || '127.0.0.1';
  return {
    ...(socketPath ? { socketPath } : { host, port: Number(url.port || 3306) }),
    ...mysqlPasswordExchange(url, socketPath ? undefined : host),
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

/**
 * How the password reaches MySQL 8.4 when its `caching_sha2_password` cache is
 * cold (after the user is created and after every restart, failover or
 * maintenance), from the driver's source (mariadb 3.5,
 * lib/cmd/handshake/auth/caching-sha2-password-auth.js): on a connection it
 * counts as secure (TLS, or a unix socket) it sends the password as is; on
 * any other it must encrypt it with the server's RSA public key, which it
 * either has (`cachingRsaPublicKey`) or asks the server for
 * (`allowPublicKeyRetrieval`), else it fails with 45044.
 *
 * - a unix socket (`?socket=`): the password as is. mysqld's own socket takes
 *   it, but Cloud Run's `/cloudsql/…` socket is the Auth Proxy in unix-socket
 *   mode, which hands it to the instance as a plain connection: the instance
 *   refuses it (1045) whenever its cache is cold, after every restart,
 *   failover or maintenance, until a login over TCP warms it (Google's
 *   cloud-sql-proxy#2317, #2359; reproduced in ./mysql-cold-login.test.ts).
 *   So this path is for a local mysqld; production uses the Cloud SQL
 *   connector (docs/database.md).
 * - the Cloud SQL connector (INSTANCE_CONNECTION_NAME, production): the key
 *   is asked for inside the connector's mutual TLS, whose far end is the
 *   instance Google's CA names (./cloud-sql-connector.ts).
 * - TCP to this machine (the Cloud SQL Auth Proxy on 127.0.0.1:3307 for
 *   `deploy:migrate`, or a local server): the key is asked for, over a
 *   connection that never leaves the machine, and the proxy carries it over
 *   its TLS; nobody on the network can hand us a key of theirs.
 * - TCP to anything else: only a key named in the URL (`?cachingRsaPublicKey=`
 *   a PEM file, e.g. the instance's `Caching_sha2_password_rsa_public_key`)
 *   or `?allowPublicKeyRetrieval=true`, said explicitly; a key fetched from
 *   across a network could be an attacker's.
 * MariaDB never asks for any of it: its users authenticate with
 * mysql_native_password or ed25519.
 */
function mysqlPasswordExchange(url: URL, tcpHost: string | undefined): Pick<PoolConfig, 'allowPublicKeyRetrieval' | 'cachingRsaPublicKey'> {
  const pinnedKey = url.searchParams.get('cachingRsaPublicKey') ?? undefined;
  const asked = url.searchParams.get('allowPublicKeyRetrieval');
  const loopback = tcpHost !== undefined && /^(127\.\d+\.\d+\.\d+|localhost|\[?::1\]?)$/.test(tcpHost);
  return {
    ...(pinnedKey ? { cachingRsaPublicKey: pinnedKey } : {}),
    allowPublicKeyRetrieval: asked === null ? loopback && !pinnedKey : asked === 'true',
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
