/**
 * An agent of a remote session. Both dial out to the relay and keep a control connection; the
 * technician's agent listens on a local port and turns each accepted connection into a data
 * connection; the customer's agent answers each OPEN with a data connection to its one allowlisted
 * local service. Over every data connection the two agents run TLS 1.3 between themselves, each
 * pinned to the certificate fingerprint in the peer's platform-signed token (delivered by the relay
 * in READY and verified here), so the relay forwards only ciphertext.
 */
import { randomUUID, type KeyObject } from 'node:crypto';
import { EventEmitter, once } from 'node:events';
import {
  connect as connectTcp,
  createServer,
  type AddressInfo,
  type Server,
  type Socket,
} from 'node:net';
import { pipeline, type Duplex } from 'node:stream';
import {
  connect as connectTls,
  createSecureContext,
  TLSSocket,
  type SecureContext,
} from 'node:tls';
import type { Logger } from 'pino';
import { AGENT_BACKOFF, Backoff, type BackoffOptions } from '../protocol/backoff.js';
import type { EphemeralCertificate } from '../protocol/cert.js';
import { encodeFrame, readFrames, type Frame } from '../protocol/frames.js';
import { connectRelay, TLS_OPTIONS, type RelayEndpoint } from '../protocol/relay-client.js';
import {
  certificateFingerprint,
  verifyAgentToken,
  type AgentRole,
  type AgentTokenClaims,
} from '../../src/common/tunnel-contract.js';
import { ActivityReporter } from './activity.js';
import { AdbServiceWatcher } from './adb.js';

export interface AgentOptions {
  role: AgentRole;
  relay: RelayEndpoint;
  /** This agent's join token (its `fp` must be `certificate`'s fingerprint). */
  token: string;
  certificate: EphemeralCertificate;
  /** The platform's tunnel public keys: the agent verifies its peer's token with them. */
  publicKeys: readonly KeyObject[];
  /** Customer: the local service, `host:port`; must equal the token's `tgt`. */
  target?: string;
  /** Technician: where to listen for local clients (e.g. `adb connect 127.0.0.1:15555`). */
  listenHost?: string;
  listenPort?: number;
  /** The API's base URL: the customer agent reports ADB services it sees opened there. */
  apiUrl?: string;
  logger: Logger;
  heartbeatMs?: number;
  resumeMs?: number;
  backoff?: BackoffOptions;
}

export type AgentState = 'connecting' | 'waiting' | 'ready' | 'reconnecting' | 'ended';

export class AgentError extends Error {}

const PEER: Record<AgentRole, AgentRole> = { customer: 'technician', technician: 'customer' };

/**
 * Events: `ready` (paired, peer verified), `disconnected` (control connection lost, reconnecting),
 * `end` (reason: the session is over or the join was refused).
 */
export class Agent extends EventEmitter {
  readonly claims: AgentTokenClaims;
  state: AgentState = 'connecting';
  endReason: string | undefined;
  /** Control connections made after the first one. */
  reconnects = 0;
  private control: Duplex | undefined;
  private ticket: { value: string; at: number } | undefined;
  private tokenSent = false;
  private peer: { fingerprint: string } | undefined;
  private secret: string | undefined;
  private goawayRetryMs: number | undefined;
  private listener: Server | undefined;
  private readonly tunnels = new Set<Duplex>();
  private readonly backoff: Backoff;
  private readonly activity: ActivityReporter | undefined;
  private readonly secureContext: SecureContext;
  private lastHeard = 0;
  private lastWatch = 0;
  private watchdog: NodeJS.Timeout | undefined;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private readonly heartbeatMs: number;
  private readonly resumeMs: number;

