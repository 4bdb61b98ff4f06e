import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';

describe('the typed client', () => {
  it('is the types `npm run openapi` generates from the committed contract', () => {
    const read = (...path: string[]) =>
      readFileSync(join(__dirname, '..', '..', '..', ...path), 'utf8');
    // test/support/api-types.ts is checked against openapi.json by `npm run openapi -- --check`.
    expect(read('mobile', 'src', 'api', 'schema.ts')).toBe(read('test', 'support', 'api-types.ts'));
  });
});
