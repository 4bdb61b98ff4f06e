import { execFileSync } from 'node:child_process';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { benchRoot, connections, measure, seconds, startServer } from './bench-util.js';

/**
 * `npm run bench:http`: requests/s and latency of the built FixBazaar server next to a bare Fastify
 * hello-world measured in the same run on the same machine. Each server runs in its own process; the
 * load generator runs here. Two FixBazaar routes:
 *  - GET /health/live: the framework's own cost (no database, no request log line, no principal);
 *  - GET /me as a signed-in customer: a real endpoint — request logged, access token checked, the
 *    session's principal (cached per process), the policy, one account read, the DTO serialised.
 * The database the app is configured for (the local cluster by default) is migrated and seeded with
 * the demo accounts first; rate limits and abuse blocking are lifted for the run. Env: BENCH_SECONDS
 * (default 10), BENCH_CONNECTIONS (default 50).
 */
const unlimited = JSON.stringify({
  anonymous: {
    auth: { perMinute: 10_000_000, burst: 1_000_000 },
    default: { perMinute: 10_000_000, burst: 1_000_000 },
  },
  admin: { default: { perMinute: 10_000_000, burst: 1_000_000 } },
  customer: { default: { perMinute: 10_000_000, burst: 1_000_000 } },
  perIp: { perMinute: 10_000_000, burst: 1_000_000 },
});

async function main(): Promise<void> {
  const node = process.execPath;
  execFileSync(node, [join(benchRoot, 'dist', 'scripts', 'migrate.js')], { stdio: 'inherit' });
  execFileSync(node, [join(benchRoot, 'dist', 'src', 'cli.js'), 'seed:demo'], { stdio: 'inherit' });
  const { DEMO_PASSWORD } = await import('../../src/identity/cli/seed-demo.command.js');
  console.log(
    `bench:http — ${connections} connections, ${seconds} s each, ${cpus().length} cpus, node ${process.version}`,
  );

  const fastify = await startServer(join(benchRoot, 'dist', 'test', 'bench', 'fastify-hello.js'));
  const baseline = await measure('fastify', { url: `${fastify.base}/health/live` }).finally(() =>
    fastify.stop(),
  );

  // LOG_LEVEL=info: GET /me writes its request log line, as in production (to /dev/null here).
  const app = await startServer(join(benchRoot, 'dist', 'src', 'main.js'), {
    LOG_LEVEL: 'info',
    RATE_LIMIT_POLICY: unlimited,
    ABUSE_PENALTY_THRESHOLD: '1000000000',
  });
  try {
    const live = await measure('fixbazaar /health/live', { url: `${app.base}/health/live` });
    const res = await fetch(`${app.base}/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ identifier: 'customer@demo.fixbazaar.in', password: DEMO_PASSWORD }),
    });
    const { accessToken } = (await res.json()) as { accessToken: string };
    const me = await measure('fixbazaar GET /me', {
      url: `${app.base}/me`,
      headers: { authorization: `Bearer ${accessToken}` },
    });
    console.log(`RESULT http.live.rps ${live.rps.toFixed(0)} 1/s`);
    console.log(`RESULT http.live.p99 ${live.p99} ms`);
    console.log(`RESULT http.me.rps ${me.rps.toFixed(0)} 1/s`);
    console.log(`RESULT http.me.p99 ${me.p99} ms`);
    console.log(`RESULT http.baseline.rps ${baseline.rps.toFixed(0)} 1/s`);
    console.log(`RESULT http.baseline.p99 ${baseline.p99} ms`);
    console.log(`RESULT http.ratio_to_fastify ${(live.rps / baseline.rps).toFixed(2)} x`);
    console.log(`RESULT http.me.ratio_to_fastify ${(me.rps / baseline.rps).toFixed(2)} x`);
    if (live.errors || me.errors || baseline.errors) process.exitCode = 1;
  } finally {
    await app.stop();
  }
}

void main();
