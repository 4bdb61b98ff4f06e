import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { io, type Socket } from 'socket.io-client';
import { RATE_LIMIT_CATEGORIES } from '../../src/config/rate-limit-policy.js';
import { TokenService } from '../../src/identity/token.service.js';
import { testRedisUrl } from '../support/redis.js';
import { withClient } from '../support/test-database.js';
import { createBenchDatabase } from './bench-database.js';
import { benchRoot, percentile, startServer } from './bench-util.js';

/**
 * `npm run bench:chat` (issue #12, README "Chat"): the `/chat` socket of one API instance under
 * many connections, from a separate load process (this one).
 *
 * A database of its own (created by the owner role, migrated, dropped at the end) is seeded by
 * set-based SQL: per room a customer, an approved hardware technician and a staff member (admin),
 * a session for each, and an assigned repair job of the customer's with the technician. Access
 * tokens for those sessions are minted with the app's own TokenService (the config's JWT secret),
 * so no sign-in runs. The built server starts as its own process, every rate limit lifted.
 *
 * BENCH_CHAT_SOCKETS (5,000) sockets connect over websocket (socket.io-client), 3 per room (the
 * job's customer, its technician, and the staff member, whose first use of the room posts the
 * visible "(staff) joined" and audits it, as in the app); each enters its room with `resume
 * {lastSeq: 0}`, so it should see every message of the room, once and in order. Server RSS (VmRSS
 * of /proc/<pid>/status) is read before the sockets connect and after they have all joined.
 *
 * Traffic, open loop: each room sends 1 message/s, the rooms' sends spread evenly over the second
 * (message n is due at start + n / rooms s), the room's parties taking turns. Delivery latency =
 * receipt at each other member − the message's due time (so a late send counts against it; the
 * load side's own send lag is printed apart): p50/p99 over BENCH_SECONDS (30) after 2 s of warm-up.
 *
 * Reconnect storm: with the same traffic flowing, BENCH_CHAT_STORM (1,000) sockets (one per room
 * first, then a second…) drop their connection at once (the websocket closed under them); 2 s
 * later they all reconnect at once, each `resume`s from the last seq it saw and resends what it had
 * sent without an answer (same client message id). Time from the reconnect to the last of them
 * having replayed (its resume answered and every message acknowledged by then received).
 *
 * Every socket's stream is checked: a seq skipped is lost, a seq seen again a duplicate; at the
 * end each socket must have reached its room's last seq in the database, and every message sent
 * must be stored once. The bench exits non-zero otherwise.
 *
 * BENCH_CHAT_INSTANCES (1): that many API processes on the one database and, when more than one, one
 * Redis (REDIS_URL, else the project-local one from scripts/redis.sh) for the chat's adapter; socket
 * i connects to instance i mod N, so a room's members sit on different instances. RSS and CPU are
 * then the instances' sums.
 *
 * Env: BENCH_CHAT_SOCKETS, BENCH_SECONDS, BENCH_CHAT_STORM, BENCH_CHAT_INSTANCES, BENCH_KEEP_DATABASE=1,
 * DATABASE_URL / DATABASE_OWNER_URL as for the app (default: the local cluster).
 */
const SOCKETS = Number(process.env.BENCH_CHAT_SOCKETS ?? 5000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 30);
const STORM = Number(process.env.BENCH_CHAT_STORM ?? 1000);
const KEEP_DATABASE = process.env.BENCH_KEEP_DATABASE === '1';
/** API instances sharing the database and, when more than one, Redis (the chat's adapter). */
const INSTANCES = Number(process.env.BENCH_CHAT_INSTANCES ?? 1);
/** The Redis database the bench's instances share (flushed at the start). */
const REDIS_DB = 14;
const DB_PREFIX = 'fixbazaar_bench_chat_';
const ROOMS = Math.floor(SOCKETS / 3);
const WARM_UP_SECONDS = 2;
const STORM_DOWN_MS = 2000;
/** How long the traffic goes on after the storm's last replay (and at most, in all). */
const STORM_TAIL_MS = 2000;
const STORM_MAX_MS = 120_000;
/** Connections opened (and rooms entered) at once while setting up. */
const CONNECT_CONCURRENCY = 50;
const ANSWER_TIMEOUT_MS = 60_000;
/** After the traffic, deliveries still on their way are awaited this long at most. */
const DRAIN_MS = 10_000;
const TARGET_P99_MS = 50;
/** The server's /metrics token (the principal cache's lookups are read from it at the end). */
const METRICS_TOKEN = 'bench-chat-metrics-token-0123456789abcdef';
/** File descriptors needed beyond one per socket (the database pool, the server's own files). */
const FD_MARGIN = 512;

