// The floor of a cold start (npm run bench): a function that does nothing, under
// the same functions-framework, Node and options as ours (docs/performance.md).
// eslint-disable-next-line @typescript-eslint/no-require-imports -- CommonJS, as the bundles are
require('@google-cloud/functions-framework').http('hello', (req, res) => res.send('hello'));
