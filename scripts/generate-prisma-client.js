#!/usr/bin/env node
// Runs `prisma generate` offline: the CLI would otherwise try to download a native
// schema engine it does not need for generating the client (SPEC §8).
const { execFileSync } = require('node:child_process');
const path = require('node:path');

const root = path.resolve(__dirname, '..');

let prismaCli;
try {
  prismaCli = require.resolve('prisma/build/index.js');
} catch {
  // A production-only install (the buildpack prunes devDependencies after the
  // build) has no CLI, and needs none: the client was compiled into dist/.
  console.log('prisma CLI not installed; skipping client generation');
  process.exit(0);
}

execFileSync(process.execPath, [prismaCli, 'generate', '--schema', path.join(root, 'prisma/schema.prisma')], {
  cwd: root,
  stdio: 'inherit',
  env: {
    ...process.env,
    PRISMA_SCHEMA_ENGINE_BINARY: path.join(root, 'scripts/schema-engine-offline.sh'),
    PRISMA_HIDE_UPDATE_MESSAGE: '1',
    CHECKPOINT_DISABLE: '1',
  },
});
