/** @jest-config-loader esbuild-register */
import type { Config } from 'jest';

const config: Config = {
  testEnvironment: 'node',
  roots: ['<rootDir>'],
  testPathIgnorePatterns: ['/node_modules/', '<rootDir>/dist/'],
  modulePathIgnorePatterns: ['<rootDir>/dist/'],
  testMatch: ['**/*.test.ts'],
  // ky and p-throttle ship only as ES modules, and the Cloud SQL connector loads
  // p-throttle and node:crypto with import(), which jest's module VM refuses:
  // let ts-jest turn them into CommonJS like our own code.
  transform: { '^.+\\.[tj]s$': ['ts-jest', { tsconfig: { allowJs: true, isolatedModules: true } }] },
  transformIgnorePatterns: ['/node_modules/(?!(ky|p-throttle|@google-cloud/cloud-sql-connector)/)'],
  globalSetup: '<rootDir>/testing/global-setup.ts',
  globalTeardown: '<rootDir>/testing/global-teardown.ts',
  testTimeout: 30000,
  // `npm run coverage`: every source file counts, loaded by a test or not; tests, test helpers and the bench harness do not.
  collectCoverageFrom: ['{functions,shared,scripts,infra}/**/*.ts', '!**/*.test.ts', '!infra/testing/**'],
  coverageReporters: ['text-summary', 'html', 'lcov'],
};

export default config;
