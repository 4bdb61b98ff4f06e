/**
 * The relay: one TLS 1.3 port where both agents of a remote session dial out. Each agent keeps a
 * control connection (frames, see protocol/frames.ts); every tunneled TCP connection is a data
 * connection of its own from each agent, spliced together here, so one busy connection never holds
 * up another. The relay verifies join tokens offline, pairs agents by session id, forwards bytes it
 * cannot read (the agents run TLS between themselves inside), holds each direction of a session to
 * its bandwidth cap by pausing reads, and ends sessions at their hard stop or on revocation.
 */
import { randomBytes, timingSafeEqual, X509Certificate, type KeyObject } from 'node:crypto';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { pipeline } from 'node:stream';
import { createServer, type Server, type TLSSocket } from 'node:tls';
import type { Logger } from 'pino';
import { encodeFrame, readFrames, type Frame } from '../protocol/frames.js';
import { connectRelay, RELAY_WEBSOCKET_PATH, TLS_OPTIONS } from '../protocol/relay-client.js';
import { acceptWebSocket } from '../protocol/websocket.js';
import {
  certificateFingerprint,
  SignedMessageError,
  verifyAgentToken,
  verifyRevocationList,
  type AgentRole,
  type AgentTokenClaims,
} from '../../src/common/tunnel-contract.js';
import { TokenBucket } from '../protocol/token-bucket.js';
import type { RelayEventReporter } from './events.js';
import type { RelayMetrics } from './metrics.js';
import { TicketError, Tickets } from './tickets.js';

export interface RelayOptions {
  host?: string;
  /** 0: any free port (see `port` after `start`). */
  port: number;
  cert: string;
  key: string;
  publicKeys: readonly KeyObject[];
  /** This relay's id: a token naming another relay is refused (`wrong_relay`). */
  relayId: string;
  tickets: Tickets;
  logger: Logger;
  metrics: RelayMetrics;
  events: RelayEventReporter;
  heartbeatMs?: number;
  /** How long a tunneled connection may wait for the customer's side to attach. */
  attachTimeoutMs?: number;
  /** Sees every chunk forwarded on a data connection (tests prove it is ciphertext). */
  tap?: (sid: string, from: AgentRole, chunk: Buffer) => void;
}

const PEER: Record<AgentRole, AgentRole> = { customer: 'technician', technician: 'customer' };
const MISSES_ALLOWED = 3;
/** Grace after END/GOAWAY before the relay cuts a control connection itself. */
const CLOSE_GRACE_MS = 1000;

interface Side {
  claims: AgentTokenClaims;
  token: string;
  /** Authenticates this agent's data connections (handed over in READY). */
  secret: Buffer;
  control: TLSSocket | undefined;
  lastSeen: number;
  pingSentAt: number;
  ping: number;
}

interface Pending {
  socket: TLSSocket;
  rest: Buffer;
  timer: NodeJS.Timeout;
}

class Session {
  readonly sides: Partial<Record<AgentRole, Side>> = {};
  readonly pending = new Map<string, Pending>();
  readonly data = new Set<TLSSocket>();
  readonly bytes: Record<AgentRole, number> = { customer: 0, technician: 0 };
  buckets: Record<AgentRole, TokenBucket> | undefined;
  reconnects = 0;
  throttledMs = 0;
  paired = false;
  firstOpen = false;
  ended = false;
  stopTimer: NodeJS.Timeout | undefined;
  abandonTimer: NodeJS.Timeout | undefined;

  constructor(
    readonly sid: string,
    readonly createdAt: number,
  ) {}

  /** The earlier hard stop and the smaller cap of the two tokens. */
  limits(): { stop: number; bw: number } {
    const claims = Object.values(this.sides).map((s) => s.claims);
    return {
      stop: Math.min(...claims.map((c) => c.stop)),
      bw: Math.min(...claims.map((c) => c.bw)),
    };
  }
}

export class Relay {
  private server: Server | undefined;
  private readonly sessions = new Map<string, Session>();
  /** Every connection accepted and not yet closed (cut at `close`). */
  private readonly sockets = new Set<TLSSocket>();
  /** jti → hard stop (epoch s): tokens already used. */
  private readonly usedJti = new Map<string, number>();
  /** sid → epoch ms to forget it: sessions ended here or revoked; refused from then on. */
  private readonly closed = new Map<string, number>();
  private revocationsIssuedAt = 0;
  private heartbeat: NodeJS.Timeout | undefined;
  private loopDelay: ReturnType<typeof monitorEventLoopDelay> | undefined;
  private lastTick = 0;
  /** While draining: the retry delay handed to agents in GOAWAY. */
  private draining: number | undefined;
  private readonly heartbeatMs: number;

