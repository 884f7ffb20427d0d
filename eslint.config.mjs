// ESLint (flat config), `npm run lint`: ESLint's and typescript-eslint's
// recommended rules over every file the repository owns, plus two type-aware
// rules for the TypeScript, where an unawaited promise is a lost error.
// Formatting is Prettier's business (`npm run format`), not ESLint's.
import js from '@eslint/js';
import { defineConfig, globalIgnores } from 'eslint/config';
import globals from 'globals';
import tseslint from 'typescript-eslint';

/**
 * The layers of shared/, lowest first: a folder imports only from folders
 * below it (and itself), so each layer can be read, tested and changed without
 * the ones above. Nothing in shared/ imports the functions, the scripts, the
 * tests' helpers (testing/), infra or the bench: they sit on top of it.
 */
const LAYERS = [
  ['core'],
  ['config'],
  ['deadline', 'cards'],
  ['db'],
  ['idempotency', 'money', 'mail'],
  ['ml', 'auth'],
  ['wallets'],
  ['portfolio', 'demo'],
  ['http'],
  ['openapi'],
];
const ABOVE_SHARED = ['functions', 'scripts', 'testing', 'infra', 'bench'];

const layerRules = LAYERS.flatMap((layer, index) =>
  layer.map((folder) => {
    const above = [...LAYERS.slice(index + 1).flat(), ...layer.filter((peer) => peer !== folder)];
    return {
      files: [`shared/${folder}/**/*.ts`],
      ignores: ['**/*.test.ts'],
      rules: {
        'no-restricted-imports': [
          'error',
          {
            patterns: [
              ...(above.length
                ? [
                    {
                      group: above.map((name) => `**/${name}/*`),
                      message: `shared/${folder} is below ${above.join(', ')} (eslint.config.mjs, LAYERS): move the shared piece down, or the caller up.`,
                    },
                  ]
                : []),
              { group: ABOVE_SHARED.map((name) => `**/${name}/*`), message: 'shared/ does not import what is built on it.' },
            ],
          },
        ],
      },
    };
  }),
);

export default defineConfig([
  // Generated or installed, not written here (as in .gitignore).
  globalIgnores(['node_modules/', 'dist/', 'prisma/generated/', 'coverage/', '.tools/', 'bench/results/', 'testing/client/api.d.ts']),
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
  ...layerRules,
  {
    // Plain Node scripts in CommonJS: scripts/generate-prisma-client.js runs at
    // postinstall, before anything TypeScript is installed or compiled.
    files: ['**/*.js'],
    languageOptions: { sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
]);
