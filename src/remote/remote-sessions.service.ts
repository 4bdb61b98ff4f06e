/**
 * Remote sessions (README "Remote repair"): the technician of an online software job asks, under
 * the customer's active consent to remote sessions; the customer approves (the hard stop is set:
 * REMOTE_SESSION_MAX_MINUTES from then, never past the consent's expiry); each side asks for its
 * agent's join token; the relay's reports move it to connected and active; it ends by either party,
 * by staff (a kill, audited), when consent is withdrawn, when the job is closed or reassigned, at the
 * hard stop, or when it was never joined (the `remote.sweep` job). Every move goes through the
 * session's state machine (`domain/remote-session-state.ts`); an end of a session the relays know
 * is revoked there (`TunnelRelays`).
 */
import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service.js';
import { cursorFields, encodeCursor, parseKeysetCursor, type Page } from '../common/pagination.js';
import { AppProblem } from '../common/errors/problem.js';
import type { RequestMeta } from '../common/request-meta.js';
import { isStaff, type Principal } from '../common/roles.js';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { TransactionRunner } from '../database/transaction.js';
import { AccountStatusHooks, type AccountStatusChange } from '../identity/account-status-hooks.js';
import { JobQueue } from '../jobs/job-queue.service.js';
import { ACTIVE_STATUSES } from '../repairs/domain/repair-job-state.js';
import { lockRepairJob, readRepairJob, repairJobNotFound } from '../repairs/repair-job-store.js';
import {
  JOINABLE_STATUSES,
  isLive,
  type RemoteSessionStatus,
} from './domain/remote-session-state.js';
import type {
  AgentTokenDto,
  AgentTokenRequestDto,
  RemoteSessionDetailDto,
  RemoteSessionDto,
} from './dto/remote.dto.js';
import { activeConsentFor, forbidden, jobRefusal, technicianAccess } from './remote-access.js';
import {
  insertSession,
  insertToken,
  lockLiveSessions,
  lockSession,
  moveSession,
  sessionLogs,
  sessionNotFound,
  sessionRows,
  setSessionRelay,
  type SessionMove,
  type SessionRow,
} from './remote-store.js';
import { relayFor } from './relay-choice.js';
import { REMOTE_JOBS, TunnelRelays } from './tunnel-relays.js';

/** A join token must be used within this long (the contract's `exp`). */
const JOIN_WINDOW_SECONDS = 300;

const sessionConflict = (code: string, detail: string, s: SessionRow) =>
  new AppProblem(409, `remote-session/${code}`, 'Conflict', detail, {
    remoteSessionId: s.id,
    remoteSessionStatus: s.status,
  });

@Injectable()
export class RemoteSessions implements OnModuleInit {
  private readonly logger = new Logger(RemoteSessions.name);

  constructor(
    private readonly transactions: TransactionRunner,
    private readonly jobs: JobQueue,
    private readonly audit: AuditService,
    private readonly relays: TunnelRelays,
    private readonly statusHooks: AccountStatusHooks,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    this.jobs.define({ name: REMOTE_JOBS.sweep, cron: '* * * * *', handler: () => this.sweep() });
    this.statusHooks.register((tx, change) => this.onAccountStatus(tx, change));
  }

  /** The technician asks for a session (the customer approves it). */
  async request(repairJobId: string, meta: RequestMeta): Promise<RemoteSessionDto> {
    const me = meta.principal!;
    return this.transactions.run(async (tx) => {
      const job = await lockRepairJob(tx, repairJobId, 'any');
      const consent = await technicianAccess(tx, job, me, 'remote_session');
      const s = await insertSession(tx, {
        repairJobId,
        consentId: consent.id,
        customerId: job.customer_id,
        technicianId: me.userId,
        target: consent.target,
        bandwidthBps: this.config.remote.sessions.bandwidthBps,
        joinMinutes: this.config.remote.sessions.joinMinutes,
      });
      return sessionDto(s);
    });
  }