const unlimited = { perMinute: 1_000_000_000, burst: 100_000_000 };
/** Every limit lifted for the roles in the bench (the chat's own and the socket's `default`). */
const RATE_LIMIT_POLICY = JSON.stringify({
  ...Object.fromEntries(
    ['customer', 'technician', 'admin'].map((r) => [
      r,
      Object.fromEntries(RATE_LIMIT_CATEGORIES.map((c) => [c, unlimited])),
    ]),
  ),
  perIp: unlimited,
});

const PARTIES = ['customer', 'technician', 'admin'] as const;

interface SeededRoom {
  job_id: string;
  user_ids: string[];
  session_ids: string[];
}

/** Per room: a customer, a technician, a staff member, their sessions and the assigned job. */
async function seed(ownerUrl: string): Promise<SeededRoom[]> {
  return withClient(ownerUrl, async (c) => {
    await c.query(
      `CREATE TEMP TABLE seed_rooms AS
       SELECT i, gen_random_uuid() AS job_id,
              ARRAY[gen_random_uuid(), gen_random_uuid(), gen_random_uuid()] AS user_ids,
              ARRAY[gen_random_uuid(), gen_random_uuid(), gen_random_uuid()] AS session_ids
         FROM generate_series(1, $1::int) i`,
      [ROOMS],
    );
    // Nobody signs in: the password hash is a placeholder no password matches.
    await c.query(
      `INSERT INTO users (id, role, status, email, password_hash, display_name, technician_kind,
                          skills, brands, service_area, service_radius_km)
       SELECT s.user_ids[p.n], p.role, 'approved', 'bench-chat-' || p.role || '-' || s.i || '@bench.fixbazaar.in',
              '!bench-no-password', 'Bench ' || p.role || ' ' || s.i,
              CASE WHEN p.role = 'technician' THEN 'hardware' END,
              CASE WHEN p.role = 'technician' THEN '{screen}'::text[] ELSE '{}' END,
              CASE WHEN p.role = 'technician' THEN '{Samsung}'::text[] ELSE '{}' END,
              CASE WHEN p.role = 'technician'
                   THEN ST_SetSRID(ST_MakePoint(77.5946, 12.9716), 4326)::geography END,
              CASE WHEN p.role = 'technician' THEN 10 END
         FROM seed_rooms s
        CROSS JOIN unnest($1::text[]) WITH ORDINALITY AS p(role, n)
        ORDER BY s.i, p.n`,
      [PARTIES],
    );
    await c.query(
      `INSERT INTO sessions (id, user_id, ip, expires_at)
       SELECT s.session_ids[n], s.user_ids[n], '127.0.0.1', now() + interval '1 day'
         FROM seed_rooms s CROSS JOIN generate_series(1, 3) n`,
    );
    await c.query(
      `INSERT INTO repair_jobs (id, customer_id, technician_id, kind, mode, status, device_brand,
                                device_model, problem, assigned_at)
       SELECT job_id, user_ids[1], user_ids[2], 'hardware', 'online', 'assigned', 'Samsung',
              'Galaxy M31', 'Cracked screen', now()
         FROM seed_rooms`,
    );
    await c.query(`ANALYZE users, sessions, repair_jobs`);
    const { rows } = await c.query<SeededRoom>(
      `SELECT job_id::text, user_ids::text[], session_ids::text[] FROM seed_rooms ORDER BY i`,
    );
    return rows;
  });
}

/** The soft limit on open files of a process (/proc/<pid>/limits). */
function openFilesLimit(pid: number | 'self'): number {
  const line = readFileSync(`/proc/${pid}/limits`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith('Max open files'));
  return Number(line?.trim().split(/\s+/)[3]);
}

/** A /proc/<pid>/status figure in kB (VmRSS, VmHWM). */
function statusKb(pid: number, field: string): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith(`${field}:`));
  return Number(line?.split(/\s+/)[1]);
}

