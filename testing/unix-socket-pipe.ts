import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

export interface UnixSocketPipe {
  /** The socket's path, for a `?socket=` in a database URL. */
  path: string;
  close(): Promise<void>;
}

/**
 * A unix socket whose every connection is piped, byte for byte, to a TCP
 * port: what Cloud Run's `/cloudsql/…` socket (the Cloud SQL Auth Proxy in
 * unix-socket mode) is to mysqld. The client sees a socket; mysqld sees a
 * plain TCP connection, not a secure one.
 */
export async function startUnixSocketPipe(target: { host: string; port: number }): Promise<UnixSocketPipe> {
  const dir = mkdtempSync(path.join(tmpdir(), 'pipe-'));
  const socketPath = path.join(dir, 'mysqld.sock');
  const open = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(target);
    for (const socket of [client, upstream]) {
      open.add(socket);
      socket.on('close', () => open.delete(socket));
      socket.on('error', () => undefined);
    }
    client.pipe(upstream).pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(socketPath, resolve));
  return {
    path: socketPath,
    close: async () => {
      for (const socket of open) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
