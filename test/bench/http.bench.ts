import { cpus } from 'node:os';
import { join } from 'node:path';
import { benchRoot, connections, measure, seconds, startServer } from './bench-util.js';

/**
 * `npm run bench:http`: requests/s and latency of GET /health/live on the built FixBazaar server, next to a
 * bare Fastify hello-world measured in the same run on the same machine. Each server runs in its own
 * process; the load generator runs here. Env: BENCH_SECONDS (default 10), BENCH_CONNECTIONS (default 50).
 */
async function run(name: string, script: string) {
  const server = await startServer(script);
  try {
    return await measure(name, { url: `${server.base}/health/live` });
  } finally {
    await server.stop();
  }
}

async function main(): Promise<void> {
  console.log(
    `bench:http — GET /health/live, ${connections} connections, ${seconds} s each, ${cpus().length} cpus, node ${process.version}`,
  );
  const baseline = await run(
    'fastify',
    join(benchRoot, 'dist', 'test', 'bench', 'fastify-hello.js'),
  );
  const app = await run('fixbazaar', join(benchRoot, 'dist', 'src', 'main.js'));
  console.log(`RESULT http.live.rps ${app.rps.toFixed(0)} 1/s`);
  console.log(`RESULT http.live.p99 ${app.p99} ms`);
  console.log(`RESULT http.baseline.rps ${baseline.rps.toFixed(0)} 1/s`);
  console.log(`RESULT http.baseline.p99 ${baseline.p99} ms`);
  console.log(`RESULT http.ratio_to_fastify ${(app.rps / baseline.rps).toFixed(2)} x`);
  if (app.errors || baseline.errors) process.exitCode = 1;
}

void main();
