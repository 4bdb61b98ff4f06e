import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from '@jest/globals';

describe('the typed client', () => {
  it('is generated from the committed ../openapi.json (npm run api-types in admin-ui)', () => {
    const script = join(
      dirname(fileURLToPath(import.meta.url)),
      '..',
      '..',
      'scripts',
      'api-types.mjs',
    );
    expect(() =>
      execFileSync(process.execPath, [script, '--check'], { stdio: 'pipe' }),
    ).not.toThrow();
  });
});
