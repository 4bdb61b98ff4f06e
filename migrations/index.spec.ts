import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../src/common/project-root.js';
import { migrations } from './index.js';

describe('migrations/index', () => {
  it('lists every migration file, in timestamp order, each name ending in its timestamp', () => {
    const files = readdirSync(join(projectRoot(), 'migrations'))
      .filter((f) => /^\d{13}-.+\.ts$/.test(f))
      .sort();
    expect(migrations.map((m) => m.name.match(/(\d{13})$/)?.[1])).toEqual(
      files.map((f) => f.slice(0, 13)),
    );
  });
});