/** CPU time (s) a process has used, user + system (/proc/<pid>/stat, clock ticks of 1/100 s). */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

interface Message {
  room: string;
  seq: number;
  clientMessageId: string | null;
}

interface Answer {
  ok: boolean;
  seq?: number;
  lastSeq?: number;
  error?: { code: string };
}

interface Member {
  room: number;
  socket: Socket;
  /** The last seq seen, and what was wrong with the stream so far. */
  lastSeq: number;
  lost: number;
  duplicates: number;
  /** Sends without an answer yet (resent after a reconnect): client message id → body. */
  pending: Map<string, string>;
}

interface Sent {
  due: number;
  sender: number;
  measured: boolean;
}

class Load {
  readonly members: Member[] = [];
  readonly sent = new Map<string, Sent>();
  /** Per room, the highest seq answered to a sender. */
  readonly answeredSeq: number[] = new Array<number>(ROOMS).fill(0);
  readonly latencies: number[] = [];
  readonly sendLag: number[] = [];
  readonly errors: Record<string, number> = {};
  readonly inFlight = new Set<Promise<void>>();
  /** Called on every message received (the storm's replay watch). */
  onMessage: ((m: Member) => void) | undefined;
  skipped = 0;
  /** Sends answered `ok` (a resend's duplicate answer included). */
  answered = 0;

  constructor(
    private readonly bases: string[],
    private readonly rooms: SeededRoom[],
  ) {}

  roomName(room: number): string {
    return `job:${this.rooms[room]!.job_id}`;
  }

  count(code: string): void {
    this.errors[code] = (this.errors[code] ?? 0) + 1;
  }

  /** Opens the socket of a room's party and enters the room from seq 0. */
  async connect(index: number, token: string): Promise<void> {
    const room = Math.floor(index / 3);
    // Several instances: a room's members on different ones (delivery crosses the Redis adapter).
    const socket = io(`${this.bases[index % this.bases.length]}/chat`, {
      transports: ['websocket'],
      auth: { token },
      reconnection: false,
      forceNew: true,
      timeout: ANSWER_TIMEOUT_MS,
    });
    const member: Member = {
      room,
      socket,
      lastSeq: 0,
      lost: 0,
      duplicates: 0,
      pending: new Map(),
    };
    this.members[index] = member;
    socket.on('message', (m: Message) => this.received(index, m));
    socket.on('error', (e: { code?: string }) => this.count(`error event ${e.code}`));
    await this.opened(socket);
    await this.resume(member);
  }