  constructor(private readonly options: AgentOptions) {
    super();
    const claims = verifyAgentToken(options.token, options.publicKeys, Date.now() / 1000);
    if (claims.role !== options.role) {
      throw new AgentError(
        `the token is for the ${claims.role}'s agent, not the ${options.role}'s`,
      );
    }
    if (claims.fp !== options.certificate.fingerprint) {
      throw new AgentError("the token does not carry this agent's certificate fingerprint");
    }
    if (options.role === 'customer' && options.target !== claims.tgt) {
      throw new AgentError(`the session allows ${claims.tgt} only, not ${options.target}`);
    }
    this.claims = claims;
    this.heartbeatMs = options.heartbeatMs ?? 10_000;
    this.resumeMs = options.resumeMs ?? 60_000;
    this.backoff = new Backoff(options.backoff ?? AGENT_BACKOFF);
    this.secureContext = createSecureContext({
      cert: options.certificate.cert,
      key: options.certificate.key,
      ...TLS_OPTIONS,
    });
    if (options.role === 'customer') {
      this.activity = new ActivityReporter(
        options.apiUrl ? `${options.apiUrl}/remote-sessions/${claims.sid}/activity` : undefined,
        options.token,
        options.logger,
      );
    }
  }

  /** Technician: the local port clients connect to. */
  get localPort(): number {
    return (this.listener?.address() as AddressInfo | null)?.port ?? 0;
  }

  async start(): Promise<void> {
    if (this.options.role === 'technician') {
      this.listener = createServer((local) => void this.openTunnel(local));
      this.listener.listen(this.options.listenPort ?? 0, this.options.listenHost ?? '127.0.0.1');
      await once(this.listener, 'listening');
    }
    this.lastWatch = Date.now();
    this.watchdog = setInterval(() => this.watch(), this.heartbeatMs);
    void this.connect();
  }

  /** Resolves at the next `ready` (now if paired), rejects if the session ends first. */
  ready(): Promise<void> {
    if (this.state === 'ready') return Promise.resolve();
    return new Promise((resolve, reject) => {
      const onReady = () => {
        this.off('end', onEnd);
        resolve();
      };
      const onEnd = (reason: string) => {
        this.off('ready', onReady);
        reject(new AgentError(`session ended: ${reason}`));
      };
      if (this.state === 'ended') return onEnd(this.endReason ?? 'ended');
      this.once('ready', onReady);
      this.once('end', onEnd);
    });
  }

  /** The user ends the session: the relay ends it for both sides. */
  async end(): Promise<void> {
    const control = this.control;
    this.control = undefined; // its close is ours, not a reason to reconnect
    if (control && !control.destroyed) {
      // Let the END reach the relay (at most a second) before everything is cut.
      await new Promise<void>((resolve) => {
        control.end(encodeFrame({ t: 'END', reason: `ended_by_${this.options.role}` }), resolve);
        setTimeout(resolve, 1000).unref();
      });
    }
    await this.finish(`ended_by_${this.options.role}`);
  }

  /** Closes every connection of this agent (the session stays resumable for a minute). */
  async close(): Promise<void> {
    await this.finish(this.endReason ?? 'closed', false);
  }

  private async finish(reason: string, announce = true): Promise<void> {
    if (this.state === 'ended' && !announce) return this.closeAll();
    if (this.state === 'ended') return;
    this.state = 'ended';
    this.endReason = reason;
    this.options.logger.info({ sid: this.claims.sid, reason }, 'session over');
    await this.closeAll();
    if (announce) this.emit('end', reason);
  }

  private async closeAll(): Promise<void> {
    clearInterval(this.watchdog);
    clearTimeout(this.reconnectTimer);
    this.control?.destroy();
    this.control = undefined;
    for (const socket of this.tunnels) socket.destroy();
    const listener = this.listener;
    this.listener = undefined;
    if (listener) await new Promise((r) => listener.close(r));
    await this.activity?.flush();
  }

  private helloFrame(now: number): Frame | undefined {
    if (this.ticket && now - this.ticket.at < this.resumeMs - 1000) {
      return { t: 'HELLO', ticket: this.ticket.value };
    }
    if (this.tokenSent) return undefined;
    this.tokenSent = true;
    return { t: 'HELLO', token: this.options.token };
  }

