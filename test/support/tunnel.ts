/**
 * The tunnel's test harness: a platform signing key, join tokens signed the way the API signs them,
 * a relay in this process with a self-signed certificate, agents, local services, and a pino logger
 * whose lines the test can read. Nothing here touches the database.
 */
import { generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { Writable } from 'node:stream';
import pino, { type Logger } from 'pino';
import { Agent, type AgentOptions } from '../../tunnel/agent/agent.js';
import { generateCertificate, type EphemeralCertificate } from '../../tunnel/protocol/cert.js';
import { encodeFrame, readFrames, type Frame } from '../../tunnel/protocol/frames.js';
import { connectRelay } from '../../tunnel/protocol/relay-client.js';
import {
  signAgentToken,
  signRevocationList,
  type AgentRole,
  type AgentTokenClaims,
  type RevocationList,
} from '../../src/common/tunnel-contract.js';
import { startRelay, type RelayConfig, type RunningRelay } from '../../tunnel/relay/start.js';

export const platform = generateKeyPairSync('ed25519');
export const publicKeys = [platform.publicKey];
/** The id the tests' relays run under (`TUNNEL_RELAY_ID`), and their tokens name. */
export const TEST_RELAY_ID = 'relay-test';

export function signToken(
  role: AgentRole,
  sid: string,
  fp: string,
  overrides: Partial<AgentTokenClaims> = {},
): string {
  const now = Math.floor(Date.now() / 1000);
  return signAgentToken(
    {
      v: 1,
      jti: randomUUID(),
      sid,
      rly: TEST_RELAY_ID,
      role,
      dev: `${role}-laptop`,
      tgt: '127.0.0.1:5555',
      fp,
      iat: now,
      exp: now + 300,
      stop: now + 3600,
      bw: 1_000_000_000,
      ...overrides,
    },
    platform.privateKey,
  );
}

export function signRevocations(sessions: RevocationList['sessions']): string {
  return signRevocationList(
    { v: 1, issuedAt: Date.now(), kind: 'delta', sessions },
    platform.privateKey,
  );
}

/** A pino logger writing into `lines` (one JSON string each). */
export function captureLogger(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
  return { logger: pino({ level: 'debug' }, stream), lines };
}

let relayCertificate: Promise<EphemeralCertificate> | undefined;

export function testRelayCertificate(): Promise<EphemeralCertificate> {
  relayCertificate ??= generateCertificate('relay.test');
  return relayCertificate;
}

export const TICKET_SECRET = randomBytes(32);

export async function startTestRelay(
  logger: Logger,
  overrides: Partial<RelayConfig> = {},
): Promise<RunningRelay> {
  const cert = await testRelayCertificate();
  return startRelay({
    host: '127.0.0.1',
    port: 0,
    adminPort: 0,
    cert: cert.cert,
    key: cert.key,
    publicKeys,
    ticketSecret: TICKET_SECRET,
    relayId: TEST_RELAY_ID,
    logger,
    ...overrides,
  });
}

/** A local TCP service on a free port; `handler` gets each connection. */
export async function startService(handler: (socket: Socket) => void): Promise<{
  server: Server;
  port: number;
  close(): Promise<void>;
}> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    handler(socket);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    server,
    port: (server.address() as AddressInfo).port,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise((r) => server.close(r));
    },
  };
}

export interface AgentPair {
  sid: string;
  customer: Agent;
  technician: Agent;
  customerToken: string;
  technicianToken: string;
  close(): Promise<void>;
}

/** Makes both agents (fresh certificates, tokens for one session) and starts them. */
export async function startAgents(
  relay: RunningRelay,
  targetPort: number,
  logger: Logger,
  options: {
    claims?: Partial<AgentTokenClaims>;
    agent?: Partial<AgentOptions>;
    sid?: string;
    /** Start this agent only (the other is made, not started). */
    only?: AgentRole;
    /** Dial this port instead of the relay's (a proxy in front of it). */
    relayPort?: number;
  } = {},
): Promise<AgentPair> {
  const sid = options.sid ?? randomUUID();
  const relayCert = await testRelayCertificate();
  const target = `127.0.0.1:${targetPort}`;
  const make = async (role: AgentRole) => {
    const certificate = await generateCertificate(`${role}.agent`);
    const token = signToken(role, sid, certificate.fingerprint, { tgt: target, ...options.claims });
    const agent = new Agent({
      role,
      relay: {
        host: '127.0.0.1',
        port: options.relayPort ?? relay.port,
        fingerprint: relayCert.fingerprint,
      },
      token,
      certificate,
      publicKeys,
      target: role === 'customer' ? target : undefined,
      logger,
      ...options.agent,
    });
    return { agent, token };
  };
  const [c, t] = [await make('customer'), await make('technician')];
  if (options.only !== 'technician') await c.agent.start();
  if (options.only !== 'customer') await t.agent.start();
  return {
    sid,
    customer: c.agent,
    technician: t.agent,
    customerToken: c.token,
    technicianToken: t.token,
    close: async () => {
      await c.agent.close();
      await t.agent.close();
    },
  };
}

/** An echo service: writes back whatever it reads. */
export function echo(socket: Socket): void {
  socket.pipe(socket);
}

/** Connects to `port`, writes `message`, resolves with the first `bytes` bytes read back. */
export async function roundTrip(port: number, message: Buffer): Promise<Buffer> {
  const { connect } = await import('node:net');
  const socket = connect({ host: '127.0.0.1', port });
  socket.on('error', () => undefined);
  try {
    await once(socket, 'connect');
    socket.write(message);
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of socket as AsyncIterable<Buffer>) {
      chunks.push(chunk);
      size += chunk.length;
      if (size >= message.length) break;
    }
    return Buffer.concat(chunks);
  } finally {
    socket.destroy();
  }
}

/** Resolves when `predicate` holds (polled every 10 ms), rejects after `timeoutMs`. */
export async function waitFor(predicate: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Joins the relay by hand: sends `hello`, resolves with the frames received until it closes. */
export async function rawHello(port: number, hello: Frame, waitMs = 300): Promise<Frame[]> {
  const relayCert = await testRelayCertificate();
  const socket = await connectRelay({
    host: '127.0.0.1',
    port,
    fingerprint: relayCert.fingerprint,
  });
  const frames: Frame[] = [];
  socket.on('error', () => undefined);
  readFrames(
    socket,
    (frame) => frames.push(frame),
    () => socket.destroy(),
  );
  socket.write(encodeFrame(hello));
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([once(socket, 'close'), new Promise((r) => (timer = setTimeout(r, waitMs)))]);
  clearTimeout(timer);
  socket.destroy();
  return frames;
}

/** A TCP proxy in front of the relay whose connections a test can cut (a network blip). */
export async function startBlipProxy(targetPort: number): Promise<{
  port: number;
  blip(): void;
  close(): Promise<void>;
}> {
  const { connect } = await import('node:net');
  const service = await startService((client) => {
    const upstream = connect({ host: '127.0.0.1', port: targetPort });
    upstream.on('error', () => client.destroy());
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
    client.pipe(upstream).pipe(client);
  });
  const sockets = new Set<Socket>();
  service.server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  return {
    port: service.port,
    blip: () => {
      for (const s of sockets) s.destroy();
    },
    close: service.close,
  };
}