  opened(socket: Socket): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('connect_error', (err) => reject(err));
    });
  }

  /** `resume` from the member's last seen seq; the answer comes once the replay has been sent. */
  async resume(member: Member): Promise<void> {
    const answer = (await member.socket.timeout(ANSWER_TIMEOUT_MS).emitWithAck('resume', {
      room: this.roomName(member.room),
      lastSeq: member.lastSeq,
    })) as Answer;
    if (!answer.ok) throw new Error(`resume refused: ${answer.error?.code}`);
  }

  private received(index: number, m: Message): void {
    const now = performance.now();
    const member = this.members[index]!;
    if (m.seq <= member.lastSeq) member.duplicates++;
    else {
      member.lost += m.seq - member.lastSeq - 1;
      member.lastSeq = m.seq;
    }
    const sent = m.clientMessageId === null ? undefined : this.sent.get(m.clientMessageId);
    if (sent?.measured && sent.sender !== index) this.latencies.push(now - sent.due);
    this.onMessage?.(member);
  }

  /** Message `k` of `room`, due at `due`: sent by the party whose turn it is, or the next connected one. */
  send(room: number, k: number, due: number, measured: boolean, tag: string): void {
    let index = -1;
    for (let i = 0; i < 3; i++) {
      const candidate = room * 3 + ((k + i) % 3);
      if (this.members[candidate]!.socket.connected) {
        index = candidate;
        break;
      }
    }
    if (index < 0) {
      this.skipped++;
      return;
    }
    const clientMessageId = `${tag}-${room}-${k}`;
    this.sent.set(clientMessageId, { due, sender: index, measured });
    if (measured) this.sendLag.push(performance.now() - due);
    this.emit(this.members[index]!, clientMessageId, `bench message ${k}`);
  }

  /** One send; kept as pending until answered (a drop leaves it for the resend after reconnecting). */
  emit(member: Member, clientMessageId: string, body: string): void {
    member.pending.set(clientMessageId, body);
    const done = member.socket
      .timeout(ANSWER_TIMEOUT_MS)
      .emitWithAck('send', { room: this.roomName(member.room), clientMessageId, body })
      .then(
        (answer: Answer) => {
          if (!answer.ok) return this.count(`send refused ${answer.error?.code}`);
          member.pending.delete(clientMessageId);
          this.answered++;
          this.answeredSeq[member.room] = Math.max(this.answeredSeq[member.room]!, answer.seq!);
        },
        () => {
          if (member.socket.connected) this.count('send unanswered');
        },
      )
      .finally(() => this.inFlight.delete(done));
    this.inFlight.add(done);
  }

  /**
   * Open loop: message n (room n mod rooms, its round n div rooms) is due at start + n × 1000 /
   * rooms ms; runs until `stop` says so (asked before each round, with the round's due time from
   * the start).
   */
  async traffic(tag: string, measured: boolean, stop: (elapsedMs: number) => boolean) {
    const step = 1000 / ROOMS;
    const start = performance.now() + 10;
    let n = 0;
    for (;;) {
      if (n % ROOMS === 0 && stop((n / ROOMS) * 1000)) break;
      const due = start + n * step;
      const wait = due - performance.now();
      if (wait > 1) await new Promise((r) => setTimeout(r, wait));
      this.send(n % ROOMS, Math.floor(n / ROOMS), due, measured, tag);
      n++;
    }
    return { messages: n, seconds: (performance.now() - start) / 1000 };
  }

  /** Waits for the sends' answers, then until every connected member has reached its room's answered seq. */
  async drain(): Promise<void> {
    await Promise.all([...this.inFlight]);
    const until = performance.now() + DRAIN_MS;
    while (
      performance.now() < until &&
      this.members.some((m) => m.socket.connected && m.lastSeq < this.answeredSeq[m.room]!)
    )
      await new Promise((r) => setTimeout(r, 20));
  }

  /** Lost (skipped, or short of the room's last seq in the database) and duplicated deliveries so far. */
  tally(lastSeqs: number[]): { lost: number; duplicates: number; pending: number } {
    let lost = 0;
    let duplicates = 0;
    let pending = 0;
    for (const m of this.members) {
      lost += m.lost + Math.max(0, lastSeqs[m.room]! - m.lastSeq);
      duplicates += m.duplicates;
      pending += m.pending.size;
    }
    return { lost, duplicates, pending };
  }

  close(): void {
    for (const m of this.members) m?.socket.disconnect();
  }
}

async function lastSeqs(ownerUrl: string, rooms: SeededRoom[]): Promise<number[]> {
  return withClient(ownerUrl, async (c) => {
    const { rows } = await c.query<{ subject_id: string; last_seq: string }>(
      `SELECT subject_id::text, last_seq::text FROM chat_rooms WHERE kind = 'job'`,
    );
    const of = new Map(rows.map((r) => [r.subject_id, Number(r.last_seq)]));
    return rooms.map((r) => of.get(r.job_id) ?? 0);
  });
}

/**
 * The server's principal lookups by outcome (`auth_principal_lookups_total`): `bypass` counts the
 * lookups made while its cache was off (not listening: at start, or after a late check of the
 * listening connection, which also has every socket's principal checked again).
 */
async function principalLookups(base: string): Promise<Record<string, number>> {
  const res = await fetch(`${base}/metrics`, {
    headers: { authorization: `Bearer ${METRICS_TOKEN}` },
  });
  const text = await res.text();
  return Object.fromEntries(
    [...text.matchAll(/^auth_principal_lookups_total\{outcome="(\w+)"\} (\d+)$/gm)].map((m) => [
      m[1]!,
      Number(m[2]),
    ]),
  );
}

