import type { Duplex } from 'node:stream';
import type { AuthClient, Connector, ConnectorOptions, DriverOptions } from '@google-cloud/cloud-sql-connector';
import type { PoolConfig } from 'mariadb';
import type { Config } from '../config/config';
import { logger } from '../core/logging';

/**
 * The production path to Cloud SQL: Google's Cloud SQL Node.js connector
 * (`@google-cloud/cloud-sql-connector`), chosen by INSTANCE_CONNECTION_NAME.
 *
 * Cloud Run's `/cloudsql/…` unix socket is the Cloud SQL Auth Proxy in
 * unix-socket mode, which cannot log in a MySQL 8.4 `caching_sha2_password`
 * user while the server's cache is cold (1045 after every restart, failover
 * or maintenance; GoogleCloudPlatform/cloud-sql-proxy#2317, #2359). The
 * connector instead asks the Cloud SQL Admin API for the instance's address
 * and CA and for a short-lived client certificate, and opens a mutual-TLS 1.3
 * stream to the instance's server-side proxy (port 3307), which the driver
 * speaks MySQL over (mariadb's `stream` option).
 *
 * The module is required only when INSTANCE_CONNECTION_NAME is set: it loads
 * Google's auth library, the Admin API client and gRPC, which local
 * development and the other path never need (docs/performance.md).
 */

/** What the tests point at the stand-in (testing/cloud-sql-standin): the Admin API's address and an auth client that needs no Google account. */
export type CloudSqlAdminAccess = Pick<ConnectorOptions, 'sqlAdminAPIEndpoint'> & { auth?: AuthClient };

let adminAccess: CloudSqlAdminAccess = {};

/** Tests only: production uses the real Admin API with Application Default Credentials (the function's service account). */
export function useCloudSqlAdminForTests(access: CloudSqlAdminAccess): void {
  adminAccess = access;
}

/** How long a refused or unreachable Admin API answers connection attempts from memory before it is asked again. */
const ADMIN_RETRY_AFTER_MS = 5000;

/** A connection the connector could not open: classified `unavailable` (fatal), so the client gets 503 database_unavailable with Retry-After. */
export class CloudSqlUnreachable extends Error {
  readonly fatal = true;
  readonly code = 'ER_CLOUD_SQL_UNREACHABLE';
}

class ConnectorRoute {
  private readonly connector: Connector;
  private driverOptions: Promise<DriverOptions> | undefined;
  private refusal: { error: CloudSqlUnreachable; until: number } | undefined;
  private refusalReported = false;

  constructor(
    private readonly instanceConnectionName: string,
    private readonly ipType: Config['CLOUD_SQL_IP_TYPE'],
  ) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { Connector } = require('@google-cloud/cloud-sql-connector') as typeof import('@google-cloud/cloud-sql-connector');
    this.connector = new Connector({ ...adminAccess, userAgent: 'fulfillment-functions' });
  }

  /** One TLS stream to the instance. The first call (and the first after a refusal) waits for the Admin API. */
  async open(): Promise<Duplex> {
    const { stream } = await this.options();
    return stream();
  }

  close(): void {
    // The connector's close() leaves the rejection of an instance whose first
    // refresh failed unhandled (it only chains .then on it). Options not yet
    // had mean nothing was opened, so such a connector is left to the collector.
    this.driverOptions?.then(
      () => this.connector.close(),
      () => undefined,
    );
  }

  private options(): Promise<DriverOptions> {
    if (this.refusal && Date.now() < this.refusal.until) return Promise.reject(this.refusal.error);
    this.driverOptions ??= this.connector
      // authType stays PASSWORD: automatic IAM login needs mysql_clear_password, which this driver refuses on a stream (docs/database.md).
      .getOptions({ instanceConnectionName: this.instanceConnectionName, ipType: this.ipType as never })
      .then(
        (options) => {
          this.refusal = undefined;
          this.refusalReported = false;
          return options;
        },
        (error: unknown) => {
          this.driverOptions = undefined;
          const unreachable = this.refused(error);
          this.refusal = { error: unreachable, until: Date.now() + ADMIN_RETRY_AFTER_MS };
          throw unreachable;
        },
      );
    return this.driverOptions;
  }

  /**
   * Logs why, once until the connector works again (every request meets the
   * refusal; the operator needs to read it once), and gives the driver an
   * error that names no role, so the pool's per-attempt warning does not
   * repeat the advice.
   */
  private refused(error: unknown): CloudSqlUnreachable {
    const status = httpStatus(error);
    if (!this.refusalReported) {
      this.refusalReported = true;
      const fields = { instance: this.instanceConnectionName, status, error: (error as Error)?.message };
      if (status === 403) {
        logger.error(
          'The Cloud SQL Admin API refused the connector (403): grant the service account roles/cloudsql.client ' +
            '(permission cloudsql.instances.connect) on the project, and enable sqladmin.googleapis.com',
          fields,
        );
      } else {
        logger.error('The Cloud SQL connector could not get the instance from the Cloud SQL Admin API', fields);
      }
    }
    return new CloudSqlUnreachable(status ? `Cloud SQL Admin API answered ${status}` : 'Cloud SQL Admin API unreachable', { cause: error });
  }
}

function httpStatus(error: unknown): number | undefined {
  const candidate = error as { status?: unknown; response?: { status?: unknown } } | undefined;
  const status = candidate?.status ?? candidate?.response?.status;
  return typeof status === 'number' ? status : undefined;
}

let route: ConnectorRoute | undefined;

/**
 * The driver options that send the pool's connections through the connector,
 * or none when INSTANCE_CONNECTION_NAME is unset (DATABASE_URL's host or
 * socket is used as is).
 */
export function cloudSqlConnectorPoolOptions(settings: Config): Pick<PoolConfig, 'stream' | 'socketPath' | 'allowPublicKeyRetrieval'> {
  if (!settings.INSTANCE_CONNECTION_NAME) return {};
  const current = (route ??= new ConnectorRoute(settings.INSTANCE_CONNECTION_NAME, settings.CLOUD_SQL_IP_TYPE));
  return {
    // The driver dials a socketPath before it looks at `stream`: a database-url
    // secret written for the /cloudsql socket (…?socket=/cloudsql/…) still goes
    // through the connector.
    socketPath: undefined,
    // The driver's callback form: the stream may only exist once the Admin API
    // has answered, and the driver's connect timeout runs meanwhile.
    stream: (callback) => {
      current.open().then(
        (socket) => {
          try {
            callback(undefined, socket);
          } catch {
            // The driver gave this connection up (its connect timeout) before
            // the stream came: close the stream rather than leak it.
            socket.destroy();
          }
        },
        (error: Error) => {
          try {
            callback(error);
          } catch {
            // Given up already; the pool has its own error for it.
          }
        },
      );
    },
    // The driver does not know this stream is TLS (it counts only its own
    // `ssl` or a unix socket as secure), so with a cold caching_sha2_password
    // cache it must encrypt the password with the server's RSA key. Asking the
    // server for that key is safe here: the request travels inside the
    // connector's mutual TLS, whose server certificate is checked against the
    // instance's CA from the Admin API and its name against the instance, so
    // no one in between can hand over a key of theirs. A key pinned in the
    // URL (?cachingRsaPublicKey=) is still preferred by the driver.
    allowPublicKeyRetrieval: true,
  };
}

/** Stops the connector's certificate refresh and closes its streams (with the pool). */
export function closeCloudSqlConnector(): void {
  route?.close();
  route = undefined;
}
