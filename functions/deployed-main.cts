// What Cloud Run loads (package.json `main`, dist/bundles/main.cjs, built by
// scripts/bundle-functions.js): the bundle of the one function this instance
// serves, dist/bundles/<target>/index.cjs, and nothing of the others. A .cjs
// file tells the framework the module is CommonJS by its name; for a .js file
// it imports read-package-up and parses package.json to find out, on every
// cold start (docs/performance.md). The sources' entry is functions/main.cts.
// First, before anything that would fail on an older Node in a less telling way.
import '../shared/config/node-version';
import path from 'node:path';
import { functionTarget } from '../shared/config/function-target';
import { loadBundle } from './load-bundle';

const target = functionTarget();
if (!target || !/^[a-z0-9-]+$/.test(target)) {
  throw new Error(`dist/bundles/main.cjs serves one function, named by FUNCTION_TARGET or --target (got ${JSON.stringify(target)})`);
}
// With a code cache taken after it served a request, and its stack traces mapped to TypeScript (load-bundle.ts).
loadBundle(path.join(__dirname, target, 'index.cjs'));
