/**
 * Four projects: `unit` (colocated src/**\/*.spec.ts, pure logic), `console` (the staff console's
 * component and unit tests, admin-ui/src/**\/*.spec.ts(x), compiled with its tsconfig), `mobile` (the
 * app's component tests, mobile/src/**\/*.spec.ts(x), through jest-expo) and `e2e`
 * (test/**\/*.e2e-spec.ts, the real app on real PostgreSQL; each file gets its own database cloned from a
 * migrated template; admin-ui/test/**\/*.e2e-spec.ts and mobile/test/**\/*.e2e-spec.ts drive the console
 * and the app's web build in Chromium against it).
 * ts-jest transpiles only (isolatedModules); `npm run typecheck` type-checks the tests.
 */
const transform = { '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: 'tsconfig.json' }] };
const common = {
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform,
  testEnvironment: 'node',
  // The staff console's and the app's build output are not source.
  modulePathIgnorePatterns: ['<rootDir>/admin-ui/.next/', '<rootDir>/mobile/dist/'],
};

export default {
  projects: [
    {
      ...common,
      displayName: 'unit',
      testMatch: [
        '<rootDir>/src/**/*.spec.ts',
        '<rootDir>/tunnel/**/*.spec.ts',
        '<rootDir>/migrations/**/*.spec.ts',
      ],
    },
    {
      ...common,
      displayName: 'console',
      testMatch: ['<rootDir>/admin-ui/src/**/*.spec.{ts,tsx}'],
      extensionsToTreatAsEsm: ['.ts', '.tsx'],
      transform: {
        '^.+\\.tsx?$': ['ts-jest', { useESM: true, tsconfig: 'admin-ui/tsconfig.json' }],
      },
    },
    {
      // The app's component tests (mobile/src/**/*.spec.ts(x)): jest-expo's preset (Babel, React
      // Native's mocks) from mobile/node_modules.
      displayName: 'mobile',
      rootDir: '<rootDir>/mobile',
      preset: 'jest-expo',
      testMatch: ['<rootDir>/src/**/*.spec.{ts,tsx}'],
      setupFiles: ['<rootDir>/src/testing/setup.ts'],
    },
    {
      ...common,
      displayName: 'e2e',
      testMatch: [
        '<rootDir>/test/**/*.e2e-spec.ts',
        '<rootDir>/admin-ui/test/**/*.e2e-spec.ts',
        '<rootDir>/mobile/test/**/*.e2e-spec.ts',
      ],
      globalSetup: '<rootDir>/test/support/global-setup.ts',
      globalTeardown: '<rootDir>/test/support/global-teardown.ts',
      slowTestThreshold: 20,
    },
  ],
  testTimeout: 30000,
  maxWorkers: 2,
};
