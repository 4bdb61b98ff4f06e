/**
 * `npm run bench:tunnel`: the tunnel on loopback against raw TCP measured in the same run.
 *
 * - throughput of one stream: raw TCP; through the relay with the outer TLS only (this process
 *   plays both agents at the protocol level); through the real agents (each its own process, inner
 *   TLS inside outer TLS) — targets ≥ 45 % and ≥ 25 % of raw;
 * - 64-byte ping-pong round trips, p50/p99, through the agents, against raw TCP (target: p50 adds
 *   ≤ 100 µs);
 * - relay RSS per paired idle session with BENCH_TUNNEL_SESSIONS sessions (target ≤ 64 KB), next
 *   to the floor: a bare Node TLS 1.3 server holding as many connection pairs, each sent one
 *   heartbeat-sized write (what every connection of the relay costs before the relay's own state).
 *
 * The relay and the agents are the built entry points (dist/tunnel). Sizes: BENCH_SECONDS
 * (throughput window, default 10), BENCH_TUNNEL_PINGS (default 5000), BENCH_TUNNEL_SESSIONS
 * (default 1000). A small run: `BENCH_SECONDS=2 BENCH_TUNNEL_PINGS=500 BENCH_TUNNEL_SESSIONS=100`.
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { createCipheriv, generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as connectTls, createServer as createTlsServer, type TLSSocket } from 'node:tls';
import { generateCertificate } from '../../tunnel/protocol/cert.js';
import { encodeFrame, readFrames, type Frame } from '../../tunnel/protocol/frames.js';
import {
  connectRelay,
  TLS_OPTIONS,
  type RelayEndpoint,
} from '../../tunnel/protocol/relay-client.js';
import { signAgentToken, type AgentRole } from '../../src/common/tunnel-contract.js';
import { benchRoot, freePort, percentile, seconds } from './bench-util.js';

const PINGS = Number(process.env.BENCH_TUNNEL_PINGS ?? 5000);
const SESSIONS = Number(process.env.BENCH_TUNNEL_SESSIONS ?? 1000);
const WARMUP_MS = 1000;
const platform = generateKeyPairSync('ed25519');
const publicKeyB64 = Buffer.from(
  platform.publicKey.export({ format: 'jwk' }).x as string,
  'base64url',
).toString('base64');
const dir = mkdtempSync(join(tmpdir(), 'bench-tunnel-'));
const children: ChildProcess[] = [];

function token(role: AgentRole, sid: string, fp: string, tgt: string): string {
  const now = Math.floor(Date.now() / 1000);
  return signAgentToken(
    {
      v: 1,
      jti: randomUUID(),
      sid,
      rly: 'relay', // the relay's default TUNNEL_RELAY_ID
      role,
      dev: 'bench',
      tgt,
      fp,
      iat: now,
      exp: now + 300,
      stop: now + 3600,
      bw: 10_000_000_000,
    },
    platform.privateKey,
  );
}

function run(script: string, args: string[], env: Record<string, string> = {}): ChildProcess {
  const child = spawn(process.execPath, [join(benchRoot, 'dist/tunnel', script), ...args], {
    env: { ...process.env, LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  children.push(child);
  return child;
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGKILL');
  await exited;
}

async function until(check: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error('not reached in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function listen(handler: (socket: Socket) => void): Promise<Server> {
  const server = createServer({ noDelay: true }, handler);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return server;
}

const portOf = (server: Server) => (server.address() as AddressInfo).port;

/** Counts what arrives; `throughput` reads the count over a window. */
let sunk = 0;
const sinkHandler = (socket: Socket) => {
  socket.on('data', (chunk: Buffer) => (sunk += chunk.length));
  socket.on('error', () => undefined);
};

