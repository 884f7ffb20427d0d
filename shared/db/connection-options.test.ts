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

  describe('the password exchange MySQL 8.4’s caching_sha2_password needs on a cold cache', () => {
    it('sends it as is over the Cloud SQL unix socket (the driver counts a socket as secure): no key involved', () => {
      const config = poolConfigFromUrl('mysql://app:secret@localhost/fulfillment?socket=/cloudsql/proj:europe-west1:main', settings);
      expect(config).toEqual(expect.objectContaining({ socketPath: '/cloudsql/proj:europe-west1:main', allowPublicKeyRetrieval: false }));
      expect(config).not.toHaveProperty('cachingRsaPublicKey');
    });

    it.each(['127.0.0.1:3307', 'localhost:3307', '[::1]:3307'])('asks the server for its key through the Auth Proxy on %s', (hostAndPort) => {
      expect(poolConfigFromUrl(`mysql://app:secret@${hostAndPort}/fulfillment`, settings).allowPublicKeyRetrieval).toBe(true);
    });

    it('asks no server across a network for its key unless told to', () => {
      expect(poolConfigFromUrl('mysql://app:secret@10.20.0.3:3306/fulfillment', settings).allowPublicKeyRetrieval).toBe(false);
      expect(poolConfigFromUrl('mysql://app:secret@10.20.0.3:3306/fulfillment?allowPublicKeyRetrieval=true', settings).allowPublicKeyRetrieval).toBe(true);
    });

    it('uses a key pinned in the URL, and then asks for none', () => {
      const config = poolConfigFromUrl('mysql://app:secret@127.0.0.1:3307/fulfillment?cachingRsaPublicKey=/etc/mysql/instance-key.pem', settings);
      expect(config).toEqual(expect.objectContaining({ cachingRsaPublicKey: '/etc/mysql/instance-key.pem', allowPublicKeyRetrieval: false }));
    });
  });

  it('never lets the driver write bound values into an error message', () => {
    expect(poolConfigFromUrl('mysql://app@localhost/db', settings).logParam).toBe(false);
  });

  it('names the database and the server URL without it', () => {
    expect(databaseName('mysql://root@127.0.0.1:3306/my_db')).toBe('my_db');
    expect(serverUrl('mysql://root@127.0.0.1:3306/my_db')).toBe('mysql://root@127.0.0.1:3306/');
  });
});
