import { createSecretKey, randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { io, type Socket } from 'socket.io-client';
import { ChatPush } from '../src/chat/chat-push.js';
import { CHAT_PUSH_QUIET_SECONDS } from '../src/chat/chat.service.js';
import { signJwt } from '../src/identity/jwt.js';
import { QUIET_ENV, signInAs, type SignedIn } from './support/accounts.js';
import { activeListing, checkout, putInCart } from './support/orders.js';
import { hardwareTechnician } from './support/repairs.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { withClient } from './support/test-database.js';
import {
  hasGpsTag,
  jpegWithGps,
  NOT_MEDIA,
  pngOfSize,
  TEST_VIDEOS,
} from './support/test-images.js';

/**
 * Chat (README "Chat"): rooms of repair jobs and sub-orders over REST and the `/chat` socket, with
 * real socket.io clients against the real app and database.
 */

type Answer = { ok: boolean; error?: { code: string; retryAfterSeconds?: number } } & Record<
  string,
  unknown
>;
interface Msg {
  id: string;
  room: string;
  seq: number;
  senderId: string | null;
  kind: string;
  body: string | null;
  masked: string[];
  hidden: boolean;
}

const quiet = JSON.parse(QUIET_ENV.RATE_LIMIT_POLICY) as Record<string, Record<string, unknown>>;
/** Dealers may send 3 chat messages at once, then one a minute (the rate-limit test). */
const POLICY = JSON.stringify({
  ...quiet,
  dealer: { ...quiet.dealer, chat: { perMinute: 1, burst: 3 } },
});

const IMAGE_MAX_BYTES = 200_000;
const storageDir = mkdtempSync(join(tmpdir(), 'fixbazaar-chat-'));

let t: TestApp;
const sockets: Socket[] = [];

/** A connected `/chat` socket (websocket only), or the handshake's refusal. */
async function connect(who: { accessToken: string }): Promise<Socket> {
  const socket = io(`${t.baseUrl}/chat`, {
    transports: ['websocket'],
    auth: { token: who.accessToken },
    reconnection: false,
    forceNew: true,
  });
  sockets.push(socket);
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', (err) => reject(err));
  });
  return socket;
}

const ask = (socket: Socket, event: string, payload: unknown) =>
  socket.timeout(5000).emitWithAck(event, payload) as Promise<Answer>;

/** Collects the socket's `message` events. */
function inbox(socket: Socket): Msg[] {
  const got: Msg[] = [];
  socket.on('message', (m: Msg) => got.push(m));
  return got;
}

async function until(check: () => boolean, ms = 3000): Promise<void> {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > ms) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function sql<T>(text: string, params: unknown[] = []): Promise<T[]> {
  return withClient(t.db.ownerUrl, async (c) => (await c.query(text, params)).rows as T[]);
}

const restSend = (who: SignedIn, room: string, body: string, clientMessageId = randomUUID()) => {
  const [kind, subjectId] = room.split(':') as ['job' | 'sub_order', string];
  return t.api.POST('/chat/rooms/{kind}/{subjectId}/messages', {
    params: { path: { kind, subjectId } },
    body: { clientMessageId, body },
    headers: who.headers,
  });
};

const history = (who: SignedIn, room: string, query: Record<string, number> = {}) => {
  const [kind, subjectId] = room.split(':') as ['job' | 'sub_order', string];
  return t.api.GET('/chat/rooms/{kind}/{subjectId}/messages', {
    params: { path: { kind, subjectId }, query },
    headers: who.headers,
  });
};

let customer: SignedIn;
let technician: SignedIn;
let admin: SignedIn;
let ops: SignedIn;
let stranger: SignedIn;

/** A new hardware job of `customer`, assigned to `tech` by admin: its room. */
async function jobRoom(tech: SignedIn = technician): Promise<string> {
  const requested = await t.api.POST('/repairs', {
    body: {
      kind: 'hardware',
      mode: 'offline',
      deviceBrand: 'Samsung',
      deviceModel: 'Galaxy A54',
      problem: 'Cracked screen, touch dead at the bottom',
      location: { lat: 12.9716, lng: 77.5946 },
    },
    headers: customer.headers,
  });
  expect(requested.response.status).toBe(201);
  const repairJobId = requested.data!.id;
  const assigned = await t.api.POST('/admin/repairs/{repairJobId}/assign', {
    params: { path: { repairJobId } },
    body: { technicianId: tech.userId },
    headers: admin.headers,
  });
  expect(assigned.response.status).toBe(200);
  return `job:${repairJobId}`;
}

