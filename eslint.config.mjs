// ESLint (flat config), `npm run lint`: ESLint's and typescript-eslint's
// recommended rules over every file the repository owns, plus two type-aware
// rules for the TypeScript, where an unawaited promise is a lost error.
// Formatting is Prettier's business (`npm run format`), not ESLint's.
import js from '@eslint/js';
import { defineConfig, globalIgnores } from 'eslint/config';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default defineConfig([
  // Generated or installed, not written here (as in .gitignore).
  globalIgnores(['node_modules/', 'dist/', 'prisma/generated/', 'coverage/', '.tools/', 'bench/results/']),
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    languageOptions: { ecmaVersion: 2023, globals: globals.node },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      // Dropping a key by destructuring it beside a rest (`const { $schema, ...rest } = json`)
      // is how the code omits properties; tsc's noUnusedLocals accepts it too.
      '@typescript-eslint/no-unused-vars': ['error', { ignoreRestSiblings: true }],
    },
  },
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      // Handlers, transactions and scripts are async: a promise nobody awaits or
      // catches loses its error (or answers before the work is done).
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
    },
  },
  {
    // Plain Node scripts in CommonJS: scripts/generate-prisma-client.js runs at
    // postinstall, before anything TypeScript is installed or compiled.
    files: ['**/*.js'],
    languageOptions: { sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
]);
