import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import type { RunningRelay } from '../tunnel/relay/start.js';
import {
  captureLogger,
  echo,
  startAgents,
  startService,
  startTestRelay,
  type AgentPair,
} from './support/tunnel.js';

/**
 * Bulk through the tunnel (both TLS layers, relay in this process): 200 MB arrive intact, and a
 * session's bandwidth cap holds each direction to its rate while an interactive connection of the
 * same session stays responsive.
 */
const MB = 1024 * 1024;

async function connected(port: number): Promise<Socket> {
  const socket = connect({ host: '127.0.0.1', port });
  socket.on('error', () => undefined);
  await once(socket, 'connect');
  return socket;
}

describe('tunnel transfers', () => {
  const { logger } = captureLogger();
  let relay: RunningRelay;
  let pair: AgentPair | undefined;
  let services: { close(): Promise<void> }[] = [];

  beforeEach(async () => {
    relay = await startTestRelay(logger);
  });

  afterEach(async () => {
    await pair?.close();
    pair = undefined;
    await relay.close();
    for (const s of services) await s.close();
    services = [];
  });

  it('200 MB cross the tunnel with a matching SHA-256', async () => {
    const total = 200 * MB;
    // The customer's service hashes exactly `total` bytes, then answers the digest.
    const sink = await startService((socket) => {
      const hash = createHash('sha256');
      let received = 0;
      socket.on('data', (chunk: Buffer) => {
        hash.update(chunk);
        received += chunk.length;
        if (received === total) socket.end(hash.digest('hex'));
      });
    });
    services.push(sink);
    pair = await startAgents(relay, sink.port, logger);
    await Promise.all([pair.customer.ready(), pair.technician.ready()]);

    const client = await connected(pair.technician.localPort);
    const sent = createHash('sha256');
    const block = randomBytes(MB);
    const answer = (async () => {
      const chunks: Buffer[] = [];
      for await (const chunk of client as AsyncIterable<Buffer>) chunks.push(chunk);
      return Buffer.concat(chunks).toString();
    })();
    for (let i = 0; i < total / MB; i++) {
      block.writeUInt32BE(i, 0); // every megabyte differs
      sent.update(block);
      if (!client.write(Buffer.from(block))) await once(client, 'drain');
    }
    expect(await answer).toBe(sent.digest('hex'));
  }, 90_000);

  it('holds a session to its cap (±5 % over 10 s) while an interactive stream stays responsive', async () => {
    const bw = 1_000_000;
    let received = 0;
    let firstAt = 0;
    let inWindow = 0;
    const sink = await startService((socket) => {
      socket.on('data', (chunk: Buffer) => {
        const now = performance.now();
        if (firstAt === 0) firstAt = now;
        received += chunk.length;
        if (now - firstAt <= 10_000) inWindow += chunk.length;
      });
    });
    const interactive = await startService(echo);
    services.push(sink, interactive);
    // One customer service per session: the bulk and the interactive streams go to one port that
    // dispatches on the first byte.
    const front = await startService((socket) => {
      socket.once('data', (first: Buffer) => {
        const upstream = connect({
          host: '127.0.0.1',
          port: first[0] === 0x42 ? sink.port : interactive.port,
        });
        upstream.on('error', () => socket.destroy());
        socket.on('close', () => upstream.destroy());
        upstream.write(first.subarray(1));
        socket.pipe(upstream).pipe(socket);
      });
    });
    services.push(front);
    pair = await startAgents(relay, front.port, logger, { claims: { bw } });
    await Promise.all([pair.customer.ready(), pair.technician.ready()]);

    const bulk = await connected(pair.technician.localPort);
    const ping = await connected(pair.technician.localPort);
    ping.write(Buffer.from([0x49]));
    let writing = true;
    const block = randomBytes(64 * 1024);
    block[0] = 0x42;
    void (async () => {
      while (writing) {
        if (!bulk.write(Buffer.from(block))) await once(bulk, 'drain');
      }
    })().catch(() => undefined);

    const rtts: number[] = [];
    const deadline = performance.now() + 10_500;
    await new Promise((r) => setTimeout(r, 200));
    while (performance.now() < deadline) {
      const started = performance.now();
      ping.write(Buffer.alloc(64, 0x70));
      let got = 0;
      while (got < 64) got += ((await once(ping, 'data'))[0] as Buffer).length;
      rtts.push(performance.now() - started);
      await new Promise((r) => setTimeout(r, 100));
    }
    writing = false;
    bulk.destroy();
    ping.destroy();

    const rate = inWindow / 10;
    expect(rate).toBeGreaterThanOrEqual(bw * 0.95);
    expect(rate).toBeLessThanOrEqual(bw * 1.05);
    rtts.sort((a, b) => a - b);
    expect(rtts.length).toBeGreaterThan(50);
    // Responsive: the interactive stream never queues behind the bulk one. Nine round trips in ten
    // stay under 300 ms and none takes 1.5 s; behind the bulk stream's backlog every round trip
    // would take seconds. (Not the single worst under 300 ms: on two cores shared with the rest of
    // the suite — a replica being copied, a restore drill — one scheduling pause reached 626 ms.)
    expect(rtts[Math.floor(rtts.length * 0.9)]).toBeLessThan(300);
    expect(rtts[rtts.length - 1]).toBeLessThan(1500);
    const metrics = await (await fetch(`${relay.adminUrl}/metrics`)).text();
    expect(Number(/^tunnel_throttled_seconds_total (\S+)$/m.exec(metrics)?.[1])).toBeGreaterThan(1);
    expect(received).toBeGreaterThan(0);
  }, 40_000);
});
