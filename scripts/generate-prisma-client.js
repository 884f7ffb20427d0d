#!/usr/bin/env node
// Runs `prisma generate` offline: the CLI would otherwise try to download a native
// schema engine it does not need for generating the client (SPEC §8).
const { execFileSync } = require('node:child_process');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
execFileSync(
  process.execPath,
  [require.resolve('prisma/build/index.js'), 'generate', '--schema', path.join(root, 'prisma/schema.prisma')],
  {
    cwd: root,
    stdio: 'inherit',
    env: {
      ...process.env,
      PRISMA_SCHEMA_ENGINE_BINARY: path.join(root, 'scripts/schema-engine-offline.sh'),
      PRISMA_HIDE_UPDATE_MESSAGE: '1',
      CHECKPOINT_DISABLE: '1',
    },
  },
);
