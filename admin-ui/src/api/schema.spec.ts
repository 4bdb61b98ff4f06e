import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from '@jest/globals';

describe('the typed client', () => {
  it('is the types `npm run openapi` generates from the committed contract', () => {
    const here = dirname(fileURLToPath(import.meta.url));
    const read = (...path: string[]) => readFileSync(join(here, '..', '..', '..', ...path), 'utf8');
    // test/support/api-types.ts is checked against openapi.json by `npm run openapi -- --check`.
    expect(read('admin-ui', 'src', 'api', 'schema.ts')).toBe(
      read('test', 'support', 'api-types.ts'),
    );
  });
});
