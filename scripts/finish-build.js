// The end of `npm run build` (after tsc), for what the deployed functions read at start:
// 1. dist/openapi.json, the OpenAPI document built from the registry, so the docs
//    function serves a file instead of loading every function's handler.
// 2. dist/bundles: one bundle per function and the entry that loads it (scripts/bundle-functions.js).
// 3. dist/.compile-cache, V8's compiled code for what a function loads (the framework's
//    modules and the entry), so a cold instance reads code instead of compiling it;
//    functions start with NODE_COMPILE_CACHE pointing here (infra/settings).
// 4. dist/bundles/<name>/index.cjs.v8cache, V8's code for each bundle, taken after it ran
//    and served one request (functions/load-bundle.ts and scripts/take-code-cache.js say why).
const { execFileSync } = require('node:child_process');
const { mkdirSync, rmSync, writeFileSync } = require('node:fs');
const Module = require('node:module');
const path = require('node:path');
const { bundleAll, out } = require('./bundle-functions');
const { takeCodeCacheScript, throwawaySettings } = require('./take-code-cache');

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
  // A module is compiled (and its code cached) before its first statement runs. Without a target
  // the entry stops at once; anything else is a broken entry.
  try {
    require(path.join(out, 'main.cjs'));
  } catch (error) {
    if (!/serves one function/.test(error.message)) throw error;
  }
  Module.flushCompileCache();
  writeBundleCodeCaches(names, cache);
}

/**
 * Each bundle loaded in a process of its own, as the function it is (its configuration checked,
 * its endpoint registered), and served one request (scripts/take-code-cache.js).
 */
function writeBundleCodeCaches(names, compileCache) {
  // What a bundle requires from node_modules (the framework's express, its body parser) goes into the compile cache too.
  const settings = { ...throwawaySettings(), NODE_COMPILE_CACHE: compileCache };
  if (process.env.NODE_DEBUG) settings.NODE_DEBUG = process.env.NODE_DEBUG;
  for (const name of names) {
    try {
      execFileSync(process.execPath, [takeCodeCacheScript, name], {
        env: { ...settings, FUNCTION_TARGET: name },
        stdio: ['ignore', 'ignore', 'inherit'],
        timeout: 60_000,
        killSignal: 'SIGKILL',
      });
    } catch (error) {
      // A function without a code cache starts correctly, only slower: the build goes on, and says so.
      rmSync(path.join(out, name, 'index.cjs.v8cache'), { force: true });
      process.stderr.write(`finish-build: no code cache for ${name} (${error.message.split('\n')[0]})\n`);
    }
  }
}

main().catch((error) => {
  process.stderr.write(`${error.stack}\n`);
  process.exit(1);
});