async function storedTexts(ownerUrl: string): Promise<number> {
  return withClient(ownerUrl, async (c) => {
    const { rows } = await c.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM chat_messages WHERE kind = 'text'`,
    );
    return rows[0]!.n;
  });
}

/** Runs `work` over 0..n-1, `concurrency` at a time. */
async function eachLimited(
  n: number,
  concurrency: number,
  work: (i: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < n) await work(next++);
    }),
  );
}

const ms = (x: number) => `${x.toFixed(1)} ms`;
const mb = (kb: number) => (kb / 1024).toFixed(1);

interface StormFigures {
  sockets: number;
  replaySeconds: number;
  replayP50: number;
  replayP99: number;
  replayed: number;
  reconnectFailures: number;
}

/**
 * Drops `STORM` sockets at once while the traffic flows, reconnects them at once after
 * STORM_DOWN_MS; each resumes from its last seen seq and resends its unanswered sends.
 */
async function storm(load: Load): Promise<StormFigures> {
  const size = Math.min(STORM, load.members.length);
  // One socket per room first (room j, its party j div rooms), so most rooms keep two members.
  const dropped = Array.from({ length: size }, (_, j) => {
    const party = Math.floor(j / ROOMS);
    return load.members[(j % ROOMS) * 3 + party]!;
  });
  /** Per dropped member: when it had replayed (ms after the reconnect), and what it must reach. */
  const replayedAt = new Map<Member, number>();
  const target = new Map<Member, number>();
  const droppedSet = new Set(dropped);
  let reconnectAt = 0;
  let reconnectFailures = 0;
  /** Messages the dropped sockets received from the reconnect until each had replayed. */
  let replayed = 0;
  const check = (m: Member) => {
    const t = target.get(m);
    if (t !== undefined && !replayedAt.has(m) && m.lastSeq >= t)
      replayedAt.set(m, performance.now() - reconnectAt);
  };
  load.onMessage = (m) => {
    if (reconnectAt === 0 || !droppedSet.has(m) || replayedAt.has(m)) return;
    replayed++;
    check(m);
  };
  let settledAt = 0;
  const traffic = load.traffic('storm', false, (elapsed) =>
    settledAt > 0 ? performance.now() - settledAt >= STORM_TAIL_MS : elapsed >= STORM_MAX_MS,
  );
  await new Promise((r) => setTimeout(r, 1000));
  for (const m of dropped) m.socket.io.engine.close();
  await new Promise((r) => setTimeout(r, STORM_DOWN_MS));
  reconnectAt = performance.now();
  await Promise.all(
    dropped.map(async (m) => {
      try {
        const opened = load.opened(m.socket);
        m.socket.connect();
        await opened;
        await load.resume(m);
        target.set(m, load.answeredSeq[m.room]!);
        check(m);
        for (const [id, body] of [...m.pending]) load.emit(m, id, body);
      } catch (err) {
        load.count(`reconnect failed: ${err instanceof Error ? err.message : String(err)}`);
        reconnectFailures++;
      }
    }),
  );
  while (
    replayedAt.size + reconnectFailures < size &&
    performance.now() - reconnectAt < STORM_MAX_MS
  )
    await new Promise((r) => setTimeout(r, 5));
  settledAt = performance.now();
  await traffic;
  load.onMessage = undefined;
  const times = [...replayedAt.values()].sort((a, b) => a - b);
  return {
    sockets: size,
    replaySeconds: (times.at(-1) ?? NaN) / 1000,
    replayP50: percentile(times, 50),
    replayP99: percentile(times, 99),
    replayed,
    reconnectFailures,
  };
}

async function run(db: { url: string; ownerUrl: string }, rooms: SeededRoom[], tokens: string[]) {
  const redisUrl = INSTANCES > 1 ? testRedisUrl(REDIS_DB) : undefined;
  if (redisUrl) {
    const redis = new Redis(redisUrl);
    await redis.flushdb();
    await redis.quit();
  }
  const servers = [];
  for (let i = 0; i < INSTANCES; i++)
    servers.push(
      await startServer(join(benchRoot, 'dist', 'src', 'main.js'), {
        DATABASE_URL: db.url,
        DATABASE_OWNER_URL: db.ownerUrl,
        RATE_LIMIT_POLICY,
        ABUSE_PENALTY_THRESHOLD: '1000000000',
        METRICS_TOKEN,
        ...(redisUrl ? { REDIS_URL: redisUrl } : {}),
      }),
    );
  const pids = servers.map((s) => s.child.pid!);
  // Figures of the servers together: RSS and CPU summed over the instances.
  const statusKbAll = (field: string) => pids.reduce((sum, pid) => sum + statusKb(pid, field), 0);
  const cpuSecondsAll = () => pids.reduce((sum, pid) => sum + cpuSeconds(pid), 0);
  const load = new Load(
    servers.map((s) => s.base),
    rooms,
  );
  try {
    for (const pid of pids) {
      const serverFiles = openFilesLimit(pid);
      if (serverFiles < tokens.length + FD_MARGIN)
        throw new Error(
          `the server may open ${serverFiles} files, fewer than ${tokens.length} sockets need: raise \`ulimit -n\``,
        );
    }
    const rssBefore = statusKbAll('VmRSS');
    const connectStarted = performance.now();
    await eachLimited(tokens.length, CONNECT_CONCURRENCY, (i) => load.connect(i, tokens[i]!));
    const connectSeconds = (performance.now() - connectStarted) / 1000;
    const rssConnected = statusKbAll('VmRSS');
    const perSocketKb = (rssConnected - rssBefore) / tokens.length;
    console.log(
      `${tokens.length} sockets connected and in their ${ROOMS} rooms in ${connectSeconds.toFixed(1)} s; ` +
        `server RSS ${mb(rssBefore)} MB before, ${mb(rssConnected)} MB after: ${perSocketKb.toFixed(1)} kB per socket`,
    );

    await load.traffic('warm', false, (elapsed) => elapsed >= WARM_UP_SECONDS * 1000);
    const cpuServer = cpuSecondsAll();
    const cpuLoad = process.cpuUsage();
    const answeredBefore = load.answered;
    const main = await load.traffic('main', true, (elapsed) => elapsed >= SECONDS * 1000);
    const answeredRate = (load.answered - answeredBefore) / main.seconds;
    const serverCpu = (cpuSecondsAll() - cpuServer) / main.seconds;
    const loadUsage = process.cpuUsage(cpuLoad);
    const loadCpu = (loadUsage.user + loadUsage.system) / 1e6 / main.seconds;
    await load.drain();
    const afterMain = load.tally(await lastSeqs(db.ownerUrl, rooms));
    const rssMain = statusKbAll('VmRSS');
    load.latencies.sort((a, b) => a - b);
    load.sendLag.sort((a, b) => a - b);
    const lat = load.latencies;
    const p50 = percentile(lat, 50);
    const p99 = percentile(lat, 99);
    const expected = 2 * main.messages;
    const allTimed = lat.length === expected;
    console.log(
      `main: ${main.messages} messages in ${main.seconds.toFixed(1)} s (${(main.messages / main.seconds).toFixed(0)}/s offered, ${answeredRate.toFixed(0)}/s answered meanwhile), ` +
        `${lat.length} deliveries timed (${expected} expected to other members)`,
    );
    console.log(
      `  delivery latency p50 ${ms(p50)}  p99 ${ms(p99)}  max ${ms(lat.at(-1) ?? NaN)}; ` +
        `load side's send lag p50 ${ms(percentile(load.sendLag, 50))}  p99 ${ms(percentile(load.sendLag, 99))}`,
    );
    console.log(
      `  lost ${afterMain.lost}, duplicated ${afterMain.duplicates}, unanswered sends ${afterMain.pending}; ` +
        `CPU: server ${(serverCpu * 100).toFixed(0)} %, load side ${(loadCpu * 100).toFixed(0)} % (of one core); ` +
        `server RSS after ${mb(rssMain)} MB`,
    );

    const s = await storm(load);
    await load.drain();
    const final = load.tally(await lastSeqs(db.ownerUrl, rooms));
    const stormLost = final.lost - afterMain.lost;
    const stormDuplicates = final.duplicates - afterMain.duplicates;
    console.log(
      `storm: ${s.sockets} sockets dropped at once, reconnected at once after ${STORM_DOWN_MS / 1000} s; ` +
        `all replayed ${s.replaySeconds.toFixed(2)} s after the reconnect (per socket p50 ${ms(s.replayP50)}, p99 ${ms(s.replayP99)}); ` +
        `${s.replayed} messages received by them since; ${s.reconnectFailures} failed to reconnect`,
    );
    console.log(
      `  lost ${stormLost}, duplicated ${stormDuplicates}, unanswered sends ${final.pending}; rooms with nobody to send: ${load.skipped} messages skipped`,
    );
    const stored = await storedTexts(db.ownerUrl);
    const sent = load.sent.size;
    const hwm = statusKbAll('VmHWM');
    console.log(
      `messages sent ${sent}, stored ${stored}; events refused or failed ${JSON.stringify(load.errors)}; server peak RSS ${mb(hwm)} MB`,
    );
    console.log(
      `server's principal lookups (handshakes, checks again) by outcome: ${JSON.stringify(await principalLookups(servers[0]!.base))}`,
    );
    console.log(`RESULT chat.instances ${INSTANCES} instances`);
    console.log(`RESULT chat.sockets ${tokens.length} sockets`);
    console.log(`RESULT chat.rooms ${ROOMS} rooms`);
    console.log(`RESULT chat.connect_seconds ${connectSeconds.toFixed(1)} s`);
    console.log(`RESULT chat.messages_per_s ${(main.messages / main.seconds).toFixed(0)} 1/s`);
    console.log(`RESULT chat.answered_per_s ${answeredRate.toFixed(0)} 1/s`);
    console.log(`RESULT chat.delivery_p50 ${p50.toFixed(1)} ms`);
    console.log(`RESULT chat.delivery_p99 ${p99.toFixed(1)} ms`);
    console.log(`RESULT chat.delivery_p99_target_met ${p99 < TARGET_P99_MS ? 1 : 0} bool`);
    console.log(`RESULT chat.lost ${afterMain.lost} messages`);
    console.log(`RESULT chat.duplicated ${afterMain.duplicates} messages`);
    console.log(`RESULT chat.server_rss_before ${mb(rssBefore)} MB`);
    console.log(`RESULT chat.server_rss_connected ${mb(rssConnected)} MB`);
    console.log(`RESULT chat.server_rss_per_socket ${perSocketKb.toFixed(1)} kB`);
    console.log(`RESULT chat.server_cpu ${(serverCpu * 100).toFixed(0)} %`);
    console.log(`RESULT chat.storm.sockets ${s.sockets} sockets`);
    console.log(`RESULT chat.storm.replay_seconds ${s.replaySeconds.toFixed(2)} s`);
    console.log(`RESULT chat.storm.lost ${stormLost} messages`);
    console.log(`RESULT chat.storm.duplicated ${stormDuplicates} messages`);
    return (
      final.lost === 0 &&
      final.duplicates === 0 &&
      final.pending === 0 &&
      s.reconnectFailures === 0 &&
      stored === sent &&
      allTimed &&
      Object.keys(load.errors).length === 0
    );
  } finally {
    load.close();
    for (const server of servers) await server.stop();
  }
}