  private async connect(): Promise<void> {
    let socket: Duplex;
    try {
      socket = await connectRelay(this.options.relay);
    } catch (error) {
      this.options.logger.warn({ err: (error as Error).message }, 'relay unreachable');
      this.scheduleReconnect();
      return;
    }
    if (this.state === 'ended') {
      socket.destroy();
      return;
    }
    const hello = this.helloFrame(Date.now());
    if (!hello) {
      socket.destroy();
      await this.finish('resume_ticket_expired');
      return;
    }
    this.control = socket;
    this.lastHeard = Date.now();
    socket.on('error', () => undefined);
    readFrames(
      socket,
      (frame) => this.onFrame(socket, frame),
      () => socket.destroy(),
    );
    socket.on('close', () => {
      if (this.control !== socket) return;
      this.control = undefined;
      this.scheduleReconnect();
    });
    socket.write(encodeFrame(hello));
    if (this.state === 'connecting' || this.state === 'reconnecting') this.state = 'waiting';
  }

  private scheduleReconnect(): void {
    if (this.state === 'ended' || this.reconnectTimer) return;
    const wasReady = this.state === 'ready';
    this.state = 'reconnecting';
    const delay = this.goawayRetryMs ?? this.backoff.next(Date.now());
    this.goawayRetryMs = undefined;
    this.options.logger.info({ sid: this.claims.sid, delayMs: delay }, 'reconnecting to the relay');
    if (wasReady) this.emit('disconnected');
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      this.reconnects++;
      void this.connect();
    }, delay);
  }

  private onFrame(socket: Duplex, frame: Frame): void {
    if (socket !== this.control) return; // a control connection already given up
    const now = Date.now();
    this.lastHeard = now;
    switch (frame.t) {
      case 'PING':
        this.ticket = { value: frame.ticket, at: now };
        socket.write(encodeFrame({ t: 'PONG', n: frame.n }));
        return;
      case 'READY':
        this.onReady(socket, frame, now);
        return;
      case 'OPEN':
        if (this.options.role === 'customer' && this.state === 'ready') {
          void this.serveOpen(socket, String(frame.cid));
        }
        return;
      case 'GOAWAY':
        this.goawayRetryMs = Math.min(Math.max(0, Number(frame.retryMs) || 0), 60_000);
        // Turned away at HELLO: the relay did not take the token, it may be offered again.
        if (!this.ticket) this.tokenSent = false;
        this.options.logger.info({ sid: this.claims.sid }, 'relay going away');
        socket.end();
        return;
      case 'END':
        void this.finish(String(frame.reason));
        return;
      default:
        return;
    }
  }

  /**
   * The relay paired us. The peer's token must verify with the platform's keys, for this session
   * and the other role: only then is its fingerprint trusted for the inner TLS.
   */
  private onReady(socket: Duplex, frame: Frame & { t: 'READY' }, now: number): void {
    let peer: AgentTokenClaims;
    try {
      peer = verifyAgentToken(frame.peerToken, this.options.publicKeys, now / 1000, {
        ignoreJoinDeadline: true,
      });
      if (peer.sid !== this.claims.sid) throw new AgentError('peer token is for another session');
      if (peer.role !== PEER[this.options.role])
        throw new AgentError('peer token has the wrong role');
    } catch (error) {
      this.options.logger.error({ err: (error as Error).message }, 'peer token refused');
      socket.end(encodeFrame({ t: 'END', reason: 'peer_token_invalid' }));
      void this.finish('peer_token_invalid');
      return;
    }
    this.peer = { fingerprint: peer.fp };
    this.secret = frame.secret;
    this.ticket = { value: frame.ticket, at: now };
    this.state = 'ready';
    this.backoff.connected(now);
    this.options.logger.info({ sid: this.claims.sid, role: this.options.role }, 'paired');
    this.emit('ready');
  }

  private track(socket: Duplex): void {
    this.tunnels.add(socket);
    socket.once('close', () => this.tunnels.delete(socket));
    socket.on('error', () => undefined);
  }

  /** A data connection to the relay for tunneled connection `cid`, inner TLS set up and pinned. */
  private async attach(cid: string): Promise<TLSSocket> {
    const peer = this.peer!;
    const outer = await connectRelay(this.options.relay);
    this.track(outer);
    if (this.state === 'ended') {
      outer.destroy();
      throw new AgentError('the agent is closed');
    }
    outer.write(
      encodeFrame({
        t: 'ATTACH',
        sid: this.claims.sid,
        role: this.options.role,
        secret: this.secret!,
        cid,
      }),
    );
    const inner =
      this.options.role === 'technician'
        ? connectTls({
            socket: outer,
            secureContext: this.secureContext,
            ...TLS_OPTIONS,
            rejectUnauthorized: false,
          })
        : new TLSSocket(outer, {
            isServer: true,
            secureContext: this.secureContext,
            requestCert: true,
            rejectUnauthorized: false,
          });
    this.track(inner);
    const secured = await Promise.race([
      once(inner, this.options.role === 'technician' ? 'secureConnect' : 'secure').then(() => true),
      once(outer, 'close').then(() => false),
    ]);
    if (!secured) throw new AgentError('the relay closed the connection before the inner TLS');
    const cert = inner.getPeerX509Certificate();
    if (!cert || certificateFingerprint(cert.raw) !== peer.fingerprint) {
      inner.destroy();
      outer.destroy();
      throw new AgentError("the peer's certificate does not match its token");
    }
    return inner;
  }

  private async openTunnel(local: Socket): Promise<void> {
    this.track(local);
    if (this.state !== 'ready') {
      local.destroy();
      return;
    }
    local.setNoDelay(true);
    const cid = randomUUID();
    try {
      const inner = await this.attach(cid);
      this.splice(local, inner, cid);
    } catch (error) {
      this.options.logger.warn(
        { cid, err: (error as Error).message },
        'tunneled connection failed',
      );
      local.destroy();
    }
  }

  private async serveOpen(control: Duplex, cid: string): Promise<void> {
    const [host, port] = [
      this.claims.tgt.slice(0, this.claims.tgt.lastIndexOf(':')),
      Number(this.claims.tgt.slice(this.claims.tgt.lastIndexOf(':') + 1)),
    ];
    const local = connectTcp({ host, port });
    this.track(local);
    try {
      await once(local, 'connect');
    } catch {
      control.write(encodeFrame({ t: 'CLOSE', cid, reason: 'target_refused' }));
      return;
    }
    local.setNoDelay(true);
    try {
      const inner = await this.attach(cid);
      const watcher = new AdbServiceWatcher((service) => this.activity?.record(service));
      inner.on('data', (chunk: Buffer) => watcher.push(chunk));
      this.splice(local, inner, cid);
    } catch (error) {
      this.options.logger.warn(
        { cid, err: (error as Error).message },
        'tunneled connection failed',
      );
      local.destroy();
    }
  }

  private splice(local: Socket, inner: TLSSocket, cid: string): void {
    this.options.logger.debug({ sid: this.claims.sid, cid }, 'tunneled connection open');
    pipeline(local, inner, local, () => {
      local.destroy();
      inner.destroy();
    });
  }

  /** No frame from the relay for three heartbeats: the control connection is dead, reconnect. */
  private watch(): void {
    const now = Date.now();
    const lagging = now - this.lastWatch > this.heartbeatMs * 1.5;
    this.lastWatch = now;
    if (lagging) this.lastHeard = now;
    if (this.control && now - this.lastHeard > this.heartbeatMs * 3.5) {
      this.options.logger.warn({ sid: this.claims.sid }, 'relay silent; reconnecting');
      this.control.destroy();
    }
  }
}
