import { execFile } from 'node:child_process';
import { randomBytes, randomInt, sign } from 'node:crypto';
import { EventEmitter, once } from 'node:events';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer as createHttpServer, type IncomingMessage, type Server as HttpServer, type ServerResponse } from 'node:http';
import { connect as connectTcp, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer as createTlsServer, type TLSSocket } from 'node:tls';
import { promisify } from 'node:util';

/**
 * A local Cloud SQL for the connector's tests: what the real connector
 * (`@google-cloud/cloud-sql-connector`) talks to, as it talks to Google.
 *
 * - The Admin API's two calls the connector makes (read from its
 *   sqladmin-fetcher): GET `sql/v1beta4/projects/P/instances/I/connectSettings`
 *   (address, region, server CA) and POST `…/instances/I:generateEphemeralCert`
 *   (signs the connector's public key). Both need the bearer token given at
 *   start; `refuse(403)` makes them answer as Google does to a principal
 *   without cloudsql.instances.connect.
 * - The instance's server-side proxy: TLS 1.3 on port 3307 of a loopback
 *   address of its own (127.x.y.z, random, so parallel runs never share a
 *   port), with a server certificate named `P:I` (what the connector checks),
 *   requiring a client certificate signed by the stand-in's client CA, and
 *   piping the bytes to the test database server.
 *
 * Certificates are made at start with the `openssl` CLI, in a temporary
 * directory removed by close().
 */
export interface CloudSqlStandIn {
  /** PROJECT:REGION:INSTANCE, for INSTANCE_CONNECTION_NAME. */
  instanceConnectionName: string;
  /** The Admin API's root URL, for the connector's sqlAdminAPIEndpoint. */
  adminApiEndpoint: string;
  /** The bearer token the Admin API accepts. */
  accessToken: string;
  /** The loopback address the instance listens on (port 3307). */
  address: string;
  /** Serial numbers of the client certificates issued, oldest first. */
  issuedCertificates: string[];
  /** Serial number of the client certificate each accepted TLS connection presented, oldest first. */
  acceptedCertificates: string[];
  /** Resolves on the next client certificate issued. */
  nextCertificate(): Promise<string>;
  /** Resolves with the certificate serial of the next TLS connection accepted. */
  nextConnection(): Promise<string>;
  /** How long client certificates issued from now on are valid (a day unless set). */
  clientCertificateLifetimeMs: number;
  /** Answers every Admin API call with this status (and Google's error shape) until refuse(undefined). */
  refuse(status: number | undefined): void;
  /** Drops every open tunnel, as a restarting instance does. */
  dropConnections(): void;
  /** Stops both servers (like an instance going away); start() brings them back on the same addresses. */
  stop(): Promise<void>;
  start(): Promise<void>;
  close(): Promise<void>;
}

const run = promisify(execFile);

interface Ca {
  key: string;
  cert: string;
  keyPath: string;
  certPath: string;
}

async function makeCa(dir: string, name: string): Promise<Ca> {
  const keyPath = join(dir, `${name}.key`);
  const certPath = join(dir, `${name}.pem`);
  await run('openssl', [
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-nodes',
    '-keyout',
    keyPath,
    '-out',
    certPath,
    '-subj',
    `/CN=Stand-in ${name}`,
    '-days',
    '2',
  ]);
  return { keyPath, certPath, key: await readFile(keyPath, 'utf8'), cert: await readFile(certPath, 'utf8') };
}

/**
 * Signs `publicKey` (PEM) with `ca` for `lifetimeMs`; returns the certificate
 * and its serial number as node prints it. openssl 3.0's `x509 -new` counts
 * lifetimes in days only, and the connector refreshes a certificate when it has
 * less than four minutes left; so a short lifetime is written into the
 * certificate openssl made (notAfter, same length) and signed again with the
 * CA's key.
 */
async function signKey(dir: string, ca: Ca, publicKey: string, subject: string, lifetimeMs = 86_400_000): Promise<{ cert: string; serial: string }> {
  const base = join(dir, randomBytes(6).toString('hex'));
  await writeFile(`${base}.pub`, publicKey);
  const serial = `7${randomBytes(8).toString('hex').slice(1)}`.toUpperCase(); // 16 digits, as node prints it
  await run('openssl', [
    'x509',
    '-new',
    '-subj',
    subject,
    '-force_pubkey',
    `${base}.pub`,
    '-CA',
    ca.certPath,
    '-CAkey',
    ca.keyPath,
    '-set_serial',
    `0x${serial}`,
    '-days',
    '1',
    '-out',
    `${base}.pem`,
  ]);
  const cert = await readFile(`${base}.pem`, 'utf8');
  return { cert: lifetimeMs === 86_400_000 ? cert : withNotAfter(cert, new Date(Date.now() + lifetimeMs), ca.key), serial };
}

