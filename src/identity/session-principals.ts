import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import pg from 'pg';
import { Counter, Histogram } from 'prom-client';
import { DataSource } from 'typeorm';
import {
  PrincipalSource,
  type AccessClaims,
  type SessionPrincipal,
} from '../access/access-token-verifier.js';
import type { AccountStatus, Role, TechnicianKind } from '../common/roles.js';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { byOrdinal, StatementBatcher } from '../database/statement-batcher.js';
import { MetricsService } from '../observability/metrics.service.js';
import { UUID } from '../common/uuid.js';

/** The channel the database announces principal changes on (migration PrincipalChanges). */
export const PRINCIPAL_CHANGED = 'principal_changed';
/** How often the listening connection is checked, and how long a check may take before it counts as lost. */
const CHECK_EVERY_MS = 500;
const CHECK_WITHIN_MS = 1000;
/** After a failed connection, the next attempt waits this long. */
const RECONNECT_AFTER_MS = 1000;
/** A change made by this process is awaited from the database at most this long. */
const LOCAL_CHANGE_HOLD_MS = 5000;
const MAX_ENTRIES = 100_000;
/** Principals read together: at most this many per statement, two statements in flight. */
const LOOKUP_BATCH_MAX = 200;
const LOOKUPS_IN_FLIGHT = 2;

interface PrincipalRow {
  role: Role;
  status: AccountStatus;
  technician_kind: TechnicianKind | null;
  phone_unverified: boolean;
  expires_at: Date;
}

interface Entry extends SessionPrincipal {
  userId: string;
  /** The session's expiry (ms): the entry is never used past it. */
  expiresAt: number;
  /** When it was read (ms): used for at most AUTH_PRINCIPAL_CACHE_SECONDS. */
  readAt: number;
}

/**
 * The principals of active sessions, kept between requests so that an authenticated request costs
 * no database round trip — and still as current as reading them every time: the database announces
 * every change at commit (`principal_changed`, migration PrincipalChanges) and every process listens
 * on a connection of its own and forgets that account's entries. Entries are used only while:
 *
 * - the listening connection is up and answers its checks (every 500 ms, within a second). Until it is (start,
 *   a lost connection, a reconnect) every request reads the database and nothing is kept; on
 *   reconnecting everything kept is forgotten, since announcements may have been missed;
 * - the session has not expired, and the entry is younger than `AUTH_PRINCIPAL_CACHE_SECONDS`
 *   (60 s; 0 turns the cache off);
 * - no announcement arrived while it was being read (a read that raced a change is not kept).
 *
 * A change made by this process (`changed`, called by identity's own writes) is forgotten at once and
 * nothing is kept for that account until the database's announcement of it arrives (or 5 s pass: a
 * change rolled back is never announced), so this process's next request sees it even before the
 * commit's announcement is read. Other processes see it when the announcement arrives
 * (milliseconds; the checks bound a silent loss of the connection to 1.5 s).
 *
 * The same announcements are offered to long-lived connections (`onChange`: the chat socket ends
 * when its session or account does); a lost connection tells them everything may have changed. The
 * listening connection is kept even with the cache off (AUTH_PRINCIPAL_CACHE_SECONDS=0), for them.
 */