  /** This relay's own certificate fingerprint (the WebSocket bridge pins it on loopback). */
  private readonly fingerprint: string;

  constructor(private readonly options: RelayOptions) {
    this.heartbeatMs = options.heartbeatMs ?? 10_000;
    this.fingerprint = certificateFingerprint(new X509Certificate(options.cert).raw);
  }

  get port(): number {
    const address = this.server?.address();
    return typeof address === 'object' && address ? address.port : 0;
  }

  async start(): Promise<void> {
    const server = createServer({
      cert: this.options.cert,
      key: this.options.key,
      ...TLS_OPTIONS,
      handshakeTimeout: 10_000,
    });
    server.on('secureConnection', (socket) => this.accept(socket));
    server.on('tlsClientError', () => undefined);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.options.port, this.options.host ?? '0.0.0.0', () => resolve());
    });
    this.server = server;
    this.loopDelay = monitorEventLoopDelay({ resolution: 10 });
    this.loopDelay.enable();
    this.lastTick = Date.now();
    this.heartbeat = setInterval(() => this.tick(), this.heartbeatMs);
  }

  /**
   * Shutdown (SIGTERM): accept nothing new, tell every agent to reconnect with its ticket after
   * `retryMs` (to another relay, or to this one once restarted), let tunneled connections finish
   * for up to `drainMs`, then close.
   */
  async drain(retryMs: number, drainMs: number): Promise<void> {
    this.draining = retryMs;
    this.server?.close();
    for (const session of this.sessions.values()) {
      for (const side of Object.values(session.sides)) {
        if (side.control) this.closeControl(side.control, { t: 'GOAWAY', retryMs });
      }
    }
    const deadline = Date.now() + drainMs;
    while (Date.now() < deadline && [...this.sessions.values()].some((s) => s.data.size > 0)) {
      await new Promise((r) => setTimeout(r, 50));
    }
    this.options.logger.info({ sessions: this.sessions.size }, 'relay drained');
    await this.close();
  }

  /** Closes everything at once (sessions stay resumable on another relay with their tickets). */
  async close(): Promise<void> {
    clearInterval(this.heartbeat);
    this.loopDelay?.disable();
    for (const session of this.sessions.values()) this.dropSession(session);
    this.sessions.clear();
    for (const socket of this.sockets) socket.destroy();
    const server = this.server;
    this.server = undefined;
    if (server?.listening) await new Promise((r) => server.close(r));
    await this.options.events.flush();
  }

  /**
   * Applies a signed revocation list: ends the named sessions now, refuses them from now on.
   * Throws SignedMessageError when the list does not verify. Answers how many live sessions ended.
   */
  revoke(message: string): { ended: number; ignored: boolean } {
    const list = verifyRevocationList(message, this.options.publicKeys);
    if (list.issuedAt < this.revocationsIssuedAt) return { ended: 0, ignored: true };
    this.revocationsIssuedAt = list.issuedAt;
    let ended = 0;
    for (const { sid, reason } of list.sessions) {
      const session = this.sessions.get(sid);
      const forgetAt = session ? session.limits().stop * 1000 : Date.now() + 24 * 3600_000;
      this.closed.set(sid, Math.max(this.closed.get(sid) ?? 0, forgetAt));
      if (session) {
        this.end(session, reason || 'revoked');
        ended++;
      }
    }
    return { ended, ignored: false };
  }

  sessionCount(): number {
    return this.sessions.size;
  }

  private accept(socket: TLSSocket): void {
    this.sockets.add(socket);
    socket.setNoDelay(true);
    socket.on('error', () => undefined);
    const timer = setTimeout(() => socket.destroy(), 10_000);
    socket.on('close', () => {
      this.sockets.delete(socket);
      clearTimeout(timer);
    });
    // The first bytes tell the protocol's frames (a length, 0x00 first) from a WebSocket upgrade.
    socket.once('data', (first: Buffer) => {
      socket.pause();
      if (first.subarray(0, 4).toString('latin1') === 'GET ') {
        clearTimeout(timer);
        void this.bridgeWebSocket(socket, first);
        return;
      }
      socket.unshift(first);
      this.serve(socket, timer);
      socket.resume();
    });
  }

  /**
   * A WebSocket (agents behind an HTTPS-only proxy): upgraded here, then its bytes are fed to this
   * relay's own port over loopback TLS, as if the agent had connected directly.
   */
  private async bridgeWebSocket(socket: TLSSocket, first: Buffer): Promise<void> {
    try {
      const ws = await acceptWebSocket(socket, first, RELAY_WEBSOCKET_PATH);
      this.options.metrics.websockets.inc();
      const direct = await connectRelay({
        host: '127.0.0.1',
        port: this.port,
        fingerprint: this.fingerprint,
      });
      pipeline(ws, direct, ws, () => {
        ws.destroy();
        direct.destroy();
      });
    } catch {
      socket.destroy();
    }
  }

  private serve(socket: TLSSocket, timer: NodeJS.Timeout): void {
    let side: Side | undefined;
    let session: Session | undefined;
    readFrames(
      socket,
      (frame, takeOver) => {
        if (session && side) return this.onControlFrame(session, side, frame);
        clearTimeout(timer);
        if (frame.t === 'ATTACH') return this.attach(socket, frame, takeOver());
        if (frame.t !== 'HELLO') return void socket.destroy();
        const joined = this.hello(socket, frame);
        if (joined) [session, side] = joined;
      },
      () => socket.destroy(),
    );
    socket.on('close', () => {
      if (session && side) this.controlClosed(session, side, socket);
    });
  }

  private refuse(socket: TLSSocket, reason: string): undefined {
    this.options.metrics.refused.inc({ reason });
    this.options.logger.info({ reason }, 'join refused');
    this.closeControl(socket, { t: 'END', reason });
    return undefined;
  }

  private hello(socket: TLSSocket, frame: Frame & { t: 'HELLO' }): [Session, Side] | undefined {
    const now = Date.now();
    if (this.draining !== undefined) {
      this.closeControl(socket, { t: 'GOAWAY', retryMs: this.draining });
      return undefined;
    }
    let token: string;
    let claims: AgentTokenClaims;
    const resumed = typeof frame.ticket === 'string';
    try {
      token = resumed ? this.options.tickets.open(frame.ticket!, now) : String(frame.token);
      claims = verifyAgentToken(token, this.options.publicKeys, now / 1000, {
        ignoreJoinDeadline: resumed,
      });
    } catch (error) {
      if (error instanceof SignedMessageError || error instanceof TicketError) {
        return this.refuse(socket, error instanceof TicketError ? error.message : error.code);
      }
      throw error;
    }
    if (claims.rly !== this.options.relayId) return this.refuse(socket, 'wrong_relay');
    if (this.closed.has(claims.sid)) return this.refuse(socket, 'session_closed');
    if (!resumed && this.usedJti.has(claims.jti)) return this.refuse(socket, 'token_reused');
    let session = this.sessions.get(claims.sid);
    const previous = session?.sides[claims.role];
    if (previous?.control && !resumed) return this.refuse(socket, 'role_taken');
    if (resumed && previous && previous.claims.jti !== claims.jti) {
      return this.refuse(socket, 'superseded');
    }
    if (!resumed) this.usedJti.set(claims.jti, claims.stop);
    if (!session) {
      session = new Session(claims.sid, now);
      this.sessions.set(claims.sid, session);
    }
    // A resume replaces the agent's previous control connection (dead, or about to be).
    previous?.control?.destroy();
    const side: Side = {
      claims,
      token,
      secret: resumed && previous ? previous.secret : randomBytes(32),
      control: socket,
      lastSeen: now,
      pingSentAt: 0,
      ping: 0,
    };
    session.sides[claims.role] = side;
    clearTimeout(session.abandonTimer);
    this.armStop(session);
    if (resumed || previous) {
      session.reconnects++;
      this.options.events.report({ type: 'reconnected', sid: claims.sid, role: claims.role });
    } else {
      this.options.events.report({ type: 'agent_connected', sid: claims.sid, role: claims.role });
    }
    this.ping(side, now);
    const peer = session.sides[PEER[claims.role]];
    if (peer?.control) this.pair(session, now);
    this.updateGauges();
    return [session, side];
  }

  private pair(session: Session, now: number): void {
    const { stop, bw } = session.limits();
    if (!session.buckets) {
      session.buckets = {
        customer: new TokenBucket(bw, now),
        technician: new TokenBucket(bw, now),
      };
    }
    if (!session.paired) {
      session.paired = true;
      this.options.metrics.pairingWait.observe((now - session.createdAt) / 1000);
      this.options.events.report({ type: 'paired', sid: session.sid });
    }
    for (const role of ['customer', 'technician'] as const) {
      const side = session.sides[role]!;
      side.control?.write(
        encodeFrame({
          t: 'READY',
          peerToken: session.sides[PEER[role]]!.token,
          secret: side.secret.toString('base64url'),
          ticket: this.options.tickets.issue(side.token, now),
          stop,
          bw,
        }),
      );
    }
  }

  private onControlFrame(session: Session, side: Side, frame: Frame): void {
    const now = Date.now();
    side.lastSeen = now;
    switch (frame.t) {
      case 'PONG':
        if (frame.n === side.ping) this.options.metrics.rtt.observe((now - side.pingSentAt) / 1000);
        return;
      case 'CLOSE': {
        const pending = session.pending.get(String(frame.cid));
        if (side.claims.role !== 'customer' || !pending) return;
        session.pending.delete(String(frame.cid));
        clearTimeout(pending.timer);
        pending.socket.destroy();
        this.options.logger.info(
          { sid: session.sid, cid: frame.cid, reason: String(frame.reason).slice(0, 64) },
          'tunneled connection refused by the customer side',
        );
        return;
      }
      case 'END':
        this.end(session, `ended_by_${side.claims.role}`);
        return;
      default:
        return;
    }
  }

  private attach(socket: TLSSocket, frame: Frame & { t: 'ATTACH' }, rest: Buffer): void {
    const session = this.sessions.get(String(frame.sid));
    const role = frame.role === 'customer' || frame.role === 'technician' ? frame.role : undefined;
    const side = role ? session?.sides[role] : undefined;
    const secret = Buffer.from(String(frame.secret), 'base64url');
    const cid = String(frame.cid);
    if (
      !session?.paired ||
      !side ||
      secret.length !== side.secret.length ||
      !timingSafeEqual(secret, side.secret) ||
      cid.length === 0 ||
      cid.length > 64
    ) {
      socket.destroy();
      return;
    }
    if (role === 'technician') {
      const customer = session.sides.customer?.control;
      if (!customer || session.pending.has(cid)) {
        socket.destroy();
        return;
      }
      const timer = setTimeout(() => {
        session.pending.delete(cid);
        socket.destroy();
      }, this.options.attachTimeoutMs ?? 10_000);
      session.pending.set(cid, { socket, rest, timer });
      socket.once('close', () => {
        if (session.pending.get(cid)?.socket === socket) {
          clearTimeout(timer);
          session.pending.delete(cid);
        }
      });
      customer.write(encodeFrame({ t: 'OPEN', cid }));
      if (!session.firstOpen) {
        session.firstOpen = true;
        this.options.events.report({ type: 'first_open', sid: session.sid });
      }
      return;
    }
    const pending = session.pending.get(cid);
    if (!pending) {
      socket.destroy();
      return;
    }
    session.pending.delete(cid);
    clearTimeout(pending.timer);
    this.splice(session, pending.socket, pending.rest, socket, rest);
  }

  /** Joins the technician's and the customer's data connections for one tunneled connection. */
  private splice(
    session: Session,
    technician: TLSSocket,
    technicianRest: Buffer,
    customer: TLSSocket,
    customerRest: Buffer,
  ): void {
    session.data.add(technician);
    session.data.add(customer);
    this.options.metrics.dataConnections.inc();
    let open = 2;
    const closed = (socket: TLSSocket) => {
      session.data.delete(socket);
      if (--open === 0) this.options.metrics.dataConnections.dec();
    };
    this.forward(session, 'technician', technician, customer, technicianRest, closed);
    this.forward(session, 'customer', customer, technician, customerRest, closed);
  }

  /** One direction: read `from`, write `to`, pausing on backpressure and on the session's cap. */
  private forward(
    session: Session,
    role: AgentRole,
    from: TLSSocket,
    to: TLSSocket,
    rest: Buffer,
    closed: (socket: TLSSocket) => void,
  ): void {
    const bucket = session.buckets![role];
    const bytes = this.options.metrics.bytes.labels(role);
    const tap = this.options.tap;
    let waitingDrain = false;
    let throttle: NodeJS.Timeout | undefined;
    const resume = () => {
      if (!waitingDrain && !throttle && !from.destroyed) from.resume();
    };
    const onDrain = () => {
      waitingDrain = false;
      resume();
    };
    const onData = (chunk: Buffer) => {
      tap?.(session.sid, role, chunk);
      session.bytes[role] += chunk.length;
      bytes.inc(chunk.length);
      if (!to.write(chunk)) {
        waitingDrain = true;
        from.pause();
        to.once('drain', onDrain);
      }
      const waitMs = bucket.take(chunk.length, Date.now());
      if (waitMs > 0 && !throttle) {
        session.throttledMs += waitMs;
        this.options.metrics.throttled.inc(waitMs / 1000);
        from.pause();
        throttle = setTimeout(() => {
          throttle = undefined;
          resume();
        }, waitMs);
      }
    };
    if (rest.length > 0) onData(rest);
    from.on('data', onData);
    from.on('end', () => to.end());
    from.on('close', () => {
      clearTimeout(throttle);
      closed(from);
      if (from.errored || !to.writableEnded) to.destroySoon();
    });
    resume();
  }

  private controlClosed(session: Session, side: Side, socket: TLSSocket): void {
    if (side.control !== socket) return;
    side.control = undefined;
    if (session.ended) return;
    this.options.logger.info(
      { sid: session.sid, role: side.claims.role },
      'agent control connection closed; resumable with its ticket',
    );
    if (!Object.values(session.sides).some((s) => s.control)) {
      clearTimeout(session.abandonTimer);
      session.abandonTimer = setTimeout(
        () => this.end(session, 'agents_gone'),
        this.options.tickets.validMs,
      );
    }
    this.updateGauges();
  }

  private armStop(session: Session): void {
    clearTimeout(session.stopTimer);
    const delay = session.limits().stop * 1000 - Date.now();
    session.stopTimer = setTimeout(() => this.end(session, 'hard_stop'), Math.max(0, delay));
  }

  /** Ends a session for good: END to both agents, every tunneled connection cut, reported. */
  private end(session: Session, reason: string): void {
    if (session.ended) return;
    const stop = session.limits().stop;
    this.dropSession(session, reason);
    this.sessions.delete(session.sid);
    this.closed.set(session.sid, Math.max(this.closed.get(session.sid) ?? 0, stop * 1000));
    this.options.metrics.ended.inc({ reason });
    this.options.events.report({
      type: 'ended',
      sid: session.sid,
      reason,
      bytesFromCustomer: session.bytes.customer,
      bytesFromTechnician: session.bytes.technician,
      reconnects: session.reconnects,
      throttledMs: session.throttledMs,
    });
    this.updateGauges();
  }

  /** Cuts a session's connections; with a reason the agents are told it is over. */
  private dropSession(session: Session, reason?: string): void {
    session.ended = true;
    clearTimeout(session.stopTimer);
    clearTimeout(session.abandonTimer);
    for (const side of Object.values(session.sides)) {
      if (side.control) {
        if (reason) this.closeControl(side.control, { t: 'END', reason });
        else side.control.destroy();
      }
    }
    for (const pending of session.pending.values()) {
      clearTimeout(pending.timer);
      pending.socket.destroy();
    }
    session.pending.clear();
    for (const socket of session.data) socket.destroy();
  }

  private closeControl(socket: TLSSocket, frame: Frame): void {
    if (socket.destroyed) return;
    socket.end(encodeFrame(frame));
    setTimeout(() => socket.destroy(), CLOSE_GRACE_MS).unref();
  }

  private ping(side: Side, now: number): void {
    side.ping++;
    side.pingSentAt = now;
    side.control?.write(
      encodeFrame({ t: 'PING', n: side.ping, ticket: this.options.tickets.issue(side.token, now) }),
    );
  }

  /**
   * Every heartbeat: ping each agent; one silent for more than three heartbeats is dead (its control
   * connection is cut; it may resume). If this process's own event loop stalled (GC, a busy CPU),
   * the silence may be ours: misses are excused and counted afresh.
   */
  private tick(): void {
    const now = Date.now();
    const lagMs = Math.max(
      (this.loopDelay?.max ?? 0) / 1e6,
      now - this.lastTick - this.heartbeatMs,
    );
    this.loopDelay?.reset();
    this.lastTick = now;
    this.options.metrics.loopLag.set(lagMs / 1000);
    const lagging = lagMs > this.heartbeatMs / 2;
    if (lagging)
      this.options.logger.warn({ lagMs }, 'event loop stalled; heartbeat misses excused');
    for (const session of this.sessions.values()) {
      for (const side of Object.values(session.sides)) {
        if (!side.control) continue;
        if (lagging) side.lastSeen = now;
        else if (now - side.lastSeen > MISSES_ALLOWED * this.heartbeatMs) {
          this.options.logger.info(
            { sid: session.sid, role: side.claims.role },
            'agent missed its heartbeats',
          );
          side.control.destroy();
          continue;
        }
        this.ping(side, now);
      }
    }
    for (const [jti, stop] of this.usedJti) if (stop * 1000 < now) this.usedJti.delete(jti);
    for (const [sid, until] of this.closed) if (until < now) this.closed.delete(sid);
  }

  private updateGauges(): void {
    let paired = 0;
    for (const s of this.sessions.values()) if (s.paired) paired++;
    this.options.metrics.sessions.set({ state: 'paired' }, paired);
    this.options.metrics.sessions.set({ state: 'waiting' }, this.sessions.size - paired);
  }
}