  /** The customer approves a requested session: the hard stop is set. */
  async approve(sessionId: string, meta: RequestMeta): Promise<RemoteSessionDto> {
    const me = meta.principal!;
    return this.transactions.run(async (tx) => {
      const s = await this.lockAsParty(tx, sessionId, me);
      if (s.customer_id !== me.userId)
        throw forbidden('customer-only', 'Only the customer approves a remote session', {
          remoteSessionId: s.id,
        });
      const job = await readRepairJob(tx, s.repair_job_id, 'any');
      const refusal = jobRefusal(job);
      if (refusal) throw forbidden(refusal.code, refusal.detail, { repairJobId: job.id });
      const consent = await activeConsentFor(tx, job, 'remote_session');
      const maxStop = Date.now() + this.config.remote.sessions.maxMinutes * 60_000;
      const hardStopAt = new Date(Math.min(maxStop, consent.expires_at.getTime()));
      await moveSession(tx, s, {
        event: 'approve',
        actor: 'customer',
        actorId: me.userId,
        hardStopAt,
      });
      return sessionDto(await lockSession(tx, s.id, 'read'));
    });
  }

  /** Either party ends (the customer's end of a requested session declines it). */
  async end(sessionId: string, meta: RequestMeta): Promise<RemoteSessionDto> {
    const me = meta.principal!;
    const revoked = await this.transactions.run(async (tx) => {
      const s = await this.lockAsParty(tx, sessionId, me);
      if (!isLive(s.status)) throw sessionConflict('ended', 'This remote session has ended', s);
      const customer = s.customer_id === me.userId;
      return this.endIn(tx, s, {
        event: 'end',
        actor: customer ? 'customer' : 'technician',
        actorId: me.userId,
        endReason: customer ? 'ended_by_customer' : 'ended_by_technician',
      });
    });
    this.relays.pushNow(revoked);
    return this.transactions.run(async (tx) =>
      sessionDto(await lockSession(tx, sessionId, 'read')),
    );
  }

  /** Staff end a session, saying why (audited `remote_session.kill`). */
  async kill(sessionId: string, reason: string, meta: RequestMeta): Promise<RemoteSessionDto> {
    const revoked = await this.transactions.run(async (tx) => {
      const s = await lockSession(tx, sessionId);
      if (!isLive(s.status)) throw sessionConflict('ended', 'This remote session has ended', s);
      await this.audit.record(tx, meta, {
        action: 'remote_session.kill',
        targetType: 'remote_session',
        targetId: s.id,
        reason,
        before: { status: s.status },
        after: { status: 'ended', endReason: 'admin_kill', repairJobId: s.repair_job_id },
      });
      return this.endIn(tx, s, {
        event: 'end',
        actor: 'staff',
        actorId: meta.principal!.userId,
        endReason: 'admin_kill',
        reason,
      });
    });
    this.relays.pushNow(revoked);
    return this.transactions.run(async (tx) =>
      sessionDto(await lockSession(tx, sessionId, 'read')),
    );
  }

  /** A join token for my agent (docs/remote-tunnel.md), single use; the jti is recorded. */
  async agentToken(
    sessionId: string,
    body: AgentTokenRequestDto,
    meta: RequestMeta,
  ): Promise<AgentTokenDto> {
    const me = meta.principal!;
    return this.transactions.run(async (tx) => {
      const s = await this.lockAsParty(tx, sessionId, me);
      const mine = s.customer_id === me.userId ? 'customer' : 'technician';
      if (body.role !== mine)
        throw forbidden('wrong-role', `You join this session as its ${mine}`, {
          remoteSessionId: s.id,
          role: mine,
        });
      if (s.status === 'requested')
        throw sessionConflict('not-approved', 'The customer has not approved this session yet', s);
      if (!isLive(s.status)) throw sessionConflict('ended', 'This remote session has ended', s);
      const job = await readRepairJob(tx, s.repair_job_id, 'any');
      if (mine === 'technician') await technicianAccess(tx, job, me, 'remote_session');
      else await activeConsentFor(tx, job, 'remote_session');
      const now = Math.floor(Date.now() / 1000);
      const stop = Math.floor(s.hard_stop_at!.getTime() / 1000);
      if (stop <= now)
        throw sessionConflict('hard-stop-passed', 'This session has reached its hard stop', s);
      const relay = relayFor(s.id, this.config.remote.tunnel.relays, s.relay_id);
      if (relay.id !== s.relay_id) await setSessionRelay(tx, s.id, relay.id);
      const jti = randomUUID();
      const exp = Math.min(now + JOIN_WINDOW_SECONDS, stop);
      const token = this.relays.signToken({
        v: 1,
        jti,
        sid: s.id,
        rly: relay.id,
        role: mine,
        dev: body.deviceId,
        tgt: s.target,
        fp: body.certFingerprint,
        iat: now,
        exp,
        stop,
        bw: s.bandwidth_bps,
      });
      await insertToken(tx, {
        jti,
        sessionId: s.id,
        role: mine,
        userId: me.userId,
        deviceId: body.deviceId,
        certFingerprint: body.certFingerprint,
        issuedAt: new Date(now * 1000),
        joinBy: new Date(exp * 1000),
        hardStopAt: s.hard_stop_at!,
      });
      if (s.status === 'approved')
        await moveSession(tx, s, { event: 'issue_tokens', actor: mine, actorId: me.userId });
      return {
        token,
        jti,
        sessionId: s.id,
        role: mine,
        relayId: relay.id,
        relayUrl: relay.url,
        relayCertFingerprint: relay.certFingerprint,
        target: s.target,
        bandwidthBps: s.bandwidth_bps,
        joinBy: new Date(exp * 1000).toISOString(),
        hardStopAt: s.hard_stop_at!.toISOString(),
        publicKeys: this.relays.publicKeys,
      };
    });
  }