@Injectable()
export class SessionPrincipals
  extends PrincipalSource
  implements OnApplicationBootstrap, OnApplicationShutdown
{
  private readonly logger = new Logger(SessionPrincipals.name);
  private readonly entries = new Map<string, Entry>();
  /** The sessions kept per account. */
  private readonly sessionsOf = new Map<string, Set<string>>();
  /** Accounts changed by this process whose announcement has not arrived yet: until when (ms). */
  private readonly held = new Map<string, number>();
  /** Counts announcements and resets: a read that spans a change is not kept. */
  private generation = 0;
  private listener: pg.Client | undefined;
  private listening = false;
  private stopped = false;
  private checkTimer: NodeJS.Timeout | undefined;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private readonly maxAgeMs: number;
  private readonly lookups: Counter<'outcome'>;
  private readonly changeListeners = new Set<(userId: string | null) => void>();
  /**
   * Sessions not kept here, read from the database: those arriving together (a burst of sessions
   * this process has not seen, as after a restart) in one statement.
   */
  private readonly reads: StatementBatcher<AccessClaims, PrincipalRow | undefined>;

  constructor(
    private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    metrics: MetricsService,
  ) {
    super();
    this.maxAgeMs = config.auth.principalCacheSeconds * 1000;
    this.lookups = new Counter({
      name: 'auth_principal_lookups_total',
      help: 'Authenticated requests by where their principal came from: cache (hit), database (miss) or database while the cache is off or not listening (bypass)',
      labelNames: ['outcome'] as const,
      registers: [metrics.registry],
    });
    const sizes = new Histogram({
      name: 'auth_principal_read_batch_size',
      help: 'Sessions read from the database per statement (those arriving together share one)',
      buckets: [1, 2, 5, 10, 25, 50, 100, LOOKUP_BATCH_MAX],
      registers: [metrics.registry],
    });
    this.reads = new StatementBatcher(
      (claims) => {
        sizes.observe(claims.length);
        return this.readPrincipals(claims);
      },
      {
        key: (c) => c.sessionId,
        maxBatch: LOOKUP_BATCH_MAX,
        concurrency: LOOKUPS_IN_FLIGHT,
      },
    );
  }

  onApplicationBootstrap(): void {
    void this.connect();
  }

  onChange(listener: (userId: string | null) => void): () => void {
    this.changeListeners.add(listener);
    return () => this.changeListeners.delete(listener);
  }

  private announce(userId: string | null): void {
    for (const listener of this.changeListeners) listener(userId);
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearInterval(this.checkTimer);
    clearTimeout(this.reconnectTimer);
    this.reset();
    await this.listener?.end().catch(() => undefined);
  }

  async principalOf(claims: AccessClaims): Promise<SessionPrincipal | undefined> {
    const now = Date.now();
    const caching = this.listening && this.maxAgeMs > 0;
    const cached = caching ? this.entries.get(claims.sessionId) : undefined;
    if (
      cached !== undefined &&
      cached.userId === claims.userId &&
      cached.expiresAt > now &&
      now - cached.readAt < this.maxAgeMs
    ) {
      this.lookups.inc({ outcome: 'hit' });
      return cached;
    }
    this.lookups.inc({ outcome: caching ? 'miss' : 'bypass' });
    const generation = this.generation;
    // Ids are checked here: one malformed value must not fail the statement it shares with others.
    if (!UUID.test(claims.sessionId) || !UUID.test(claims.userId)) return undefined;
    const row = await this.reads.call(claims);
    if (!row) return undefined;
    const entry: Entry = {
      role: row.role,
      status: row.status,
      technicianKind: row.technician_kind,
      phoneUnverified: row.phone_unverified,
      userId: claims.userId,
      expiresAt: row.expires_at.getTime(),
      readAt: now,
    };
    // Kept only if listening throughout: a loss or reconnect meanwhile moved the generation on.
    if (caching && generation === this.generation && !this.isHeld(claims.userId)) {
      if (this.entries.size >= MAX_ENTRIES) this.drop(this.entries.keys().next().value!);
      this.entries.set(claims.sessionId, entry);
      const sessions = this.sessionsOf.get(claims.userId);
      if (sessions) sessions.add(claims.sessionId);
      else this.sessionsOf.set(claims.userId, new Set([claims.sessionId]));
    }
    return entry;
  }

  /** The live sessions among `claims` with their accounts, in order (undefined: none such). */
  private async readPrincipals(claims: AccessClaims[]): Promise<(PrincipalRow | undefined)[]> {
    const rows = (await this.dataSource.query(
      `SELECT c.i::int AS i, u.role, u.status, u.technician_kind,
              (u.phone IS NOT NULL AND u.phone_verified_at IS NULL) AS phone_unverified,
              s.expires_at
         FROM unnest($1::uuid[], $2::uuid[]) WITH ORDINALITY AS c(session_id, user_id, i)
         JOIN sessions s ON s.id = c.session_id AND s.user_id = c.user_id
         JOIN users u ON u.id = s.user_id
        WHERE s.revoked_at IS NULL AND s.expires_at > now()`,
      [claims.map((c) => c.sessionId), claims.map((c) => c.userId)],
    )) as (PrincipalRow & { i: number })[];
    return byOrdinal(rows, claims.length);
  }

  /**
   * Identity's own writes call this for the account whose role, status, phone or sessions they
   * change (inside their transaction): its entries are forgotten and none is kept until the
   * database announces the change.
   */
  changed(userId: string): void {
    this.held.set(userId, Date.now() + LOCAL_CHANGE_HOLD_MS);
    this.forget(userId);
  }

  private isHeld(userId: string): boolean {
    const until = this.held.get(userId);
    if (until === undefined) return false;
    if (until > Date.now()) return true;
    this.held.delete(userId);
    return false;
  }

  private forget(userId: string): void {
    this.generation++;
    for (const sessionId of this.sessionsOf.get(userId) ?? []) this.entries.delete(sessionId);
    this.sessionsOf.delete(userId);
  }

  private drop(sessionId: string): void {
    const entry = this.entries.get(sessionId);
    this.entries.delete(sessionId);
    if (entry) this.sessionsOf.get(entry.userId)?.delete(sessionId);
  }

  private reset(): void {
    this.listening = false;
    this.generation++;
    this.entries.clear();
    this.sessionsOf.clear();
  }

  private async connect(): Promise<void> {
    const client = new pg.Client({
      connectionString: this.config.database.url,
      application_name: 'fixbazaar-principals',
      keepAlive: true,
    });
    this.listener = client;
    client.on('notification', (message) => {
      if (message.channel !== PRINCIPAL_CHANGED || message.payload === undefined) return;
      this.held.delete(message.payload);
      this.forget(message.payload);
      this.announce(message.payload);
    });
    client.on('error', (err) => this.lost(client, err));
    client.on('end', () => this.lost(client));
    try {
      await client.connect();
      await client.query(`LISTEN ${PRINCIPAL_CHANGED}`);
    } catch (err) {
      this.lost(client, err);
      return;
    }
    if (this.stopped || this.listener !== client) return;
    this.reset();
    this.listening = true;
    // Announcements may have been missed while nothing listened.
    this.announce(null);
    this.checkTimer = setInterval(() => void this.check(client), CHECK_EVERY_MS);
    this.checkTimer.unref();
  }

  /** The listening connection answers within the interval, or is given up. */
  private async check(client: pg.Client): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((resolve) => {
      timer = setTimeout(() => resolve('late'), CHECK_WITHIN_MS);
    });
    const answer = await Promise.race([client.query('SELECT 1').then(() => 'ok' as const), late])
      .catch(() => 'failed' as const)
      .finally(() => clearTimeout(timer));
    if (answer !== 'ok') this.lost(client, new Error(`listening connection check ${answer}`));
  }

  private lost(client: pg.Client, err?: unknown): void {
    if (this.listener !== client) return;
    this.listener = undefined;
    clearInterval(this.checkTimer);
    this.reset();
    void client.end().catch(() => undefined);
    if (this.stopped) return;
    this.announce(null);
    this.logger.warn(
      `principal cache off until its listening connection is back: ${err instanceof Error ? err.message : 'connection ended'}`,
    );
    this.reconnectTimer = setTimeout(() => void this.connect(), RECONNECT_AFTER_MS);
    this.reconnectTimer.unref();
  }
}
