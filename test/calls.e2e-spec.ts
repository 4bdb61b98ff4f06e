/**
 * Calls of a repair job through LiveKit (src/calls/), against the local LiveKit stand-in
 * (scripts/livekit-standin): the room created through RoomServiceClient, the participant token's
 * grants, who may call (the job's customer and technician while it is active), one call per job,
 * accept / decline / end / missed, staff joining with a reason (audited), the call log from signed
 * webhooks (refused when forged, deduplicated, applied in any order), and the removal of whoever
 * loses the right (reassignment, suspension) with the room closed.
 */
import { EventBus } from '@nestjs/cqrs';
import { RoomServiceClient, TokenVerifier, TwirpError } from 'livekit-server-sdk';
import { io } from 'socket.io-client';
import { startLiveKitStandin, type LiveKitStandin } from '../scripts/livekit-standin/standin.js';
import { Calls } from '../src/calls/calls.service.js';
import {
  CallAccepted,
  CallDeclined,
  CallEnded,
  CallMissed,
  CallRinging,
} from '../src/calls/call-events.js';
import { STANDIN_LIVEKIT } from '../src/config/app-config.js';
import { QUIET_ENV, signInAs, type SignedIn } from './support/accounts.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { withClient } from './support/test-database.js';

type Claims = {
  iss: string;
  sub: string;
  name: string;
  nbf: number;
  exp: number;
  video: Record<string, unknown>;
};

const claimsOf = (jwt: string): Claims =>
  JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString()) as Claims;

