import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
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
  TEST_RELAY_ID,
  testRelayCertificate,
} from './support/tunnel.js';

/**
 * The entry points as a customer, a technician and an operator run them (built into dist/): the
 * relay from its environment, both agents from a pre-issued token; SIGTERM on the relay drains
 * with GOAWAY and the agents resume on the restarted relay; SIGTERM on an agent ends the session.
 * The customer's agent also as the single executable file it is shipped as.
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

  /** A dist/tunnel script on the project's Node, or an executable file (`exe`). */
  function run(
    script: string,
    args: string[],
    env: Record<string, string> = {},
    exe?: string,
  ): ChildProcess {
    const [command, argv] = exe
      ? [exe, args]
      : [node, [join(root, 'dist/tunnel', script), ...args]];
    const child = spawn(command, argv, {
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

  /**
   * A relay and both agents from the command line, carrying a session to the echo service; the
   * customer's agent is `customerExe` when given (an executable file), else the built script.
   */
  async function startAll(customerExe?: string) {
    service ??= await startService(echo);
    const relayCert = await testRelayCertificate();
    const sid = randomUUID();
    const files = join(dir, sid);
    mkdirSync(files);
    writeFileSync(join(files, 'relay.pem'), relayCert.cert);
    writeFileSync(join(files, 'relay.key'), relayCert.key);
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
      TUNNEL_RELAY_CERT_FILE: join(files, 'relay.pem'),
      TUNNEL_RELAY_KEY_FILE: join(files, 'relay.key'),
      TUNNEL_PUBLIC_KEYS: publicKey,
      TUNNEL_TICKET_SECRET: randomBytes(32).toString('base64'),
      TUNNEL_GOAWAY_RETRY_MS: '100',
      TUNNEL_DRAIN_MS: '300',
      TUNNEL_RELAY_ID: TEST_RELAY_ID,
    };
    const healthy = async () =>
      (await fetch(`http://127.0.0.1:${adminPort}/healthz`)).status === 200;
    const metrics = async () => (await fetch(`http://127.0.0.1:${adminPort}/metrics`)).text();
    const relay = run('relay/main.js', [], relayEnv);
    await until(healthy);

    const agents: ChildProcess[] = [];
    for (const role of ['customer', 'technician'] as const) {
      const exe = role === 'customer' ? customerExe : undefined;
      const identity = join(files, role);
      const [command, argv] = exe ? [exe, []] : [node, [join(root, 'dist/tunnel/agent/main.js')]];
      const fp = execFileSync(command, [...argv, 'identity', '--out', identity], {
        encoding: 'utf8',
      }).trim();
      writeFileSync(
        join(files, `${role}.token`),
        signToken(role, sid, fp, { tgt: `127.0.0.1:${service.port}` }),
      );
      agents.push(
        run(
          'agent/main.js',
          [
            role,
            '--token',
            `@${join(files, `${role}.token`)}`,
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
          ],
          {},
          exe,
        ),
      );
    }
    const works = async (text: string) =>
      (await roundTrip(listenPort, Buffer.from(text))).toString() === text;
    await until(() => works('first relay'));
    return { relay, relayEnv, agents, healthy, metrics, works };
  }

  /** The technician ends the session: both agents exit 0, the relay counts it. */
  async function endByTechnician(s: Awaited<ReturnType<typeof startAll>>): Promise<void> {
    const exits = s.agents.map((a) => once(a, 'exit'));
    s.agents[1]!.kill('SIGTERM');
    expect((await Promise.all(exits)).map(([c]) => c)).toEqual([0, 0]);
    await until(async () =>
      /tunnel_sessions_ended_total\{reason="ended_by_technician"\} 1/.test(await s.metrics()),
    );
  }

  it('relay and agents from the command line; SIGTERM drains, agents resume; SIGTERM ends', async () => {
    const s = await startAll();
    s.relay.kill('SIGTERM');
    const [code] = await once(s.relay, 'exit');
    expect(code).toBe(0);
    s.relay = run('relay/main.js', [], s.relayEnv);
    await until(s.healthy);
    await until(() => s.works('restarted relay'));
    expect(await s.metrics()).toMatch(/tunnel_sessions\{state="paired"\} 1/);
    await endByTechnician(s);
    s.relay.kill('SIGTERM');
    await once(s.relay, 'exit');
  }, 60_000);

  it('the customer agent as a single executable (scripts/tunnel-agent-sea.sh) carries a session', async () => {
    const exe = execFileSync('bash', [join(root, 'scripts/tunnel-agent-sea.sh'), '--out', dir], {
      encoding: 'utf8',
    }).trim();
    expect(exe).toBe(join(dir, 'fixbazaar-agent'));
    // No Node and no project beside it: the file alone (usage on stderr, exit 2).
    const help = spawnSync(exe, ['--help'], { encoding: 'utf8', cwd: tmpdir(), env: {} });
    expect([help.status, help.stderr]).toEqual([
      2,
      expect.stringContaining('tunnel-agent customer'),
    ]);
    const s = await startAll(exe);
    expect(await s.works('through the single executable')).toBe(true);
    await endByTechnician(s);
    s.relay.kill('SIGTERM');
    await once(s.relay, 'exit');
  }, 120_000);
});
