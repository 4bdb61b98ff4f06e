/**
 * A local, in-memory stand-in for the control plane of a LiveKit server: the Twirp endpoints of
 * `livekit.RoomService` that livekit-server-sdk 2.x's RoomServiceClient calls (CreateRoom, ListRooms,
 * DeleteRoom, ListParticipants, GetParticipant, RemoveParticipant), in the SDK's wire format
 * (`POST /twirp/livekit.RoomService/<Method>`, protobuf JSON with camelCase names, 64-bit integers as
 * strings, Twirp errors `{ code, msg }`), each call authorised by the SDK's bearer JWT (HS256 under
 * the API secret, issuer = API key, unexpired; the `video` grant the method needs: `roomCreate`,
 * `roomList`, or `roomAdmin` for the named room) and refused with 401 `unauthenticated` or 403
 * `permission_denied` otherwise. Every call is recorded (`calls`), for tests.
 *
 * There is no media: a client "joins" through `join(token)` (control endpoint `POST
 * /__standin/join`), which checks the participant's access token as LiveKit does (roomJoin for that
 * room, expiry) and adds it to the room. Webhooks go to `webhookUrl` signed exactly as LiveKit signs
 * them: `Authorization: <JWT>` (HS256, issuer = API key, 5-minute expiry) whose `sha256` claim is the
 * base64 SHA-256 of the body, `Content-Type: application/webhook+json`, the body a protobuf-JSON
 * `WebhookEvent` with a unique `id` and `createdAt` in seconds. Joining, leaving, removal and
 * deletion emit room_started / participant_joined / participant_left / room_finished as LiveKit does;
 * `send` delivers any event (again, late, out of order) for tests.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { buffer } from 'node:stream/consumers';
import { AccessToken, TokenVerifier, type VideoGrant } from 'livekit-server-sdk';

export interface LiveKitStandinOptions {
  /** 0 or omitted: an ephemeral port. */
  port?: number;
  host?: string;
  apiKey: string;
  apiSecret: string;
  /** Where webhooks are POSTed; without it they are only kept in `sent`. */
  webhookUrl?: string | null;
}

export interface StandinParticipant {
  sid: string;
  identity: string;
  name: string;
  hidden: boolean;
  joinedAt: number;
}

export interface StandinRoom {
  sid: string;
  name: string;
  emptyTimeout: number;
  maxParticipants: number;
  metadata: string;
  creationTime: number;
  participants: Map<string, StandinParticipant>;
}

/** One RoomService call as received: method, JSON body and the bearer token's video grant. */
export interface RecordedCall {
  method: string;
  body: Record<string, unknown>;
  grant: VideoGrant;
}

export type WebhookEventName =
  'room_started' | 'room_finished' | 'participant_joined' | 'participant_left';

/** A webhook as delivered: the exact body and the API's answer (null: no webhook URL). */
export interface SentWebhook {
  body: string;
  event: Record<string, unknown>;
  status: number | null;
}

export interface LiveKitStandin {
  url: string;
  rooms: Map<string, StandinRoom>;
  calls: RecordedCall[];
  sent: SentWebhook[];
  setWebhookUrl(url: string | null): void;
  /** A participant connects with its access token; participant_joined (and room_started first) follow. */
  join(token: string): Promise<StandinParticipant>;
  /** A participant disconnects; participant_left follows. */
  leave(room: string, identity: string): Promise<void>;
  /** A webhook event of the room (and participant) as they stand, with a fresh id. */
  event(name: WebhookEventName, room: string, identity?: string): Record<string, unknown>;
  /** Signs and delivers `event` (a duplicate when sent twice); the API's status. */
  send(event: Record<string, unknown>): Promise<number | null>;
  /** The `Authorization` header LiveKit puts on a webhook with this body. */
  sign(body: string): Promise<string>;
  /** Resolves once the webhooks emitted after API calls so far have been delivered. */
  idle(): Promise<void>;
  stop(): Promise<void>;
}

class TwirpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const nowSeconds = () => Math.floor(Date.now() / 1000);
const sid = (prefix: string) => `${prefix}_${randomBytes(6).toString('hex')}`;

function roomJson(r: StandinRoom): Record<string, unknown> {
  return {
    sid: r.sid,
    name: r.name,
    emptyTimeout: r.emptyTimeout,
    maxParticipants: r.maxParticipants,
    creationTime: String(r.creationTime),
    metadata: r.metadata,
    numParticipants: r.participants.size,
  };
}

function participantJson(p: StandinParticipant): Record<string, unknown> {
  return {
    sid: p.sid,
    identity: p.identity,
    name: p.name,
    state: 'ACTIVE',
    joinedAt: String(p.joinedAt),
    permission: { canSubscribe: true, canPublish: true, hidden: p.hidden },
  };
}

