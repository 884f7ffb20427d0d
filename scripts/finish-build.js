// The end of `npm run build` (after tsc), for what the deployed functions read at start:
// 1. dist/openapi.json, the OpenAPI document built from the registry, so the docs
//    function serves a file instead of loading every function's handler.
// 2. dist/.compile-cache, V8's compiled code for every module a function loads (the
//    framework, our code, its dependencies), so a cold instance reads code instead of
//    compiling it; functions start with NODE_COMPILE_CACHE pointing here (infra/settings).
const { mkdirSync, rmSync, writeFileSync } = require('node:fs');
const Module = require('node:module');
const path = require('node:path');

const dist = path.resolve(__dirname, '../dist');
const cache = path.join(dist, '.compile-cache');
rmSync(cache, { recursive: true, force: true });
mkdirSync(cache, { recursive: true });
Module.enableCompileCache(cache);

// Loading the modules is what fills the cache; nothing here connects anywhere.
// The framework's CLI modules (its main.js would start a server when loaded).
const framework = path.dirname(require.resolve('@google-cloud/functions-framework'));
for (const name of ['loader', 'invoker', 'server', 'options', 'logger']) require(path.join(framework, `${name}.js`));
const { registry } = require(path.join(dist, 'functions/registry.js'));
const { buildOpenApiDocument } = require(path.join(dist, 'shared/openapi/document.js'));
for (const definition of registry) void definition.endpoint; // requires each handler module
require('mariadb');
// The Cloud SQL connector every deployed database function loads (shared/db/cloud-sql-connector.ts):
// its modules (gRPC and the Cloud SQL clients among them) are the largest a function loads.
require('@google-cloud/cloud-sql-connector');
require('@prisma/adapter-mariadb');
writeFileSync(path.join(dist, 'openapi.json'), JSON.stringify(buildOpenApiDocument(registry)));
Module.flushCompileCache();
