import type { Connection } from 'mariadb';

/**
 * SQL work per request, from MariaDB's global status counters sampled around
 * the measured window. performance_schema and userstat are off on this server
 * (and turning them on is a global change on a shared machine), so the counters
 * are server-wide: the window is checked for other clients and re-measured when
 * one was active (see `otherClientsActive`).
 *
 * Definitions (validated against the floor server, which sends exactly two
 * text-protocol SELECTs per request, and by hand: see docs/performance.md):
 * - statements: Σ Δ Com_xxx over every Com_ counter except Com_stmt_* and
 *   Com_admin_commands. A prepared statement's EXECUTE also bumps the Com_xxx
 *   of the statement it runs (Com_select …), so Com_stmt_* would count it twice;
 *   Com_admin_commands is pings and resets, not SQL.
 * - roundTrips: Δ Questions + Δ Com_admin_commands: every client command the
 *   driver waits on. Questions counts COM_QUERY and COM_STMT_EXECUTE but not
 *   COM_STMT_PREPARE (which the mariadb driver pipelines with its EXECUTE on
 *   MariaDB ≥ 10.2.4, so it costs no extra wait) nor COM_STMT_CLOSE (no reply)
 *   nor COM_PING (counted in Com_admin_commands instead).
 * - prepares: Δ Com_stmt_prepare, apart, so re-preparing per request shows.
 * - commands: roundTrips + prepares + Δ Com_stmt_close, every packet-level command.
 * The closing SHOW GLOBAL STATUS counts itself (Com_show_status, Questions):
 * one is taken off both.
 */
export type Counters = Record<string, number>;

export interface SqlDelta {
  statements: number;
  roundTrips: number;
  prepares: number;
  commands: number;
  /** Every Com_* and Questions counter that moved, the bench's own SHOW removed. */
  moved: Counters;
}

export async function readCounters(conn: Connection): Promise<Counters> {
  const rows: Array<{ Variable_name: string; Value: string }> = await conn.query(
    "SHOW GLOBAL STATUS WHERE Variable_name LIKE 'Com\\_%' OR Variable_name IN ('Questions', 'Connections')",
  );
  return Object.fromEntries(rows.map((row) => [row.Variable_name, Number(row.Value)]));
}

export function sqlDelta(before: Counters, after: Counters): SqlDelta {
  const moved: Counters = {};
  for (const [name, value] of Object.entries(after)) {
    let delta = value - (before[name] ?? 0);
    if (name === 'Com_show_status' || name === 'Questions') delta -= 1; // the closing sample itself
    if (delta !== 0 && name !== 'Connections') moved[name] = delta;
  }
  const statements = Object.entries(moved)
    .filter(([name]) => name.startsWith('Com_') && !name.startsWith('Com_stmt_') && name !== 'Com_admin_commands')
    .reduce((sum, [, delta]) => sum + delta, 0);
  const roundTrips = (moved.Questions ?? 0) + (moved.Com_admin_commands ?? 0);
  const prepares = moved.Com_stmt_prepare ?? 0;
  return { statements, roundTrips, prepares, commands: roundTrips + prepares + (moved.Com_stmt_close ?? 0), moved };
}

export const perRequest = (delta: SqlDelta, requests: number) => {
  const per = (value: number) => (requests > 0 ? value / requests : 0);
  return {
    statements: per(delta.statements),
    roundTrips: per(delta.roundTrips),
    prepares: per(delta.prepares),
    commands: per(delta.commands),
    moved: Object.fromEntries(Object.entries(delta.moved).map(([name, value]) => [name, Number(per(value).toFixed(3))])),
  };
};

/**
 * Who else is talking to the server: every connection but the bench's own
 * and those using the bench database, with the id of the last query each ran.
 */
export interface ClientsSnapshot {
  others: Map<number, number>;
  connections: number;
  benchThreads: Set<number>;
}

export async function snapshotClients(conn: Connection, benchDatabase: string): Promise<ClientsSnapshot> {
  const rows: Array<{ ID: number | bigint; DB: string | null; QUERY_ID: number | bigint }> = await conn.query(
    'SELECT ID, DB, QUERY_ID FROM information_schema.PROCESSLIST WHERE ID <> CONNECTION_ID()',
  );
  const others = new Map<number, number>();
  const benchThreads = new Set<number>();
  for (const row of rows) {
    if (row.DB === benchDatabase) benchThreads.add(Number(row.ID));
    else others.set(Number(row.ID), Number(row.QUERY_ID));
  }
  const [{ Value }]: Array<{ Value: string }> = await conn.query("SHOW GLOBAL STATUS LIKE 'Connections'");
  return { others, connections: Number(Value), benchThreads };
}

/**
 * True when some other client may have run SQL between the two snapshots: a
 * connection not ours ran a query, appeared, or came and went. Connections the
 * measured server opened meanwhile are its own and allowed.
 */
export function otherClientsActive(before: ClientsSnapshot, after: ClientsSnapshot): boolean {
  for (const [id, queryId] of after.others) {
    const previous = before.others.get(id);
    if (previous === undefined || previous !== queryId) return true;
  }
  const newBenchThreads = [...after.benchThreads].filter((id) => !before.benchThreads.has(id)).length;
  // The before-snapshot's own SHOW STATUS came after its Connections read; nothing else should connect.
  return after.connections - before.connections > newBenchThreads;
}

/**
 * Waits (up to `maxMs`) for a quarter-second in which no other client ran SQL,
 * so the window that follows is likely to be clean. Other engineers' test runs
 * share this server; their bursts are short.
 */
export async function waitForQuiet(conn: Connection, benchDatabase: string, maxMs: number): Promise<boolean> {
  const deadline = Date.now() + maxMs;
  let previous = await snapshotClients(conn, benchDatabase);
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    const current = await snapshotClients(conn, benchDatabase);
    if (!otherClientsActive(previous, current)) return true;
    if (Date.now() > deadline) return false;
    previous = current;
  }
}
