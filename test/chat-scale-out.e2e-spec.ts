/**
 * Chat on two API instances sharing one database and one Redis (the Redis streams adapter,
 * `REDIS_URL`): the second instance is the built server in a process of its own. Sender and receiver
 * on different instances (messages, typing, `ChatPush.toUser`); then the receiver's instance is
 * killed (SIGKILL) while messages keep coming, and its client reconnects to the other instance and
 * resumes from the last seq it saw: every message once, in order, none lost.
 */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { io, type Socket } from 'socket.io-client';
import { ChatPush } from '../src/chat/chat-push.js';
import { projectRoot } from '../src/common/project-root.js';
import { startServer, type Server } from './bench/bench-util.js';
import { QUIET_ENV, signInAs, type SignedIn } from './support/accounts.js';
import { testRedisUrl } from './support/redis.js';
import { startTestApp, type TestApp } from './support/test-app.js';

interface Msg {
  room: string;
  seq: number;
  body: string | null;
}

const sockets: Socket[] = [];

async function connect(baseUrl: string, who: SignedIn): Promise<Socket> {
  const socket = io(`${baseUrl}/chat`, {
    transports: ['websocket'],
    auth: { token: who.accessToken },
    reconnection: false,
    forceNew: true,
  });
  sockets.push(socket);
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', reject);
  });
  return socket;
}

const ask = async (socket: Socket, event: string, payload: unknown) =>
  (await socket.timeout(5000).emitWithAck(event, payload)) as { ok: boolean } & Record<
    string,
    unknown
  >;

async function until(what: string, done: () => boolean): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (done()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('chat on two instances (Redis streams adapter)', () => {
  let a: TestApp;
  let b: Server | undefined;
  let admin: SignedIn;

  beforeAll(async () => {
    const redisUrl = testRedisUrl(8);
    const redis = new Redis(redisUrl);
    await redis.flushdb();
    await redis.quit();
    a = await startTestApp({ env: { ...QUIET_ENV, REDIS_URL: redisUrl } });
    b = await startServer(join(projectRoot(), 'dist', 'src', 'main.js'), {
      ...QUIET_ENV,
      NODE_ENV: 'test',
      JOBS_WORKERS: 'false',
      DATABASE_URL: a.db.appUrl,
      DATABASE_OWNER_URL: a.db.ownerUrl,
      REDIS_URL: redisUrl,
      DOCS_ENABLED: 'false',
    });
    admin = await signInAs(a, 'admin');
  }, 60_000);
  afterAll(async () => {
    for (const s of sockets) s.disconnect();
    if (b && b.child.exitCode === null && b.child.signalCode === null) await b.stop();
    await a?.close();
  });

  /** An online software job assigned to its technician: its room `job:<id>`. */
  const jobRoom = async () => {
    const [customer, technician] = await Promise.all([
      signInAs(a, 'customer'),
      signInAs(a, 'technician', { technicianKind: 'software' }),
    ]);
    const job = await a.api.POST('/repairs', {
      body: {
        kind: 'software',
        mode: 'online',
        deviceBrand: 'Samsung',
        deviceModel: 'Galaxy A54',
        problem: 'Apps crash on start',
      },
      headers: customer.headers,
    });
    const repairJobId = job.data!.id;
    const assigned = await a.api.POST('/admin/repairs/{repairJobId}/assign', {
      params: { path: { repairJobId } },
      body: { technicianId: technician.userId },
      headers: admin.headers,
    });
    expect(assigned.data?.status).toBe('assigned');
    return { customer, technician, repairJobId, room: `job:${repairJobId}` };
  };

  const restSend = (who: SignedIn, repairJobId: string, body: string) =>
    a.api.POST('/chat/rooms/{kind}/{subjectId}/messages', {
      params: { path: { kind: 'job', subjectId: repairJobId } },
      body: { clientMessageId: randomUUID(), body },
      headers: who.headers,
    });

  it('delivers across instances: messages, typing and ChatPush.toUser', async () => {
    const { customer, technician, room } = await jobRoom();
    const onA = await connect(a.baseUrl, customer);
    const onB = await connect(b!.base, technician);
    expect((await ask(onA, 'join', { room })).ok).toBe(true);
    expect((await ask(onB, 'join', { room })).ok).toBe(true);
    const gotB: Msg[] = [];
    onB.on('message', (m: Msg) => gotB.push(m));
    const gotA: Msg[] = [];
    onA.on('message', (m: Msg) => gotA.push(m));

    const sent = await ask(onA, 'send', {
      room,
      clientMessageId: randomUUID(),
      body: 'Hello from A',
    });
    expect(sent).toMatchObject({ ok: true, seq: 1 });
    await until('the message on B', () => gotB.length === 1);
    expect(gotB[0]).toMatchObject({ room, seq: 1, body: 'Hello from A' });

    const back = await ask(onB, 'send', { room, clientMessageId: randomUUID(), body: 'Hi from B' });
    expect(back).toMatchObject({ ok: true, seq: 2 });
    await until('the reply on A', () => gotA.some((m) => m.seq === 2));

    const typing: unknown[] = [];
    onA.on('typing', (e: unknown) => typing.push(e));
    expect((await ask(onB, 'typing', { room })).ok).toBe(true);
    await until('typing on A', () => typing.length === 1);
    expect(typing[0]).toMatchObject({ room, userId: technician.userId });

    const probes: unknown[] = [];
    onB.on('probe', (p: unknown) => probes.push(p));
    a.app.get(ChatPush).toUser(technician.userId, 'probe', { from: 'A' });
    await until('toUser on B', () => probes.length === 1);
    expect(probes).toEqual([{ from: 'A' }]);
  });

  it('an instance killed mid-stream: its client resumes on the other with every message once, in order', async () => {
    const { customer, technician, repairJobId, room } = await jobRoom();
    const seen: number[] = [];
    const listen = (socket: Socket) =>
      socket.on('message', (m: Msg) => {
        if (m.room === room) seen.push(m.seq);
      });
    const first = await connect(b!.base, technician);
    listen(first);
    expect((await ask(first, 'join', { room })).ok).toBe(true);
    const lost = new Promise<void>((resolve) => first.once('disconnect', () => resolve()));

    const TOTAL = 40;
    let sent = 0;
    const sender = (async () => {
      for (; sent < TOTAL; sent++) {
        expect((await restSend(customer, repairJobId, `part ${sent + 1}`)).response.status).toBe(
          201,
        );
        await new Promise((r) => setTimeout(r, 10));
      }
    })();
    await until('some messages before the kill', () => seen.length >= 10);
    b!.child.kill('SIGKILL');
    await lost;
    const lastSeen = seen.at(-1)!;
    const second = await connect(a.baseUrl, technician);
    listen(second);
    expect(await ask(second, 'resume', { room, lastSeq: lastSeen })).toMatchObject({ ok: true });
    await sender;
    await until('every message', () => seen.at(-1) === TOTAL);
    expect(seen).toEqual(Array.from({ length: TOTAL }, (_, i) => i + 1));
  });
});
