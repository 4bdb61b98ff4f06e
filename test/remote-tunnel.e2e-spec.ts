/**
 * Remote repair end to end: the real API (src/remote/), a real relay and both agents (tunnel/),
 * nothing stood in for but the phone (an adbd stand-in behind the customer's agent). The customer
 * consents and approves; each agent asks the API for its join token with its own certificate's
 * fingerprint; the relay pairs them and reports to the API, whose session moves to `connected` and
 * `active`; an adb host's services reach the API as the customer's activity record; the customer
 * withdraws consent and the API's signed revocation, pushed to the relay's admin port, ends the live
 * session at both agents within a second (measured); the relay's closing report carries the bytes.
 */
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { connect } from 'node:net';
import { freePort } from './bench/bench-util.js';
import type { Agent } from '../tunnel/agent/agent.js';
import { Agent as TunnelAgent } from '../tunnel/agent/agent.js';
import { generateCertificate } from '../tunnel/protocol/cert.js';
import type { RunningRelay } from '../tunnel/relay/start.js';
import { QUIET_ENV, signInAs, type SignedIn } from './support/accounts.js';
import { adbDevice, adbMessage } from './support/adb-device.js';
import { consent, softwareJob } from './support/remote.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import {
  captureLogger,
  platform,
  publicKeys,
  rawHello,
  startService,
  startTestRelay,
  testRelayCertificate,
} from './support/tunnel.js';

const RELAY_SECRET = `relay-secret-${randomBytes(16).toString('hex')}`;

