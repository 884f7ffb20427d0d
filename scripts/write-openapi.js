// Part of `npm run build`: writes the OpenAPI document next to the compiled
// code (dist/openapi.json), so the deployed docs function serves it as a file
// instead of loading every function's handler to build it on its first request.
const { writeFileSync } = require('node:fs');
const path = require('node:path');

const dist = path.resolve(__dirname, '../dist');
const { registry } = require(path.join(dist, 'functions/registry.js'));
const { buildOpenApiDocument } = require(path.join(dist, 'shared/openapi/document.js'));
writeFileSync(path.join(dist, 'openapi.json'), JSON.stringify(buildOpenApiDocument(registry)));