/** Pumps `writer` flat out; bytes per second counted at the far end over the window. */
async function throughput(writer: Duplex): Promise<number> {
  const block = randomBytes(256 * 1024);
  let writing = true;
  void (async () => {
    while (writing) {
      // A loopback write may complete at once: yield anyway so the far end gets to read.
      if (writer.write(block)) await new Promise(setImmediate);
      else await once(writer, 'drain');
    }
  })().catch(() => undefined);
  await new Promise((r) => setTimeout(r, WARMUP_MS));
  const from = sunk;
  const started = performance.now();
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const rate = (sunk - from) / ((performance.now() - started) / 1000);
  writing = false;
  writer.destroy();
  return rate;
}

/** 64-byte ping-pong round trips in µs, sorted. */
async function pingPong(socket: Socket): Promise<number[]> {
  const ping = Buffer.alloc(64, 0x70);
  const rtts: number[] = [];
  for (let i = 0; i < PINGS + 100; i++) {
    const started = process.hrtime.bigint();
    socket.write(ping);
    let got = 0;
    while (got < 64) got += ((await once(socket, 'data'))[0] as Buffer).length;
    if (i >= 100) rtts.push(Number(process.hrtime.bigint() - started) / 1000);
  }
  socket.destroy();
  return rtts.sort((a, b) => a - b);
}

async function tcp(port: number): Promise<Socket> {
  const socket = connect({ host: '127.0.0.1', port, noDelay: true });
  socket.on('error', () => undefined);
  await once(socket, 'connect');
  return socket;
}

/** This process as both agents at the protocol level (outer TLS only, no inner layer). */
class ProtocolPair {
  private readonly controls: Partial<Record<AgentRole, Duplex>> = {};
  private readonly secrets: Partial<Record<AgentRole, string>> = {};
  private readonly opens = new Map<string, () => void>();

  constructor(
    private readonly relay: RelayEndpoint,
    readonly sid = randomUUID(),
  ) {}

  async join(): Promise<void> {
    const fp = randomBytes(32).toString('hex');
    await Promise.all(
      (['customer', 'technician'] as const).map(async (role) => {
        const control = await connectRelay(this.relay);
        this.controls[role] = control;
        const ready = new Promise<void>((resolve, reject) => {
          readFrames(
            control,
            (frame: Frame) => {
              if (frame.t === 'PING') control.write(encodeFrame({ t: 'PONG', n: frame.n }));
              if (frame.t === 'READY') {
                this.secrets[role] = frame.secret;
                resolve();
              }
              if (frame.t === 'OPEN') this.opens.get(frame.cid)?.();
              if (frame.t === 'END') reject(new Error(frame.reason));
            },
            reject,
          );
        });
        control.write(encodeFrame({ t: 'HELLO', token: token(role, this.sid, fp, '127.0.0.1:1') }));
        await ready;
      }),
    );
  }

  /** A tunneled connection: [technician end, customer end]. */
  async open(): Promise<[Duplex, Duplex]> {
    const cid = randomUUID();
    const opened = new Promise<void>((resolve) => this.opens.set(cid, resolve));
    const attach = async (role: AgentRole) => {
      const socket = await connectRelay(this.relay);
      socket.write(
        encodeFrame({ t: 'ATTACH', sid: this.sid, role, secret: this.secrets[role]!, cid }),
      );
      return socket;
    };
    const technician = await attach('technician');
    await opened;
    return [technician, await attach('customer')];
  }

  close(): void {
    for (const c of Object.values(this.controls)) c.destroy();
  }
}