async function until<T>(what: string, probe: () => Promise<T | undefined>, ms = 10_000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('remote repair through the API, the relay and both agents', () => {
  const { logger, lines } = captureLogger();
  let t: TestApp;
  /** Two relays: the API spreads sessions over them, each session on one. */
  let relays: RunningRelay[];
  const relayIds = ['relay-a', 'relay-b'];
  let device: Awaited<ReturnType<typeof startService>>;
  let admin: SignedIn;
  const agents: Agent[] = [];

  beforeAll(async () => {
    device = await startService(adbDevice);
    const ports = [await freePort(), await freePort()];
    const adminPorts = [await freePort(), await freePort()];
    const relayCert = await testRelayCertificate();
    const raw = Buffer.from(platform.publicKey.export({ format: 'jwk' }).x!, 'base64url');
    t = await startTestApp({
      env: {
        ...QUIET_ENV,
        TUNNEL_SIGNING_KEY: platform.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
        TUNNEL_PUBLIC_KEYS: raw.toString('base64'),
        TUNNEL_RELAY_SECRET: RELAY_SECRET,
        TUNNEL_RELAYS: relayIds
          .map((id, i) => `${id}=tls://127.0.0.1:${ports[i]}#${relayCert.fingerprint}`)
          .join(','),
        TUNNEL_RELAY_ADMIN_URLS: adminPorts.map((p) => `http://127.0.0.1:${p}`).join(','),
        REMOTE_SESSION_TARGET: `127.0.0.1:${device.port}`,
      },
    });
    relays = await Promise.all(
      relayIds.map((relayId, i) =>
        startTestRelay(logger, {
          relayId,
          port: ports[i]!,
          adminPort: adminPorts[i]!,
          apiUrl: t.baseUrl,
          relaySecret: RELAY_SECRET,
          eventsIntervalMs: 50,
        }),
      ),
    );
    admin = await signInAs(t, 'admin');
  });

  afterAll(async () => {
    for (const agent of agents) await agent.close();
    for (const relay of relays ?? []) await relay.close();
    await t?.close();
    await device?.close();
  });

  it('pairs on API-issued tokens, logs what was opened, and ends within a second of consent withdrawn', async () => {
    const job = await softwareJob(t, admin);
    await consent(t, job);
    const requested = await t.api.POST('/technician/repairs/{repairJobId}/remote-sessions', {
      params: { path: { repairJobId: job.repairJobId } },
      headers: job.technician.headers,
    });
    const remoteSessionId = requested.data!.id;
    const path = { params: { path: { remoteSessionId } } };
    expect(
      (
        await t.api.POST('/remote-sessions/{remoteSessionId}/approve', {
          ...path,
          headers: job.customer.headers,
        })
      ).data!.status,
    ).toBe('approved');

    const relayCert = await testRelayCertificate();
    const issuedTo: { relayId: string; token: string }[] = [];
    const agentOf = async (role: 'customer' | 'technician', who: SignedIn) => {
      const certificate = await generateCertificate(`${role}.agent`);
      const issued = await t.api.POST('/remote-sessions/{remoteSessionId}/agent-tokens', {
        ...path,
        body: { role, deviceId: `${role}-laptop`, certFingerprint: certificate.fingerprint },
        headers: who.headers,
      });
      expect(issued.response.status).toBe(201);
      // The session's relay, as the API names it: the agent dials the URL it was given.
      const { relayId, relayUrl, relayCertFingerprint } = issued.data!;
      const relay = relays[relayIds.indexOf(relayId)]!;
      expect(relayUrl).toBe(`tls://127.0.0.1:${relay.port}`);
      expect(relayCertFingerprint).toBe(relayCert.fingerprint);
      issuedTo.push({ relayId, token: issued.data!.token });
      const agent = new TunnelAgent({
        role,
        relay: { host: '127.0.0.1', port: relay.port, fingerprint: relayCert.fingerprint },
        token: issued.data!.token,
        certificate,
        publicKeys,
        target: role === 'customer' ? issued.data!.target : undefined,
        apiUrl: t.baseUrl,
        logger,
      });
      agents.push(agent);
      await agent.start();
      return agent;
    };
    const customer = await agentOf('customer', job.customer);
    const technician = await agentOf('technician', job.technician);
    await Promise.all([customer.ready(), technician.ready()]);
    // Both agents were sent to the one relay the session was given; the other refuses its tokens.
    expect(issuedTo.map((i) => i.relayId)).toEqual([issuedTo[0]!.relayId, issuedTo[0]!.relayId]);
    const other = relays[1 - relayIds.indexOf(issuedTo[0]!.relayId)]!;
    const refused = await rawHello(other.port, { t: 'HELLO', token: issuedTo[0]!.token });
    expect(refused).toEqual([{ t: 'END', reason: 'wrong_relay' }]);

    const session = () =>
      t.api.GET('/remote-sessions/{remoteSessionId}', { ...path, headers: job.customer.headers });
    await until('connected', async () =>
      (await session()).data!.status === 'connected' ? true : undefined,
    );

    // An adb host on the technician's computer opens a shell and a file sync on the phone.
    const host = connect({ host: '127.0.0.1', port: technician.localPort });
    await once(host, 'connect');
    host.write(adbMessage('CNXN', 0x01000001, 256 * 1024, Buffer.from('host::\0')));
    await once(host, 'data');
    const marker = 'PAYLOAD-MARKER-7f3e';
    host.write(adbMessage('OPEN', 1, 0, Buffer.from(`shell:echo ${marker}\0`)));
    host.write(adbMessage('OPEN', 2, 0, Buffer.from('sync:\0')));
    const detail = await until('the activity record', async () => {
      const d = (await session()).data!;
      return d.status === 'active' && d.activity.length === 2 ? d : undefined;
    });
    // The customer's record names what was opened on the phone, as its agent saw it in plaintext.
    expect(detail.activity.map((a) => [a.kind, a.service])).toEqual([
      ['shell', `shell:echo ${marker}`],
      ['sync', 'sync:'],
    ]);
    expect(detail.relayEvents.map((e) => e.type)).toEqual(
      expect.arrayContaining(['agent_connected', 'paired', 'first_open']),
    );
    host.destroy();

    // The customer withdraws consent: both agents are told the session is over, within a second.
    const ended = Promise.all(
      [customer, technician].map(
        (agent) => new Promise<number>((r) => agent.once('end', () => r(Date.now()))),
      ),
    );
    const revokedAt = Date.now();
    const revoked = await t.api.POST('/repairs/{repairJobId}/remote-consent/revoke', {
      params: { path: { repairJobId: job.repairJobId } },
      body: {},
      headers: job.customer.headers,
    });
    expect(revoked.response.status).toBe(200);
    const endedAt = Math.max(...(await ended));
    expect(endedAt - revokedAt).toBeLessThanOrEqual(1000);
    expect(customer.endReason).toBe('consent_revoked');

    const closed = await until('the relay’s closing report', async () => {
      const d = (await session()).data!;
      return d.relayEvents.some((e) => e.type === 'ended') ? d : undefined;
    });
    expect(closed).toMatchObject({ status: 'ended', endReason: 'consent_revoked' });
    expect(closed.totals.bytesTechnicianToCustomer).toBeGreaterThan(0);
    expect(closed.totals.bytesCustomerToTechnician).toBeGreaterThan(0);
    // The relay saw only ciphertext: neither the tunnel's logs nor the relay's reports hold payload.
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.some((l) => l.includes(marker))).toBe(false);
    expect(JSON.stringify(closed.relayEvents)).not.toContain(marker);
  });
});
