import { PrismaClient } from '../../prisma/generated/client';
import { closePool, sqlPool } from './pool';

export { Prisma } from '../../prisma/generated/client';
export type { PrismaClient } from '../../prisma/generated/client';

/**
 * One Prisma client per process, created on first use: a function instance
 * that never touches the database (docs, a 404) never opens a pool.
 */
let client: PrismaClient | undefined;

export function db(): PrismaClient {
  if (!client) {
    // Required here, not imported: the adapter is only loaded by functions that use Prisma.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { PrismaMariaDb } = require('@prisma/adapter-mariadb') as typeof import('@prisma/adapter-mariadb');
    client = new PrismaClient({ adapter: new PrismaMariaDb(sqlPool()) });
  }
  return client;
}

export async function disconnectDb(): Promise<void> {
  const current = client;
  client = undefined;
  await current?.$disconnect();
  await closePool();
}