export async function startLiveKitStandin(options: LiveKitStandinOptions): Promise<LiveKitStandin> {
  const verifier = new TokenVerifier(options.apiKey, options.apiSecret);
  const rooms = new Map<string, StandinRoom>();
  const calls: RecordedCall[] = [];
  const sent: SentWebhook[] = [];
  let webhookUrl = options.webhookUrl ?? null;
  const pending = new Set<Promise<unknown>>();

  async function sign(body: string): Promise<string> {
    const at = new AccessToken(options.apiKey, options.apiSecret, { ttl: '5m' });
    at.sha256 = createHash('sha256').update(body).digest('base64');
    return at.toJwt();
  }

  async function send(event: Record<string, unknown>): Promise<number | null> {
    const body = JSON.stringify(event);
    let status: number | null = null;
    if (webhookUrl !== null) {
      const res = await fetch(webhookUrl, {
        method: 'POST',
        headers: { 'Content-Type': 'application/webhook+json', Authorization: await sign(body) },
        body,
      });
      await res.arrayBuffer();
      status = res.status;
    }
    sent.push({ body, event, status });
    return status;
  }

  function event(name: WebhookEventName, room: string, identity?: string): Record<string, unknown> {
    const r = rooms.get(room);
    const p = identity === undefined ? undefined : r?.participants.get(identity);
    return {
      event: name,
      room: r ? roomJson(r) : { name: room },
      ...(identity === undefined
        ? {}
        : { participant: p ? participantJson(p) : { identity, state: 'DISCONNECTED' } }),
      id: sid('EV'),
      createdAt: String(nowSeconds()),
    };
  }

  /** Webhooks LiveKit emits after answering an API call: in the background, in order. */
  function emitLater(events: Record<string, unknown>[]): void {
    const run = (async () => {
      for (const e of events) await send(e).catch(() => null);
    })();
    pending.add(run);
    void run.finally(() => pending.delete(run));
  }

  async function authorise(req: IncomingMessage, need: VideoGrant): Promise<VideoGrant> {
    const auth = req.headers.authorization ?? '';
    if (!auth.startsWith('Bearer ')) throw new TwirpError(401, 'unauthenticated', 'no token');
    let grant: VideoGrant;
    try {
      const claims = await verifier.verify(auth.slice('Bearer '.length), 0);
      grant = (claims.video ?? {}) as VideoGrant;
    } catch (err) {
      throw new TwirpError(401, 'unauthenticated', `invalid token: ${(err as Error).message}`);
    }
    const missing = (['roomCreate', 'roomList', 'roomAdmin'] as const).filter(
      (k) => need[k] === true && grant[k] !== true,
    );
    if (missing.length > 0 || (need.room !== undefined && grant.room !== need.room))
      throw new TwirpError(
        403,
        'permission_denied',
        `missing grant ${missing.join(',') || 'room'}`,
      );
    return grant;
  }

  const roomOf = (name: unknown): StandinRoom => {
    const r = typeof name === 'string' ? rooms.get(name) : undefined;
    if (r === undefined) throw new TwirpError(404, 'not_found', 'requested room does not exist');
    return r;
  };

  /** Removes the room and says so: participants leave, then room_finished. */
  function finish(r: StandinRoom): Record<string, unknown>[] {
    const events = [...r.participants.keys()].map((id) => event('participant_left', r.name, id));
    rooms.delete(r.name);
    r.participants.clear();
    events.push({ ...event('room_finished', r.name), room: roomJson(r) });
    return events;
  }

  const methods: Record<
    string,
    (body: Record<string, unknown>, req: IncomingMessage) => Promise<Record<string, unknown>>
  > = {
    CreateRoom: async (body, req) => {
      calls.push({ method: 'CreateRoom', body, grant: await authorise(req, { roomCreate: true }) });
      const name = body.name;
      if (typeof name !== 'string' || name === '')
        throw new TwirpError(400, 'invalid_argument', 'name is required');
      const existing = rooms.get(name);
      if (existing) return roomJson(existing);
      const room: StandinRoom = {
        sid: sid('RM'),
        name,
        emptyTimeout: Number(body.emptyTimeout ?? 300),
        maxParticipants: Number(body.maxParticipants ?? 0),
        metadata: typeof body.metadata === 'string' ? body.metadata : '',
        creationTime: nowSeconds(),
        participants: new Map(),
      };
      rooms.set(name, room);
      return roomJson(room);
    },
    ListRooms: async (body, req) => {
      calls.push({ method: 'ListRooms', body, grant: await authorise(req, { roomList: true }) });
      const names = Array.isArray(body.names) ? (body.names as string[]) : [];
      const list = [...rooms.values()].filter((r) => names.length === 0 || names.includes(r.name));
      return { rooms: list.map(roomJson) };
    },
    DeleteRoom: async (body, req) => {
      calls.push({ method: 'DeleteRoom', body, grant: await authorise(req, { roomCreate: true }) });
      emitLater(finish(roomOf(body.room)));
      return {};
    },
    ListParticipants: async (body, req) => {
      const grant = await authorise(req, { roomAdmin: true, room: String(body.room) });
      calls.push({ method: 'ListParticipants', body, grant });
      return { participants: [...roomOf(body.room).participants.values()].map(participantJson) };
    },
    GetParticipant: async (body, req) => {
      const grant = await authorise(req, { roomAdmin: true, room: String(body.room) });
      calls.push({ method: 'GetParticipant', body, grant });
      const p = roomOf(body.room).participants.get(String(body.identity));
      if (p === undefined) throw new TwirpError(404, 'not_found', 'participant does not exist');
      return participantJson(p);
    },
    RemoveParticipant: async (body, req) => {
      const grant = await authorise(req, { roomAdmin: true, room: String(body.room) });
      calls.push({ method: 'RemoveParticipant', body, grant });
      const r = roomOf(body.room);
      const identity = String(body.identity);
      if (!r.participants.has(identity))
        throw new TwirpError(404, 'not_found', 'participant does not exist');
      const left = event('participant_left', r.name, identity);
      r.participants.delete(identity);
      emitLater([left]);
      return {};
    },
  };

  async function join(token: string): Promise<StandinParticipant> {
    const claims = await verifier.verify(token, 0);
    const grant = (claims.video ?? {}) as VideoGrant;
    if (grant.roomJoin !== true || typeof grant.room !== 'string')
      throw new Error('the token does not grant joining a room');
    const r = rooms.get(grant.room);
    if (r === undefined) throw new Error(`room ${grant.room} does not exist`);
    if (r.maxParticipants > 0 && r.participants.size >= r.maxParticipants)
      throw new Error('the room is full');
    const first = r.participants.size === 0 && !sent.some((s) => isStartOf(s, r));
    const p: StandinParticipant = {
      sid: sid('PA'),
      identity: String(claims.sub),
      name: typeof claims.name === 'string' ? claims.name : '',
      hidden: grant.hidden === true,
      joinedAt: nowSeconds(),
    };
    r.participants.set(p.identity, p);
    if (first) await send(event('room_started', r.name));
    await send(event('participant_joined', r.name, p.identity));
    return p;
  }

  const isStartOf = (s: SentWebhook, r: StandinRoom) =>
    s.event.event === 'room_started' && (s.event.room as { sid?: string }).sid === r.sid;

  async function leave(room: string, identity: string): Promise<void> {
    const r = roomOf(room);
    const left = event('participant_left', room, identity);
    r.participants.delete(identity);
    await send(left);
  }

  async function control(path: string, body: Record<string, unknown>): Promise<unknown> {
    if (path === '/__standin/join') return participantJsonOf(await join(String(body.token)));
    if (path === '/__standin/leave') return leave(String(body.room), String(body.identity));
    throw new TwirpError(404, 'bad_route', `no such control endpoint ${path}`);
  }
  const participantJsonOf = (p: StandinParticipant) => participantJson(p);

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    void (async () => {
      try {
        const raw = (await buffer(req)).toString('utf8');
        const body = (raw === '' ? {} : JSON.parse(raw)) as Record<string, unknown>;
        const url = new URL(req.url ?? '/', 'http://standin');
        const twirp = /^\/twirp\/livekit\.RoomService\/(\w+)$/.exec(url.pathname);
        if (req.method !== 'POST') throw new TwirpError(404, 'bad_route', 'POST only');
        const result = twirp
          ? await (
              methods[twirp[1]!] ??
              (() => {
                throw new TwirpError(404, 'bad_route', `no handler for ${url.pathname}`);
              })
            )(body, req)
          : await control(url.pathname, body);
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(result ?? {}));
      } catch (err) {
        const e =
          err instanceof TwirpError
            ? err
            : new TwirpError(400, 'malformed', (err as Error).message);
        res.writeHead(e.status, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ code: e.code, msg: e.message }));
      }
    })();
  });
  await new Promise<void>((resolve) =>
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', resolve),
  );
  const { address, port } = server.address() as AddressInfo;
  return {
    url: `http://${address}:${port}`,
    rooms,
    calls,
    sent,
    setWebhookUrl: (url) => {
      webhookUrl = url;
    },
    join,
    leave,
    event,
    send,
    sign,
    idle: async () => {
      while (pending.size > 0) await Promise.allSettled([...pending]);
    },
    stop: async () => {
      await Promise.allSettled([...pending]);
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) =>
        server.close((err) => (err ? reject(err) : resolve())),
      );
    },
  };
}