  /**
   * A session and its logs: its customer, its technician, staff. Read in one snapshot: the relay's
   * closing report writes an event and the totals together, and a reader must not see one without
   * the other.
   */
  async get(sessionId: string, meta: RequestMeta): Promise<RemoteSessionDetailDto> {
    const me = meta.principal!;
    return this.transactions.run(async (tx) => {
      const s = await lockSession(tx, sessionId, 'read');
      if (!canSee(me, s)) throw sessionNotFound();
      const logs = await sessionLogs(tx, s.id);
      return {
        ...sessionDto(s),
        history: logs.history.map((h) => ({ ...h, at: h.at.toISOString() })),
        relayEvents: logs.relayEvents.map((e) => ({ ...e, at: e.at.toISOString() })),
        activity: logs.activity.map((a) => ({ ...a, at: a.at.toISOString() })),
      };
    }, 'REPEATABLE READ');
  }

  /** A job's sessions, newest first: its customer and current technician, and staff. */
  async forJob(repairJobId: string, meta: RequestMeta): Promise<RemoteSessionDto[]> {
    const me = meta.principal!;
    return this.transactions.run(async (tx) => {
      const job = await readRepairJob(tx, repairJobId, 'any');
      if (!isStaff(me.role) && job.customer_id !== me.userId && job.technician_id !== me.userId)
        throw repairJobNotFound();
      return (await sessionRows(tx, { repairJobId })).map(sessionDto);
    });
  }

  /** Staff: live or ended sessions (or both), newest first. */
  async list(q: {
    state?: 'live' | 'ended';
    limit: number;
    cursor?: string;
  }): Promise<Page<RemoteSessionDto>> {
    const after = parseKeysetCursor(q.cursor, {
      requestedAt: cursorFields.pgTimestamp,
      id: cursorFields.uuid,
    });
    return this.transactions.run(async (tx) => {
      const rows = await sessionRows(tx, {
        live: q.state === undefined ? undefined : q.state === 'live',
        ...(after ? { after } : {}),
        limit: q.limit,
      });
      const items = rows.slice(0, q.limit);
      const last = items.at(-1) as (SessionRow & { requested_at_text: string }) | undefined;
      return {
        items: items.map(sessionDto),
        ...(rows.length > q.limit && last
          ? { nextCursor: encodeCursor({ requestedAt: last.requested_at_text, id: last.id }) }
          : {}),
      };
    });
  }

  /**
   * Ends the live sessions of a consent (withdrawn), of a job (closed, reassigned) or of a party
   * (suspended, blocked) in the caller's
   * transaction; returns the session ids the relays must hear of (`TunnelRelays.pushNow` after commit).
   */
  async endAllIn(
    tx: EntityManager,
    where: { consentId: string } | { repairJobId: string } | { userId: string },
    endReason: string,
  ): Promise<string[]> {
    const revoked: string[] = [];
    for (const s of await lockLiveSessions(tx, where))
      revoked.push(
        ...(await this.endIn(tx, s, { event: 'end', actor: 'system', actorId: null, endReason })),
      );
    return revoked;
  }

