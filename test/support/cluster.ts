/**
 * Processes of the built server (`dist/src/main.js`) on a test's database, as a deployment runs them:
 * API processes (`JOBS_WORKERS=false`) and workers (`JOBS_WORKERS=true`). Each takes a free port
 * (`PORT=0`) and is found by the port it logs, so no two can race for one; each is ready once
 * `/health/ready` answers 200 (for a worker: its job queue started).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import createClient, { type Client } from 'openapi-fetch';
import { projectRoot } from '../../src/common/project-root.js';
import type { paths } from './api-types.js';

const MAIN = join(projectRoot(), 'dist', 'src', 'main.js');
const LISTENING = /FixBazaar listening on (http:\/\/[\d.]+:\d+)/;
/** Three Nest starts at once on a busy 2-core machine. */
const START_MS = 60_000;

export interface Node {
  readonly name: string;
  readonly url: string;
  readonly child: ChildProcess;
  readonly api: Client<paths>;
  /** Whether the process is still running. */
  alive(): boolean;
  /** SIGKILL; resolves once the process is gone. */
  kill(): Promise<void>;
  /** The tail of what it printed (for a failure's message). */
  output(): string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Starts the built server with `env` over the caller's environment; resolves once it is ready. */
export async function startNode(name: string, env: Record<string, string>): Promise<Node> {
  const child = spawn(process.execPath, [MAIN], {
    cwd: projectRoot(),
    env: { ...process.env, LOG_LEVEL: 'info', DOCS_ENABLED: 'false', ...env, PORT: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const keep = (d: Buffer) => {
    out = (out + d.toString()).slice(-200_000);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const alive = () => child.exitCode === null && child.signalCode === null;
  const kill = () =>
    new Promise<void>((resolve) => {
      if (!alive()) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGKILL');
    });
  const output = () => `${name}:\n${out.slice(-4000)}`;
  const deadline = Date.now() + START_MS;
  let url: string | undefined;
  while (Date.now() < deadline && alive()) {
    url ??= LISTENING.exec(out)?.[1];
    const ready =
      url !== undefined &&
      (await fetch(`${url}/health/ready`).then(
        (r) => r.status === 200,
        () => false,
      ));
    if (ready) {
      return {
        name,
        url: url!,
        child,
        api: createClient<paths>({ baseUrl: url }),
        alive,
        kill,
        output,
      };
    }
    await sleep(200);
  }
  await kill();
  throw new Error(`${name} was not ready within ${START_MS} ms\n${output()}`);
}

/** A connection-level failure (refused, reset, closed mid-answer): the request reached no live server. */
export function isConnectionError(err: unknown): boolean {
  // fetch's errors come from Node's own realm, not the test's: named, not `instanceof TypeError`.
  const e = err as { name?: unknown; message?: unknown } | null;
  return (
    e?.name === 'TypeError' &&
    typeof e.message === 'string' &&
    /fetch failed|terminated|other side closed/.test(e.message)
  );
}
