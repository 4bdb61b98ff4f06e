import { execFileSync } from 'node:child_process';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { benchRoot, connections, measure, seconds, startServer } from './bench-util.js';

/**
 * `npm run bench:auth`, against the database the app is configured for (the local cluster by default;
 * it is migrated and seeded with the demo accounts first):
 *  - sign-ins per second and their latency (argon2id dominates: its parameters are printed);
 *  - the cost of authentication + policy per request: GET /health/live with a valid access token
 *    (JWT check, session and account read, ability built) against the same route without one,
 *    measured in the same run.
 * Rate limits and abuse blocking are lifted for the run; everything else is as configured.
 */
const unlimited = JSON.stringify({
  anonymous: {
    auth: { perMinute: 10_000_000, burst: 1_000_000 },
    default: { perMinute: 10_000_000, burst: 1_000_000 },
  },
  admin: { default: { perMinute: 10_000_000, burst: 1_000_000 } },
  perIp: { perMinute: 10_000_000, burst: 1_000_000 },
});

async function main(): Promise<void> {
  const node = process.execPath;
  execFileSync(node, [join(benchRoot, 'dist', 'scripts', 'migrate.js')], { stdio: 'inherit' });
  execFileSync(node, [join(benchRoot, 'dist', 'src', 'cli.js'), 'seed:demo'], { stdio: 'inherit' });
  const { DEMO_PASSWORD } = await import('../../src/identity/cli/seed-demo.command.js');

  const server = await startServer(join(benchRoot, 'dist', 'src', 'main.js'), {
    RATE_LIMIT_POLICY: unlimited,
    ABUSE_PENALTY_THRESHOLD: '1000000000',
  });
  try {
    const argon = {
      memoryKiB: Number(process.env.ARGON2_MEMORY_KIB ?? 19456),
      timeCost: Number(process.env.ARGON2_TIME_COST ?? 2),
      parallelism: Number(process.env.ARGON2_PARALLELISM ?? 1),
    };
    console.log(
      `bench:auth — ${connections} connections, ${seconds} s each, ${cpus().length} cpus, node ${process.version}; ` +
        `argon2id m=${argon.memoryKiB} KiB t=${argon.timeCost} p=${argon.parallelism}`,
    );
    // A customer: staff sign-in stops at the second factor (no tokens from the password alone).
    const body = JSON.stringify({
      identifier: 'customer@demo.fixbazaar.in',
      password: DEMO_PASSWORD,
    });
    const login = await measure('login', {
      url: `${server.base}/auth/login`,
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
      connections: Math.min(connections, 8),
    });
    const res = await fetch(`${server.base}/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });
    const { accessToken } = (await res.json()) as { accessToken: string };
    const unguarded = await measure('live (anonymous)', { url: `${server.base}/health/live` });
    const guarded = await measure('live (authenticated)', {
      url: `${server.base}/health/live`,
      headers: { authorization: `Bearer ${accessToken}` },
    });
    console.log(`RESULT auth.login.rps ${login.rps.toFixed(1)} 1/s`);
    console.log(`RESULT auth.login.p99 ${login.p99} ms`);
    console.log(`RESULT auth.unguarded.rps ${unguarded.rps.toFixed(0)} 1/s`);
    console.log(`RESULT auth.guarded.rps ${guarded.rps.toFixed(0)} 1/s`);
    console.log(`RESULT auth.guarded.p99 ${guarded.p99} ms`);
    console.log(`RESULT auth.guard_ratio ${(guarded.rps / unguarded.rps).toFixed(2)} x`);
    console.log(
      `RESULT auth.guard_overhead_per_request ${((1 / guarded.rps - 1 / unguarded.rps) * 1e6).toFixed(0)} us`,
    );
    if (login.errors || unguarded.errors || guarded.errors) process.exitCode = 1;
  } finally {
    await server.stop();
  }
}

void main();
