/**
 * Two projects: `unit` (colocated src/**\/*.spec.ts, pure logic) and `e2e` (test/**\/*.e2e-spec.ts, the real
 * app on real PostgreSQL; each file gets its own database cloned from a migrated template).
 * ts-jest transpiles only (isolatedModules); `npm run typecheck` type-checks the tests.
 */
const transform = { '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: 'tsconfig.json' }] };
const common = {
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform,
  testEnvironment: 'node',
};

export default {
  projects: [
    {
      ...common,
      displayName: 'unit',
      testMatch: ['<rootDir>/src/**/*.spec.ts', '<rootDir>/migrations/**/*.spec.ts'],
    },
    {
      ...common,
      displayName: 'e2e',
      testMatch: ['<rootDir>/test/**/*.e2e-spec.ts'],
      globalSetup: '<rootDir>/test/support/global-setup.ts',
      globalTeardown: '<rootDir>/test/support/global-teardown.ts',
      slowTestThreshold: 20,
    },
  ],
  testTimeout: 30000,
  maxWorkers: 2,
};
