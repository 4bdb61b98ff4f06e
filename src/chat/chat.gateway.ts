/**
 * The `/chat` Socket.IO namespace on the API's own HTTP server (websocket transport only).
 *
 * - Handshake: `auth.token` is an access token, verified like the HTTP guard's (AccessTokenVerifier,
 *   then the session and account through PrincipalSource). A socket ends (an `error` event, then
 *   disconnect) when its token expires, and within a second of its session being revoked or its
 *   account blocked or suspended: PrincipalSource announces every change (`onChange`).
 * - Events (each answered through the ack, `{ ok: true, … }` or `{ ok: false, error }` plus an
 *   `error` event): `join {room}` → the room's last seq and my receipts; `resume {room, lastSeq}` →
 *   the messages after lastSeq, in order, then live; `send {room, clientMessageId, body}` → `{seq, id}`
 *   once committed (and a `notice` event when something was masked); `receipt {room, deliveredSeq,
 *   readSeq}` → broadcast `receipt`; `typing {room}` → `typing {room, userId, expiresInMs}` to the
 *   others (not stored); `leave {room}`. Staff hiding a message sends `hidden` (the message as the
 *   receiver may see it) to the room.
 * - Delivery: each socket keeps, per room, the last seq it was sent; a message is sent only as the
 *   next one, and a jump fills the gap from the database first, so a socket sees every message once
 *   and in order whatever the timing of replays and broadcasts. Whether the receiving socket's
 *   account is still in the room (a party, or staff) is checked on every delivery.
 * - Several instances (REDIS_URL): the Redis streams adapter; what one instance publishes it
 *   delivers to its own sockets and hands to the others (`FAN_OUT`), each delivering to its own.
 */
