import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { registry } from '../functions/registry';
import { compilePath } from '../shared/http/route-path';
import { main } from './gateway';
import { buildGatewayConfig, gatewayPath, type GatewayConfig } from './gateway-config';
import { deploySettingsOf, functionUrl, readSettings } from './settings';
import { parsePrinted, printedBy } from './testing/printed-commands';

const settings = readSettings({}, {}, { dryRun: true });
const config = buildGatewayConfig(registry, settings);
const clientFunctions = registry.filter((definition) => definition.auth !== 'scheduler');

const operations = (gateway: GatewayConfig) =>
  Object.entries(gateway.paths).flatMap(([path, methods]) => Object.entries(methods).map(([method, operation]) => ({ path, method, operation })));

describe('the API Gateway config', () => {
  it('is OpenAPI 2.0, a form API Gateway takes (as it takes 3.0 and 3.1)', () => {
    expect(config.swagger).toBe('2.0');
  });

  it('sends every client route and method to its own function, appending the request path', () => {
    for (const definition of clientFunctions) {
      const address = functionUrl(settings, definition.name);
      for (const path of definition.paths) {
        for (const method of definition.methods) {
          const operation = config.paths[gatewayPath(path)]?.[method.toLowerCase()];
          expect({ route: `${method} ${path}`, backend: operation?.['x-google-backend'] }).toEqual({
            route: `${method} ${path}`,
            backend: {
              address,
              path_translation: 'APPEND_PATH_TO_ADDRESS',
              jwt_audience: address,
              deadline: deploySettingsOf(definition).timeoutSeconds,
            },
          });
        }
      }
    }
  });

  it('routes nothing else, and nothing to the scheduled functions', () => {
    const routed = operations(config).filter(({ method }) => method !== 'options');
    const registered = clientFunctions.reduce((sum, definition) => sum + definition.paths.length * definition.methods.length, 0);
    expect(routed).toHaveLength(registered);

    const scheduledUrls = registry.filter((definition) => definition.auth === 'scheduler').map((definition) => functionUrl(settings, definition.name));
    expect(scheduledUrls.length).toBeGreaterThan(0);
    for (const { operation } of operations(config)) expect(scheduledUrls).not.toContain(operation['x-google-backend'].address);
  });

  it('answers CORS preflights on every path through a function that serves that path', () => {
    for (const [path, methods] of Object.entries(config.paths)) {
      const preflight = methods.options;
      expect(preflight).toBeDefined();
      const servingPath = clientFunctions.filter((definition) => definition.paths.some((registered) => gatewayPath(registered) === path));
      expect(servingPath.map((definition) => functionUrl(settings, definition.name))).toContain(preflight['x-google-backend'].address);
    }
  });

  it('declares every path parameter of every operation, as API Gateway requires', () => {
    let templated = 0;
    for (const { path, operation } of operations(config)) {
      const inPath = [...path.matchAll(/\{(\w+)\}/g)].map((match) => match[1]);
      templated += inPath.length ? 1 : 0;
      expect(operation.parameters).toEqual(inPath.map((name) => ({ name, in: 'path', required: true, type: 'string' })));
    }
    expect(templated).toBeGreaterThan(0);
  });

  it('gives every operation a unique operationId', () => {
    const ids = operations(config).map(({ operation }) => operation.operationId);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('declares paths without the trailing slash, and the functions accept the path either way', () => {
    for (const definition of clientFunctions) {
      for (const path of definition.paths) {
        const declared = gatewayPath(path);
        expect(declared.endsWith('/')).toBe(false);
        const sample = declared.replace(/\{\w+\}/g, '00000000-0000-4000-8000-000000000000');
        expect(compilePath(path).match(sample)).toBeDefined();
        expect(compilePath(path).match(`${sample}/`)).toBeDefined();
      }
    }
  });
});

describe('gateway --dry-run', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(path.join(tmpdir(), 'gateway-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('writes the config and prints the commands that roll it out, named after its content', async () => {
    const out = path.join(dir, 'gateway.json');
    const printed = parsePrinted(await printedBy(main, ['--dry-run', `--out=${out}`]));
    expect(JSON.parse(readFileSync(out, 'utf8'))).toEqual(config);

    const create = printed.find((command) => command.words.slice(1, 4).join(' ') === 'api-gateway api-configs create')!;
    const configId = create.words[4];
    expect(configId).toMatch(/^fulfillment-api-[0-9a-f]{12}$/);
    expect(create.flags.get('--openapi-spec')).toBe(out);
    expect(create.flags.get('--backend-auth-service-account')).toBe('api-gateway@my-project.iam.gserviceaccount.com');

    const gateway = printed.find((command) => command.words.slice(1, 4).join(' ') === 'api-gateway gateways create')!;
    expect(gateway.flags.get('--api-config')).toBe(configId);

    const again = parsePrinted(await printedBy(main, ['--dry-run', `--out=${out}`]));
    expect(again.find((command) => command.words[3] === 'create' && command.words[2] === 'api-configs')!.words[4]).toBe(configId);
  });
});
