/**
 * What `npm start` (and the admin scripts) say when the database is not
 * there. The driver's own words ("connect ECONNREFUSED 127.0.0.1:3306") tell
 * a newcomer what failed but not what to do; this adds the one command that
 * starts a database and how to point DATABASE_URL elsewhere.
 */
import mariadb from 'mariadb';
import { poolConfigFromUrl } from '../shared/db/connection-options';
import { LOCAL_DATABASE_URL } from './local-defaults';

/** Nothing listens, the socket file is missing, or the host cannot be reached or named. */
const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOENT', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'ER_CONNECTION_TIMEOUT']);
/** A server answered and turned the user away. */
const REFUSED = new Set(['ER_ACCESS_DENIED_ERROR', 'ER_ACCESS_DENIED_NO_PASSWORD_ERROR', 'ER_DBACCESS_DENIED_ERROR']);

// Debian's MariaDB lets root in only through the socket as the system's root,
// so the app needs a user of its own. Host 127.0.0.1 rather than localhost:
// with skip-name-resolve, a 'localhost' account never matches a TCP login.
const DEBIAN_USER_SQL =
  "CREATE USER IF NOT EXISTS 'fulfillment'@'127.0.0.1' IDENTIFIED BY 'fulfillment'; GRANT ALL PRIVILEGES ON *.* TO 'fulfillment'@'127.0.0.1'";
const DEBIAN_DATABASE_URL = 'mysql://fulfillment:fulfillment@127.0.0.1:3306/fulfillment';

export interface DatabaseHintOptions {
  databaseUrl: string;
  /** Whether DATABASE_URL came from the environment rather than the local default. */
  fromEnvironment: boolean;
}

/**
 * The advice for a failed connection, or undefined when the error is not
 * about reaching the database (then its own message says enough).
 */
export function databaseHint(error: unknown, { databaseUrl, fromEnvironment }: DatabaseHintOptions): string | undefined {
  const code = errorCode(error);
  if (!code || (!UNREACHABLE.has(code) && !REFUSED.has(code))) return undefined;

  const { where, hostPort } = describeServer(databaseUrl);
  const current = `DATABASE_URL is now ${redact(databaseUrl)} (${fromEnvironment ? 'from the environment' : `the default; unset, npm start uses ${LOCAL_DATABASE_URL}`}).`;
  const reason = errorMessage(error);

  if (REFUSED.has(code)) {
    return [
      `The database at ${where} answered but refused the login (${reason}).`,
      '',
      'Set DATABASE_URL to a user and password it accepts; the user must be allowed to create the database and its tables:',
      '',
      `  DATABASE_URL=mysql://USER:PASSWORD@${hostPort}/fulfillment npm start`,
      '',
      "On Debian/Ubuntu, MariaDB's root logs in only as the system's root; give the app a user of its own:",
      '',
      `  sudo mariadb -e "${DEBIAN_USER_SQL}"`,
      `  export DATABASE_URL=${DEBIAN_DATABASE_URL}`,
      '',
      current,
    ].join('\n');
  }

  return [
    `No database answers at ${where} (${reason}).`,
    '',
    'npm start needs MariaDB (10.11 or later) or MySQL 8. To start one here with Docker, run this in the project folder:',
    '',
    '  docker compose up -d db',
    '',
    '(compose.yaml: MariaDB 10.11 on 127.0.0.1:3306, root without a password, which is what the default DATABASE_URL expects),',
    'then run npm start again.',
    '',
    'Without Docker, on Debian/Ubuntu:',
    '',
    '  sudo apt-get install -y mariadb-server && sudo service mariadb start',
    `  sudo mariadb -e "${DEBIAN_USER_SQL}"`,
    `  export DATABASE_URL=${DEBIAN_DATABASE_URL}`,
    '',
    'A database elsewhere? Point DATABASE_URL at it:',
    '',
    '  DATABASE_URL=mysql://USER:PASSWORD@HOST:3306/fulfillment npm start',
    '',
    current,
  ].join('\n');
}

/**
 * Connects once with the driver itself. Through Prisma's pool a refused
 * connection only surfaces as a "pool timeout" seconds later (SPEC §8);
 * this gets the driver's own error, which databaseHint understands.
 */
export async function checkDatabaseConnection(databaseUrl: string): Promise<void> {
  const connection = await mariadb.createConnection(poolConfigFromUrl(databaseUrl, { poolSize: 1, connectTimeoutMs: 5000 }));
  await connection.end();
}

function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

// Duck-typed: the driver's errors may come from another realm (jest), failing instanceof Error.
function errorMessage(error: unknown): string {
  const message = (error as { message?: unknown } | null)?.message;
  return typeof message === 'string' ? message : String(error);
}

function describeServer(databaseUrl: string): { where: string; hostPort: string } {
  try {
    const url = new URL(databaseUrl);
    const socket = url.searchParams.get('socket') ?? url.searchParams.get('socketPath');
    const hostPort = `${url.hostname || '127.0.0.1'}:${url.port || 3306}`;
    return socket ? { where: `the socket ${socket}`, hostPort: 'HOST:3306' } : { where: hostPort, hostPort };
  } catch {
    return { where: 'DATABASE_URL', hostPort: 'HOST:3306' };
  }
}

/** The URL as printed: never the password, which may be a real one. */
export function redact(databaseUrl: string): string {
  try {
    const url = new URL(databaseUrl);
    if (url.password) url.password = '***';
    return url.toString();
  } catch {
    return '(not a URL)';
  }
}
