import { spawn, type ChildProcess } from 'node:child_process';
import { Agent, request } from 'node:http';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import autocannon from 'autocannon';
import { projectRoot } from '../../src/common/project-root.js';

/** Shared by the benchmarks: start a server process, load it with autocannon, print figures. */
export const benchRoot = projectRoot();
export const seconds = Number(process.env.BENCH_SECONDS ?? 10);
export const connections = Number(process.env.BENCH_CONNECTIONS ?? 50);

const keepAlive = new Agent({ keepAlive: true, maxSockets: Infinity });

/**
 * One HTTP request for open-loop load generators: node:http on a keep-alive agent, the body read and
 * dropped. A load generator shares the two cores with the server and PostgreSQL, and fetch costs it
 * about twice the CPU per request (docs/performance.md).
 */
export function lightRequest(
  url: string,
  init: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<{ status: number }> {
  return new Promise((resolve, reject) => {
    const headers =
      init.body === undefined
        ? init.headers
        : { ...init.headers, 'content-length': String(Buffer.byteLength(init.body)) };
    const req = request(url, { method: init.method ?? 'GET', headers, agent: keepAlive }, (res) => {
      res.on('data', () => {});
      res.on('end', () => resolve({ status: res.statusCode ?? 0 }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(init.body);
  });
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

export interface Server {
  child: ChildProcess;
  base: string;
  stop(): Promise<void>;
}

/** Starts `script` on a free port and waits until `readyPath` answers 200. */
export async function startServer(
  script: string,
  env: Record<string, string> = {},
  readyPath = '/health/live',
): Promise<Server> {
  const port = await freePort();
  // BENCH_SERVER_NODE_ARGS: node options for the server alone (e.g. `--cpu-prof --cpu-prof-dir=/tmp/p`:
  // NODE_OPTIONS refuses --cpu-prof, and would profile the load generator too).
  const nodeArgs = process.env.BENCH_SERVER_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
  const child = spawn(process.execPath, [...nodeArgs, script], {
    cwd: benchRoot,
    env: { ...process.env, LOG_LEVEL: 'warn', ...env, PORT: String(port) },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const base = `http://127.0.0.1:${port}`;
  const stop = async () => {
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
  };
  for (let i = 0; i < 150; i++) {
    if (child.exitCode !== null) throw new Error(`${script} exited with ${child.exitCode}`);
    if (
      (await fetch(base + readyPath).then(
        (r) => r.status,
        () => 0,
      )) === 200
    )
      return { child, base, stop };
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill('SIGKILL');
  throw new Error(`${script} did not answer ${base}${readyPath}`);
}

/** The p-th percentile of ascending `sorted` (nearest rank); NaN when empty. */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

export interface Figures {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
}

/** Warm-up (2 s), then `seconds` of load; prints one line. Non-2xx answers count as errors. */
export async function measure(name: string, options: autocannon.Options): Promise<Figures> {
  await autocannon({ connections, ...options, duration: 2 });
  const r = await autocannon({ connections, ...options, duration: seconds });
  const f = {
    rps: r.requests.average,
    p50: r.latency.p50,
    p99: r.latency.p99,
    errors: r.errors + r.non2xx,
  };
  console.log(
    `${name.padEnd(22)} ${f.rps.toFixed(0).padStart(8)} req/s  p50 ${f.p50} ms  p99 ${f.p99} ms  errors ${f.errors}`,
  );
  return f;
}

/** CPU seconds used so far (user + system; Linux /proc), by the server, PostgreSQL and this process. */
export interface CpuSplit {
  server: number;
  postgres: number;
  loadGenerator: number;
}

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

/** One process's CPU seconds from /proc/<pid>/stat; 0 once it is gone. */
function cpuSecondsOf(pid: string | number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
  } catch {
    return 0;
  }
}

/** The parent of a process (Linux /proc), e.g. a PostgreSQL backend's postmaster. */
export function parentOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return undefined;
  }
}

/**
 * The CPU each side has used so far: the server process, the PostgreSQL cluster (its postmaster
 * and every child: backends, autovacuum, WAL writer — a child that exits between two readings takes
 * its CPU with it, so read around phases in which the server's connections stay open) and this
 * load generator. Undefined where /proc is not there.
 */
export function cpuSplit(serverPid: number, postmasterPid: number): CpuSplit | undefined {
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((d) => /^[0-9]+$/.test(d));
  } catch {
    return undefined;
  }
  let postgres = cpuSecondsOf(postmasterPid);
  for (const pid of pids)
    if (parentOf(Number(pid)) === postmasterPid) postgres += cpuSecondsOf(pid);
  const own = process.cpuUsage();
  return {
    server: cpuSecondsOf(serverPid),
    postgres,
    loadGenerator: (own.user + own.system) / 1e6,
  };
}

/** CPU milliseconds per request of each side between two readings. */
export function cpuPerRequest(
  before: CpuSplit | undefined,
  after: CpuSplit | undefined,
  requests: number,
): CpuSplit | undefined {
  if (!before || !after || requests === 0) return undefined;
  const per = (k: keyof CpuSplit) => ((after[k] - before[k]) * 1000) / requests;
  return { server: per('server'), postgres: per('postgres'), loadGenerator: per('loadGenerator') };
}
