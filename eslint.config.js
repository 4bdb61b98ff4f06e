import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      'node_modules/',
      'dist/',
      'coverage/',
      '.local/',
      'test/support/api-types.ts',
      'admin-ui/node_modules/',
      'admin-ui/.next/',
      'admin-ui/test-results/',
      'admin-ui/next-env.d.ts',
      'admin-ui/src/api/schema.ts',
      'admin-ui/src/api/route-roles.ts',
      'mobile/node_modules/',
      'mobile/dist/',
      'mobile/.expo/',
      'mobile/test-results/',
      'mobile/expo-env.d.ts',
      'mobile/src/api/schema.ts',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts', '**/*.tsx'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly' } },
  },
  {
    files: ['mobile/babel.config.js'],
    languageOptions: { sourceType: 'commonjs', globals: { module: 'writable' } },
  },
);
