import { databaseName, poolConfigFromUrl, serverUrl } from './connection-options';

const settings = { poolSize: 3, connectTimeoutMs: 2000 };

describe('poolConfigFromUrl', () => {
  it('reads host, port, credentials and database, with pool size and short timeouts', () => {
    expect(poolConfigFromUrl('mysql://app:p%40ss@db.internal:3307/fulfillment', settings)).toEqual(
      expect.objectContaining({
        host: 'db.internal',
        port: 3307,
        user: 'app',
        password: 'p@ss',
        database: 'fulfillment',
        connectionLimit: 3,
        connectTimeout: 2000,
        initSql: "SET time_zone = '+00:00'",
      }),
    );
  });

  it('uses the Cloud SQL unix socket when one is given, and no host', () => {
    const config = poolConfigFromUrl('mysql://app:secret@localhost/fulfillment?socket=/cloudsql/proj:europe-west1:main', settings);
    expect(config).toEqual(expect.objectContaining({ socketPath: '/cloudsql/proj:europe-west1:main', user: 'app', database: 'fulfillment' }));
    expect(config).not.toHaveProperty('host');
  });

  it('never lets the driver write bound values into an error message', () => {
    expect(poolConfigFromUrl('mysql://app@localhost/db', settings).logParam).toBe(false);
  });

  it('names the database and the server URL without it', () => {
    expect(databaseName('mysql://root@127.0.0.1:3306/my_db')).toBe('my_db');
    expect(serverUrl('mysql://root@127.0.0.1:3306/my_db')).toBe('mysql://root@127.0.0.1:3306/');
  });
});
