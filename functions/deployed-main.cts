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

const target = functionTarget();
if (!target || !/^[a-z0-9-]+$/.test(target)) {
  throw new Error(`dist/bundles/main.cjs serves one function, named by FUNCTION_TARGET or --target (got ${JSON.stringify(target)})`);
}
// Stack traces in TypeScript lines, from the bundle's source map (read only when an error's stack is formatted).
process.setSourceMapsEnabled(true);
// eslint-disable-next-line @typescript-eslint/no-require-imports -- the target is known only at run time
require(path.join(__dirname, target, 'index.cjs'));
