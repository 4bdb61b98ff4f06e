import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { projectRoot } from '../../src/common/project-root.js';

/**
 * A PgBouncer in front of the tests' server: PGBOUNCER_URL's (host and port only) when set, else
 * the project-local one in front of the local cluster (scripts/pgbouncer.sh installs and starts it,
 * configured as production's). `through(url)` is a URL of the server (any of its databases and
 * roles) rewritten to reach it through PgBouncer.
 */
export function startPgBouncer(): { through(url: string): string } {
  let url = process.env.PGBOUNCER_URL;
  if (!url) {
    const script = join(projectRoot(), 'scripts', 'pgbouncer.sh');
    execFileSync('bash', [script, 'start'], { stdio: ['ignore', 'ignore', 'inherit'] });
    url = execFileSync('bash', [script, 'url'], { encoding: 'utf8' }).trim();
  }
  const bouncer = new URL(url);
  return {
    through: (serverUrl) => {
      const u = new URL(serverUrl);
      u.host = bouncer.host;
      return u.toString();
    },
  };
}