const derLength = (length: number) => (length < 0x80 ? [length] : length < 0x100 ? [0x81, length] : [0x82, length >> 8, length & 0xff]);
/** Offset of the content and total size of the DER element at `offset`. */
function derElement(der: Buffer, offset: number): { content: number; end: number } {
  const first = der[offset + 1];
  const lengthBytes = first & 0x80 ? first & 0x7f : 0;
  const length = lengthBytes ? der.subarray(offset + 2, offset + 2 + lengthBytes).reduce((sum, byte) => sum * 256 + byte, 0) : first;
  const content = offset + 2 + lengthBytes;
  return { content, end: content + length };
}

function withNotAfter(pem: string, notAfter: Date, caKey: string): string {
  const der = Buffer.from(pem.replace(/-----[^-]+-----|\s/g, ''), 'base64');
  const outer = derElement(der, 0);
  const tbs = Buffer.from(der.subarray(outer.content, derElement(der, outer.content).end));
  const rest = der.subarray(outer.content + tbs.length, outer.end);
  const signatureAlgorithm = rest.subarray(0, derElement(rest, 0).end);
  // Validity is SEQUENCE(30) of two UTCTimes (13 bytes each): 30 1e 17 0d <notBefore> 17 0d <notAfter>.
  const validity = tbs.indexOf(Buffer.from([0x30, 0x1e, 0x17, 0x0d]));
  if (validity < 0 || tbs[validity + 17] !== 0x17) throw new Error('stand-in: no UTCTime validity in the certificate openssl made');
  const utcTime = notAfter.toISOString().replace(/^\d\d|[-:T]|\.\d+/g, '');
  tbs.write(utcTime, validity + 19, 'latin1');
  const signature = sign('sha256', tbs, caKey);
  const signatureBits = Buffer.from([0x03, ...derLength(signature.length + 1), 0x00, ...signature]);
  const body = Buffer.concat([tbs, signatureAlgorithm, signatureBits]);
  const certificate = Buffer.concat([Buffer.from([0x30, ...derLength(body.length)]), body]);
  return `-----BEGIN CERTIFICATE-----\n${certificate.toString('base64').replace(/(.{64})/g, '$1\n')}\n-----END CERTIFICATE-----\n`;
}

