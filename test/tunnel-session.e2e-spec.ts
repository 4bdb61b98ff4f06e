import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createServer as createHttpServer, type IncomingMessage } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import { Agent, AgentError } from '../tunnel/agent/agent.js';
import { generateCertificate } from '../tunnel/protocol/cert.js';
import { encodeFrame, readFrames, type Frame } from '../tunnel/protocol/frames.js';
import { connectRelay } from '../tunnel/protocol/relay-client.js';
import { signAgentToken, signRevocationList } from '../src/common/tunnel-contract.js';
import type { RunningRelay } from '../tunnel/relay/start.js';
import {
  captureLogger,
  echo,
  publicKeys,
  rawHello,
  roundTrip,
  signRevocations,
  signToken,
  TEST_RELAY_ID,
  startAgents,
  startBlipProxy,
  startService,
  startTestRelay,
  testRelayCertificate,
  type AgentPair,
} from './support/tunnel.js';

/**
 * The relay and the agents end to end on loopback, in this process: joining and its refusals,
 * pairing, what the relay can see (ciphertext only), revocation, the hard stop, heartbeats,
 * reconnects with the resume ticket and a relay restart with GOAWAY. No database.
 */
const fastBackoff = { baseMs: 50, capMs: 200, stableMs: 60_000 };

