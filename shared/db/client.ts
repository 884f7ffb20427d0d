import { PrismaClient } from '../../prisma/generated/client';
import { config, databaseUrl } from '../config/config';
import { poolConfigFromUrl } from './connection-options';

export { Prisma } from '../../prisma/generated/client';
export type { PrismaClient } from '../../prisma/generated/client';

/**
 * One Prisma client per process, created on first use: a function instance
 * that never touches the database (docs, a 404) never opens a pool.
 */
let client: PrismaClient | undefined;

export function db(): PrismaClient {
  if (!client) {
    const settings = config();
    // Required here, not imported: the driver and adapter are a tenth of a
    // second of cold start that a function never touching the database skips.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { PrismaMariaDb } = require('@prisma/adapter-mariadb') as typeof import('@prisma/adapter-mariadb');
    const adapter = new PrismaMariaDb(
      poolConfigFromUrl(databaseUrl(settings), {
        poolSize: settings.DATABASE_POOL_SIZE,
        connectTimeoutMs: settings.DATABASE_CONNECT_TIMEOUT_MS,
      }),
    );
    client = new PrismaClient({ adapter });
  }
  return client;
}

export type Db = PrismaClient;
export type Tx = Parameters<Parameters<PrismaClient['$transaction']>[0]>[0];

export async function disconnectDb(): Promise<void> {
  const current = client;
  client = undefined;
  await current?.$disconnect();
}
