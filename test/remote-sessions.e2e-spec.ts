/**
 * Remote sessions (src/remote/) against a stand-in tunnel relay admin port: who may ask, approve and
 * join (token issue rules: role, session, approval, consent; each jti recorded), the token's claims
 * (verified with the published keys), the relay's reports driving the state machine (and refused
 * without or with a wrong secret), the customer agent's activity, and every way a session ends:
 * consent withdrawn (the relay told within 1 s, measured), a staff kill (audited), the job closed, the
 * hard stop and never joined (the sweep), either party, the relay — with the push retried when a relay
 * does not answer and the full list for a relay starting.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { ed25519PublicKeyFromRaw } from '../src/common/ed25519-keys.js';
import { RemoteSessions } from '../src/remote/remote-sessions.service.js';
import { TunnelRelays } from '../src/remote/tunnel-relays.js';
import { verifyAgentToken, verifyRevocationList } from '../src/common/tunnel-contract.js';
import { QUIET_ENV, signInAs, type SignedIn } from './support/accounts.js';
import {
  consent,
  softwareJob,
  startStandInRelay,
  type SoftwareJob,
  type StandInRelay,
} from './support/remote.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { withClient } from './support/test-database.js';

const RELAY_SECRET = `relay-secret-${randomBytes(16).toString('hex')}`;
const fingerprint = () => randomBytes(32).toString('hex');

describe('remote sessions', () => {
  let t: TestApp;
  let relay: StandInRelay;
  let admin: SignedIn;
  let ops: SignedIn;
  let keys: ReturnType<typeof ed25519PublicKeyFromRaw>[];

  const sql = <T extends Record<string, unknown>>(text: string, params: unknown[] = []) =>
    withClient(t.db.ownerUrl, async (c) => (await c.query<T>(text, params)).rows);
  const codeOf = (error: unknown) => (error as { code?: string } | undefined)?.code;
  const sid = (remoteSessionId: string) => ({ params: { path: { remoteSessionId } } });

  const requestSession = (job: SoftwareJob) =>
    t.api.POST('/technician/repairs/{repairJobId}/remote-sessions', {
      params: { path: { repairJobId: job.repairJobId } },
      headers: job.technician.headers,
    });
  const approve = (who: SignedIn, id: string) =>
    t.api.POST('/remote-sessions/{remoteSessionId}/approve', { ...sid(id), headers: who.headers });
  const tokenFor = (who: SignedIn, id: string, role: 'customer' | 'technician') =>
    t.api.POST('/remote-sessions/{remoteSessionId}/agent-tokens', {
      ...sid(id),
      body: { role, deviceId: `laptop-${role}`, certFingerprint: fingerprint() },
      headers: who.headers,
    });
  const getSession = (who: SignedIn, id: string) =>
    t.api.GET('/remote-sessions/{remoteSessionId}', { ...sid(id), headers: who.headers });
  const relayEvents = (events: object[], authorization = `Bearer ${RELAY_SECRET}`) =>
    fetch(`${t.baseUrl}/remote/relay-events`, {
      method: 'POST',
      headers: { authorization, 'content-type': 'application/json' },
      body: JSON.stringify({ relayId: 'relay-1', events }),
    });
  const revokeConsent = (job: SoftwareJob) =>
    t.api.POST('/repairs/{repairJobId}/remote-consent/revoke', {
      params: { path: { repairJobId: job.repairJobId } },
      body: {},
      headers: job.customer.headers,
    });

  /** A job under consent with an approved session, and both agents' tokens issued. */
  const joinedSession = async () => {
    const job = await softwareJob(t, admin);
    await consent(t, job);
    const id = (await requestSession(job)).data!.id;
    expect((await approve(job.customer, id)).data!.status).toBe('approved');
    const tech = await tokenFor(job.technician, id, 'technician');
    const cust = await tokenFor(job.customer, id, 'customer');
    expect(tech.response.status).toBe(201);
    expect(cust.response.status).toBe(201);
    return { job, id, technicianToken: tech.data!.token, customerToken: cust.data!.token };
  };

  beforeAll(async () => {
    relay = await startStandInRelay();
    t = await startTestApp({
      env: { ...QUIET_ENV, TUNNEL_RELAY_SECRET: RELAY_SECRET, TUNNEL_RELAY_ADMIN_URLS: relay.url },
    });
    [admin, ops] = await Promise.all([signInAs(t, 'admin'), signInAs(t, 'ops_leader')]);
    const published = await t.api.GET('/remote/tunnel-keys');
    keys = published.data!.keys.map((k) => ed25519PublicKeyFromRaw(Buffer.from(k, 'base64')));
  });
  afterAll(async () => {
    await t?.close();
    await relay?.close();
  });

  it('needs the customer’s consent to remote sessions, one live session per job, and the customer’s approval', async () => {
    const job = await softwareJob(t, admin);
    const none = await requestSession(job);
    expect([none.response.status, codeOf(none.error)]).toEqual([403, 'remote/consent-required']);
    await consent(t, job, ['imei_reveal']);
    const imeiOnly = await requestSession(job);
    expect([imeiOnly.response.status, codeOf(imeiOnly.error)]).toEqual([
      403,
      'remote/consent-required',
    ]);
    await revokeConsent(job);
    await consent(t, job, ['remote_session']);
    const requested = await requestSession(job);
    expect(requested.response.status).toBe(201);
    expect(requested.data).toMatchObject({
      status: 'requested',
      target: '127.0.0.1:5555',
      hardStopAt: null,
    });
    const second = await requestSession(job);
    expect([second.response.status, codeOf(second.error)]).toEqual([
      409,
      'remote-session/already-live',
    ]);
    const id = requested.data!.id;
    const early = await tokenFor(job.technician, id, 'technician');
    expect([early.response.status, codeOf(early.error)]).toEqual([
      409,
      'remote-session/not-approved',
    ]);
    const byTechnician = await approve(job.technician, id);
    expect([byTechnician.response.status, codeOf(byTechnician.error)]).toEqual([
      403,
      'remote/customer-only',
    ]);
    const stranger = await signInAs(t, 'customer');
    expect(codeOf((await approve(stranger, id)).error)).toBe('remote-session/not-found');
    const approved = await approve(job.customer, id);
    expect(approved.data!.status).toBe('approved');
    const stopMinutes =
      (Date.parse(approved.data!.hardStopAt!) - Date.parse(approved.data!.approvedAt!)) / 60_000;
    expect(stopMinutes).toBeGreaterThan(59.9);
    expect(stopMinutes).toBeLessThanOrEqual(60.01);
  });

  it('issues single-use join tokens by the contract: right role and session only, jti recorded, verifiable with the published keys', async () => {
    const job = await softwareJob(t, admin);
    await consent(t, job);
    const id = (await requestSession(job)).data!.id;
    await approve(job.customer, id);
    const wrongRole = await tokenFor(job.customer, id, 'technician');
    expect([wrongRole.response.status, codeOf(wrongRole.error)]).toEqual([
      403,
      'remote/wrong-role',
    ]);
    const other = await softwareJob(t, admin);
    const wrongSession = await tokenFor(other.technician, id, 'technician');
    expect([wrongSession.response.status, codeOf(wrongSession.error)]).toEqual([
      404,
      'remote-session/not-found',
    ]);
    const hardwareTech = await signInAs(t, 'technician', { technicianKind: 'hardware' });
    expect((await tokenFor(hardwareTech, id, 'technician')).response.status).toBe(404);

    const fp = fingerprint();
    const issued = await t.api.POST('/remote-sessions/{remoteSessionId}/agent-tokens', {
      ...sid(id),
      body: { role: 'technician', deviceId: 'tech-laptop-7', certFingerprint: fp },
      headers: job.technician.headers,
    });
    expect(issued.response.status).toBe(201);
    const body = issued.data!;
    const now = Math.floor(Date.now() / 1000);
    const claims = verifyAgentToken(body.token, keys, now);
    expect(claims).toMatchObject({
      v: 1,
      jti: body.jti,
      sid: id,
      rly: 'relay',
      role: 'technician',
      dev: 'tech-laptop-7',
      tgt: '127.0.0.1:5555',
      fp,
      bw: 2_097_152,
      stop: Math.floor(Date.parse(body.hardStopAt) / 1000),
    });
    expect(claims.exp - claims.iat).toBe(300);
    expect(body).toMatchObject({
      relayId: 'relay',
      relayUrl: 'tls://127.0.0.1:7443',
      sessionId: id,
      role: 'technician',
    });
    const again = await tokenFor(job.technician, id, 'technician');
    expect(again.data!.jti).not.toBe(body.jti);
    const rows = await sql<{
      jti: string;
      role: string;
      user_id: string;
      cert_fingerprint: string;
    }>(
      `SELECT jti, role, user_id::text, cert_fingerprint FROM remote_agent_tokens WHERE session_id = $1 ORDER BY issued_at, jti`,
      [id],
    );
    expect(rows.map((r) => r.jti).sort()).toEqual([body.jti, again.data!.jti].sort());
    expect(rows.find((r) => r.jti === body.jti)).toMatchObject({
      role: 'technician',
      user_id: job.technician.userId,
      cert_fingerprint: fp,
    });
    expect((await getSession(job.customer, id)).data!.status).toBe('tokens_issued');

    // Consent lapsed: no more tokens.
    await sql(
      `UPDATE remote_consents SET accepted_at = accepted_at - interval '1 hour', expires_at = accepted_at - interval '30 minutes' WHERE repair_job_id = $1`,
      [job.repairJobId],
    );
    const lapsed = await tokenFor(job.customer, id, 'customer');
    expect([lapsed.response.status, codeOf(lapsed.error)]).toEqual([
      403,
      'remote/consent-required',
    ]);
  });

  it('moves through connected and active on the relay’s reports (once each), keeps its totals, and refuses a relay without the secret', async () => {
    const { job, id, customerToken, technicianToken } = await joinedSession();
    const event = (type: string, extra: object = {}) => ({
      id: randomUUID(),
      sid: id,
      type,
      at: new Date().toISOString(),
      ...extra,
    });
    for (const auth of [
      '',
      'Bearer wrong-secret-of-the-same-kind',
      `Bearer ${RELAY_SECRET}x`,
      RELAY_SECRET,
    ]) {
      const res = await relayEvents([event('paired')], auth);
      expect(res.status).toBe(401);
      expect(((await res.json()) as { code: string }).code).toBe('remote/relay-unauthorized');
    }
    const full = await fetch(`${t.baseUrl}/remote/revocations`, {
      headers: { authorization: 'Bearer nope' },
    });
    expect(full.status).toBe(401);
    expect((await getSession(job.customer, id)).data!.status).toBe('tokens_issued');

    // Made in the order they happen: the log orders events by their time at the relay (to the ms).
    const connected = [
      event('agent_connected', { role: 'technician' }),
      event('agent_connected', { role: 'customer' }),
    ];
    const paired = event('paired');
    const res = await relayEvents([...connected, paired]);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ accepted: 3, ignored: 0 });
    expect((await getSession(job.customer, id)).data!.status).toBe('connected');
    const opened = await relayEvents([
      paired,
      event('first_open'),
      { ...event('reconnected', { role: 'customer' }), sid: randomUUID() },
    ]);
    expect(await opened.json()).toEqual({ accepted: 1, ignored: 2 });
    const active = (await getSession(job.technician, id)).data!;
    expect(active.status).toBe('active');
    expect(active.connectedAt).not.toBeNull();
    expect(active.activeAt).not.toBeNull();
    await relayEvents([
      event('reconnected', {
        role: 'customer',
        reconnects: 1,
        bytesFromCustomer: 5000,
        bytesFromTechnician: 700,
        throttledMs: 40,
      }),
    ]);

    // The technician records the IMEI from the device now.
    const put = await t.api.PUT('/technician/repairs/{repairJobId}/imei', {
      params: { path: { repairJobId: job.repairJobId } },
      body: { imei: '490154203237518' },
      headers: job.technician.headers,
    });
    expect(put.data).toEqual({ repairJobId: job.repairJobId, recorded: true });

    // The customer agent's activity, on its own token only.
    const activity = (authorization: string | undefined) =>
      fetch(`${t.baseUrl}/remote-sessions/${id}/activity`, {
        method: 'POST',
        headers: {
          ...(authorization ? { authorization } : {}),
          'content-type': 'application/json',
        },
        body: JSON.stringify({
          items: [
            { at: new Date().toISOString(), kind: 'shell', service: 'shell:getprop' },
            { at: new Date().toISOString(), kind: 'sync', service: 'sync:' },
          ],
        }),
      });
    for (const auth of [
      undefined,
      `Tunnel ${technicianToken}`,
      `Bearer ${customerToken}`,
      `Tunnel ${customerToken.slice(0, -4)}AAAA`,
      job.customer.headers.authorization,
    ]) {
      const refused = await activity(auth);
      expect(refused.status).toBe(401);
      expect(((await refused.json()) as { code: string }).code).toBe('remote/agent-unauthorized');
    }
    const other = await joinedSession();
    expect(
      (
        await fetch(`${t.baseUrl}/remote-sessions/${id}/activity`, {
          method: 'POST',
          headers: {
            authorization: `Tunnel ${other.customerToken}`,
            'content-type': 'application/json',
          },
          body: JSON.stringify({ items: [{ at: new Date().toISOString(), service: 'shell:' }] }),
        })
      ).status,
    ).toBe(401);
    const ok = await activity(`Tunnel ${customerToken}`);
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ accepted: 2 });

    const detail = (await getSession(admin, id)).data!;
    expect(detail.totals).toEqual({
      bytesCustomerToTechnician: 5000,
      bytesTechnicianToCustomer: 700,
      reconnects: 1,
      throttledMs: 40,
    });
    expect(detail.history.map((h) => `${h.event}:${h.actor}`)).toEqual([
      'approve:customer',
      'issue_tokens:technician',
      'pair:relay',
      'open:relay',
    ]);
    expect(detail.relayEvents.map((e) => e.type)).toEqual([
      'agent_connected',
      'agent_connected',
      'paired',
      'first_open',
      'reconnected',
    ]);
    expect(detail.activity.map((a) => [a.kind, a.service])).toEqual([
      ['shell', 'shell:getprop'],
      ['sync', 'sync:'],
    ]);
    const stranger = await signInAs(t, 'customer');
    expect((await getSession(stranger, id)).response.status).toBe(404);

    // The relay ends it (an agent timed out): no revocation needed, none recorded.
    await relayEvents([
      event('ended', {
        reason: 'agent_timeout',
        bytesFromCustomer: 9000,
        bytesFromTechnician: 800,
        reconnects: 1,
        throttledMs: 40,
      }),
    ]);
    const ended = (await getSession(job.customer, id)).data!;
    expect(ended).toMatchObject({ status: 'ended', endReason: 'agent_timeout', endedBy: null });
    expect(ended.totals.bytesCustomerToTechnician).toBe(9000);
    expect(await sql(`SELECT 1 FROM remote_revocations WHERE session_id = $1`, [id])).toHaveLength(
      0,
    );
  });

  it('ends the live session when the customer withdraws consent, and the relay has the signed revocation within 1 s', async () => {
    const { job, id } = await joinedSession();
    await relayEvents([
      { id: randomUUID(), sid: id, type: 'paired', at: new Date().toISOString() },
    ]);
    const started = Date.now();
    const withdrawn = await revokeConsent(job);
    expect(withdrawn.response.status).toBe(200);
    const got = await relay.waitFor(id, started);
    const elapsedMs = got.at - started;
    expect(elapsedMs).toBeLessThanOrEqual(1000);
    const list = verifyRevocationList(got.list, keys);
    expect(list).toMatchObject({
      v: 1,
      kind: 'delta',
      sessions: [{ sid: id, reason: 'consent_revoked' }],
    });
    expect((await getSession(job.customer, id)).data).toMatchObject({
      status: 'ended',
      endReason: 'consent_revoked',
    });
    // The session cannot be rejoined, nor a new one asked for.
    const token = await tokenFor(job.technician, id, 'technician');
    expect([token.response.status, codeOf(token.error)]).toEqual([409, 'remote-session/ended']);
    expect(codeOf((await requestSession(job)).error)).toBe('remote/consent-required');
    // Acknowledged: nothing left for the retry job.
    const acknowledged = async () => {
      for (let i = 0; i < 50; i++) {
        const [rev] = await sql<{ pushed_at: Date | null; reason: string }>(
          `SELECT pushed_at, reason FROM remote_revocations WHERE session_id = $1`,
          [id],
        );
        if (rev?.pushed_at) return rev;
        await new Promise((r) => setTimeout(r, 20));
      }
      return undefined;
    };
    expect(await acknowledged()).toMatchObject({ reason: 'consent_revoked' });
    // A relay starting fetches the full list, which names it.
    const full = await fetch(`${t.baseUrl}/remote/revocations`, {
      headers: { authorization: `Bearer ${RELAY_SECRET}` },
    });
    const fullList = verifyRevocationList(((await full.json()) as { list: string }).list, keys);
    expect(fullList.kind).toBe('full');
    expect(fullList.sessions).toContainEqual({ sid: id, reason: 'consent_revoked' });
  });

  it('retries a push a relay did not acknowledge (the remote.push-revocations job)', async () => {
    const { job, id } = await joinedSession();
    relay.answer(503);
    const started = Date.now();
    await t.api.POST('/remote-sessions/{remoteSessionId}/end', {
      ...sid(id),
      headers: job.technician.headers,
    });
    const queued = await sql<{ data: { sessionIds: string[] } }>(
      `SELECT data FROM pgboss.job WHERE name = 'remote.push-revocations' AND data->'sessionIds' ? $1`,
      [id],
    );
    expect(queued).toHaveLength(1);
    await new Promise((r) => setTimeout(r, 300));
    expect(relay.received.filter((r) => r.at >= started)).toHaveLength(0);
    const [pending] = await sql<{ pushed_at: Date | null }>(
      `SELECT pushed_at FROM remote_revocations WHERE session_id = $1`,
      [id],
    );
    expect(pending!.pushed_at).toBeNull();
    const relays = t.app.get(TunnelRelays);
    await expect(relays.push([id])).rejects.toThrow(/did not acknowledge/);
    relay.answer(200);
    await relays.push(queued[0]!.data.sessionIds);
    const got = await relay.waitFor(id, started);
    expect(verifyRevocationList(got.list, keys).sessions).toEqual([
      { sid: id, reason: 'ended_by_technician' },
    ]);
    const [pushed] = await sql<{ pushed_at: Date | null }>(
      `SELECT pushed_at FROM remote_revocations WHERE session_id = $1`,
      [id],
    );
    expect(pushed!.pushed_at).not.toBeNull();
    expect((await getSession(job.customer, id)).data).toMatchObject({
      endReason: 'ended_by_technician',
      endedBy: job.technician.userId,
    });
  });

  it('lets staff list sessions and kill one with a reason (audited, the relay told)', async () => {
    const { job, id } = await joinedSession();
    const live = await t.api.GET('/admin/remote-sessions', {
      params: { query: { state: 'live', limit: 100 } },
      headers: admin.headers,
    });
    expect(live.data!.items.map((s) => s.id)).toContain(id);
    expect(live.data!.items.every((s) => s.status !== 'ended')).toBe(true);
    expect(
      (
        await t.api.POST('/admin/remote-sessions/{remoteSessionId}/kill', {
          ...sid(id),
          body: { reason: 'x' },
          headers: ops.headers,
        })
      ).response.status,
    ).toBe(400);
    const customerKill = await t.api.POST('/admin/remote-sessions/{remoteSessionId}/kill', {
      ...sid(id),
      body: { reason: 'not mine to kill' },
      headers: job.customer.headers,
    });
    expect(customerKill.response.status).toBe(403);
    const started = Date.now();
    const killed = await t.api.POST('/admin/remote-sessions/{remoteSessionId}/kill', {
      ...sid(id),
      body: { reason: 'suspicious activity reported by the customer' },
      headers: ops.headers,
    });
    expect(killed.data).toMatchObject({
      status: 'ended',
      endReason: 'admin_kill',
      endedBy: ops.userId,
    });
    expect(verifyRevocationList((await relay.waitFor(id, started)).list, keys).sessions).toEqual([
      { sid: id, reason: 'admin_kill' },
    ]);
    const audits = await sql<{ actor_id: string; reason: string; action: string }>(
      `SELECT actor_id::text, reason, action FROM audit_events WHERE target_id = $1`,
      [id],
    );
    expect(audits).toEqual([
      {
        actor_id: ops.userId,
        reason: 'suspicious activity reported by the customer',
        action: 'remote_session.kill',
      },
    ]);
    const twice = await t.api.POST('/admin/remote-sessions/{remoteSessionId}/kill', {
      ...sid(id),
      body: { reason: 'again, to be sure' },
      headers: admin.headers,
    });
    expect([twice.response.status, codeOf(twice.error)]).toEqual([409, 'remote-session/ended']);
    const ended = await t.api.GET('/admin/remote-sessions', {
      params: { query: { state: 'ended', limit: 1 } },
      headers: admin.headers,
    });
    expect(ended.data!.items).toHaveLength(1);
    expect(ended.data!.items[0]!.status).toBe('ended');
    const next = await t.api.GET('/admin/remote-sessions', {
      params: { query: { state: 'ended', limit: 1, cursor: ended.data!.nextCursor! } },
      headers: admin.headers,
    });
    expect(next.data!.items[0]!.id).not.toBe(ended.data!.items[0]!.id);
  });

  it('ends the sessions of a job that closes (job_closed)', async () => {
    const { job, id } = await joinedSession();
    const started = Date.now();
    const cancelled = await t.api.POST('/repairs/{repairJobId}/cancel', {
      params: { path: { repairJobId: job.repairJobId } },
      body: {},
      headers: job.customer.headers,
    });
    expect(cancelled.data!.status).toBe('cancelled');
    const got = await relay.waitFor(id, started);
    expect(verifyRevocationList(got.list, keys).sessions).toEqual([
      { sid: id, reason: 'job_closed' },
    ]);
    expect((await getSession(job.customer, id)).data).toMatchObject({
      status: 'ended',
      endReason: 'job_closed',
    });
  });

  it('never rate-limits the relays’ routes (a burst from one address is answered, not throttled)', async () => {
    const strict = await startTestApp({
      env: {
        TUNNEL_RELAY_SECRET: RELAY_SECRET,
        RATE_LIMIT_POLICY: JSON.stringify({ anonymous: { default: { perMinute: 60, burst: 5 } } }),
      },
    });
    try {
      const burst = async (path: string, init: RequestInit = {}) => {
        const statuses = new Set<number>();
        for (let i = 0; i < 12; i++)
          statuses.add((await fetch(`${strict.baseUrl}${path}`, init)).status);
        return [...statuses].sort();
      };
      expect(await burst('/remote/tunnel-keys')).toEqual([200, 429]);
      const post = (authorization: string): RequestInit => ({
        method: 'POST',
        headers: { authorization, 'content-type': 'application/json' },
        body: JSON.stringify({ relayId: 'relay-1', events: [] }),
      });
      expect(await burst('/remote/relay-events', post(`Bearer ${RELAY_SECRET}`))).toEqual([200]);
      expect(await burst('/remote/relay-events', post('Bearer wrong'))).toEqual([401]);
      expect(
        await burst('/remote/revocations', {
          headers: { authorization: `Bearer ${RELAY_SECRET}` },
        }),
      ).toEqual([200]);
    } finally {
      await strict.close();
    }
  });

  it('ends the sessions of a job given to another technician (technician_changed)', async () => {
    const { job, id } = await joinedSession();
    const next = await signInAs(t, 'technician', { technicianKind: 'software' });
    const started = Date.now();
    const moved = await t.api.POST('/admin/repairs/{repairJobId}/reassign', {
      params: { path: { repairJobId: job.repairJobId } },
      body: { technicianId: next.userId, reason: 'the technician is unwell' },
      headers: ops.headers,
    });
    expect(moved.response.status).toBe(200);
    const got = await relay.waitFor(id, started);
    expect(verifyRevocationList(got.list, keys).sessions).toEqual([
      { sid: id, reason: 'technician_changed' },
    ]);
    expect((await getSession(job.customer, id)).data!.endReason).toBe('technician_changed');
    // The former technician cannot ask again; the new one needs the customer's consent first.
    expect(codeOf((await requestSession(job)).error)).toBe('remote/not-assigned-technician');
    expect(codeOf((await requestSession({ ...job, technician: next })).error)).toBe(
      'remote/consent-required',
    );
  });

  it('ends the sessions of a party suspended (account_suspended), the relay told', async () => {
    const { job, id } = await joinedSession();
    const started = Date.now();
    const suspended = await t.api.POST('/admin/users/{id}/suspend', {
      params: { path: { id: job.technician.userId } },
      body: { reason: 'documents under review' },
      headers: admin.headers,
    });
    expect(suspended.response.status).toBe(200);
    expect((await getSession(job.customer, id)).data).toMatchObject({
      status: 'ended',
      endReason: 'account_suspended',
    });
    const got = await relay.waitFor(id, started);
    expect(verifyRevocationList(got.list, keys).sessions).toEqual([
      { sid: id, reason: 'account_suspended' },
    ]);
  });

  it('ends sessions past their hard stop and sessions never joined (the sweep)', async () => {
    const late = await joinedSession();
    const unjoined = await softwareJob(t, admin);
    await consent(t, unjoined);
    const requested = (await requestSession(unjoined)).data!.id;
    const fresh = await joinedSession();
    await sql(
      `UPDATE remote_sessions SET hard_stop_at = now() - interval '1 second' WHERE id = $1`,
      [late.id],
    );
    await sql(`UPDATE remote_sessions SET join_by = now() - interval '1 second' WHERE id = $1`, [
      requested,
    ]);
    expect(await t.app.get(RemoteSessions).sweep()).toBe(2);
    expect((await getSession(late.job.customer, late.id)).data).toMatchObject({
      status: 'ended',
      endReason: 'hard_stop',
      endedBy: null,
    });
    expect((await getSession(unjoined.customer, requested)).data).toMatchObject({
      status: 'ended',
      endReason: 'expired_unjoined',
    });
    expect((await getSession(fresh.job.customer, fresh.id)).data!.status).toBe('tokens_issued');
    // At the hard stop the relay ends it by itself: nothing to revoke.
    expect(
      await sql(`SELECT 1 FROM remote_revocations WHERE session_id = ANY($1::uuid[])`, [
        [late.id, requested],
      ]),
    ).toHaveLength(0);
    expect(await t.app.get(RemoteSessions).sweep()).toBe(0);
  });

  it('lets the customer decline a requested session', async () => {
    const job = await softwareJob(t, admin);
    await consent(t, job);
    const id = (await requestSession(job)).data!.id;
    const declined = await t.api.POST('/remote-sessions/{remoteSessionId}/end', {
      ...sid(id),
      headers: job.customer.headers,
    });
    expect(declined.data).toMatchObject({ status: 'ended', endReason: 'ended_by_customer' });
    const sessions = await t.api.GET('/repairs/{repairJobId}/remote-sessions', {
      params: { path: { repairJobId: job.repairJobId } },
      headers: job.technician.headers,
    });
    expect(sessions.data!.map((s) => s.id)).toEqual([id]);
  });
});