function listen(server: Server | HttpServer, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

const closeServer = (server: Server | HttpServer) => new Promise<void>((resolve) => server.close(() => resolve()));

export async function startCloudSqlStandIn(databaseServer = process.env.TEST_DATABASE_SERVER ?? 'mysql://root@127.0.0.1:3306'): Promise<CloudSqlStandIn> {
  const project = 'standin-project';
  const region = 'standin-region';
  const instance = `standin-${randomBytes(3).toString('hex')}`;
  const database = new URL(databaseServer);
  const dir = await mkdtemp(join(tmpdir(), 'cloud-sql-standin-'));
  const accessToken = `standin-token-${randomBytes(8).toString('hex')}`;

  const serverCa = await makeCa(dir, 'server-ca');
  const clientCa = await makeCa(dir, 'client-ca');
  const serverKeyPath = join(dir, 'server.key');
  await run('openssl', ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', serverKeyPath]);
  const serverPublicKey = (await run('openssl', ['pkey', '-in', serverKeyPath, '-pubout'])).stdout;
  // The connector checks the instance's name in the certificate's CN (no DNS name is advertised).
  const serverCert = (await signKey(dir, serverCa, serverPublicKey, `/CN=${project}:${instance}`)).cert;
  const serverKey = await readFile(serverKeyPath, 'utf8');

  const issuedCertificates: string[] = [];
  const acceptedCertificates: string[] = [];
  const issued = new EventEmitter(); // 'certificate' and 'connection', each with a serial number
  let refusal: number | undefined;
  const tunnels = new Set<Socket>();

  const instancePath = `/sql/v1beta4/projects/${project}/instances/${instance}`;
  async function admin(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const answer = (status: number, body: unknown) => {
      response.writeHead(status, { 'Content-Type': 'application/json' });
      response.end(JSON.stringify(body));
    };
    const googleError = (status: number, reason: string, message: string) => answer(status, { error: { code: status, message, status: reason } });
    if (request.headers.authorization !== `Bearer ${accessToken}`)
      return googleError(401, 'UNAUTHENTICATED', 'Request had invalid authentication credentials.');
    if (refusal)
      return googleError(
        refusal,
        refusal === 403 ? 'PERMISSION_DENIED' : 'UNAVAILABLE',
        refusal === 403 ? 'The client is not authorized to make this request.' : 'The service is currently unavailable.',
      );
    const path = new URL(request.url ?? '/', 'http://standin').pathname;
    if (request.method === 'GET' && path === `${instancePath}/connectSettings`) {
      return answer(200, {
        kind: 'sql#connectSettings',
        serverCaCert: { kind: 'sql#sslCert', cert: serverCa.cert, instance, expirationTime: new Date(Date.now() + 86_400_000).toISOString() },
        ipAddresses: [{ type: 'PRIMARY', ipAddress: address }],
        region,
        databaseVersion: 'MYSQL_8_4',
        backendType: 'SECOND_GEN',
      });
    }
    if (request.method === 'POST' && path === `${instancePath}:generateEphemeralCert`) {
      const publicKey = (JSON.parse(Buffer.concat(chunks).toString('utf8')) as { public_key?: string }).public_key;
      if (!publicKey) return googleError(400, 'INVALID_ARGUMENT', 'public_key is required');
      const { cert, serial } = await signKey(dir, clientCa, publicKey, '/CN=ephemeral', standIn.clientCertificateLifetimeMs);
      issuedCertificates.push(serial);
      issued.emit('certificate', serial);
      return answer(200, { ephemeralCert: { kind: 'sql#sslCert', cert } });
    }
    return googleError(404, 'NOT_FOUND', `No such resource: ${request.method} ${path}`);
  }

  const adminServer = createHttpServer((request, response) => {
    admin(request, response).catch((error: Error) => {
      response.writeHead(500, { 'Content-Type': 'application/json' });
      response.end(JSON.stringify({ error: { code: 500, message: error.message, status: 'INTERNAL' } }));
    });
  });
  const instanceServer = createTlsServer(
    { key: serverKey, cert: serverCert, ca: clientCa.cert, requestCert: true, rejectUnauthorized: true, minVersion: 'TLSv1.3' },
    (client: TLSSocket) => {
      const serial = client.getPeerCertificate().serialNumber;
      acceptedCertificates.push(serial);
      issued.emit('connection', serial);
      const upstream = connectTcp(Number(database.port || 3306), database.hostname);
      for (const socket of [client, upstream]) {
        tunnels.add(socket);
        socket.on('error', () => undefined);
        socket.once('close', () => {
          tunnels.delete(socket);
          client.destroy();
          upstream.destroy();
        });
      }
      client.pipe(upstream).pipe(client);
    },
  );
  // Handshakes refused by the CA check are the client's problem, not the server's.
  instanceServer.on('tlsClientError', () => undefined);

  let address = '';
  for (let attempt = 0; !address; attempt++) {
    const candidate = `127.${randomInt(1, 255)}.${randomInt(0, 256)}.${randomInt(1, 255)}`;
    try {
      await listen(instanceServer, 3307, candidate);
      address = candidate;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE' || attempt > 20) throw error;
    }
  }
  await listen(adminServer, 0, '127.0.0.1');
  const adminPort = (adminServer.address() as { port: number }).port;

  const standIn: CloudSqlStandIn = {
    instanceConnectionName: `${project}:${region}:${instance}`,
    adminApiEndpoint: `http://127.0.0.1:${adminPort}/`,
    accessToken,
    address,
    issuedCertificates,
    acceptedCertificates,
    nextCertificate: async () => ((await once(issued, 'certificate')) as [string])[0],
    nextConnection: async () => ((await once(issued, 'connection')) as [string])[0],
    clientCertificateLifetimeMs: 86_400_000,
    refuse: (status) => {
      refusal = status;
    },
    dropConnections: () => {
      for (const socket of tunnels) socket.destroy();
    },
    stop: async () => {
      standIn.dropConnections();
      adminServer.closeAllConnections();
      await Promise.all([closeServer(instanceServer), closeServer(adminServer)]);
    },
    start: async () => {
      await listen(instanceServer, 3307, address);
      await listen(adminServer, adminPort, '127.0.0.1');
    },
    close: async () => {
      if (instanceServer.listening || adminServer.listening) await standIn.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
  return standIn;
}
