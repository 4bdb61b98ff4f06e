import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { projectRoot } from './common/project-root.js';

/** Folders every module may use; they import nothing above them (README "Modules"). */
const FOUNDATION = ['common', 'config', 'database', 'access', 'observability', 'jobs'];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory()
      ? sourceFiles(join(dir, e.name))
      : e.name.endsWith('.ts') && !e.name.endsWith('.spec.ts')
        ? [join(dir, e.name)]
        : [],
  );
}

describe('foundation layering', () => {
  it('no foundation folder imports a module outside the foundation', () => {
    const src = join(projectRoot(), 'src');
    const arrows: string[] = [];
    for (const folder of FOUNDATION) {
      for (const file of sourceFiles(join(src, folder))) {
        const text = readFileSync(file, 'utf8');
        for (const [, spec] of text.matchAll(/(?:from|import\()\s*'(\.{1,2}\/[^']+)'/g)) {
          const target = relative(src, resolve(dirname(file), spec!));
          const top = target.split('/')[0]!;
          if (top === '..' ? !target.startsWith('../migrations/') : !FOUNDATION.includes(top))
            arrows.push(`${relative(src, file)} -> ${target}`);
        }
      }
    }
    expect(arrows).toEqual([]);
  });
});
