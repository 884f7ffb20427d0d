// The floor: the least a GET /api/v1/wallets/ can cost on this stack, to put
// the functions' numbers in proportion. node:http and the mariadb driver only,
// doing the same work: verify the JWT (ES256, kept once checked, as the functions do), one joined SELECT of session + user,
// one SELECT of the wallets, one JSON log line to stdout, a JSON answer.
// Run by plain `node` (type stripping), so it must stay erasable TypeScript.
import { createPublicKey, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import jwt from 'jsonwebtoken';
import mariadb from 'mariadb';

const port = Number(process.argv.find((arg) => arg.startsWith('--port='))?.slice('--port='.length) ?? 8080);
const databaseUrl = new URL(process.env.DATABASE_URL ?? 'mysql://root@127.0.0.1:3306/fulfillment');
// The public keys by kid, as the functions read SIGNING_PUBLIC_KEYS (shared/auth/signing-keys.ts).
const publicKeys = new Map(
  Object.entries(JSON.parse(process.env.SIGNING_PUBLIC_KEYS ?? '{}') as Record<string, string>).map(([kid, pem]) => [kid, createPublicKey(pem)]),
);
// JSON.rawJSON (Node 21+) writes the exact decimal as a number, as the functions do.
const rawJson = (JSON as unknown as { rawJSON(text: string): unknown }).rawJSON;

// The same pool settings as the functions' (shared/db/connection-options.ts).
const pool = mariadb.createPool({
  host: databaseUrl.hostname,
  port: Number(databaseUrl.port || 3306),
  user: decodeURIComponent(databaseUrl.username || 'root'),
  password: decodeURIComponent(databaseUrl.password),
  database: decodeURIComponent(databaseUrl.pathname.slice(1)),
  connectionLimit: 5,
  initSql: "SET time_zone = '+00:00'",
});

const SESSION_SQL =
  'SELECT s.user_id, s.revoked_at IS NOT NULL AS revoked, s.expires_at <= NOW(6) AS expired, u.is_active ' +
  'FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.id = ?';
const WALLETS_SQL = 'SELECT id, bank_name, card_number, balance FROM wallets WHERE user_id = ? ORDER BY created_at, id';

// Checked keys are kept, as shared/auth/tokens.ts keeps them (expiry aside: the bench's keys outlive it).
const verified = new Map<string, jwt.JwtPayload>();
function verify(token: string): jwt.JwtPayload {
  const key = publicKeys.get(jwt.decode(token, { complete: true })?.header.kid ?? '');
  if (!key) throw new Error('unknown kid');
  const claims = jwt.verify(token, key, { algorithms: ['ES256'] }) as jwt.JwtPayload;
  verified.set(token, claims);
  return claims;
}

function answer(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

async function handle(req: IncomingMessage, res: ServerResponse): Promise<number> {
  const token = /^(?:token|bearer)\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1];
  if (!token) return reply(res, 401, 'Authentication credentials were not provided');
  let claims: jwt.JwtPayload;
  try {
    claims = verified.get(token) ?? verify(token);
  } catch {
    return reply(res, 401, 'Invalid token');
  }
  const [session] = await pool.query({ sql: SESSION_SQL, rowsAsArray: false }, [claims.jti]);
  if (!session || session.user_id !== claims.sub || Number(session.revoked) || Number(session.expired) || !Number(session.is_active)) {
    return reply(res, 401, 'Invalid token');
  }
  const wallets: Array<{ id: string; bank_name: string; card_number: string; balance: string }> = await pool.query(WALLETS_SQL, [claims.sub]);
  answer(
    res,
    200,
    wallets.map((w) => ({ id: w.id, bank_name: w.bank_name, card_number: w.card_number, balance: rawJson(w.balance) })),
  );
  return 200;
}

function reply(res: ServerResponse, status: number, message: string): number {
  answer(res, status, { error: { code: status === 401 ? 'unauthorized' : 'error', message, details: [] } });
  return status;
}

createServer((req, res) => {
  const started = process.hrtime.bigint();
  const done = (status: number) => {
    const latency = Number(process.hrtime.bigint() - started) / 1e9;
    process.stdout.write(
      `${JSON.stringify({
        severity: status >= 500 ? 'ERROR' : 'INFO',
        message: `${req.method} ${req.url} ${status}`,
        time: new Date().toISOString(),
        requestId: randomUUID(),
        function: 'floor',
        httpRequest: { requestMethod: req.method, requestUrl: req.url, status, latency: `${latency.toFixed(3)}s`, userAgent: req.headers['user-agent'] },
      })}\n`,
    );
  };
  const route = (req.url ?? '').split('?')[0];
  if (req.method !== 'GET' || (route !== '/api/v1/wallets/' && route !== '/api/v1/wallets')) {
    done(reply(res, 404, 'Not found'));
    return;
  }
  handle(req, res).then(done, (error: Error) => {
    done(reply(res, 500, error.message));
  });
}).listen(port, () => process.stdout.write(`floor listening on ${port}\n`));

// Stopped by the bench with SIGTERM: exiting, rather than being killed, writes its --cpu-prof profile.
process.on('SIGTERM', () => process.exit(0));
