import type { FunctionDefinition } from '../shared/http/endpoint';
import { deploySettingsOf, type InfraSettings } from './settings';

/**
 * Each instance of a database function opens up to DATABASE_POOL_SIZE
 * connections, and every function can scale to its max-instances at once, so
 * the worst case is Σ maxInstances × poolSize over every database function,
 * whichever ones a given deploy touches. That sum plus what is kept for
 * migrations and administration must stay within Cloud SQL's max_connections,
 * or a traffic spike turns into "Too many connections" errors.
 */
export interface FunctionConnections {
  name: string;
  maxInstances: number;
  poolSize: number;
  connections: number;
}

export interface ConnectionBudget {
  functions: FunctionConnections[];
  total: number;
  maxConnections: number;
  reserved: number;
  fits: boolean;
}

export function connectionBudget(
  registry: readonly FunctionDefinition[],
  settings: Pick<InfraSettings, 'poolSize' | 'maxConnections' | 'reservedConnections'>,
): ConnectionBudget {
  const functions = registry
    .map((definition) => ({ name: definition.name, deploy: deploySettingsOf(definition) }))
    .filter(({ deploy }) => deploy.database)
    .map(({ name, deploy }) => ({
      name,
      maxInstances: deploy.maxInstances,
      poolSize: settings.poolSize,
      connections: deploy.maxInstances * settings.poolSize,
    }));
  const total = functions.reduce((sum, entry) => sum + entry.connections, 0);
  return {
    functions,
    total,
    maxConnections: settings.maxConnections,
    reserved: settings.reservedConnections,
    fits: total + settings.reservedConnections <= settings.maxConnections,
  };
}

export function describeBudget(budget: ConnectionBudget): string {
  const verdict = budget.fits ? 'fits' : 'EXCEEDS';
  return (
    `Cloud SQL connections: Σ max-instances × pool size = ${budget.total} over ${budget.functions.length} database functions, ` +
    `+ ${budget.reserved} reserved ${verdict} max_connections ${budget.maxConnections}`
  );
}
