import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { projectRoot } from '../../src/common/project-root.js';

/**
 * A Redis URL for a suite: REDIS_URL when set, else the project-local Redis (scripts/redis.sh
 * installs and starts it); either way on database `db`, the suite's own (it may flush it).
 */
export function testRedisUrl(db: number): string {
  let url = process.env.REDIS_URL;
  if (!url) {
    const script = join(projectRoot(), 'scripts', 'redis.sh');
    execFileSync('bash', [script, 'start'], { stdio: ['ignore', 'ignore', 'inherit'] });
    url = execFileSync('bash', [script, 'url'], { encoding: 'utf8' }).trim();
  }
  const u = new URL(url);
  u.pathname = `/${db}`;
  return u.toString();
}