async function startRelayProcess(): Promise<{
  child: ChildProcess;
  endpoint: RelayEndpoint;
  rss(): Promise<number>;
}> {
  const cert = await generateCertificate('relay.bench');
  writeFileSync(join(dir, 'relay.pem'), cert.cert);
  writeFileSync(join(dir, 'relay.key'), cert.key);
  const [port, adminPort] = [await freePort(), await freePort()];
  const child = run('relay/main.js', [], {
    TUNNEL_RELAY_HOST: '127.0.0.1',
    TUNNEL_RELAY_PORT: String(port),
    TUNNEL_RELAY_ADMIN_PORT: String(adminPort),
    TUNNEL_RELAY_CERT_FILE: join(dir, 'relay.pem'),
    TUNNEL_RELAY_KEY_FILE: join(dir, 'relay.key'),
    TUNNEL_PUBLIC_KEYS: publicKeyB64,
    TUNNEL_TICKET_SECRET: randomBytes(32).toString('base64'),
  });
  const metrics = () => fetch(`http://127.0.0.1:${adminPort}/metrics`).then((r) => r.text());
  await until(async () => (await metrics()).length > 0);
  return {
    child,
    endpoint: { host: '127.0.0.1', port, fingerprint: cert.fingerprint },
    rss: async () =>
      Number(/^process_resident_memory_bytes (\d+)/m.exec(await metrics())?.[1] ?? NaN),
  };
}

/** The real agents, each its own process, for a session whose customer side reaches `target`. */
async function startAgentProcesses(
  relay: RelayEndpoint,
  target: number,
): Promise<{
  port: number;
  stop(): Promise<void>;
}> {
  const sid = randomUUID();
  const listenPort = await freePort();
  const agents: ChildProcess[] = [];
  for (const role of ['customer', 'technician'] as const) {
    const identity = join(dir, `${role}-${sid}`);
    const cert = await generateCertificate('fixbazaar-tunnel-agent');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(identity);
    writeFileSync(join(identity, 'cert.pem'), cert.cert);
    writeFileSync(join(identity, 'key.pem'), cert.key);
    writeFileSync(
      join(identity, 'token'),
      token(role, sid, cert.fingerprint, `127.0.0.1:${target}`),
    );
    agents.push(
      run('agent/main.js', [
        role,
        '--token',
        `@${join(identity, 'token')}`,
        '--identity',
        identity,
        '--relay',
        `tls://${relay.host}:${relay.port}`,
        '--relay-fingerprint',
        relay.fingerprint!,
        '--public-keys',
        publicKeyB64,
        '--target',
        `127.0.0.1:${target}`,
        '--listen',
        `127.0.0.1:${listenPort}`,
      ]),
    );
  }
  // Paired when a connection through the listening port reaches the target and stays open.
  await until(async () => {
    const s = await tcp(listenPort);
    const closed = await Promise.race([
      once(s, 'close').then(() => true),
      new Promise((r) => setTimeout(() => r(false), 300)),
    ]);
    s.destroy();
    return !closed;
  });
  return { port: listenPort, stop: async () => void (await Promise.all(agents.map(stop))) };
}

/**
 * RSS per pair of idle connections on a bare TLS server (a child process running this file with
 * `tls-floor`), each connection sent one 1.2 KB write as a relay's first PING is.
 */
async function tlsFloorPerPair(): Promise<number> {
  const cert = await generateCertificate('floor.bench');
  const child = fork(process.argv[1]!, ['tls-floor'], {
    env: { ...process.env, CERT: cert.cert, KEY: cert.key },
  });
  children.push(child);
  const ask = <T>(message?: string) =>
    new Promise<T>((resolve) => {
      child.once('message', (m) => resolve(m as T));
      if (message) child.send(message);
    });
  const port = await ask<number>();
  await new Promise((r) => setTimeout(r, 500));
  const before = await ask<number>('rss');
  const sockets: TLSSocket[] = [];
  for (let i = 0; i < SESSIONS * 2; i += 100) {
    await Promise.all(
      Array.from({ length: Math.min(100, SESSIONS * 2 - i) }, async () => {
        const socket = connectTls({
          host: '127.0.0.1',
          port,
          rejectUnauthorized: false,
          ...TLS_OPTIONS,
        });
        socket.on('error', () => undefined);
        socket.on('data', () => undefined);
        sockets.push(socket);
        await once(socket, 'secureConnect');
      }),
    );
  }
  await new Promise((r) => setTimeout(r, 1000));
  const perPair = ((await ask<number>('rss')) - before) / SESSIONS;
  for (const s of sockets) s.destroy();
  await stop(child);
  return perPair;
}

