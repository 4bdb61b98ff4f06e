import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';

describe('the typed client', () => {
  it('is generated from the committed ../openapi.json (npm run api-types in mobile)', () => {
    const script = join(__dirname, '..', '..', 'scripts', 'api-types.mjs');
    expect(() =>
      execFileSync(process.execPath, [script, '--check'], { stdio: 'pipe' }),
    ).not.toThrow();
  });
});
