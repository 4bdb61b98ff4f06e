import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';

/**
 * `npm run bench:http`: requests/s and latency of GET /health/live on the built FixBazaar server, next to a
 * bare Fastify hello-world measured in the same run on the same machine. Each server runs in its own
 * process; the load generator runs here. Env: BENCH_SECONDS (default 10), BENCH_CONNECTIONS (default 50).
 */
const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..', '..');
const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 50);

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

async function startServer(
  script: string,
  env: Record<string, string>,
): Promise<{ child: ChildProcess; url: string }> {
  const port = await freePort();
  const child = spawn(process.execPath, [script], {
    cwd: root,
    env: { ...process.env, ...env, PORT: String(port), LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}/health/live`;
  for (let i = 0; i < 150; i++) {
    if (child.exitCode !== null) throw new Error(`${script} exited with ${child.exitCode}`);
    if (
      (await fetch(url).then(
        (r) => r.status,
        () => 0,
      )) === 200
    )
      return { child, url };
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill('SIGKILL');
  throw new Error(`${script} did not answer ${url}`);
}

async function stop(child: ChildProcess): Promise<void> {
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
}

interface Figures {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
}

async function measure(name: string, script: string): Promise<Figures> {
  const { child, url } = await startServer(script, {});
  try {
    await autocannon({ url, connections, duration: 2 }); // warm-up
    const r = await autocannon({ url, connections, duration: seconds });
    const f = {
      rps: r.requests.average,
      p50: r.latency.p50,
      p99: r.latency.p99,
      errors: r.errors + r.non2xx,
    };
    console.log(
      `${name.padEnd(10)} ${f.rps.toFixed(0).padStart(8)} req/s  p50 ${f.p50} ms  p99 ${f.p99} ms  errors ${f.errors}`,
    );
    return f;
  } finally {
    await stop(child);
  }
}

async function main(): Promise<void> {
  console.log(
    `bench:http — GET /health/live, ${connections} connections, ${seconds} s each, ${cpus().length} cpus, node ${process.version}`,
  );
  const baseline = await measure('fastify', join(here, 'fastify-hello.js'));
  const app = await measure('fixbazaar', join(root, 'dist', 'src', 'main.js'));
  console.log(`RESULT http.live.rps ${app.rps.toFixed(0)} 1/s`);
  console.log(`RESULT http.live.p99 ${app.p99} ms`);
  console.log(`RESULT http.baseline.rps ${baseline.rps.toFixed(0)} 1/s`);
  console.log(`RESULT http.baseline.p99 ${baseline.p99} ms`);
  console.log(`RESULT http.ratio_to_fastify ${(app.rps / baseline.rps).toFixed(2)} x`);
  if (app.errors || baseline.errors) process.exitCode = 1;
}

void main();