async function main(): Promise<void> {
  const load = loadavg()
    .map((x) => x.toFixed(2))
    .join(' ');
  const sockets = ROOMS * 3;
  const files = openFilesLimit('self');
  if (files < sockets + FD_MARGIN)
    throw new Error(
      `this process may open ${files} files, fewer than ${sockets} sockets need: raise \`ulimit -n\` (npm run bench:chat raises it to the hard limit)`,
    );
  const db = await createBenchDatabase({ prefix: DB_PREFIX });
  let ok: boolean;
  try {
    const seedStarted = performance.now();
    const rooms = await seed(db.config.database.ownerUrl);
    console.log(
      `bench:chat — ${cpus().length} cpus, load average at start ${load}; node ${process.version}, database ${db.name}; ` +
        `seeded ${ROOMS} rooms (customer, technician, staff; an assigned job each) in ${((performance.now() - seedStarted) / 1000).toFixed(1)} s`,
    );
    const tokenService = new TokenService(db.config);
    const tokens = rooms.flatMap((r) =>
      PARTIES.map((role, p) =>
        tokenService.signAccess({ userId: r.user_ids[p]!, sessionId: r.session_ids[p]!, role }),
      ),
    );
    ok = await run(
      { url: db.config.database.url, ownerUrl: db.config.database.ownerUrl },
      rooms,
      tokens,
    );
  } finally {
    if (KEEP_DATABASE) console.log(`kept database ${db.name}`);
    else await db.drop();
  }
  if (!ok) process.exitCode = 1;
}

void main();
