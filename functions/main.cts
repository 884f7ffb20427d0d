// What Cloud Run loads (package.json `main`). A .cjs file tells the framework
// the module is CommonJS by its name; for a .js file it imports read-package-up
// and parses package.json to find out, on every cold start (docs/performance.md).
// First, before anything that would fail on an older Node in a less telling way.
import '../shared/config/node-version';
import './index';