beforeAll(async () => {
  t = await startTestApp({
    env: {
      ...QUIET_ENV,
      RATE_LIMIT_POLICY: POLICY,
      STORAGE_LOCAL_DIR: storageDir,
      CHAT_IMAGE_MAX_BYTES: String(IMAGE_MAX_BYTES),
    },
  });
  customer = await signInAs(t, 'customer');
  technician = await hardwareTechnician(t);
  admin = await signInAs(t, 'admin');
  ops = await signInAs(t, 'ops_leader');
  stranger = await signInAs(t, 'customer');
});

afterEach(() => {
  for (const s of sockets.splice(0)) s.disconnect();
});

afterAll(async () => {
  await t?.close();
});

describe('chat rooms and history over REST', () => {
  it('stores a message before answering, idempotently by client message id; strangers get 404', async () => {
    const room = await jobRoom();
    const id = randomUUID();
    const first = await restSend(customer, room, 'Is the screen in stock?', id);
    expect(first.response.status).toBe(201);
    expect(first.data).toMatchObject({ duplicate: false, notice: [], message: { seq: 1 } });
    const again = await restSend(customer, room, 'Is the screen in stock?', id);
    expect(again.data).toMatchObject({
      duplicate: true,
      message: { id: first.data!.message.id, seq: 1 },
    });
    const [{ n }] = await sql<{ n: string }>(
      `SELECT count(*) AS n FROM chat_messages WHERE client_message_id = $1`,
      [id],
    );
    expect(n).toBe('1');

    const reply = await restSend(technician, room, 'Yes, original part.');
    expect(reply.data?.message.seq).toBe(2);
    const page = await history(customer, room);
    expect(page.data?.items.map((m) => m.seq)).toEqual([1, 2]);
    expect(page.data?.lastSeq).toBe(2);

    // A stranger learns nothing: the same 404 as for a room that does not exist.
    const peek = await history(stranger, room);
    expect(peek.response.status).toBe(404);
    expect((peek.error as { code: string }).code).toBe('chat/room-not-found');
    expect((await history(stranger, `job:${randomUUID()}`)).response.status).toBe(404);
    expect((await restSend(stranger, room, 'hello')).response.status).toBe(404);
    const rooms = await t.api.GET('/chat/rooms', { headers: stranger.headers });
    expect(rooms.data?.items).toEqual([]);
    const mine = await t.api.GET('/chat/rooms', { headers: technician.headers });
    expect(mine.data?.items.map((r) => r.room)).toContain(room);
  });

  /** Registers a device for each account. */
  const registerDevices = async (...who: SignedIn[]) => {
    for (const w of who)
      expect(
        (
          await t.api.POST('/me/push-tokens', {
            body: {
              token: `ExponentPushToken[${randomUUID().replace(/-/g, '').slice(0, 22)}]`,
              platform: 'android',
            },
            headers: w.headers,
          })
        ).response.status,
      ).toBe(200);
  };
  /** The pushes an account got about a subject, oldest first. */
  const pushesTo = (userId: string, subjectId: string) =>
    sql<{ category: string; title: string; body: string; data: Record<string, string> }>(
      `SELECT category, title, body, data FROM push_outbox
        WHERE user_id = $1 AND data ->> 'subjectId' = $2 ORDER BY id`,
      [userId, subjectId],
    );
  /** Waits (up to 5 s) until the account got `n` pushes about the subject; what it got. */
  const awaitPushes = async (userId: string, subjectId: string, n: number) => {
    let got: Awaited<ReturnType<typeof pushesTo>> = [];
    for (let i = 0; i < 100 && got.length < n; i++) {
      await new Promise((r) => setTimeout(r, 50));
      got = await pushesTo(userId, subjectId);
    }
    return got;
  };
  /** Until the server has let go of the account's sockets in the room (by the room's id). */
  const awaitGone = (userId: string, room: string) =>
    until(() => !t.app.get(ChatPush).inRoomHere(userId, room));

  it("pushes a new message to the other parties' devices (ids only), never to the sender", async () => {
    const room = await jobRoom();
    const [, subjectId] = room.split(':');
    await registerDevices(customer, technician);
    const sent = await restSend(customer, room, 'Can you come at 5 pm?');
    const got = await awaitPushes(technician.userId, subjectId!, 1);
    expect(got).toEqual([
      {
        category: 'messages',
        title: 'New message',
        body: 'About your repair',
        data: {
          type: 'chat_message',
          room: 'job',
          subjectId,
          seq: String(sent.data!.message.seq),
        },
      },
    ]);
    expect(JSON.stringify(got)).not.toContain('5 pm');
    expect(await pushesTo(customer.userId, subjectId!)).toEqual([]);
  });

  it(`pushes a party once per room every ${CHAT_PUSH_QUIET_SECONDS} s, and not while its app is connected`, async () => {
    const room = await jobRoom();
    const [, subjectId] = room.split(':');
    await registerDevices(technician);
    // The technician's app shows the room: the socket delivers, no push.
    const tech = await connect(technician);
    const onSocket = inbox(tech);
    expect(await ask(tech, 'join', { room })).toMatchObject({ ok: true });
    const first = await restSend(customer, room, 'First');
    await until(() => onSocket.length > 0);
    expect(onSocket.map((m) => m.seq)).toEqual([first.data!.message.seq]);
    // The app goes to the background (socket closed): the next message is pushed, the one after
    // it (within the quiet period) is not.
    tech.disconnect();
    const [{ id: roomId }] = await sql<{ id: string }>(
      `SELECT id FROM chat_rooms WHERE kind = 'job' AND subject_id = $1`,
      [subjectId],
    );
    await awaitGone(technician.userId, roomId!);
    const second = await restSend(customer, room, 'Second');
    await restSend(customer, room, 'Third');
    const got = await awaitPushes(technician.userId, subjectId!, 1);
    // Give a wrongly sent push for the third message time to land before checking there is none.
    await new Promise((r) => setTimeout(r, 300));
    // (One push per device the technician registered, each about the second message only.)
    const seqs = (await pushesTo(technician.userId, subjectId!)).map((p) => p.data.seq);
    expect(new Set(seqs)).toEqual(new Set([String(second.data!.message.seq)]));
    expect(got.length).toBeGreaterThan(0);
  });

  it('refuses a message over the size cap (CHAT_MESSAGE_MAX_CHARS)', async () => {
    const room = await jobRoom();
    const max = t.config.chat.messageMaxChars;
    const over = await restSend(customer, room, 'x'.repeat(max + 1));
    expect(over.response.status).toBe(413);
    expect((over.error as { code: string }).code).toBe('chat/message-too-long');
    expect((await restSend(customer, room, 'x'.repeat(max))).response.status).toBe(201);
    expect((await history(customer, room)).data?.lastSeq).toBe(1);
  });

  it('gives concurrent sends gapless seqs and one message per client id, however often it is resent', async () => {
    const room = await jobRoom();
    expect((await restSend(customer, room, 'first')).response.status).toBe(201);
    const ids = Array.from({ length: 4 }, () => randomUUID());
    // Each client id sent three times at once, by both parties, all interleaved.
    const sends = ids.flatMap((id, i) =>
      [0, 1, 2].map(() => restSend(i % 2 ? technician : customer, room, `message ${i}`, id)),
    );
    const answers = await Promise.all(sends);
    expect(answers.map((a) => a.response.status)).toEqual(answers.map(() => 201));
    for (const [i, id] of ids.entries()) {
      const mine = answers.slice(i * 3, i * 3 + 3).map((a) => a.data!);
      expect(mine.filter((a) => !a.duplicate)).toHaveLength(1);
      expect(new Set(mine.map((a) => a.message.id)).size).toBe(1);
      expect(mine[0]!.message.clientMessageId).toBe(id);
    }
    const page = await history(customer, room);
    expect(page.data?.items.map((m) => m.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(page.data?.lastSeq).toBe(5);
  });

  it('pages before, after and around a seq, oldest first', async () => {
    const room = await jobRoom();
    for (let i = 1; i <= 9; i++) await restSend(customer, room, `message ${i}`);
    const seqs = async (q: Record<string, number>) =>
      (await history(technician, room, q)).data!.items.map((m) => m.seq);
    expect(await seqs({ limit: 3 })).toEqual([7, 8, 9]);
    expect(await seqs({ before: 7, limit: 3 })).toEqual([4, 5, 6]);
    expect(await seqs({ after: 2, limit: 3 })).toEqual([3, 4, 5]);
    expect(await seqs({ around: 5, limit: 4 })).toEqual([3, 4, 5, 6]);
    const both = await history(technician, room, { before: 3, after: 1 });
    expect(both.response.status).toBe(400);
  });

  it('has a room per sub-order: its buyer and dealer', async () => {
    const dealer = await signInAs(t, 'dealer');
    const listingId = await activeListing(t, dealer.userId);
    expect((await putInCart(t, customer, listingId, 1)).status).toBe(200);
    const placed = await checkout(t, customer);
    const room = `sub_order:${placed.order!.subOrders[0]!.id}`;
    expect((await restSend(customer, room, 'When will it ship?')).response.status).toBe(201);
    expect((await history(dealer, room)).data?.items).toHaveLength(1);
    expect((await history(technician, room)).response.status).toBe(404);
  });
});

describe('chat over the socket', () => {
  it('refuses a handshake without a valid token, and a stranger’s join with an error event', async () => {
    await expect(connect({ accessToken: 'not-a-token' })).rejects.toMatchObject({
      data: { code: 'auth/invalid-token' },
    });
    const room = await jobRoom();
    await restSend(customer, room, 'private');
    const s = await connect(stranger);
    const errors: { code: string }[] = [];
    s.on('error', (e: { code: string }) => errors.push(e));
    const got = inbox(s);
    const join = await ask(s, 'join', { room });
    expect(join).toMatchObject({ ok: false, error: { code: 'chat/room-not-found' } });
    const resume = await ask(s, 'resume', { room, lastSeq: 0 });
    expect(resume.ok).toBe(false);
    await until(() => errors.length === 2);
    expect(got).toEqual([]);
  });

  it('acks a send once committed, delivers it live, and broadcasts receipts (forward only)', async () => {
    const room = await jobRoom();
    const c = await connect(customer);
    const tech = await connect(technician);
    const techInbox = inbox(tech);
    const receipts: { userId: string; deliveredSeq: number; readSeq: number }[] = [];
    c.on('receipt', (r: (typeof receipts)[number]) => receipts.push(r));
    expect(await ask(c, 'join', { room })).toMatchObject({ ok: true, lastSeq: 0, readSeq: 0 });
    expect(await ask(tech, 'join', { room })).toMatchObject({ ok: true, lastSeq: 0 });

    const sent = await ask(c, 'send', { room, clientMessageId: 'c-1', body: 'On my way?' });
    expect(sent).toMatchObject({ ok: true, seq: 1, duplicate: false });
    const stored = await sql<{ seq: string }>(`SELECT seq FROM chat_messages WHERE id = $1`, [
      sent.id,
    ]);
    expect(stored).toEqual([{ seq: '1' }]);
    await until(() => techInbox.length === 1);
    expect(techInbox[0]).toMatchObject({ seq: 1, body: 'On my way?', senderId: customer.userId });

    // A resend after a lost ack: the same message, nothing new delivered.
    const resent = await ask(c, 'send', { room, clientMessageId: 'c-1', body: 'On my way?' });
    expect(resent).toMatchObject({ ok: true, seq: 1, id: sent.id, duplicate: true });

    expect(await ask(tech, 'receipt', { room, deliveredSeq: 1, readSeq: 1 })).toMatchObject({
      ok: true,
      receipt: { deliveredSeq: 1, readSeq: 1 },
    });
    await until(() => receipts.length === 1);
    expect(receipts[0]).toMatchObject({ userId: technician.userId, deliveredSeq: 1, readSeq: 1 });
    // Receipts never move back.
    expect(await ask(tech, 'receipt', { room, deliveredSeq: 0, readSeq: 0 })).toMatchObject({
      receipt: { deliveredSeq: 1, readSeq: 1 },
    });
    expect(techInbox).toHaveLength(1);
    expect(await ask(c, 'join', { room })).toMatchObject({ lastSeq: 1 });
  });

  it('replays what a socket missed after a disconnect mid-stream: no gap, no duplicate', async () => {
    const room = await jobRoom();
    const total = 60;
    let tech = await connect(technician);
    let got = inbox(tech);
    await ask(tech, 'join', { room });
    const seen: number[] = [];
    let sending = true;
    const sender = (async () => {
      for (let i = 1; i <= total; i++) {
        const r = await restSend(customer, room, `part ${i}`);
        expect(r.response.status).toBe(201);
      }
      sending = false;
    })();
    await until(() => got.length >= 10);
    tech.disconnect();
    seen.push(...got.map((m) => m.seq));
    expect(sending).toBe(true);
    tech = await connect(technician);
    got = inbox(tech);
    const resumed = await ask(tech, 'resume', { room, lastSeq: seen.at(-1)! });
    expect(resumed.ok).toBe(true);
    await sender;
    await until(() => seen.length + got.length >= total);
    // Late duplicates would arrive within this.
    await new Promise((r) => setTimeout(r, 100));
    seen.push(...got.map((m) => m.seq));
    expect(seen).toEqual(Array.from({ length: total }, (_, i) => i + 1));
  });

  it('tells the others who is typing, for 3 s, and stores nothing', async () => {
    const room = await jobRoom();
    const c = await connect(customer);
    const tech = await connect(technician);
    await ask(c, 'join', { room });
    await ask(tech, 'join', { room });
    const typing: unknown[] = [];
    const own: unknown[] = [];
    tech.on('typing', (e) => typing.push(e));
    c.on('typing', (e) => own.push(e));
    expect(await ask(c, 'typing', { room })).toMatchObject({ ok: true, expiresInMs: 3000 });
    await until(() => typing.length === 1);
    expect(typing[0]).toEqual({ room, userId: customer.userId, expiresInMs: 3000 });
    // A repeat within a second is not passed on (the 3 s are running anyway).
    expect(await ask(c, 'typing', { room })).toMatchObject({ ok: true, expiresInMs: 3000 });
    await new Promise((r) => setTimeout(r, 200));
    expect(typing).toHaveLength(1);
    expect(own).toEqual([]);
    expect((await history(customer, room)).data?.items).toEqual([]);
  });

  it('masks contact details before storing and delivering, and tells the sender', async () => {
    const room = await jobRoom();
    const c = await connect(customer);
    const tech = await connect(technician);
    await ask(c, 'join', { room });
    await ask(tech, 'join', { room });
    const techInbox = inbox(tech);
    const notices: { masked: string[] }[] = [];
    c.on('notice', (n: { masked: string[] }) => notices.push(n));
    const body = 'call me on +91 98765 43210 or pay ravi@okhdfcbank; IMEI 356938035643809';
    const sent = await ask(c, 'send', { room, clientMessageId: 'm-1', body });
    expect(sent).toMatchObject({ ok: true, notice: ['upi', 'phone'] });
    await until(() => techInbox.length === 1 && notices.length === 1);
    const masked = 'call me on [phone number hidden] or pay [UPI id hidden]; IMEI 356938035643809';
    expect(techInbox[0]).toMatchObject({ body: masked, masked: ['upi', 'phone'] });
    const rows = await sql<{ body: string }>(`SELECT body FROM chat_messages WHERE id = $1`, [
      sent.id,
    ]);
    expect(rows[0]!.body).toBe(masked);
    // No text a sender wrote keeps the number (ids and timestamps are left out: their digits are
    // random and can spell it).
    const written = await sql(`SELECT body, client_message_id, masked FROM chat_messages`);
    expect(written.length).toBeGreaterThan(0);
    expect(JSON.stringify(written)).not.toContain('98765');

    // Staff turn masking off for this room (audited); then the text goes as written.
    const [kind, subjectId] = room.split(':') as ['job', string];
    const off = await t.api.PUT('/chat/rooms/{kind}/{subjectId}/masking', {
      params: { path: { kind, subjectId } },
      body: { masking: false, reason: 'customer asked to share the courier number' },
      headers: admin.headers,
    });
    expect(off.data).toMatchObject({ masking: false });
    const audited = await sql<{ action: string }>(
      `SELECT action FROM audit_events WHERE action IN ('chat.masking', 'chat.staff_join') ORDER BY seq`,
    );
    expect(audited.map((a) => a.action)).toEqual(
      expect.arrayContaining(['chat.staff_join', 'chat.masking']),
    );
    const plain = await ask(c, 'send', {
      room,
      clientMessageId: 'm-2',
      body: 'courier 98765 43210',
    });
    expect(plain).toMatchObject({ ok: true, notice: [] });
    // Staff's join is visible to the room.
    const items = (await history(customer, room)).data!.items;
    expect(items.find((m) => m.kind === 'system')?.body).toMatch(/\(staff\) joined$/);
  });

  it('takes the room from a reassigned technician at once (REST and socket)', async () => {
    const other = await hardwareTechnician(t);
    const room = await jobRoom();
    const old = await connect(technician);
    await ask(old, 'join', { room });
    const oldInbox = inbox(old);
    const errors: { code: string }[] = [];
    old.on('error', (e: { code: string }) => errors.push(e));
    const reassigned = await t.api.POST('/admin/repairs/{repairJobId}/reassign', {
      params: { path: { repairJobId: room.slice('job:'.length) } },
      body: { technicianId: other.userId, reason: 'the first technician is unwell' },
      headers: ops.headers,
    });
    expect(reassigned.response.status).toBe(200);
    expect((await history(technician, room)).response.status).toBe(404);
    expect((await restSend(technician, room, 'still here?')).response.status).toBe(404);
    const send = await ask(old, 'send', { room, clientMessageId: 'o-1', body: 'still here?' });
    expect(send).toMatchObject({ ok: false, error: { code: 'chat/room-not-found' } });
    await restSend(customer, room, 'for the new technician only');
    await until(() => errors.some((e) => e.code === 'chat/room-not-found'));
    await new Promise((r) => setTimeout(r, 200));
    expect(oldInbox).toEqual([]);
    expect((await history(other, room)).data?.items.map((m) => m.body)).toEqual([
      'for the new technician only',
    ]);
  });

  it('lets a party report a message and staff hide it (audited; the original kept for staff)', async () => {
    const room = await jobRoom();
    const c = await connect(customer);
    await ask(c, 'join', { room });
    const hiddenEvents: Msg[] = [];
    c.on('hidden', (m: Msg) => hiddenEvents.push(m));
    const sent = await restSend(technician, room, 'rude words');
    const messageId = sent.data!.message.id;
    const report = await t.api.POST('/chat/messages/{messageId}/report', {
      params: { path: { messageId } },
      body: { reason: 'abusive' },
      headers: customer.headers,
    });
    expect(report.data).toEqual({ reported: true });
    const strangerReport = await t.api.POST('/chat/messages/{messageId}/report', {
      params: { path: { messageId } },
      body: { reason: 'abusive' },
      headers: stranger.headers,
    });
    expect(strangerReport.response.status).toBe(404);
    const hidden = await t.api.POST('/chat/messages/{messageId}/hide', {
      params: { path: { messageId } },
      body: { reason: 'abusive language' },
      headers: admin.headers,
    });
    expect(hidden.data).toMatchObject({
      hidden: true,
      body: 'rude words',
      hiddenReason: 'abusive language',
    });
    const seen = (await history(customer, room)).data!.items.find((m) => m.id === messageId);
    expect(seen).toMatchObject({ hidden: true, body: null });
    await until(() => hiddenEvents.length === 1);
    expect(hiddenEvents[0]).toMatchObject({ id: messageId, hidden: true, body: null });
    const [audit] = await sql<{ action: string; target_id: string }>(
      `SELECT action, target_id FROM audit_events WHERE action = 'chat.hide'`,
    );
    expect(audit).toEqual({ action: 'chat.hide', target_id: messageId });
  });

  it('disconnects within a second when the session is revoked or the account blocked or suspended', async () => {
    const victim = await signInAs(t, 'customer');
    const s = await connect(victim);
    const ended = new Promise<number>((resolve) => s.on('disconnect', () => resolve(Date.now())));
    const revoked = await t.api.DELETE('/me/sessions/{sessionId}', {
      params: { path: { sessionId: victim.sessionId } },
      headers: victim.headers,
    });
    const at = Date.now();
    expect(revoked.response.status).toBeLessThan(300);
    expect((await ended) - at).toBeLessThan(1000);

    const blocked = await hardwareTechnician(t);
    const b = await connect(blocked);
    const errors: { code: string }[] = [];
    b.on('error', (e: { code: string }) => errors.push(e));
    const gone = new Promise<number>((resolve) => b.on('disconnect', () => resolve(Date.now())));
    const block = await t.api.POST('/admin/users/{id}/block', {
      params: { path: { id: blocked.userId } },
      body: { reason: 'fraudulent jobs' },
      headers: admin.headers,
    });
    const blockedAt = Date.now();
    expect(block.response.status).toBe(200);
    expect((await gone) - blockedAt).toBeLessThan(1000);
    // Blocking an account revokes its sessions.
    expect(errors.map((e) => e.code)).toEqual(['auth/session-ended']);
    await expect(connect(blocked)).rejects.toMatchObject({ data: { code: 'auth/session-ended' } });

    // Suspension keeps the sessions, but a suspended account may not chat.
    const suspended = await signInAs(t, 'customer');
    const u = await connect(suspended);
    const out = new Promise<number>((resolve) => u.on('disconnect', () => resolve(Date.now())));
    const suspend = await t.api.POST('/admin/users/{id}/suspend', {
      params: { path: { id: suspended.userId } },
      body: { reason: 'chargebacks under review' },
      headers: admin.headers,
    });
    const suspendedAt = Date.now();
    expect(suspend.response.status).toBe(200);
    expect((await out) - suspendedAt).toBeLessThan(1000);
  });

  it('ends a socket when its access token expires', async () => {
    const who = await signInAs(t, 'customer');
    const exp = Math.floor(Date.now() / 1000) + 2;
    const token = signJwt(createSecretKey(Buffer.from(t.config.auth.jwtSecret, 'utf8')), {
      sub: who.userId,
      sid: who.sessionId,
      role: 'customer',
      iss: 'fixbazaar',
      aud: 'fixbazaar-api',
      iat: exp - 2,
      exp,
    });
    const s = await connect({ accessToken: token });
    const errors: { code: string }[] = [];
    s.on('error', (e: { code: string }) => errors.push(e));
    const ended = await new Promise<number>((resolve) =>
      s.on('disconnect', () => resolve(Date.now())),
    );
    expect(ended).toBeGreaterThanOrEqual(exp * 1000);
    expect(ended - exp * 1000).toBeLessThan(1000);
    expect(errors.map((e) => e.code)).toEqual(['auth/token-expired']);
  });

  it('reaches every socket of an account through ChatPush.toUser', async () => {
    const one = await connect(customer);
    const two = await connect(customer);
    const other = await connect(technician);
    const got: unknown[] = [];
    for (const s of [one, two, other]) s.on('ring', (p: unknown) => got.push(p));
    t.app.get(ChatPush).toUser(customer.userId, 'ring', { callId: 'c1' });
    await until(() => got.length === 2);
    await new Promise((r) => setTimeout(r, 100));
    expect(got).toEqual([{ callId: 'c1' }, { callId: 'c1' }]);
  });

  it('rate-limits sends by the platform’s table, over the socket and REST alike', async () => {
    const dealer = await signInAs(t, 'dealer');
    const listingId = await activeListing(t, dealer.userId);
    expect((await putInCart(t, customer, listingId, 1)).status).toBe(200);
    const placed = await checkout(t, customer);
    const room = `sub_order:${placed.order!.subOrders[0]!.id}`;
    const s = await connect(dealer);
    const answers: Answer[] = [];
    for (let i = 1; i <= 3; i++)
      answers.push(await ask(s, 'send', { room, clientMessageId: `r-${i}`, body: `update ${i}` }));
    expect(answers.every((a) => a.ok)).toBe(true);
    const refused = await ask(s, 'send', { room, clientMessageId: 'r-4', body: 'update 4' });
    expect(refused).toMatchObject({
      ok: false,
      error: { code: 'rate-limit/exceeded', retryAfterSeconds: expect.any(Number) as number },
    });
    const rest = await restSend(dealer, room, 'over REST');
    expect(rest.response.status).toBe(429);
    expect((await history(dealer, room)).data?.lastSeq).toBe(3);
  });
});

/** Sends a file to a room as multipart/form-data. */
function upload(who: SignedIn, room: string, file: Buffer, clientMessageId: string = randomUUID()) {
  const form = new FormData();
  form.set('clientMessageId', clientMessageId);
  form.set('caption', 'see the crack, call 9876543210');
  form.set('file', new Blob([new Uint8Array(file)]), 'upload.bin');
  const [kind, subjectId] = room.split(':');
  return fetch(`${t.baseUrl}/chat/rooms/${kind}/${subjectId}/attachments`, {
    method: 'POST',
    headers: who.headers,
    body: form,
  });
}

const download = (who: SignedIn, path: string, headers: Record<string, string> = {}) =>
  fetch(`${t.baseUrl}${path}`, { headers: { ...who.headers, ...headers } });

/** The stored objects under chat/ (local disk storage; metadata sidecars aside). */
const storedObjects = (): string[] =>
  readdirSync(join(storageDir, 'chat'), { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && !e.name.endsWith('.meta'))
    .map((e) => e.name);

describe('chat attachments', () => {
  it('stores an image re-encoded without its EXIF location, with a thumbnail, for members only', async () => {
    const room = await jobRoom();
    const photo = await jpegWithGps(640, 480);
    const sent = await upload(customer, room, photo, 'photo-1');
    expect(sent.status).toBe(201);
    const body = (await sent.json()) as {
      duplicate: boolean;
      notice: string[];
      message: Msg & { attachment: { type: string; url: string; thumbnailUrl: string } };
    };
    expect(body.message).toMatchObject({
      kind: 'attachment',
      body: 'see the crack, call [phone number hidden]',
      attachment: { type: 'image/jpeg' },
    });
    expect(body.notice).toEqual(['phone']);
    const objects = storedObjects().length;
    const again = await upload(customer, room, photo, 'photo-1');
    expect(((await again.json()) as { duplicate: boolean }).duplicate).toBe(true);
    expect(storedObjects()).toHaveLength(objects);

    const file = await download(technician, body.message.attachment.url);
    expect(file.status).toBe(200);
    expect(file.headers.get('content-type')).toBe('image/jpeg');
    const stored = Buffer.from(await file.arrayBuffer());
    const meta = await sharp(stored).metadata();
    expect(hasGpsTag(meta.exif)).toBe(false);
    expect(hasGpsTag((await sharp(photo).metadata()).exif)).toBe(true);
    // Turned upright by its orientation tag: 480 × 640.
    expect([meta.width, meta.height]).toEqual([480, 640]);
    const thumb = await download(customer, body.message.attachment.thumbnailUrl);
    const t2 = await sharp(Buffer.from(await thumb.arrayBuffer())).metadata();
    expect(t2.format).toBe('jpeg');
    expect(Math.max(t2.width, t2.height)).toBe(320);

    expect((await download(stranger, body.message.attachment.url)).status).toBe(404);
    expect((await upload(stranger, room, photo)).status).toBe(404);
  });

  it('refuses a wrong type, a file too big and one that only looks like media', async () => {
    const room = await jobRoom();
    const text = await upload(customer, room, Buffer.from('just some text, not a photo'));
    expect(text.status).toBe(415);
    expect(((await text.json()) as { code: string }).code).toBe('chat-attachment/unsupported-type');
    const big = await upload(customer, room, pngOfSize(IMAGE_MAX_BYTES + 1));
    expect(big.status).toBe(413);
    expect(((await big.json()) as { code: string }).code).toBe('chat-attachment/too-large');
    const broken = await upload(customer, room, NOT_MEDIA.truncatedMp4.bytes);
    expect(broken.status).toBe(422);
    expect(((await broken.json()) as { code: string }).code).toBe('media/undecodable');
    expect((await history(customer, room)).data?.lastSeq).toBe(0);
  });

  it('serves a video with byte ranges', async () => {
    const room = await jobRoom();
    const video = TEST_VIDEOS.mp4.bytes;
    const sent = await upload(technician, room, video);
    expect(sent.status).toBe(201);
    const { message } = (await sent.json()) as {
      message: { attachment: { type: string; url: string; thumbnailUrl: string | null } };
    };
    expect(message.attachment).toMatchObject({ type: 'video/mp4', thumbnailUrl: null });
    const part = await download(customer, message.attachment.url, { range: 'bytes=10-109' });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe(`bytes 10-109/${video.length}`);
    expect(Buffer.from(await part.arrayBuffer())).toEqual(Buffer.from(video.subarray(10, 110)));
    const whole = await download(customer, message.attachment.url);
    expect(Buffer.from(await whole.arrayBuffer())).toEqual(Buffer.from(video));
    const past = await download(customer, message.attachment.url, {
      range: `bytes=${video.length}-`,
    });
    expect(past.status).toBe(416);
  });
});