  /** A job moved (after commit): leaving the worked-on states, or reassigned, ends its sessions. */
  async onJobMoved(e: { repairJobId: string; event: string; to: string }): Promise<void> {
    const closed = !ACTIVE_STATUSES.includes(e.to as (typeof ACTIVE_STATUSES)[number]);
    const moved = e.event === 'reassign' || e.event === 'withdraw';
    if (!closed && !moved) return;
    // A withdrawal leaves the job waiting for another technician: not closed, but not this one's.
    const reason = moved ? 'technician_changed' : 'job_closed';
    const revoked = await this.transactions.run((tx) =>
      this.endAllIn(tx, { repairJobId: e.repairJobId }, reason),
    );
    this.relays.pushNow(revoked);
  }

  /**
   * A party suspended or blocked (in that change's transaction): their live sessions end
   * (`account_suspended`, `account_blocked`), the relays told after commit.
   */
  private async onAccountStatus(
    tx: EntityManager,
    change: AccountStatusChange,
  ): Promise<(() => void) | undefined> {
    if (change.to !== 'suspended' && change.to !== 'blocked') return undefined;
    const revoked = await this.endAllIn(tx, { userId: change.userId }, `account_${change.to}`);
    return revoked.length === 0 ? undefined : () => this.relays.pushNow(revoked);
  }

  /** The `remote.sweep` job: sessions past their hard stop, or never joined in time, end. */
  async sweep(): Promise<number> {
    const { ended, revoked } = await this.transactions.run(async (tx) => {
      const revoked: string[] = [];
      const due = await lockLiveSessions(tx, 'due');
      for (const s of due) {
        const pastStop = s.hard_stop_at !== null && s.hard_stop_at.getTime() <= Date.now();
        revoked.push(
          ...(await this.endIn(tx, s, {
            event: 'end',
            actor: 'system',
            actorId: null,
            endReason: pastStop ? 'hard_stop' : 'expired_unjoined',
          })),
        );
      }
      return { ended: due.length, revoked };
    });
    this.relays.pushNow(revoked);
    if (ended > 0) this.logger.log(`remote sessions ended by the sweep: ${ended}`);
    return ended;
  }

  /**
   * Ends a locked session; a session the relays may know (join tokens issued) ended by anyone but the
   * relay itself, before its hard stop, is revoked: its id is returned for the push after commit.
   */
  async endIn(tx: EntityManager, s: SessionRow, move: SessionMove): Promise<string[]> {
    const known = (JOINABLE_STATUSES as readonly RemoteSessionStatus[]).includes(s.status);
    await moveSession(tx, s, move);
    if (!known || move.actor === 'relay' || move.endReason === 'hard_stop') return [];
    await this.relays.revokeIn(tx, s.id, move.endReason!, s.hard_stop_at!);
    return [s.id];
  }

  /** The session, locked, when I am its customer or technician; 404 otherwise. */
  private async lockAsParty(
    tx: EntityManager,
    sessionId: string,
    me: Principal,
  ): Promise<SessionRow> {
    const s = await lockSession(tx, sessionId);
    if (s.customer_id !== me.userId && s.technician_id !== me.userId) throw sessionNotFound();
    return s;
  }
}

/** Staff reach here only with `read RemoteSession` (the route's policy); the parties see their own. */
function canSee(p: Principal, s: SessionRow): boolean {
  return isStaff(p.role) || s.customer_id === p.userId || s.technician_id === p.userId;
}

export function sessionDto(s: SessionRow): RemoteSessionDto {
  const iso = (d: Date | null) => d?.toISOString() ?? null;
  return {
    id: s.id,
    repairJobId: s.repair_job_id,
    customerId: s.customer_id,
    technicianId: s.technician_id,
    status: s.status,
    target: s.target,
    bandwidthBps: s.bandwidth_bps,
    requestedAt: s.requested_at.toISOString(),
    joinBy: s.join_by.toISOString(),
    approvedAt: iso(s.approved_at),
    hardStopAt: iso(s.hard_stop_at),
    connectedAt: iso(s.connected_at),
    activeAt: iso(s.active_at),
    endedAt: iso(s.ended_at),
    endReason: s.end_reason,
    endedBy: s.ended_by,
    totals: {
      bytesCustomerToTechnician: Number(s.bytes_customer_to_technician),
      bytesTechnicianToCustomer: Number(s.bytes_technician_to_customer),
      reconnects: s.reconnects,
      throttledMs: Number(s.throttled_ms),
    },
  };
}
