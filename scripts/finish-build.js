// The end of `npm run build` (after tsc), for what the deployed functions read at start:
// 1. dist/openapi.json, the OpenAPI document built from the registry, so the docs
//    function serves a file instead of loading every function's handler.
// 2. dist/bundles: one bundle per function and the entry that loads it (scripts/bundle-functions.js).
// 3. dist/.compile-cache, V8's compiled code for what a function loads (the framework's
//    modules and the entry), so a cold instance reads code instead of compiling it;
//    functions start with NODE_COMPILE_CACHE pointing here (infra/settings).
// 4. dist/bundles/<name>/index.cjs.v8cache, V8's code for each bundle, taken after it ran
//    (functions/load-bundle.ts says why).
const { execFileSync } = require('node:child_process');
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
 * Each bundle loaded to the end in a process of its own, as the function it is: its configuration
 * checked and its endpoint registered. The settings it is given are never used: nothing here
 * connects anywhere, and the key pair is made for these loads and dropped.
 */
function writeBundleCodeCaches(names, compileCache) {
  const { newSigningKeyPair, publicKeySetText } = require(path.join(dist, 'shared/auth/signing-key-pairs.js'));
  const pair = newSigningKeyPair();
  const unused = 'build-only-never-used-0123456789abcdef';
  const settings = {
    PATH: process.env.PATH,
    // What a bundle requires from node_modules (the framework's express, its body parser) goes into the compile cache too.
    NODE_COMPILE_CACHE: compileCache,
    LOG_LEVEL: 'silent',
    DATABASE_URL: 'mysql://build@127.0.0.1:9/never-dialled',
    SIGNING_PUBLIC_KEYS: publicKeySetText([pair.publicKeyPem]),
    SIGNING_PRIVATE_KEY: pair.privateKeyPem,
    PASSWORD_RESET_KEY: unused,
    CARD_HMAC_KEY: unused,
    ML_SERVICE_URL: 'http://127.0.0.1:9',
    SMTP_URL: 'smtp://127.0.0.1:9',
    SCHEDULER_AUDIENCE: 'https://build.invalid',
    SCHEDULER_SERVICE_ACCOUNT: 'build@build.invalid',
  };
  const loader = JSON.stringify(path.join(dist, 'functions/load-bundle.js'));
  for (const name of names) {
    const load = `require(${loader}).loadBundle(${JSON.stringify(path.join(out, name, 'index.cjs'))}, { writeCodeCache: true })`;
    execFileSync(process.execPath, ['-e', load], { env: { ...settings, FUNCTION_TARGET: name }, stdio: ['ignore', 'ignore', 'inherit'] });
  }
}

main().catch((error) => {
  process.stderr.write(`${error.stack}\n`);
  process.exit(1);
});