function tlsFloorServer(): void {
  const server = createTlsServer(
    { cert: process.env.CERT, key: process.env.KEY, ...TLS_OPTIONS },
    (socket) => {
      socket.on('error', () => undefined);
      socket.write(Buffer.alloc(1200));
    },
  );
  server.listen(0, '127.0.0.1', () => process.send!((server.address() as AddressInfo).port));
  process.on('message', () => process.send!(process.memoryUsage().rss));
}

/**
 * AES-128-GCM on one core, bytes per second: every relayed byte is decrypted and encrypted again
 * by the relay (and twice more by each agent with the inner layer), so half this rate is a ceiling
 * for one relayed stream whatever the relay's code does.
 */
function aesGcmRate(): number {
  const key = randomBytes(16);
  const iv = randomBytes(12);
  const block = randomBytes(1024 * 1024);
  let bytes = 0;
  const started = performance.now();
  while (performance.now() - started < 1000) {
    const cipher = createCipheriv('aes-128-gcm', key, iv);
    cipher.update(block);
    cipher.final();
    bytes += block.length;
  }
  return bytes / ((performance.now() - started) / 1000);
}

const MBps = (bytesPerSecond: number) => (bytesPerSecond / 1e6).toFixed(0);

async function main(): Promise<void> {
  const sink = await listen(sinkHandler);
  const echo = await listen((s) => {
    s.on('error', () => undefined);
    s.pipe(s);
  });

  // Throughput: raw, outer TLS only through the relay, both layers through the agents.
  const raw = await throughput(await tcp(portOf(sink)));
  console.log(`raw TCP                    ${MBps(raw)} MB/s`);
  const aes = aesGcmRate();
  console.log(`AES-128-GCM, one core      ${MBps(aes)} MB/s (a relayed stream: ≤ half of it)`);
  const relay = await startRelayProcess();
  const plain = new ProtocolPair(relay.endpoint);
  await plain.join();
  const [tech, cust] = await plain.open();
  sinkHandler(cust as unknown as Socket);
  const outerOnly = await throughput(tech);
  cust.destroy();
  console.log(`relay, outer TLS only      ${MBps(outerOnly)} MB/s`);
  const bulkAgents = await startAgentProcesses(relay.endpoint, portOf(sink));
  const both = await throughput(await tcp(bulkAgents.port));
  await bulkAgents.stop();
  console.log(`agents, inner + outer TLS  ${MBps(both)} MB/s`);

  // Round trips.
  const rawRtt = await pingPong(await tcp(portOf(echo)));
  const [pingTech, pingCust] = await plain.open();
  pingCust.pipe(pingCust);
  const outerRtt = await pingPong(pingTech as unknown as Socket);
  plain.close();
  const rttAgents = await startAgentProcesses(relay.endpoint, portOf(echo));
  const bothRtt = await pingPong(await tcp(rttAgents.port));
  await rttAgents.stop();
  await stop(relay.child);

  // Idle sessions on a fresh relay.
  const idleRelay = await startRelayProcess();
  await new Promise((r) => setTimeout(r, 500));
  const rssBefore = await idleRelay.rss();
  const pairs: ProtocolPair[] = [];
  for (let i = 0; i < SESSIONS; i += 50) {
    const batch = Array.from(
      { length: Math.min(50, SESSIONS - i) },
      () => new ProtocolPair(idleRelay.endpoint),
    );
    await Promise.all(batch.map((p) => p.join()));
    pairs.push(...batch);
  }
  await new Promise((r) => setTimeout(r, 1000));
  const rssPerSession = ((await idleRelay.rss()) - rssBefore) / SESSIONS;
  for (const p of pairs) p.close();
  await stop(idleRelay.child);
  const floorPerPair = await tlsFloorPerPair();

  const p = (rtts: number[], q: number) => percentile(rtts, q);
  const added50 = p(bothRtt, 50) - p(rawRtt, 50);
  const addedOuter50 = p(outerRtt, 50) - p(rawRtt, 50);
  const rows: [string, string, string, boolean][] = [
    [
      'throughput, both TLS layers / raw',
      `${((both / raw) * 100).toFixed(1)} %`,
      '≥ 25 %',
      both / raw >= 0.25,
    ],
    ['crypto ceiling (AES-GCM / 2) / raw', `${((aes / 2 / raw) * 100).toFixed(1)} %`, '—', true],
    [
      'throughput, outer TLS only / raw',
      `${((outerOnly / raw) * 100).toFixed(1)} %`,
      '≥ 45 %',
      outerOnly / raw >= 0.45,
    ],
    [
      'added RTT p50 (64 B, relay, outer only)',
      `${addedOuter50.toFixed(0)} µs`,
      '≤ 100 µs',
      addedOuter50 <= 100,
    ],
    ['added RTT p50 (64 B, both layers)', `${added50.toFixed(0)} µs`, '≤ 100 µs', added50 <= 100],
    [
      'added RTT p99 (64 B, both layers)',
      `${(p(bothRtt, 99) - p(rawRtt, 99)).toFixed(0)} µs`,
      '—',
      true,
    ],
    ['bare TLS server, per connection pair', `${(floorPerPair / 1024).toFixed(1)} KB`, '—', true],
    [
      'relay RSS per paired idle session',
      `${(rssPerSession / 1024).toFixed(1)} KB`,
      '≤ 64 KB',
      rssPerSession <= 64 * 1024,
    ],
  ];
  console.log(`\nRTT µs        p50     p99`);
  for (const [name, rtts] of [
    ['raw', rawRtt],
    ['outer only', outerRtt],
    ['both layers', bothRtt],
  ] as const) {
    console.log(
      `${name.padEnd(12)} ${p(rtts, 50).toFixed(0).padStart(5)} ${p(rtts, 99).toFixed(0).padStart(7)}`,
    );
  }
  console.log(`\n${'figure'.padEnd(40)} ${'value'.padStart(10)}  target    met`);
  for (const [name, value, target, met] of rows) {
    console.log(
      `${name.padEnd(40)} ${value.padStart(10)}  ${target.padEnd(9)} ${target === '—' ? '' : met ? 'yes' : 'NO'}`,
    );
  }
  console.log(`(${seconds} s windows, ${PINGS} pings, ${SESSIONS} idle sessions)`);
  console.log(`RESULT tunnel.raw_mb_per_s ${MBps(raw)} MB/s`);
  console.log(`RESULT tunnel.aes_gcm_mb_per_s ${MBps(aes)} MB/s`);
  console.log(`RESULT tunnel.both_layers_ratio_to_raw ${(both / raw).toFixed(3)} x`);
  console.log(`RESULT tunnel.outer_only_ratio_to_raw ${(outerOnly / raw).toFixed(3)} x`);
  console.log(`RESULT tunnel.added_rtt_p50_outer_only ${addedOuter50.toFixed(0)} us`);
  console.log(`RESULT tunnel.added_rtt_p50 ${added50.toFixed(0)} us`);
  console.log(`RESULT tunnel.added_rtt_p99 ${(p(bothRtt, 99) - p(rawRtt, 99)).toFixed(0)} us`);
  console.log(`RESULT tunnel.relay_rss_per_idle_session ${(rssPerSession / 1024).toFixed(1)} KB`);
  console.log(
    `RESULT tunnel.bare_tls_rss_per_connection_pair ${(floorPerPair / 1024).toFixed(1)} KB`,
  );
  sink.close();
  echo.close();
}

if (process.argv[2] === 'tls-floor') tlsFloorServer();
else
  main()
    .catch((error) => {
      console.error(error);
      process.exitCode = 1;
    })
    .finally(async () => {
      for (const child of children) await stop(child);
      rmSync(dir, { recursive: true, force: true });
      process.exit();
    });
