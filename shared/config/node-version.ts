/**
 * Imported first by every entry point (functions/main.cts, npm start, jest's
 * global setup): the money in every answer is written with JSON.rawJSON
 * (shared/money/json-number), which Node 20 lacks. Without this, Node 20
 * starts, serves the docs, and answers GET /wallets/ with a 500; the test
 * suite fails by the dozen and never exits. One line instead, saying what to do.
 */
export const NODE_24_ADVICE =
  `fulfillment-functions runs on Node 24 LTS; this is Node ${process.versions.node}, which lacks JSON.rawJSON. ` +
  'Put the project\'s Node first on PATH and try again: PATH="$(bash scripts/node24.sh):$PATH"';

// Stops the process with the advice when the running Node is too old.
if (typeof (JSON as { rawJSON?: unknown }).rawJSON !== 'function') {
  process.stderr.write(`${NODE_24_ADVICE}\n`);
  process.exit(1);
}
