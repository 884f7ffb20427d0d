// The end of `npm run build` (after tsc), for what the deployed functions read at start:
// 1. dist/openapi.json, the OpenAPI document built from the registry, so the docs
//    function serves a file instead of loading every function's handler.
// 2. dist/bundles: one bundle per function and the entry that loads it (scripts/bundle-functions.js).
// 3. dist/.compile-cache, V8's compiled code for what a function loads (the framework's
//    modules and the bundles), so a cold instance reads code instead of compiling it;
//    functions start with NODE_COMPILE_CACHE pointing here (infra/settings).
const { mkdirSync, rmSync, writeFileSync } = require('node:fs');
const Module = require('node:module');
const path = require('node:path');
const { bundleAll, out } = require('./bundle-functions');

const dist = path.resolve(__dirname, '../dist');
const { registry } = require(path.join(dist, 'functions/registry.js'));
const { buildOpenApiDocument } = require(path.join(dist, 'shared/openapi/document.js'));
writeFileSync(path.join(dist, 'openapi.json'), JSON.stringify(buildOpenApiDocument(registry)));

async function main() {
  const names = registry.map((definition) => definition.name);
  await bundleAll(names);

  const cache = path.join(dist, '.compile-cache');
  rmSync(cache, { recursive: true, force: true });
  mkdirSync(cache, { recursive: true });
  Module.enableCompileCache(cache);
  // Loading a module is what fills the cache; nothing here connects anywhere.
  // The framework's CLI modules (its main.js would start a server when loaded).
  const framework = path.dirname(require.resolve('@google-cloud/functions-framework'));
  for (const name of ['loader', 'invoker', 'server', 'options', 'logger']) require(path.join(framework, `${name}.js`));
  // A module is compiled (and its code cached) before its first statement runs. Without a target the
  // entry stops at once; a bundle at the configuration check, since the build has no configuration.
  // Anything else is a broken bundle.
  const compile = (file, expected) => {
    try {
      require(file);
    } catch (error) {
      if (!expected.test(error.message)) throw error;
    }
  };
  compile(path.join(out, 'main.cjs'), /serves one function/);
  for (const name of names) compile(path.join(out, name, 'index.cjs'), /^Invalid configuration/);
  Module.flushCompileCache();
}

main().catch((error) => {
  process.stderr.write(`${error.stack}\n`);
  process.exit(1);
});