describe('calls through LiveKit', () => {
  let t: TestApp;
  let standin: LiveKitStandin;
  let admin: SignedIn;
  let ops: SignedIn;
  const published: object[] = [];

  const sql = <T extends Record<string, unknown>>(text: string, params: unknown[] = []) =>
    withClient(t.db.ownerUrl, async (c) => (await c.query<T>(text, params)).rows);

  beforeAll(async () => {
    standin = await startLiveKitStandin({
      apiKey: STANDIN_LIVEKIT.apiKey,
      apiSecret: STANDIN_LIVEKIT.apiSecret,
    });
    t = await startTestApp({ env: { ...QUIET_ENV, LIVEKIT_URL: standin.url } });
    standin.setWebhookUrl(`${t.baseUrl}/webhooks/livekit`);
    t.app.get(EventBus).subscribe((e: object) => published.push(e));
    [admin, ops] = await Promise.all([signInAs(t, 'admin'), signInAs(t, 'ops_leader')]);
  });
  afterAll(async () => {
    await t?.close();
    await standin?.stop();
  });

  /** An online software job assigned to its technician (active: `assigned`). */
  const activeJob = async () => {
    const [customer, technician] = await Promise.all([
      signInAs(t, 'customer'),
      signInAs(t, 'technician', { technicianKind: 'software' }),
    ]);
    const job = await t.api.POST('/repairs', {
      body: {
        kind: 'software',
        mode: 'online',
        deviceBrand: 'Xiaomi',
        deviceModel: 'Redmi Note 12',
        problem: 'Stuck in a boot loop',
      },
      headers: customer.headers,
    });
    const repairJobId = job.data!.id;
    const assigned = await t.api.POST('/admin/repairs/{repairJobId}/assign', {
      params: { path: { repairJobId } },
      body: { technicianId: technician.userId },
      headers: admin.headers,
    });
    expect(assigned.data!.status).toBe('assigned');
    return { customer, technician, repairJobId };
  };
  const startCall = (who: SignedIn, repairJobId: string, kind: 'audio' | 'video' = 'audio') =>
    t.api.POST('/repairs/{repairJobId}/calls', {
      params: { path: { repairJobId } },
      body: { kind },
      headers: who.headers,
    });
  const act = (who: SignedIn, callId: string, action: 'accept' | 'decline' | 'end') =>
    t.api.POST(`/calls/{callId}/${action}`, { params: { path: { callId } }, headers: who.headers });
  const accept = (who: SignedIn, callId: string) =>
    t.api.POST('/calls/{callId}/accept', { params: { path: { callId } }, headers: who.headers });
  const getCall = (who: SignedIn, callId: string) =>
    t.api.GET('/calls/{callId}', { params: { path: { callId } }, headers: who.headers });
  const callRow = async (callId: string) =>
    (
      await sql<{ status: string; end_reason: string | null; ended_by: string | null }>(
        `SELECT status, end_reason, ended_by::text AS ended_by FROM calls WHERE id = $1`,
        [callId],
      )
    )[0]!;
  const callsTo = (method: string, room: string) =>
    standin.calls.filter((c) => c.method === method && (c.body.room ?? c.body.name) === room);
  /** Waits for after-commit work (event handlers, the stand-in's webhooks) to be done. */
  const until = async (what: string, done: () => Promise<boolean> | boolean) => {
    for (let i = 0; i < 100; i++) {
      await standin.idle();
      if (await done()) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`timed out waiting for ${what}`);
  };
  const webhook = (body: string, authorization?: string) =>
    fetch(`${t.baseUrl}/webhooks/livekit`, {
      method: 'POST',
      headers: {
        'content-type': 'application/webhook+json',
        ...(authorization === undefined ? {} : { authorization }),
      },
      body,
    });

  it('rings the callee and tells the caller over the chat socket (`call` events)', async () => {
    const { customer, technician, repairJobId } = await activeJob();
    const socketOf = async (who: SignedIn) => {
      const socket = io(`${t.baseUrl}/chat`, {
        transports: ['websocket'],
        auth: { token: who.accessToken },
        reconnection: false,
        forceNew: true,
      });
      await new Promise<void>((resolve, reject) => {
        socket.once('connect', () => resolve());
        socket.once('connect_error', reject);
      });
      const signals: Record<string, unknown>[] = [];
      socket.on('call', (s: Record<string, unknown>) => signals.push(s));
      return { socket, signals };
    };
    const [caller, callee] = await Promise.all([socketOf(customer), socketOf(technician)]);
    try {
      const { callId } = (await startCall(customer, repairJobId, 'video')).data!;
      await until('the ringing signal', () => callee.signals.length === 1);
      expect(callee.signals[0]).toEqual({
        state: 'ringing',
        callId,
        repairJobId,
        kind: 'video',
        callerName: expect.any(String),
      });
      expect((await accept(technician, callId)).response.status).toBe(200);
      await until('the accepted signal', () => caller.signals.length === 1);
      expect(caller.signals[0]).toEqual({ state: 'accepted', callId, repairJobId });
      expect((await act(customer, callId, 'end')).response.status).toBe(200);
      await until(
        'both ended signals',
        () => callee.signals.length === 2 && caller.signals.length === 2,
      );
      for (const s of [caller.signals[1], callee.signals[1]])
        expect(s).toMatchObject({ state: 'ended', callId, repairJobId, endedBy: customer.userId });
    } finally {
      caller.socket.disconnect();
      callee.socket.disconnect();
    }
  });

  it('creates the room and returns a token with the least grants; the callee is rung', async () => {
    const { customer, technician, repairJobId } = await activeJob();
    const started = await startCall(customer, repairJobId, 'video');
    expect(started.response.status).toBe(201);
    const { callId, room, url, token } = started.data!;
    expect(room).toBe(`call-${callId}`);
    expect(url).toBe(standin.url);

    // The room, through RoomServiceClient with a roomCreate grant: empty timeout and size.
    const [created] = callsTo('CreateRoom', room);
    expect(created).toMatchObject({
      body: { name: room, emptyTimeout: 90, maxParticipants: 4 },
      grant: { roomCreate: true },
    });
    expect(standin.rooms.has(room)).toBe(true);

    // The token: signed with our API key and secret, this room only, publish and subscribe.
    await expect(
      new TokenVerifier(STANDIN_LIVEKIT.apiKey, STANDIN_LIVEKIT.apiSecret).verify(token),
    ).resolves.toBeTruthy();
    const claims = claimsOf(token);
    expect(claims).toMatchObject({
      iss: STANDIN_LIVEKIT.apiKey,
      sub: customer.userId,
      name: 'Test customer',
    });
    expect(claims.exp - claims.nbf).toBe(600);
    expect(claims.video).toEqual({
      roomJoin: true,
      room,
      canPublish: true,
      canSubscribe: true,
      canPublishData: false,
      canPublishSources: ['microphone', 'camera'],
      hidden: false,
    });
    // The stand-in lets it in (as LiveKit would check it).
    await expect(standin.join(token)).resolves.toMatchObject({ identity: customer.userId });

    expect(published.find((e) => e instanceof CallRinging && e.callId === callId)).toMatchObject({
      repairJobId,
      recipientIds: [technician.userId],
      kind: 'video',
      callerName: 'Test customer',
    });
    // The missed-call timer: a pg-boss job due at the end of the ring time (30 s by default).
    const [timer] = await sql<{ delay: number }>(
      `SELECT extract(epoch FROM j.start_after - c.created_at)::float AS delay
         FROM pgboss.job j JOIN calls c ON c.id::text = j.data->>'callId'
        WHERE j.name = 'calls.ring-timeout' AND c.id = $1`,
      [callId],
    );
    expect(timer!.delay).toBeGreaterThan(29);
    expect(timer!.delay).toBeLessThan(31);

    // An audio call's token publishes the microphone only.
    await act(customer, callId, 'end');
    const audio = await startCall(technician, repairJobId, 'audio');
    expect(claimsOf(audio.data!.token).video.canPublishSources).toEqual(['microphone']);
    expect(claimsOf(audio.data!.token).sub).toBe(technician.userId);
  });

  it('the stand-in refuses bad API credentials and missing grants, as LiveKit does', async () => {
    const wrong = new RoomServiceClient(standin.url, STANDIN_LIVEKIT.apiKey, 'x'.repeat(40));
    await expect(wrong.createRoom({ name: 'nope' })).rejects.toMatchObject({ status: 401 });
    const { customer, repairJobId } = await activeJob();
    const { token, room } = (await startCall(customer, repairJobId)).data!;
    // The SDK reads the stand-in's answers (protobuf JSON) back.
    const service = new RoomServiceClient(
      standin.url,
      STANDIN_LIVEKIT.apiKey,
      STANDIN_LIVEKIT.apiSecret,
    );
    const [listed] = await service.listRooms([room]);
    expect(listed).toMatchObject({ name: room, emptyTimeout: 90, maxParticipants: 4 });
    await standin.join(token);
    const [inRoom] = await service.listParticipants(room);
    expect(inRoom).toMatchObject({ identity: customer.userId, name: 'Test customer' });
    // A participant's token is no admin token.
    const asParticipant = new RoomServiceClient(standin.url, undefined, undefined, { token });
    const refused = await asParticipant.listParticipants(room).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(TwirpError);
    expect(refused).toMatchObject({ status: 403 });
  });

  it('refuses strangers, other technicians, staff without a reason and jobs that are not active', async () => {
    const { customer, repairJobId } = await activeJob();
    const stranger = await signInAs(t, 'customer');
    const otherTechnician = await signInAs(t, 'technician', { technicianKind: 'software' });
    for (const who of [stranger, otherTechnician]) {
      const refused = await startCall(who, repairJobId);
      expect(refused.response.status).toBe(404);
      expect(refused.error).toMatchObject({ code: 'repair-job/not-found' });
    }
    // Roles without calls, and an unapproved technician.
    const dealer = await signInAs(t, 'dealer');
    const pending = await signInAs(t, 'technician', { status: 'pending' });
    for (const who of [dealer, pending, admin])
      expect((await startCall(who, repairJobId)).response.status).toBe(403);

    // A hardware job still matching (no technician yet) is not active; nor is a cancelled one.
    const matching = await t.api.POST('/repairs', {
      body: {
        kind: 'hardware',
        mode: 'offline',
        location: { lat: 12.97, lng: 77.59 },
        deviceBrand: 'Samsung',
        deviceModel: 'Galaxy A54',
        problem: 'Cracked screen',
      },
      headers: customer.headers,
    });
    expect(matching.data!.status).toBe('matching');
    const notActive = await startCall(customer, matching.data!.id);
    expect(notActive.response.status).toBe(409);
    expect(notActive.error).toMatchObject({
      code: 'call/job-not-active',
      repairJobStatus: 'matching',
    });
    await t.api.POST('/repairs/{repairJobId}/cancel', {
      params: { path: { repairJobId: matching.data!.id } },
      body: {},
      headers: customer.headers,
    });
    expect((await startCall(customer, matching.data!.id)).error).toMatchObject({
      code: 'call/job-not-active',
      repairJobStatus: 'cancelled',
    });

    // Staff join only with a reason, and only admin and ops leader.
    const { callId } = (await startCall(customer, repairJobId)).data!;
    const join = (who: SignedIn, body: Record<string, unknown>) =>
      t.api.POST('/calls/{callId}/join', {
        params: { path: { callId } },
        body: body as never,
        headers: who.headers,
      });
    const noReason = await join(ops, {});
    expect(noReason.response.status).toBe(400);
    expect(noReason.error).toMatchObject({
      errors: [expect.objectContaining({ field: 'reason' })],
    });
    const finance = await signInAs(t, 'finance');
    expect((await join(finance, { reason: 'curious' })).response.status).toBe(403);
    // A stranger cannot see, answer or end the call.
    expect((await getCall(stranger, callId)).response.status).toBe(404);
    for (const action of ['accept', 'decline', 'end'] as const)
      expect((await act(stranger, callId, action)).error).toMatchObject({ code: 'call/not-found' });
  });

  it('one ringing or active call per job; the callee accepts; the caller cannot answer its own call', async () => {
    const { customer, technician, repairJobId } = await activeJob();
    const { callId } = (await startCall(customer, repairJobId)).data!;
    for (const who of [customer, technician]) {
      const second = await startCall(who, repairJobId);
      expect(second.response.status).toBe(409);
      expect(second.error).toMatchObject({ code: 'call/already-open', repairJobId });
    }
    expect((await accept(customer, callId)).error).toMatchObject({
      code: 'call/not-callee',
    });
    expect((await act(technician, callId, 'end')).error).toMatchObject({
      code: 'call/decline-instead',
    });
    const accepted = await accept(technician, callId);
    expect(accepted.response.status).toBe(200);
    expect(claimsOf(accepted.data!.token)).toMatchObject({
      sub: technician.userId,
      video: { roomJoin: true, room: `call-${callId}` },
    });
    expect((await callRow(callId)).status).toBe('active');
    expect(published.find((e) => e instanceof CallAccepted && e.callId === callId)).toMatchObject({
      repairJobId,
      recipientIds: [customer.userId],
    });
    expect((await accept(technician, callId)).error).toMatchObject({
      code: 'call/not-ringing',
    });
    // Still one open call while it is active.
    expect((await startCall(technician, repairJobId)).error).toMatchObject({
      code: 'call/already-open',
    });
    const ended = await act(technician, callId, 'end');
    expect(ended.data).toMatchObject({
      status: 'ended',
      endedBy: technician.userId,
      endReason: 'hung_up',
    });
    await until('the room closed', () => callsTo('DeleteRoom', `call-${callId}`).length === 1);
    // Over: a new call may start.
    expect((await startCall(customer, repairJobId)).response.status).toBe(201);
  });

  it('both parties calling at once: one call rings, the other is refused', async () => {
    const { customer, technician, repairJobId } = await activeJob();
    const both = await Promise.all([
      startCall(customer, repairJobId),
      startCall(technician, repairJobId),
    ]);
    expect(both.map((r) => r.response.status).sort()).toEqual([201, 409]);
    const [open] = await sql<{ n: number }>(
      `SELECT count(*)::int AS n FROM calls WHERE repair_job_id = $1 AND status = 'ringing'`,
      [repairJobId],
    );
    expect(open!.n).toBe(1);
  });

  it('a declined call is over and its room closed', async () => {
    const { customer, technician, repairJobId } = await activeJob();
    const { callId, room } = (await startCall(technician, repairJobId)).data!;
    const declined = await act(customer, callId, 'decline');
    expect(declined.data).toMatchObject({
      status: 'declined',
      endReason: 'declined',
      endedBy: customer.userId,
      answeredAt: null,
      durationSeconds: null,
    });
    expect(callsTo('DeleteRoom', room)).toHaveLength(1);
    expect(standin.rooms.has(room)).toBe(false);
    expect(published.find((e) => e instanceof CallDeclined && e.callId === callId)).toMatchObject({
      repairJobId,
      recipientIds: [technician.userId],
    });
    expect((await accept(customer, callId)).error).toMatchObject({
      code: 'call/not-ringing',
    });
  });

  it('a call nobody answers is missed at the end of the ring time, not before', async () => {
    const { customer, technician, repairJobId } = await activeJob();
    const { callId, room } = (await startCall(customer, repairJobId)).data!;
    const calls = t.app.get(Calls);
    // The timer fired early (by the database clock): still ringing, looked at again later.
    await calls.ringTimeout(callId);
    expect((await callRow(callId)).status).toBe('ringing');
    const [again] = await sql<{ n: number }>(
      `SELECT count(*)::int AS n FROM pgboss.job WHERE name = 'calls.ring-timeout' AND data->>'callId' = $1`,
      [callId],
    );
    expect(again!.n).toBe(2);
    // The ring time has passed.
    await sql(`UPDATE calls SET created_at = created_at - interval '31 seconds' WHERE id = $1`, [
      callId,
    ]);
    await calls.ringTimeout(callId);
    expect(await callRow(callId)).toEqual({
      status: 'missed',
      end_reason: 'missed',
      ended_by: null,
    });
    expect(callsTo('DeleteRoom', room)).toHaveLength(1);
    expect(published.find((e) => e instanceof CallMissed && e.callId === callId)).toMatchObject({
      repairJobId,
      recipientIds: [customer.userId, technician.userId],
    });
    // Once is enough.
    await calls.ringTimeout(callId);
    expect(callsTo('DeleteRoom', room)).toHaveLength(1);
  });

  it('keeps a call log from LiveKit’s webhooks: who joined and left when, duration, who ended it', async () => {
    const { customer, technician, repairJobId } = await activeJob();
    const started = (await startCall(customer, repairJobId)).data!;
    const accepted = (await accept(technician, started.callId)).data!;
    await standin.join(started.token);
    await standin.join(accepted.token);
    // The staff member joins visibly, with a reason, audited.
    const staff = await t.api.POST('/calls/{callId}/join', {
      params: { path: { callId: started.callId } },
      body: { reason: 'Customer reported abuse on the last call' },
      headers: ops.headers,
    });
    expect(staff.response.status).toBe(200);
    expect(claimsOf(staff.data!.token)).toMatchObject({
      sub: ops.userId,
      video: { roomJoin: true, room: started.room, hidden: false },
    });
    expect(claimsOf(staff.data!.token).video.roomAdmin).toBeUndefined();
    await standin.join(staff.data!.token);
    const [audited] = await sql<{ actor_id: string; reason: string; target_id: string }>(
      `SELECT actor_id::text, reason, target_id FROM audit_events WHERE action = 'call.staff_join'
        AND target_id = $1`,
      [started.callId],
    );
    expect(audited).toEqual({
      actor_id: ops.userId,
      reason: 'Customer reported abuse on the last call',
      target_id: started.callId,
    });
    await standin.leave(started.room, customer.userId);
    await act(technician, started.callId, 'end');
    await until('the room finished', async () =>
      standin.sent.some((s) => s.event.event === 'room_finished' && s.status === 200),
    );

    const log = (await getCall(customer, started.callId)).data!;
    expect(log).toMatchObject({
      status: 'ended',
      callerId: customer.userId,
      calleeId: technician.userId,
      endedBy: technician.userId,
      endReason: 'hung_up',
    });
    expect(log.durationSeconds).toBeGreaterThanOrEqual(0);
    expect(log.participants.map((p) => p.userId).sort()).toEqual(
      [customer.userId, technician.userId, ops.userId].sort(),
    );
    for (const p of log.participants) {
      expect(p.joinedAt).toEqual(expect.any(String));
      expect(p.leftAt).toEqual(expect.any(String));
    }
    const [room] = await sql<{ started: boolean; finished: boolean }>(
      `SELECT room_started_at IS NOT NULL AS started, room_finished_at IS NOT NULL AS finished
         FROM calls WHERE id = $1`,
      [started.callId],
    );
    expect(room).toEqual({ started: true, finished: true });
    // The job's calls: its parties and staff; a stranger is refused.
    for (const who of [customer, technician, ops]) {
      const list = await t.api.GET('/repairs/{repairJobId}/calls', {
        params: { path: { repairJobId } },
        headers: who.headers,
      });
      expect(list.data!.map((c) => c.id)).toEqual([started.callId]);
    }
    const stranger = await signInAs(t, 'technician');
    expect(
      (
        await t.api.GET('/repairs/{repairJobId}/calls', {
          params: { path: { repairJobId } },
          headers: stranger.headers,
        })
      ).response.status,
    ).toBe(404);
    // Staff cannot join a call that is over.
    const late = await t.api.POST('/calls/{callId}/join', {
      params: { path: { callId: started.callId } },
      body: { reason: 'too late' },
      headers: admin.headers,
    });
    expect(late.error).toMatchObject({ code: 'call/not-open' });
  });

  it('refuses forged webhooks, ignores duplicates and applies events in any order', async () => {
    const { customer, technician, repairJobId } = await activeJob();
    const { callId, room, token } = (await startCall(customer, repairJobId)).data!;
    await accept(technician, callId);
    const body = JSON.stringify(standin.event('participant_joined', room, customer.userId));
    const stored = async () =>
      (await sql<{ n: number }>(`SELECT count(*)::int AS n FROM livekit_webhook_events`))[0]!.n;
    const before = await stored();

    // Forged: another secret, another body, no signature.
    const forger = await startLiveKitStandin({
      apiKey: STANDIN_LIVEKIT.apiKey,
      apiSecret: 'y'.repeat(40),
    });
    try {
      for (const res of [
        await webhook(body, await forger.sign(body)),
        await webhook(body.replace(customer.userId, technician.userId), await standin.sign(body)),
        await webhook(body),
      ]) {
        expect(res.status).toBe(401);
        expect(await res.json()).toMatchObject({ code: 'livekit-webhook/invalid-signature' });
      }
    } finally {
      await forger.stop();
    }
    expect(await stored()).toBe(before);

    // participant_left before participant_joined: the join's webhooks are held back, the leave's is not.
    standin.setWebhookUrl(null);
    const p = await standin.join(token);
    const [, heldJoin] = standin.sent.slice(-2).map((x) => x.event);
    expect(heldJoin).toMatchObject({ event: 'participant_joined' });
    standin.setWebhookUrl(`${t.baseUrl}/webhooks/livekit`);
    expect(await standin.leave(room, customer.userId).then(() => standin.sent.at(-1)!.status)).toBe(
      200,
    );
    const rows = () =>
      sql<{ joined: boolean; left: boolean }>(
        `SELECT joined_at IS NOT NULL AS joined, left_at IS NOT NULL AS left
           FROM call_participants WHERE call_id = $1 AND participant_sid = $2`,
        [callId, p.sid],
      );
    expect(await rows()).toEqual([{ joined: false, left: true }]);
    expect(await standin.send(heldJoin!)).toBe(200);
    expect(await rows()).toEqual([{ joined: true, left: true }]);
    // The same event again is a duplicate: acknowledged, nothing done.
    const dup = await webhook(
      JSON.stringify(heldJoin),
      await standin.sign(JSON.stringify(heldJoin)),
    );
    expect(dup.status).toBe(200);
    expect(await dup.json()).toEqual({ received: true, duplicate: true });
    expect(await rows()).toEqual([{ joined: true, left: true }]);

    // room_finished, then a late room_started: the call stays ended.
    const finished = standin.event('room_finished', room);
    expect(await standin.send(finished)).toBe(200);
    expect(await callRow(callId)).toEqual({
      status: 'ended',
      end_reason: 'room_finished',
      ended_by: null,
    });
    expect(published.find((e) => e instanceof CallEnded && e.callId === callId)).toMatchObject({
      endedBy: null,
      reason: 'room_finished',
    });
    expect(await standin.send(standin.event('room_started', room))).toBe(200);
    expect((await callRow(callId)).status).toBe('ended');
    // Sent twice, the room_finished is stored once.
    const again = await webhook(
      JSON.stringify(finished),
      await standin.sign(JSON.stringify(finished)),
    );
    expect(await again.json()).toEqual({ received: true, duplicate: true });
    const [n] = await sql<{ n: number }>(
      `SELECT count(*)::int AS n FROM livekit_webhook_events WHERE id = $1`,
      [finished.id],
    );
    expect(n!.n).toBe(1);
  });

  it('reassignment removes the old technician and closes the room; suspension too', async () => {
    const { customer, technician, repairJobId } = await activeJob();
    const { callId, room, token } = (await startCall(customer, repairJobId)).data!;
    const accepted = (await accept(technician, callId)).data!;
    await standin.join(token);
    await standin.join(accepted.token);
    const other = await signInAs(t, 'technician', { technicianKind: 'software' });
    const moved = await t.api.POST('/admin/repairs/{repairJobId}/reassign', {
      params: { path: { repairJobId } },
      body: { technicianId: other.userId, reason: 'Customer asked for another technician' },
      headers: ops.headers,
    });
    expect(moved.data).toMatchObject({ technicianId: other.userId });
    await until('the room closed', () => callsTo('DeleteRoom', room).length === 1);
    const removed = callsTo('RemoveParticipant', room);
    expect(removed).toEqual([
      {
        method: 'RemoveParticipant',
        body: { room, identity: technician.userId },
        grant: expect.objectContaining({ roomAdmin: true, room }),
      },
    ]);
    expect(await callRow(callId)).toEqual({
      status: 'ended',
      end_reason: 'job_reassigned',
      ended_by: null,
    });
    expect(published.find((e) => e instanceof CallEnded && e.callId === callId)).toMatchObject({
      recipientIds: [customer.userId, technician.userId],
      reason: 'job_reassigned',
    });
    // The old technician has no job to call about any more.
    expect((await startCall(technician, repairJobId)).response.status).toBe(404);

    // The new technician calls; the customer is suspended: removed, the room closed.
    const next = (await startCall(other, repairJobId)).data!;
    await standin.join(next.token);
    const customerToken = (await accept(customer, next.callId)).data!.token;
    await standin.join(customerToken);
    const suspended = await t.api.POST('/admin/users/{id}/suspend', {
      params: { path: { id: customer.userId } },
      body: { reason: 'abusive calls' },
      headers: admin.headers,
    });
    expect(suspended.response.status).toBe(200);
    await until('the room closed', () => callsTo('DeleteRoom', next.room).length === 1);
    expect(callsTo('RemoveParticipant', next.room).map((c) => c.body.identity)).toEqual([
      customer.userId,
    ]);
    expect((await callRow(next.callId)).end_reason).toBe('account_suspended');
  });

  it('the job’s end removes both parties and closes the room', async () => {
    const { customer, technician, repairJobId } = await activeJob();
    const { callId, room, token } = (await startCall(technician, repairJobId)).data!;
    const accepted = (await accept(customer, callId)).data!;
    await standin.join(token);
    await standin.join(accepted.token);
    const cancelled = await t.api.POST('/repairs/{repairJobId}/cancel', {
      params: { path: { repairJobId } },
      body: { reason: 'Fixed it myself' },
      headers: customer.headers,
    });
    expect(cancelled.data).toMatchObject({ status: 'cancelled' });
    await until('the room closed', () => callsTo('DeleteRoom', room).length === 1);
    expect(
      callsTo('RemoveParticipant', room)
        .map((c) => c.body.identity)
        .sort(),
    ).toEqual([customer.userId, technician.userId].sort());
    expect(await callRow(callId)).toEqual({
      status: 'ended',
      end_reason: 'job_ended',
      ended_by: null,
    });
    expect((await startCall(customer, repairJobId)).error).toMatchObject({
      code: 'call/job-not-active',
    });
  });

  it('lists every call for staff, newest first, by job, status and start time, page by page', async () => {
    const compliance = await signInAs(t, 'compliance');
    const list = (who: SignedIn, query: Record<string, string | number> = {}) =>
      t.api.GET('/admin/calls', { params: { query }, headers: who.headers });
    const { customer, technician, repairJobId } = await activeJob();
    const declined = (await startCall(technician, repairJobId)).data!.callId;
    expect((await act(customer, declined, 'decline')).response.status).toBe(200);
    const cancelled = (await startCall(customer, repairJobId, 'video')).data!.callId;
    expect((await act(customer, cancelled, 'end')).response.status).toBe(200);
    const ringing = (await startCall(technician, repairJobId)).data!.callId;

    const byJob = await list(compliance, { repairJobId });
    expect(byJob.response.status).toBe(200);
    expect(byJob.data!.items.map((c) => [c.id, c.status])).toEqual([
      [ringing, 'ringing'],
      [cancelled, 'ended'],
      [declined, 'declined'],
    ]);
    // The per-job log's fields.
    expect(byJob.data!.items).toEqual(
      (
        await t.api.GET('/repairs/{repairJobId}/calls', {
          params: { path: { repairJobId } },
          headers: admin.headers,
        })
      ).data,
    );
    expect(byJob.data!.nextCursor).toBeUndefined();
    const ended = await list(admin, { repairJobId, status: 'ended' });
    expect(ended.data!.items.map((c) => c.id)).toEqual([cancelled]);
    const [{ at }] = await sql<{ at: string }>(
      `SELECT to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS at FROM calls WHERE id = $1`,
      [cancelled],
    );
    const since = await list(ops, { repairJobId, from: at });
    expect(since.data!.items.map((c) => c.id)).toEqual([ringing, cancelled]);
    const before = await list(ops, { repairJobId, to: at });
    expect(before.data!.items.map((c) => c.id)).toEqual([declined]);

    // Every call once across pages, in the order of the whole list.
    const whole = (await list(admin, { limit: 100 })).data!.items.map((c) => c.id);
    const paged: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await list(admin, { limit: 2, ...(cursor ? { cursor } : {}) });
      expect(page.data!.items.length).toBeLessThanOrEqual(2);
      paged.push(...page.data!.items.map((c) => c.id));
      cursor = page.data!.nextCursor;
    } while (cursor);
    expect(paged).toEqual(whole);
    const [{ n }] = await sql<{ n: number }>(`SELECT count(*)::int AS n FROM calls`);
    expect(whole).toHaveLength(n);

    expect((await list(customer)).response.status).toBe(403);
    expect((await list(technician, { repairJobId })).response.status).toBe(403);
    for (const [query, field] of [
      [{ repairJobId: 'nope' }, 'repairJobId'],
      [{ status: 'lost' }, 'status'],
      [{ from: 'yesterday' }, 'from'],
    ] as const)
      expect((await list(admin, query)).error).toMatchObject({
        code: 'request/validation-failed',
        errors: [expect.objectContaining({ field })],
      });
    expect((await list(admin, { cursor: 'x' })).error).toMatchObject({
      code: 'request/invalid-cursor',
    });
    expect((await act(technician, ringing, 'end')).response.status).toBe(200);
  });
});