describe('tunnel sessions', () => {
  let relay: RunningRelay;
  let logs: ReturnType<typeof captureLogger>;
  let service: Awaited<ReturnType<typeof startService>>;
  let pair: AgentPair | undefined;
  const tapped: Buffer[] = [];

  beforeEach(async () => {
    logs = captureLogger();
    tapped.length = 0;
    relay = await startTestRelay(logs.logger, { tap: (_sid, _from, chunk) => tapped.push(chunk) });
    service = await startService(echo);
  });

  afterEach(async () => {
    await pair?.close();
    pair = undefined;
    await relay.close();
    await service.close();
  });

  async function paired(options: Parameters<typeof startAgents>[3] = {}): Promise<AgentPair> {
    pair = await startAgents(relay, service.port, logs.logger, {
      ...options,
      agent: { backoff: fastBackoff, ...options.agent },
    });
    await Promise.all([pair.customer.ready(), pair.technician.ready()]);
    return pair;
  }

  it('carries TCP through the relay, which sees only ciphertext and logs no payload', async () => {
    const { technician } = await paired();
    const marker = 'PLAINTEXT-MARKER-7f3a9c';
    const message = Buffer.from(`${marker} `.repeat(2000));
    const back = await roundTrip(technician.localPort, message);
    expect(back.equals(message)).toBe(true);

    const forwarded = Buffer.concat(tapped);
    // Both directions crossed the relay (about twice the message plus the inner TLS)…
    expect(forwarded.length).toBeGreaterThan(2 * message.length);
    // …and not one copy of the marker was readable there, nor in any log line.
    expect(forwarded.includes(marker)).toBe(false);
    expect(forwarded.includes(marker.slice(0, 12))).toBe(false);
    expect(logs.lines.some((l) => l.includes(marker.slice(0, 12)))).toBe(false);
    expect(logs.lines.length).toBeGreaterThan(3);
  });

  it("a connection the customer's service refuses is closed on the technician's side", async () => {
    const port = service.port;
    await service.close();
    service = await startService(echo); // for afterEach; the session's target is the closed port
    pair = await startAgents(relay, port, logs.logger);
    await Promise.all([pair.customer.ready(), pair.technician.ready()]);
    const local = connect({ host: '127.0.0.1', port: pair.technician.localPort });
    local.on('error', () => undefined);
    await once(local, 'close');
    expect(
      logs.lines.some((l) => l.includes('tunneled connection refused by the customer side')),
    ).toBe(true);
    // Only that connection ended: the agents stay paired.
    expect(pair.technician.state).toBe('ready');
  });

  it('accepts a token once, and refuses expired, forged and misdirected ones', async () => {
    const { customerToken, sid } = await paired();
    const ended = async (hello: Parameters<typeof rawHello>[1]) =>
      (await rawHello(relay.port, hello)).find((f) => f.t === 'END');

    expect(await ended({ t: 'HELLO', token: customerToken })).toEqual({
      t: 'END',
      reason: 'token_reused',
    });
    const cert = await generateCertificate('late.agent');
    const now = Math.floor(Date.now() / 1000);
    const expired = signToken('technician', randomUUID(), cert.fingerprint, {
      iat: now - 600,
      exp: now - 300,
    });
    expect(await ended({ t: 'HELLO', token: expired })).toEqual({ t: 'END', reason: 'expired' });
    // A token for the session's relay elsewhere (several relays: each session has one).
    const elsewhere = signToken('technician', randomUUID(), cert.fingerprint, {
      rly: 'relay-other',
    });
    expect(await ended({ t: 'HELLO', token: elsewhere })).toEqual({
      t: 'END',
      reason: 'wrong_relay',
    });
    const forged = signAgentToken(
      {
        v: 1,
        jti: randomUUID(),
        sid: randomUUID(),
        rly: TEST_RELAY_ID,
        role: 'technician',
        dev: 'x',
        tgt: '127.0.0.1:5555',
        fp: cert.fingerprint,
        iat: now,
        exp: now + 300,
        stop: now + 3600,
        bw: 1000,
      },
      generateKeyPairSync('ed25519').privateKey,
    );
    expect(await ended({ t: 'HELLO', token: forged })).toEqual({
      t: 'END',
      reason: 'bad_signature',
    });
    // A second customer for a session whose customer is connected.
    const second = signToken('customer', sid, cert.fingerprint);
    expect(await ended({ t: 'HELLO', token: second })).toEqual({ t: 'END', reason: 'role_taken' });
    // A forged ticket.
    expect(await ended({ t: 'HELLO', ticket: 'fbk1.e30.AAAA' })).toEqual({
      t: 'END',
      reason: 'bad_ticket',
    });
    // A valid token for a new session is welcome (a PING with its first ticket, no READY yet).
    const fresh = await rawHello(relay.port, {
      t: 'HELLO',
      token: signToken('technician', randomUUID(), cert.fingerprint),
    });
    expect(fresh.map((f) => f.t)).toEqual(['PING']);

    // The agent refuses a token for the other role, or one carrying another certificate.
    const options = {
      relay: { host: '127.0.0.1', port: relay.port },
      certificate: cert,
      publicKeys,
      logger: logs.logger,
    };
    const customerToken2 = signToken('customer', randomUUID(), cert.fingerprint);
    expect(() => new Agent({ ...options, role: 'technician', token: customerToken2 })).toThrow(
      AgentError,
    );
    const otherCert = await generateCertificate('other.agent');
    expect(
      () =>
        new Agent({
          ...options,
          certificate: otherCert,
          role: 'customer',
          target: '127.0.0.1:5555',
          token: customerToken2,
        }),
    ).toThrow(/fingerprint/);
    expect(
      () =>
        new Agent({ ...options, role: 'customer', target: '127.0.0.1:22', token: customerToken2 }),
    ).toThrow(/allows 127.0.0.1:5555 only/);
  });

  it('pairs only agents of the same session', async () => {
    // Two half-pairs: the customer of one session, the technician of another.
    const one = await startAgents(relay, service.port, logs.logger, { only: 'customer' });
    const other = await startAgents(relay, service.port, logs.logger, { only: 'technician' });
    await new Promise((r) => setTimeout(r, 300));
    expect(one.customer.state).toBe('waiting');
    expect(other.technician.state).toBe('waiting');
    expect(relay.relay.sessionCount()).toBe(2);
    await one.close();
    await other.close();
  });

  it('an agent refuses a peer token the relay could have swapped (other session or role)', async () => {
    const relayCert = await testRelayCertificate();
    const cert = await generateCertificate('customer.agent');
    const sid = randomUUID();
    const token = signToken('customer', sid, cert.fingerprint);
    const peerTokens = [
      signToken('technician', randomUUID(), cert.fingerprint),
      signToken('customer', sid, cert.fingerprint),
    ];
    for (const peerToken of peerTokens) {
      // A relay in the middle hands over a genuine, platform-signed token of the wrong kind.
      const fake = createTlsServer({ cert: relayCert.cert, key: relayCert.key }, (socket) => {
        socket.on('error', () => undefined);
        readFrames(
          socket,
          () =>
            socket.write(
              encodeFrame({ t: 'READY', peerToken, secret: 'x', ticket: 'y', stop: 0, bw: 1 }),
            ),
          () => socket.destroy(),
        );
      });
      fake.listen(0, '127.0.0.1');
      await once(fake, 'listening');
      const agent = new Agent({
        role: 'customer',
        relay: {
          host: '127.0.0.1',
          port: (fake.address() as { port: number }).port,
          fingerprint: relayCert.fingerprint,
        },
        token,
        certificate: cert,
        publicKeys,
        target: '127.0.0.1:5555',
        logger: logs.logger,
      });
      const ended = once(agent, 'end');
      await agent.start();
      expect(await ended).toEqual(['peer_token_invalid']);
      await agent.close();
      fake.close();
    }
  });

  it('a signed revocation ends a live session within a second; its tickets are refused after', async () => {
    const { customer, technician, sid } = await paired();
    const local = connect({ host: '127.0.0.1', port: technician.localPort });
    await once(local, 'connect');
    local.write('ping');
    await once(local, 'data');
    const closed = once(local, 'close');
    const ends = Promise.all([once(customer, 'end'), once(technician, 'end')]);

    const bad = await fetch(`${relay.adminUrl}/v1/revocations`, {
      method: 'POST',
      body: JSON.stringify({
        list: signRevocationList(
          { v: 1, issuedAt: Date.now(), kind: 'delta', sessions: [{ sid, reason: 'x' }] },
          generateKeyPairSync('ed25519').privateKey,
        ),
      }),
    });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ code: 'revocations-bad_signature' });
    expect(customer.state).toBe('ready');

    const started = performance.now();
    const response = await fetch(`${relay.adminUrl}/v1/revocations`, {
      method: 'POST',
      body: JSON.stringify({ list: signRevocations([{ sid, reason: 'consent_revoked' }]) }),
    });
    expect(await response.json()).toEqual({ ended: 1, ignored: false });
    const [[reasonC], [reasonT]] = await ends;
    await closed;
    const elapsedMs = performance.now() - started;
    expect(elapsedMs).toBeLessThanOrEqual(1000);
    expect([reasonC, reasonT]).toEqual(['consent_revoked', 'consent_revoked']);
    const metrics = await (await fetch(`${relay.adminUrl}/metrics`)).text();
    expect(metrics).toMatch(/tunnel_sessions_ended_total\{reason="consent_revoked"\} 1/);
    // The same session cannot come back, with a fresh token either.
    const cert = await generateCertificate('again.agent');
    const again = await rawHello(relay.port, {
      t: 'HELLO',
      token: signToken('customer', sid, cert.fingerprint),
    });
    expect(again).toEqual([{ t: 'END', reason: 'session_closed' }]);
  });

  it('ends the session at its hard stop, whatever is open', async () => {
    const stop = Math.floor(Date.now() / 1000) + 2;
    const { technician } = await paired({ claims: { stop } });
    const local: Socket = connect({ host: '127.0.0.1', port: technician.localPort });
    await once(local, 'connect');
    const [reason] = await once(technician, 'end');
    const endedAt = Date.now();
    expect(reason).toBe('hard_stop');
    expect(endedAt).toBeGreaterThanOrEqual(stop * 1000);
    expect(endedAt).toBeLessThan(stop * 1000 + 1000);
    if (!local.destroyed) await once(local, 'close');
  });

  it('a network blip: the agents resume with their tickets, no new token', async () => {
    const proxy = await startBlipProxy(relay.port);
    try {
      const { customer, technician } = await paired({ relayPort: proxy.port });
      expect((await roundTrip(technician.localPort, Buffer.from('before'))).toString()).toBe(
        'before',
      );
      const back = Promise.all([once(customer, 'ready'), once(technician, 'ready')]);
      proxy.blip();
      await back;
      expect(customer.reconnects).toBeGreaterThanOrEqual(1);
      expect(technician.reconnects).toBeGreaterThanOrEqual(1);
      expect((await roundTrip(technician.localPort, Buffer.from('after'))).toString()).toBe(
        'after',
      );
      expect(logs.lines.filter((l) => l.includes('"type":"reconnected"')).length).toBeGreaterThan(
        1,
      );
    } finally {
      await pair?.close();
      await proxy.close();
    }
  });

  it('relay restart: GOAWAY, open connections drain, agents resume on the new relay', async () => {
    const { customer, technician } = await paired();
    const local = connect({ host: '127.0.0.1', port: technician.localPort });
    await once(local, 'connect');
    local.write('before drain');
    expect((await once(local, 'data'))[0].toString()).toBe('before drain');
    const port = relay.port;
    // A connection accepted just before the drain that says HELLO during it is turned away.
    const relayCert = await testRelayCertificate();
    const late = await connectRelay({
      host: '127.0.0.1',
      port,
      fingerprint: relayCert.fingerprint,
    });
    const lateFrames: Frame[] = [];
    readFrames(
      late,
      (f) => lateFrames.push(f),
      () => late.destroy(),
    );
    const draining = relay.drain(100, 400);
    const cert = await generateCertificate('late.agent');
    late.write(
      encodeFrame({ t: 'HELLO', token: signToken('customer', randomUUID(), cert.fingerprint) }),
    );
    await once(late, 'close');
    expect(lateFrames).toEqual([{ t: 'GOAWAY', retryMs: 100 }]);
    // During the drain the open tunneled connection still works.
    local.write('during drain');
    expect((await once(local, 'data'))[0].toString()).toBe('during drain');
    await draining;
    expect(customer.state).toBe('reconnecting');
    relay = await startTestRelay(logs.logger, { port });
    await Promise.all([customer.ready(), technician.ready()]);
    expect((await roundTrip(technician.localPort, Buffer.from('new relay'))).toString()).toBe(
      'new relay',
    );
    local.destroy();
  });

  it('heartbeats: a silent agent is cut after three misses, but not while the loop stalls', async () => {
    await relay.close();
    relay = await startTestRelay(logs.logger, { heartbeatMs: 100 });
    const cert = await generateCertificate('silent.agent');
    // Joins and never answers a PING: cut after ~300–400 ms.
    const frames = await rawHello(
      relay.port,
      { t: 'HELLO', token: signToken('technician', randomUUID(), cert.fingerprint) },
      2000,
    );
    expect(frames.filter((f) => f.t === 'PING').length).toBeGreaterThanOrEqual(3);
    expect(logs.lines.some((l) => l.includes('agent missed its heartbeats'))).toBe(true);

    const { customer, technician } = await paired({ agent: { heartbeatMs: 100 } });
    // The whole process (relay and agents) stalls for eight heartbeats.
    const until = Date.now() + 800;
    while (Date.now() < until);
    await new Promise((r) => setTimeout(r, 250));
    expect(logs.lines.some((l) => l.includes('heartbeat misses excused'))).toBe(true);
    expect(customer.reconnects + technician.reconnects).toBe(0);
    expect(customer.state).toBe('ready');
  });

  it('agents behind an HTTPS-only proxy: CONNECT, WebSocket inside the TLS, same protocol', async () => {
    const connects: string[] = [];
    const proxy = createHttpServer();
    const tunnels = new Set<Socket>();
    proxy.on('connect', (req: IncomingMessage, client: Socket, head: Buffer) => {
      connects.push(String(req.url));
      const [host, port] = String(req.url).split(':');
      const upstream = connect({ host, port: Number(port) }, () => {
        client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        upstream.write(head);
        upstream.pipe(client).pipe(upstream);
      });
      for (const s of [client, upstream]) {
        tunnels.add(s);
        s.on('error', () => undefined);
        s.on('close', () => {
          tunnels.delete(s);
          client.destroy();
          upstream.destroy();
        });
      }
    });
    proxy.listen(0, '127.0.0.1');
    await once(proxy, 'listening');
    try {
      const { technician } = await paired({
        agent: {
          relay: {
            host: '127.0.0.1',
            port: relay.port,
            fingerprint: (await testRelayCertificate()).fingerprint,
            websocketPath: '/v1/ws',
            proxy: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`,
          },
        },
      });
      const marker = 'WEBSOCKET-MARKER-93b1';
      const message = Buffer.from(marker.repeat(5000));
      expect((await roundTrip(technician.localPort, message)).equals(message)).toBe(true);
      // Two control connections and the two data connections, all through the proxy.
      expect(connects).toEqual(Array(4).fill(`127.0.0.1:${relay.port}`));
      expect(Buffer.concat(tapped).includes(marker)).toBe(false);
      const metrics = await (await fetch(`${relay.adminUrl}/metrics`)).text();
      expect(metrics).toMatch(/^tunnel_websocket_connections_total 4$/m);
    } finally {
      await pair?.close();
      for (const s of tunnels) s.destroy();
      await new Promise((r) => proxy.close(r));
    }
  });

  it('admin port: health, metrics', async () => {
    await paired();
    const health = await fetch(`${relay.adminUrl}/healthz`);
    expect(await health.json()).toEqual({ status: 'ok', sessions: 1 });
    const metrics = await (await fetch(`${relay.adminUrl}/metrics`)).text();
    expect(metrics).toMatch(/tunnel_sessions\{state="paired"\} 1/);
    expect(metrics).toMatch(/tunnel_pairing_wait_seconds_count 1/);
    expect(metrics).toMatch(/tunnel_event_loop_lag_seconds/);
  });
});