import { randomUUID } from 'node:crypto';
import {
  Inject,
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { createAdapter } from '@socket.io/redis-streams-adapter';
import type { FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import { Server, type Namespace, type Socket } from 'socket.io';
import { defineAbilityFor } from '../access/ability.factory.js';
import {
  AccessTokenVerifier,
  PrincipalSource,
  type AccessClaims,
} from '../access/access-token-verifier.js';
import { AppProblem } from '../common/errors/problem.js';
import {
  DEVICE_FINGERPRINT_HEADER,
  hashFingerprint,
  type RequestMeta,
} from '../common/request-meta.js';
import { isStaff, type Principal } from '../common/roles.js';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { ChatPush, type ChatPublication } from './chat-push.js';
import { ROOM_KINDS, type RoomKind } from './chat-store.js';
import { ChatService, messageDto, type RoomRef } from './chat.service.js';
import { CLIENT_MESSAGE_ID } from './dto/chat.dto.js';
import { UUID } from '../common/uuid.js';

/** How long a typing indicator lasts unless repeated. */
export const TYPING_EXPIRES_MS = 3000;
/** A socket's typing in a room is passed on at most this often (repeats within it are dropped). */
const TYPING_EVERY_MS = 1000;
const CATCH_UP_PAGE = 100;
/** The Redis stream the instances share (REDIS_URL set: several API instances). */
export const CHAT_STREAM = 'fixbazaar:chat';
/** The server-side event carrying a publication to the other instances. */
const FAN_OUT = 'chat:fan-out';
/** setTimeout's largest delay. */
const MAX_TIMER_MS = 2 ** 31 - 1;

interface JoinedRoom {
  ref: RoomRef;
  /** The last seq sent to this socket. */
  upTo: number;
  /** Deliveries to this socket in this room, one after another. */
  chain: Promise<void>;
}

interface SocketState {
  claims: AccessClaims & { expiresAtMs: number };
  principal: Principal;
  ip: string;
  deviceFingerprint: string | null;
  userAgent: string | null;
  rooms: Map<string, JoinedRoom>;
  /** When this socket's typing was last passed on, per room. */
  typedAt: Map<string, number>;
  expiry?: NodeJS.Timeout;
}

/**
 * What every instance delivers to its own sockets: a committed message, hidden message or receipt
 * (`ChatPublication`), or a typing indicator from one socket (not to itself).
 */
type Delivery =
  | ChatPublication
  | {
      kind: 'typing';
      room: { id: string };
      parties: string[];
      payload: Record<string, unknown>;
      fromSocket: string;
    };

/** A delivery as JSON between instances (dates revived on arrival). */
const toWire = (d: Delivery): string => JSON.stringify(d);
function fromWire(wire: string): Delivery {
  const d = JSON.parse(wire) as Delivery;
  if (d.kind === 'message' || d.kind === 'hidden')
    Object.assign(d.row, {
      created_at: new Date(d.row.created_at),
      hidden_at: d.row.hidden_at === null ? null : new Date(d.row.hidden_at),
    });
  return d;
}

/** Events either way carry one payload (and, from clients, an ack). */
type Events = Record<string, (payload: unknown, ack?: unknown) => void>;
type ChatSocket = Socket<Events, Events, Events, SocketState>;
type Ack = (answer: unknown) => void;

const problem = (code: string, detail: string, status = 400) =>
  new AppProblem(status, code, 'Chat error', detail);

function refOf(room: unknown): RoomRef {
  const [kind, subjectId] = typeof room === 'string' ? room.split(':') : [];
  if (!(ROOM_KINDS as readonly string[]).includes(kind ?? '') || !UUID.test(subjectId ?? ''))
    throw problem('chat/bad-room', 'room must be "job:<repairJobId>" or "sub_order:<subOrderId>"');
  return { kind: kind as RoomKind, subjectId: subjectId! };
}

function seqOf(value: unknown, name: string): number {
  if (!Number.isSafeInteger(value) || (value as number) < 0)
    throw problem('chat/bad-seq', `${name} must be a whole number ≥ 0`);
  return value as number;
}

function errorOf(err: unknown): Record<string, unknown> {
  if (err instanceof AppProblem)
    return {
      status: err.status,
      code: err.code,
      title: err.title,
      detail: err.detail,
      ...err.extensions,
    };
  return { status: 500, code: 'internal', title: 'Internal error' };
}

const handshakeError = (code: string, detail: string) =>
  Object.assign(new Error(detail), { data: { code, detail } });

@Injectable()
export class ChatGateway implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(ChatGateway.name);
  private io: Server | undefined;
  private namespace: Namespace | undefined;
  private readonly socketsOf = new Map<string, Set<ChatSocket>>();
  private unsubscribe: (() => void) | undefined;
  /** Several instances (REDIS_URL): the adapter's Redis connection, and the copies it reads with. */
  private redis: Redis | undefined;
  private readonly redisCopies: Redis[] = [];

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly tokens: AccessTokenVerifier,
    private readonly principals: PrincipalSource,
    private readonly chat: ChatService,
    private readonly push: ChatPush,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    const fastify = this.adapterHost.httpAdapter?.getInstance<FastifyInstance>();
    if (!fastify?.server) return;
    const redisUrl = this.config.rateLimit.redisUrl;
    if (redisUrl !== undefined) {
      const redis = new Redis(redisUrl, { maxRetriesPerRequest: null });
      redis.on('error', (err) => this.logger.warn(`chat adapter redis: ${err.message}`));
      // The adapter duplicates the client for its blocking stream reads and its subscriptions; the
      // copies are kept so that shutdown ends them at once rather than after a blocked read. The
      // adapter disconnects its reader again once that read fails: a second disconnect of an ended
      // connection would only arm ioredis's 2 s close timer, so it is done once.
      const duplicate = redis.duplicate.bind(redis);
      redis.duplicate = (override) => {
        const copy = duplicate(override);
        const disconnect = copy.disconnect.bind(copy);
        let ended = false;
        copy.disconnect = (reconnect?: boolean) => {
          if (ended) return;
          ended = reconnect !== true;
          disconnect(reconnect);
        };
        this.redisCopies.push(copy);
        return copy;
      };
      this.redis = redis;
    }
    this.io = new Server(fastify.server, {
      transports: ['websocket'],
      serveClient: false,
      maxHttpBufferSize: this.config.chat.messageMaxChars * 4 + 4096,
      ...(this.redis ? { adapter: createAdapter(this.redis, { streamName: CHAT_STREAM }) } : {}),
    });
    const namespace = this.io.of('/chat') as Namespace;
    namespace.on(FAN_OUT, (wire: unknown) => {
      if (typeof wire === 'string') this.deliver(fromWire(wire));
    });
    namespace.use((socket, next) => {
      this.authenticate(socket as ChatSocket).then(
        () => next(),
        (err: Error) => next(err),
      );
    });
    namespace.on('connection', (socket) => this.connected(socket as ChatSocket));
    this.namespace = namespace;
    this.push.attach(namespace, (p) => this.published(p));
    this.unsubscribe = this.principals.onChange((userId) => void this.recheck(userId));
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.unsubscribe?.();
    this.push.attach(undefined);
    this.namespace?.local.disconnectSockets(true);
    // The HTTP server is Fastify's: it closes it; the engine's own clients and timers end here, and
    // each namespace's adapter (which tells the other instances this one is gone).
    this.io?.engine.close();
    // (Its last message to the others is dropped when Redis is gone: "Connection is closed".)
    for (const namespace of this.io?._nsps.values() ?? [])
      void Promise.resolve(namespace.adapter.close()).catch(() => undefined);
    this.io = undefined;
    await this.redis?.quit().catch(() => undefined);
    for (const copy of this.redisCopies.splice(0)) copy.disconnect();
    this.redis = undefined;
  }

  private async authenticate(socket: ChatSocket): Promise<void> {
    const token = (socket.handshake.auth as { token?: unknown }).token;
    const claims = typeof token === 'string' ? this.tokens.verifyAccess(token) : undefined;
    if (!claims)
      throw handshakeError('auth/invalid-token', 'auth.token must be a valid access token');
    const principal = await this.principalOf(claims);
    if (typeof principal === 'string') throw handshakeError(principal, 'Not allowed to chat');
    const fp = socket.handshake.headers[DEVICE_FINGERPRINT_HEADER];
    const ua = socket.handshake.headers['user-agent'];
    socket.data = {
      claims,
      principal,
      ip: socket.handshake.address,
      deviceFingerprint: hashFingerprint(typeof fp === 'string' ? fp : undefined),
      userAgent: typeof ua === 'string' ? ua.slice(0, 512) : null,
      rooms: new Map(),
      typedAt: new Map(),
    };
  }

  /** The token's principal now, or the code of why it may not chat. */
  private async principalOf(claims: AccessClaims): Promise<Principal | string> {
    const row = await this.principals.principalOf(claims);
    if (!row) return 'auth/session-ended';
    if (row.status === 'blocked') return 'auth/account-blocked';
    const principal: Principal = { userId: claims.userId, sessionId: claims.sessionId, ...row };
    return defineAbilityFor(principal).can('read', 'ChatRoom') ? principal : 'auth/forbidden';
  }

  private connected(socket: ChatSocket): void {
    const { userId } = socket.data.principal;
    void socket.join(`user:${userId}`);
    const mine = this.socketsOf.get(userId) ?? new Set();
    mine.add(socket);
    this.socketsOf.set(userId, mine);
    const expiresIn = socket.data.claims.expiresAtMs - Date.now();
    socket.data.expiry = setTimeout(
      () =>
        this.end(
          socket,
          'auth/token-expired',
          'The access token expired; reconnect with a new one',
        ),
      Math.min(Math.max(0, expiresIn), MAX_TIMER_MS),
    );
    socket.on('disconnect', () => {
      clearTimeout(socket.data.expiry);
      mine.delete(socket);
      if (mine.size === 0) this.socketsOf.delete(userId);
    });
    this.on(socket, 'join', (m) => this.join(socket, m, null));
    this.on(socket, 'resume', (m) => this.join(socket, m, seqOf(m.lastSeq, 'lastSeq')));
    this.on(socket, 'leave', async (m) => {
      const ref = refOf(m.room);
      for (const [roomId, joined] of socket.data.rooms)
        if (joined.ref.kind === ref.kind && joined.ref.subjectId === ref.subjectId)
          this.evict(socket, roomId);
      return {};
    });
    this.on(socket, 'send', async (m) => {
      const ref = refOf(m.room);
      if (typeof m.clientMessageId !== 'string' || !CLIENT_MESSAGE_ID.test(m.clientMessageId))
        throw problem(
          'chat/bad-client-message-id',
          'clientMessageId must be 1–64 of A-Z a-z 0-9 . _ : -',
        );
      if (typeof m.body !== 'string' || !/\S/.test(m.body))
        throw problem('chat/empty-message', 'body must be a text that is not blank');
      const result = await this.chat.send(this.metaOf(socket), ref, {
        clientMessageId: m.clientMessageId,
        body: m.body,
      });
      if (result.notice.length > 0)
        socket.emit('notice', {
          room: m.room,
          clientMessageId: m.clientMessageId,
          masked: result.notice,
          detail:
            'Contact details and payment links are hidden: keep the conversation and payments on FixBazaar',
        });
      return {
        seq: result.message.seq,
        id: result.message.id,
        duplicate: result.duplicate,
        notice: result.notice,
        message: result.message,
      };
    });
    for (const event of ['receipt', 'ack'])
      this.on(socket, event, async (m) => ({
        receipt: await this.chat.receipt(
          this.metaOf(socket),
          refOf(m.room),
          seqOf(m.deliveredSeq ?? 0, 'deliveredSeq'),
          seqOf(m.readSeq ?? 0, 'readSeq'),
        ),
      }));
    this.on(socket, 'typing', async (m) => {
      const ref = refOf(m.room);
      const last = socket.data.typedAt.get(m.room as string) ?? 0;
      if (Date.now() - last < TYPING_EVERY_MS) return { expiresInMs: TYPING_EXPIRES_MS };
      await this.chat.takeToken(socket.data.principal, 'default');
      const { entered } = await this.chat.roomState(this.metaOf(socket), ref);
      socket.data.typedAt.set(m.room as string, Date.now());
      this.published({
        kind: 'typing',
        room: { id: entered.room.id },
        parties: entered.parties,
        payload: { room: m.room, userId, expiresInMs: TYPING_EXPIRES_MS },
        fromSocket: socket.id,
      });
      return { expiresInMs: TYPING_EXPIRES_MS };
    });
  }

  /**
   * Answers an event through its ack; a refusal also comes as an `error` event. Events other than
   * `send` (which takes a `chat` token) take a token of the account's `default` bucket, as a REST
   * call would; `typing` only when passed on (at most once a second per room, repeats dropped).
   */
  private on(
    socket: ChatSocket,
    event: string,
    handle: (message: Record<string, unknown>) => Promise<Record<string, unknown>>,
  ): void {
    socket.on(event, (message: unknown, ack?: unknown) => {
      const answer = typeof ack === 'function' ? (ack as Ack) : () => undefined;
      const m =
        message !== null && typeof message === 'object' ? (message as Record<string, unknown>) : {};
      const charge =
        event === 'send' || event === 'typing'
          ? Promise.resolve()
          : this.chat.takeToken(socket.data.principal, 'default');
      charge
        .then(() => handle(m))
        .then(
          (result) => answer({ ok: true, ...result }),
          (err: unknown) => {
            const error = { event, ...errorOf(err) };
            if (!(err instanceof AppProblem)) this.logger.error(err);
            socket.emit('error', error);
            answer({ ok: false, error });
          },
        );
    });
  }

  /**
   * `join` (live from the room's last seq) or `resume` (the messages after lastSeq first). Either
   * catches up from the database once the socket is in the room, so a message committed between
   * reading the room and joining it is not missed.
   */
  private async join(
    socket: ChatSocket,
    m: Record<string, unknown>,
    lastSeq: number | null,
  ): Promise<Record<string, unknown>> {
    const ref = refOf(m.room);
    const { entered, room } = await this.chat.roomState(this.metaOf(socket), ref);
    const roomId = entered.room.id;
    let joined = socket.data.rooms.get(roomId);
    if (!joined) {
      joined = { ref, upTo: lastSeq ?? room.lastSeq, chain: Promise.resolve() };
      socket.data.rooms.set(roomId, joined);
      await socket.join(`room:${roomId}`);
    } else if (lastSeq !== null) joined.upTo = Math.min(joined.upTo, lastSeq);
    await this.enqueue(socket, roomId, (j) => this.catchUp(socket, roomId, j));
    return { ...room, lastSeq: Math.max(room.lastSeq, joined.upTo) };
  }

  private enqueue(
    socket: ChatSocket,
    roomId: string,
    work: (j: JoinedRoom) => Promise<void>,
  ): Promise<void> {
    const joined = socket.data.rooms.get(roomId);
    if (!joined) return Promise.resolve();
    joined.chain = joined.chain
      .then(() => work(joined))
      .catch((err: unknown) => {
        if (err instanceof AppProblem && err.status === 404) this.evict(socket, roomId);
        else this.logger.error(err);
      });
    return joined.chain;
  }

  /** Sends what the socket has not had, from the database, in order. */
  private async catchUp(socket: ChatSocket, roomId: string, joined: JoinedRoom): Promise<void> {
    for (;;) {
      const page = await this.chat.catchUp(
        this.metaOf(socket),
        joined.ref,
        joined.upTo,
        CATCH_UP_PAGE,
      );
      for (const message of page)
        if (message.seq > joined.upTo) {
          socket.emit('message', message);
          joined.upTo = message.seq;
        }
      if (page.length < CATCH_UP_PAGE || !socket.data.rooms.has(roomId)) return;
    }
  }

  /**
   * After commit: delivered to this instance's sockets, and (several instances) to the others'
   * through the Redis stream, each instance delivering to its own — a socket's delivery state (the
   * last seq it was sent) lives with the socket.
   */
  private published(p: Delivery): void {
    this.deliver(p);
    if (this.redis) this.namespace?.serverSideEmit(FAN_OUT, toWire(p));
  }

  /** To this instance's sockets in the room whose account is still in it. */
  private deliver(p: Delivery): void {
    void this.membersIn(p.room.id, p.parties).then((sockets) => {
      for (const socket of sockets) {
        if (p.kind === 'typing') {
          if (socket.id !== p.fromSocket) socket.emit('typing', p.payload);
          continue;
        }
        if (p.kind === 'receipt') {
          socket.emit('receipt', p.receipt);
          continue;
        }
        if (p.kind === 'hidden') {
          socket.emit('hidden', messageDto(p.room, p.row, isStaff(socket.data.principal.role)));
          continue;
        }
        const seq = Number(p.row.seq);
        void this.enqueue(socket, p.room.id, async (joined) => {
          if (seq <= joined.upTo) return;
          if (seq > joined.upTo + 1) return this.catchUp(socket, p.room.id, joined);
          socket.emit('message', messageDto(p.room, p.row, isStaff(socket.data.principal.role)));
          joined.upTo = seq;
        });
      }
    });
  }

  /** This instance's sockets in the room whose account may still read it (a party or staff); the others are taken out. */
  private async membersIn(roomId: string, parties: string[]): Promise<ChatSocket[]> {
    if (!this.namespace) return [];
    const sockets = (await this.namespace.local
      .in(`room:${roomId}`)
      .fetchSockets()) as unknown as ChatSocket[];
    const members: ChatSocket[] = [];
    for (const socket of sockets) {
      const { principal } = socket.data;
      if (parties.includes(principal.userId) || isStaff(principal.role)) members.push(socket);
      else this.evict(socket, roomId);
    }
    return members;
  }

  private evict(socket: ChatSocket, roomId: string): void {
    const joined = socket.data.rooms.get(roomId);
    if (!joined) return;
    socket.data.rooms.delete(roomId);
    void socket.leave(`room:${roomId}`);
    socket.emit('error', {
      code: 'chat/room-not-found',
      detail: 'No such chat room',
      room: `${joined.ref.kind}:${joined.ref.subjectId}`,
    });
  }

  /** Checks again the sockets of an account (or every socket) whose principal may have changed. */
  private async recheck(userId: string | null): Promise<void> {
    const sockets =
      userId === null
        ? [...this.socketsOf.values()].flatMap((s) => [...s])
        : [...(this.socketsOf.get(userId) ?? [])];
    await Promise.all(
      sockets.map(async (socket) => {
        const principal = await this.principalOf(socket.data.claims).catch(() => 'internal');
        if (typeof principal === 'string')
          this.end(socket, principal, 'This session has ended or the account may no longer chat');
        else socket.data.principal = principal;
      }),
    );
  }

  private end(socket: ChatSocket, code: string, detail: string): void {
    socket.emit('error', { code, detail });
    socket.disconnect(true);
  }

  private metaOf(socket: ChatSocket): RequestMeta {
    const d = socket.data;
    return {
      requestId: randomUUID(),
      ip: d.ip,
      deviceFingerprint: d.deviceFingerprint,
      userAgent: d.userAgent,
      principal: d.principal,
    };
  }
}
