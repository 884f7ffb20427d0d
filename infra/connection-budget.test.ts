import { registry } from '../functions/registry';
import type { FunctionDefinition } from '../shared/http/endpoint';
import { connectionBudget, describeBudget } from './connection-budget';
import { readSettings } from './settings';

const endpoint = registry[0].endpoint;
const fn = (name: string, deploy: FunctionDefinition['deploy'] = {}): FunctionDefinition => ({
  name,
  methods: ['GET'],
  paths: [`/${name}/`],
  auth: 'user',
  endpoint,
  deploy,
});

describe('connectionBudget', () => {
  const limits = { poolSize: 5, maxConnections: 1000, reservedConnections: 50 };

  it('sums max-instances × pool size over the database functions only', () => {
    const budget = connectionBudget([fn('a'), fn('b', { maxInstances: 2 }), fn('docs', { database: false, maxInstances: 100 })], limits);
    expect(budget.functions).toEqual([
      { name: 'a', maxInstances: 40, poolSize: 5, connections: 200 },
      { name: 'b', maxInstances: 2, poolSize: 5, connections: 10 },
    ]);
    expect(budget.total).toBe(210);
    expect(budget.fits).toBe(true);
  });

  it('keeps the reserved connections free', () => {
    const fleet = [fn('a', { maxInstances: 190 })]; // 950 connections
    expect(connectionBudget(fleet, limits).fits).toBe(true); // 950 + 50 = 1000
    expect(connectionBudget(fleet, { ...limits, reservedConnections: 51 }).fits).toBe(false);
    expect(describeBudget(connectionBudget(fleet, { ...limits, reservedConnections: 51 }))).toBe(
      'Cloud SQL connections: Σ max-instances × pool size = 950 over 1 database functions, + 51 reserved EXCEEDS max_connections 1000',
    );
  });

  it('keeps the registry, with the default settings, inside the default instance', () => {
    const budget = connectionBudget(registry, readSettings({}, {}, { dryRun: true }));
    expect(budget.functions.map((entry) => entry.name)).toEqual(
      registry.filter((definition) => definition.deploy?.database !== false).map((definition) => definition.name),
    );
    expect(budget.fits).toBe(true);
  });
});
