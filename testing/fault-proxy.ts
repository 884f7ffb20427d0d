import net from 'node:net';

/**
 * A TCP proxy between the functions and MariaDB that breaks the network on
 * command, so tests can show what a client is told when the database is cut
 * off or stops answering — the failures a real network produces and a mock
 * driver never would.
 *
 * - pass: bytes flow both ways (the start, and after `restore`).
 * - cut: both sockets of a connection are destroyed, now or when a trigger
 *   fires on that connection's next client bytes (mid-transaction, at COMMIT…).
 * - black hole: sockets stay open but no byte moves either way, and new
 *   connections are accepted and never answered — a partition, or a frozen
 *   server. `restore` lets the held bytes through, as TCP would once the
 *   network heals.
 * - refuse: the port stops listening, so a new connection is refused by the
 *   kernel (ECONNREFUSED), as from a stopped or restarting server; open
 *   connections are left alone (`cut` them too for a server that is gone).
 *   `restore` listens again on the same port.
 */
export interface CutTrigger {
  /**
   * Which client bytes fire it: a text they contain (a query's text, e.g.
   * 'COMMIT'), or a test of the chunk such as `isStatement`; omitted, any.
   */
  match?: string | ((chunk: Buffer) => boolean);
  /** Let this many matching writes through first (on all connections together), then cut. */
  skip?: number;
  /**
   * Deliver the matching bytes to the server before cutting, so the server
   * acts on them (COMMIT done) while the client never hears so. Default: the
   * bytes are lost with the connection.
   */
  deliver?: boolean;
  /** Only once this many more client bytes have gone through on the connection. */
  afterBytes?: number;
  /** How many connections to cut before the trigger disarms itself; default: every one it fires on. */
  times?: number;
}

/**
 * A client write that starts a statement (COM_QUERY, COM_STMT_PREPARE or
 * COM_STMT_EXECUTE, as the first packet, sequence 0): not a ping, not the
 * handshake. With the driver's prepared-statement cache, a statement's text is
 * sent once per connection, so counting statements is what reaches a given
 * step of a request.
 */
const STATEMENT_COMMANDS = new Set([0x03, 0x16, 0x17]);
export const isStatement = (chunk: Buffer): boolean => chunk.length > 4 && chunk[3] === 0 && STATEMENT_COMMANDS.has(chunk[4]);

export interface FaultProxy {
  readonly port: number;
  /** `databaseUrl` with its host and port replaced by the proxy's. */
  urlFor(databaseUrl: string): string;
  /** Destroys every connection now. */
  cut(): void;
  /** Arms a cut that fires on connections' future client bytes (open ones and new ones) until restored. */
  cutWhen(trigger: CutTrigger): void;
  blackHole(): void;
  refuse(): void;
  /** Back to passing bytes: disarms triggers, releases black-holed connections, listens again after `refuse`. */
  restore(): void;
  /** Connections currently open through the proxy. */
  openConnections(): number;
  /** Connections accepted so far (a refused one never is): every attempt the functions made to open one. */
  accepted(): number;
  /** Connections destroyed by a cut so far. */
  cuts(): number;
  close(): Promise<void>;
}

interface Link {
  client: net.Socket;
  server?: net.Socket;
  /** Client bytes sent since the trigger was armed. */
  bytesSinceArmed: number;
}

export async function startFaultProxy(target: { host: string; port: number }): Promise<FaultProxy> {
  const links = new Set<Link>();
  let mode: 'pass' | 'black-hole' = 'pass';
  let trigger: (CutTrigger & { remaining: number; skipped: number }) | undefined;
  let cutCount = 0;
  let acceptedCount = 0;
  let refusing = false;

  const destroy = (link: Link) => {
    link.client.destroy();
    link.server?.destroy();
    links.delete(link);
  };
  const cutLink = (link: Link) => {
    cutCount += 1;
    destroy(link);
  };

  const connectUpstream = (link: Link) => {
    const server = net.connect(target);
    link.server = server;
    server.on('data', (chunk) => {
      if (!link.client.destroyed) link.client.write(chunk);
    });
    server.on('error', () => destroy(link));
    server.on('close', () => destroy(link));
    link.client.resume();
  };

  const onClientBytes = (link: Link, chunk: Buffer) => {
    if (trigger && trigger.remaining > 0) {
      link.bytesSinceArmed += chunk.length;
      const pastBytes = link.bytesSinceArmed > (trigger.afterBytes ?? 0);
      const { match } = trigger;
      const matched = match === undefined || (typeof match === 'string' ? chunk.includes(match) : match(chunk));
      if (pastBytes && matched && trigger.skipped < (trigger.skip ?? 0)) {
        trigger.skipped += 1;
      } else if (pastBytes && matched) {
        trigger.remaining -= 1;
        if (trigger.deliver) {
          // The client hears nothing more; the server gets the bytes and then the end of the
          // connection (FIN, not a reset that could overtake them), so it acts on them first.
          cutCount += 1;
          link.client.destroy();
          link.server?.end(chunk);
          links.delete(link);
        } else cutLink(link);
        return;
      }
    }
    link.server?.write(chunk);
  };

  const proxy = net.createServer((client) => {
    acceptedCount += 1;
    const link: Link = { client, bytesSinceArmed: 0 };
    links.add(link);
    client.on('data', (chunk) => onClientBytes(link, chunk));
    client.on('error', () => destroy(link));
    client.on('close', () => destroy(link));
    if (mode === 'black-hole') {
      // Accepted, never answered: the driver waits for a greeting that does not come.
      client.pause();
      return;
    }
    connectUpstream(link);
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  const port = (proxy.address() as net.AddressInfo).port;

  return {
    port,
    urlFor(databaseUrl) {
      const url = new URL(databaseUrl);
      url.hostname = '127.0.0.1';
      url.port = String(port);
      return url.toString();
    },
    cut() {
      for (const link of [...links]) cutLink(link);
    },
    cutWhen(next) {
      trigger = { ...next, remaining: next.times ?? Number.POSITIVE_INFINITY, skipped: 0 };
      for (const link of links) link.bytesSinceArmed = 0;
    },
    blackHole() {
      mode = 'black-hole';
      // Paused sockets stop reading: the kernel buffers fill and neither side hears anything.
      for (const link of links) {
        link.client.pause();
        link.server?.pause();
      }
    },
    refuse() {
      refusing = true;
      proxy.close();
    },
    restore() {
      mode = 'pass';
      trigger = undefined;
      // An address in numbers: bound at once, before the next connection can be tried.
      if (refusing) proxy.listen(port, '127.0.0.1');
      refusing = false;
      for (const link of links) {
        if (link.server) {
          link.server.resume();
          link.client.resume();
        } else {
          connectUpstream(link);
        }
      }
    },
    openConnections: () => links.size,
    cuts: () => cutCount,
    accepted: () => acceptedCount,
    async close() {
      for (const link of [...links]) destroy(link);
      if (refusing) return;
      await new Promise<void>((resolve) => proxy.close(() => resolve()));
    },
  };
}
