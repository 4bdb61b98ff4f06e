import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { generateCertificate } from '../tunnel/protocol/cert.js';
import { signRevocationList } from '../src/common/tunnel-contract.js';
import type { RunningRelay } from '../tunnel/relay/start.js';
import { adbDevice, adbMessage } from './support/adb-device.js';
import {
  captureLogger,
  platform,
  rawHello,
  signToken,
  startAgents,
  startService,
  startTestRelay,
  waitFor,
  type AgentPair,
} from './support/tunnel.js';

/**
 * The tunnel with a stand-in for the API: the relay loads the revocation list at start and reports
 * session events (retried, never payload); the customer's agent reports the ADB services opened on
 * its side. And a real `adb` client session through the tunnel to a stand-in device.
 */
const RELAY_SECRET = 'relay-secret-for-tests';

interface Received {
  events: Record<string, unknown>[];
  eventBodies: string[];
  activity: {
    sid: string;
    authorization: string | undefined;
    body: { items: { kind: string }[] };
  }[];
}

async function startApi(
  revokedSid: string,
): Promise<{ url: string; server: Server; got: Received }> {
  const got: Received = { events: [], eventBodies: [], activity: [] };
  let eventPosts = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString();
      const bearer = req.headers.authorization === `Bearer ${RELAY_SECRET}`;
      if (req.method === 'GET' && req.url === '/remote/revocations' && bearer) {
        const list = signRevocationList(
          {
            v: 1,
            issuedAt: Date.now(),
            kind: 'full',
            sessions: [{ sid: revokedSid, reason: 'admin_kill' }],
          },
          platform.privateKey,
        );
        res.end(JSON.stringify({ list }));
        return;
      }
      if (req.method === 'POST' && req.url === '/remote/relay-events' && bearer) {
        // The first delivery fails: the relay must retry.
        if (eventPosts++ === 0) {
          res.writeHead(503).end();
          return;
        }
        got.eventBodies.push(body);
        got.events.push(...(JSON.parse(body) as { events: Record<string, unknown>[] }).events);
        res.writeHead(204).end();
        return;
      }
      const activity = /^\/remote-sessions\/([0-9a-f-]+)\/activity$/.exec(req.url ?? '');
      if (req.method === 'POST' && activity) {
        got.activity.push({
          sid: activity[1]!,
          authorization: req.headers.authorization,
          body: JSON.parse(body) as Received['activity'][number]['body'],
        });
        res.writeHead(204).end();
        return;
      }
      res.writeHead(401).end();
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server, got };
}

describe('tunnel and the API', () => {
  const { logger } = captureLogger();
  let relay: RunningRelay;
  let api: Awaited<ReturnType<typeof startApi>>;
  let pair: AgentPair | undefined;
  let device: Awaited<ReturnType<typeof startService>>;
  const revokedSid = randomUUID();

  beforeAll(async () => {
    api = await startApi(revokedSid);
    relay = await startTestRelay(logger, {
      apiUrl: api.url,
      relaySecret: RELAY_SECRET,
      eventsIntervalMs: 50,
    });
    device = await startService(adbDevice);
  });

  afterAll(async () => {
    await pair?.close();
    await relay.close();
    await device.close();
    api.server.closeAllConnections();
    await new Promise((r) => api.server.close(r));
  });

  it('refuses a session revoked before the relay started (the full list is loaded at start)', async () => {
    const cert = await generateCertificate('revoked.agent');
    const frames = await rawHello(relay.port, {
      t: 'HELLO',
      token: signToken('customer', revokedSid, cert.fingerprint),
    });
    expect(frames).toEqual([{ t: 'END', reason: 'session_closed' }]);
  });

  it('reports session events (retried, never payload) and the ADB services the customer side saw', async () => {
    pair = await startAgents(relay, device.port, logger, { agent: { apiUrl: api.url } });
    const { customer, technician, sid, customerToken } = pair;
    await Promise.all([customer.ready(), technician.ready()]);

    // An adb host's first messages, by hand: connect, then open three services.
    const host = connect({ host: '127.0.0.1', port: technician.localPort });
    await once(host, 'connect');
    host.write(adbMessage('CNXN', 0x01000001, 256 * 1024, Buffer.from('host::\0')));
    await once(host, 'data');
    const marker = 'SECRET-PAYLOAD-41d2';
    host.write(adbMessage('OPEN', 1, 0, Buffer.from(`shell:echo ${marker}\0`)));
    host.write(adbMessage('OPEN', 2, 0, Buffer.from('sync:\0')));
    host.write(adbMessage('OPEN', 3, 0, Buffer.from('exec:cmd package install -S 1024\0')));
    await waitFor(() => api.got.activity.flatMap((a) => a.body.items).length === 3);
    host.destroy();

    expect(api.got.activity.every((a) => a.sid === sid)).toBe(true);
    expect(api.got.activity.every((a) => a.authorization === `Tunnel ${customerToken}`)).toBe(true);
    expect(api.got.activity.flatMap((a) => a.body.items.map((i) => i.kind))).toEqual([
      'shell',
      'sync',
      'install',
    ]);

    await customer.end();
    await waitFor(() => api.got.events.some((e) => e.type === 'ended'));
    const mine = api.got.events.filter((e) => e.sid === sid);
    expect(mine.map((e) => e.type)).toEqual([
      'agent_connected',
      'agent_connected',
      'paired',
      'first_open',
      'ended',
    ]);
    expect(new Set(api.got.events.map((e) => e.id)).size).toBe(api.got.events.length);
    const ended = mine.find((e) => e.type === 'ended')!;
    expect(ended).toMatchObject({ reason: 'ended_by_customer', reconnects: 0 });
    expect(ended.bytesFromTechnician).toBeGreaterThan(100);
    expect(ended.bytesFromCustomer).toBeGreaterThan(100);
    expect(api.got.eventBodies.some((b) => b.includes(marker))).toBe(false);
  });

  it('a real adb client runs a shell command on a stand-in device through the tunnel', async () => {
    await pair?.close();
    pair = await startAgents(relay, device.port, logger);
    await Promise.all([pair.customer.ready(), pair.technician.ready()]);
    const home = mkdtempSync(join(tmpdir(), 'adb-home-'));
    // A private adb server port, and a HOME of its own for its keys.
    const adbPort = String(20_000 + Math.floor(Math.random() * 20_000));
    const adb = (...args: string[]) =>
      promisify(execFile)('adb', ['-P', adbPort, ...args], {
        env: { ...process.env, HOME: home, ANDROID_SDK_HOME: home },
        timeout: 15_000,
      });
    const serial = `127.0.0.1:${pair.technician.localPort}`;
    try {
      expect((await adb('connect', serial)).stdout).toContain(`connected to ${serial}`);
      const { stdout } = await adb('-s', serial, 'shell', 'echo', 'hello-from-technician');
      expect(stdout).toBe('stand-in ran: echo hello-from-technician\n');
    } finally {
      await adb('kill-server').catch(() => undefined);
      rmSync(home, { recursive: true, force: true });
    }
  }, 30_000);
});
