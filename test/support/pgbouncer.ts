import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { projectRoot } from '../../src/common/project-root.js';

/**
 * The project-local PgBouncer in front of the local cluster (scripts/pgbouncer.sh installs and
 * starts it, configured as production's); `through(url)` is a URL of the cluster (any of its
 * databases and roles) rewritten to reach it through PgBouncer.
 */
export function startPgBouncer(): { through(url: string): string } {
  const script = join(projectRoot(), 'scripts', 'pgbouncer.sh');
  execFileSync('bash', [script, 'start'], { stdio: ['ignore', 'ignore', 'inherit'] });
  const bouncer = new URL(execFileSync('bash', [script, 'url'], { encoding: 'utf8' }).trim());
  return {
    through: (url) => {
      const u = new URL(url);
      u.host = bouncer.host;
      return u.toString();
    },
  };
}
