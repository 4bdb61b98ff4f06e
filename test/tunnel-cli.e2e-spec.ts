import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { projectRoot } from '../src/common/project-root.js';
import { freePort } from './bench/bench-util.js';
import {
  echo,
  platform,
  roundTrip,
  signToken,
  startService,
  testRelayCertificate,
} from './support/tunnel.js';

/**
 * The entry points as a customer, a technician and an operator run them (built into dist/): the
 * relay from its environment, both agents from a pre-issued token; SIGTERM on the relay drains
 * with GOAWAY and the agents resume on the restarted relay; SIGTERM on an agent ends the session.
 */
const root = projectRoot();
const node = process.execPath;

describe('tunnel entry points', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tunnel-cli-'));
  const children: ChildProcess[] = [];
  let service: Awaited<ReturnType<typeof startService>>;

  afterAll(async () => {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
    await service?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  function run(script: string, args: string[], env: Record<string, string> = {}): ChildProcess {
    const child = spawn(node, [join(root, 'dist/tunnel', script), ...args], {
      env: { ...process.env, LOG_LEVEL: 'info', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.resume();
    child.stderr!.resume();
    children.push(child);
    return child;
  }

  async function until(check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!(await check().catch(() => false))) {
      if (Date.now() > deadline) throw new Error('not reached in time');
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  it('relay and agents from the command line; SIGTERM drains, agents resume; SIGTERM ends', async () => {
    service = await startService(echo);
    const relayCert = await testRelayCertificate();
    writeFileSync(join(dir, 'relay.pem'), relayCert.cert);
    writeFileSync(join(dir, 'relay.key'), relayCert.key);
    const publicKey = Buffer.from(
      platform.publicKey.export({ format: 'jwk' }).x as string,
      'base64url',
    ).toString('base64');
    const [relayPort, adminPort, listenPort] = [
      await freePort(),
      await freePort(),
      await freePort(),
    ];
    const relayEnv = {
      TUNNEL_RELAY_HOST: '127.0.0.1',
      TUNNEL_RELAY_PORT: String(relayPort),
      TUNNEL_RELAY_ADMIN_PORT: String(adminPort),
      TUNNEL_RELAY_CERT_FILE: join(dir, 'relay.pem'),
      TUNNEL_RELAY_KEY_FILE: join(dir, 'relay.key'),
      TUNNEL_PUBLIC_KEYS: publicKey,
      TUNNEL_TICKET_SECRET: randomBytes(32).toString('base64'),
      TUNNEL_GOAWAY_RETRY_MS: '100',
      TUNNEL_DRAIN_MS: '300',
    };
    const healthy = async () =>
      (await fetch(`http://127.0.0.1:${adminPort}/healthz`)).status === 200;
    let relay = run('relay/main.js', [], relayEnv);
    await until(healthy);

    const sid = randomUUID();
    const agents: ChildProcess[] = [];
    for (const role of ['customer', 'technician'] as const) {
      const identity = join(dir, role);
      const fp = execFileSync(
        node,
        [join(root, 'dist/tunnel/agent/main.js'), 'identity', '--out', identity],
        {
          encoding: 'utf8',
        },
      ).trim();
      writeFileSync(
        join(dir, `${role}.token`),
        signToken(role, sid, fp, { tgt: `127.0.0.1:${service.port}` }),
      );
      agents.push(
        run('agent/main.js', [
          role,
          '--token',
          `@${join(dir, `${role}.token`)}`,
          '--identity',
          identity,
          '--relay',
          `tls://127.0.0.1:${relayPort}`,
          '--relay-fingerprint',
          relayCert.fingerprint,
          '--public-keys',
          publicKey,
          '--target',
          `127.0.0.1:${service.port}`,
          '--listen',
          `127.0.0.1:${listenPort}`,
        ]),
      );
    }
    const works = async (text: string) =>
      (await roundTrip(listenPort, Buffer.from(text))).toString() === text;
    await until(() => works('first relay'));

    relay.kill('SIGTERM');
    const [code] = await once(relay, 'exit');
    expect(code).toBe(0);
    relay = run('relay/main.js', [], relayEnv);
    await until(healthy);
    await until(() => works('restarted relay'));
    const metrics = await (await fetch(`http://127.0.0.1:${adminPort}/metrics`)).text();
    expect(metrics).toMatch(/tunnel_sessions\{state="paired"\} 1/);

    // The technician ends the session: both agents exit, the relay holds nothing.
    const exits = agents.map((a) => once(a, 'exit'));
    agents[1]!.kill('SIGTERM');
    expect((await Promise.all(exits)).map(([c]) => c)).toEqual([0, 0]);
    await until(async () =>
      /tunnel_sessions_ended_total\{reason="ended_by_technician"\} 1/.test(
        await (await fetch(`http://127.0.0.1:${adminPort}/metrics`)).text(),
      ),
    );
    relay.kill('SIGTERM');
    await once(relay, 'exit');
  }, 60_000);
});
