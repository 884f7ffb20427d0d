// Prettier, `npm run format` / `npm run format:check`: set to the style the code
// was written in by hand, so that formatting it moves as little as possible.
/** @type {import('prettier').Config} */
export default {
  singleQuote: true,
  trailingComma: 'all',
  // Lines run long on purpose (one-line route tables, SQL, test tables); 160 is the
  // width that rewraps the fewest files (120: 131 files, 140: 88, 160: 75, 180: 83).
  printWidth: 160,
  // The YAML files quote with double quotes.
  overrides: [{ files: ['*.yaml', '*.yml'], options: { singleQuote: false } }],
};
