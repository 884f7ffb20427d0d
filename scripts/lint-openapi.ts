// `npm run lint:openapi`: build the OpenAPI document from the registry (what
// `/openapi.json` serves), write it to a temporary file and run `redocly lint`
// on it with the rules in redocly.yaml. Needs no database or configuration.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { registry } from '../functions/registry';
import { buildOpenApiDocument } from '../shared/openapi/document';

const root = path.resolve(__dirname, '..');
const directory = mkdtempSync(path.join(tmpdir(), 'openapi-lint-'));
const file = path.join(directory, 'openapi.json');
try {
  writeFileSync(file, `${JSON.stringify(buildOpenApiDocument(registry), null, 2)}\n`);
  const redocly = spawnSync(
    process.execPath,
    [require.resolve('@redocly/cli/bin/cli.js'), 'lint', file, '--config', path.join(root, 'redocly.yaml'), ...process.argv.slice(2)],
    // No usage report (redocly.yaml says so too) and no update notice: these machines reach no network but the npm registry.
    { cwd: root, stdio: 'inherit', env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' } },
  );
  process.exitCode = redocly.status ?? 1;
} finally {
  rmSync(directory, { recursive: true, force: true });
}
