/**
 * Audio and video calls of a repair job through LiveKit (README "Calls and push"). A call is
 * between the job's customer and its assigned technician while the job is active (`ACTIVE_STATUSES`
 * of the repair-job machine: from assignment until the work is finished — assigned, en_route,
 * arrived, diagnosing, quoted, awaiting_payment, in_progress); one ringing or active call per job.
 * It rings until the callee accepts or declines, or for the ring time (CALL_RING_SECONDS, then
 * missed: the `calls.ring-timeout` job); either party ends it. Staff (admin, ops leader) join
 * visibly with a reason, audited. A party losing the right (reassignment, withdrawal, the job
 * leaving the active states, suspension or blocking) is removed from the room and the room closed.
 *
 * The call's state is in PostgreSQL; LiveKit is called after the transaction commits (persist
 * intent, call out, compensate: a room that cannot be created ends the call); each move goes
 * through the call's state machine (`domain/call-state.ts`, history `call_history`), which publishes
 * its domain event (`call-events.ts`) after commit.
 */
import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { EventBus } from '@nestjs/cqrs';
import type { EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service.js';
import { AppProblem } from '../common/errors/problem.js';
import { cursorFields, encodeCursor, parseKeysetCursor, type Page } from '../common/pagination.js';
import type { RequestMeta } from '../common/request-meta.js';
import { isStaff, type Principal } from '../common/roles.js';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { execute } from '../database/sql.js';
import { TransactionRunner } from '../database/transaction.js';
import { AccountStatusHooks, type AccountStatusChange } from '../identity/account-status-hooks.js';
import { JobQueue } from '../jobs/job-queue.service.js';
import { ACTIVE_STATUSES } from '../repairs/domain/repair-job-state.js';
import {
  lockRepairJob,
  readRepairJob,
  repairJobNotFound,
  type RepairJobRow,
} from '../repairs/repair-job-store.js';
import { CallRinging } from './call-events.js';
import { CALL_JOBS } from './call-jobs.js';
import {
  callDtos,
  callList,
  callNotFound,
  insertCall,
  lockCall,
  lockOpenCalls,
  moveCall,
  type CallRow,
} from './call-store.js';
import type { AdminCallsQueryDto, CallConnectionDto, CallDto } from './dto/call.dto.js';
import { LiveKit, type CallKind } from './livekit.js';
import { UUID } from '../common/uuid.js';

const conflict = (code: string, detail: string, extensions: Record<string, unknown> = {}) =>
  new AppProblem(409, `call/${code}`, 'Conflict', detail, extensions);

/** What to do with LiveKit once a revocation has committed: who to remove, which room to close. */
interface Revoked {
  call: CallRow;
  remove: string[];
}

@Injectable()
export class Calls implements OnModuleInit {
  private readonly logger = new Logger(Calls.name);

  constructor(
    private readonly transactions: TransactionRunner,
    private readonly jobs: JobQueue,
    private readonly audit: AuditService,
    private readonly livekit: LiveKit,
    private readonly events: EventBus,
    private readonly statusHooks: AccountStatusHooks,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    this.jobs.define<{ callId: string }>({
      name: CALL_JOBS.ringTimeout,
      handler: (data) => this.ringTimeout(data.callId),
    });
    this.statusHooks.register((tx, change) => this.onAccountStatus(tx, change));
  }

  /** Calls the other party of my active job: the room is created and my token returned; the callee is rung. */
  async start(repairJobId: string, kind: CallKind, meta: RequestMeta): Promise<CallConnectionDto> {
    const me = meta.principal!;
    const { call, job, names } = await this.transactions.run(async (tx) => {
      // Locked: a concurrent reassignment or end of the job waits, then finds this call to end.
      const job = await this.partyJob(tx, repairJobId, me.userId, 'lock');
      if (!ACTIVE_STATUSES.includes(job.status))
        throw conflict('job-not-active', `A call needs an active job; this one is ${job.status}`, {
          repairJobId,
          repairJobStatus: job.status,
        });
      const calleeId = me.userId === job.customer_id ? job.technician_id! : job.customer_id;
      const call = await insertCall(tx, {
        id: randomUUID(),
        repairJobId,
        kind,
        callerId: me.userId,
        calleeId,
      });
      await this.jobs.send(
        CALL_JOBS.ringTimeout,
        { callId: call.id },
        { tx, startAfter: this.config.calls.ringSeconds },
      );
      return { call, job, names: await displayNames(tx, [me.userId]) };
    });
    try {
      await this.livekit.createRoom(call.room);
    } catch (err) {
      this.logger.error(`creating the room of call ${call.id} failed: ${String(err)}`);
      await this.transactions.run(async (tx) =>
        moveCall(tx, await lockCall(tx, call.id, this.config.calls.ringSeconds), {
          event: 'end',
          actor: 'system',
          actorId: null,
          reason: 'room_unavailable',
        }),
      );
      throw new AppProblem(
        503,
        'call/unavailable',
        'Service unavailable',
        'Calls are unavailable right now; try again shortly',
      );
    }
    const callerName = names.get(me.userId)!;
    this.events.publish(new CallRinging(call.id, job.id, [call.callee_id], kind, callerName));
    return this.connection(call, me.userId, callerName);
  }

  /** The callee answers: the call is active; the callee's token is returned. */
  async accept(callId: string, meta: RequestMeta): Promise<CallConnectionDto> {
    const me = meta.principal!;
    const { call, name } = await this.transactions.run(async (tx) => {
      const call = await this.lockCallee(tx, callId, me.userId);
      await moveCall(tx, call, { event: 'accept', actor: 'callee', actorId: me.userId });
      return { call, name: (await displayNames(tx, [me.userId])).get(me.userId)! };
    });
    return this.connection(call, me.userId, name);
  }

  /** The callee declines: the call is over, the room closed. */
  async decline(callId: string, meta: RequestMeta): Promise<CallDto> {
    const me = meta.principal!;
    const call = await this.transactions.run(async (tx) => {
      const call = await this.lockCallee(tx, callId, me.userId);
      await moveCall(tx, call, { event: 'decline', actor: 'callee', actorId: me.userId });
      return call;
    });
    await this.closeRoom(call.room);
    return this.get(callId, meta);
  }

  /** Either party ends the call (the caller's end while it rings cancels it); the room is closed. */
  async end(callId: string, meta: RequestMeta): Promise<CallDto> {
    const me = meta.principal!;
    const call = await this.transactions.run(async (tx) => {
      const call = await lockCall(tx, callId, this.config.calls.ringSeconds);
      if (call.caller_id !== me.userId && call.callee_id !== me.userId) throw callNotFound();
      if (call.status !== 'ringing' && call.status !== 'active')
        throw conflict('not-open', `This call is ${call.status}`, {
          callId,
          callStatus: call.status,
        });
      if (call.status === 'ringing' && call.callee_id === me.userId)
        throw conflict('decline-instead', 'The callee declines a ringing call', { callId });
      const actor = call.caller_id === me.userId ? 'caller' : 'callee';
      await moveCall(tx, call, { event: 'end', actor, actorId: me.userId });
      return call;
    });
    await this.closeRoom(call.room);
    return this.get(callId, meta);
  }

  /** Staff join a ringing or active call, visibly, saying why (audited `call.staff_join`). */
  async staffJoin(callId: string, reason: string, meta: RequestMeta): Promise<CallConnectionDto> {
    const me = meta.principal!;
    const { call, name } = await this.transactions.run(async (tx) => {
      const call = await lockCall(tx, callId, this.config.calls.ringSeconds);
      if (call.status !== 'ringing' && call.status !== 'active')
        throw conflict('not-open', `This call is ${call.status}`, {
          callId,
          callStatus: call.status,
        });
      await this.audit.record(tx, meta, {
        action: 'call.staff_join',
        targetType: 'call',
        targetId: call.id,
        reason,
        after: { repairJobId: call.repair_job_id, room: call.room },
      });
      return { call, name: (await displayNames(tx, [me.userId])).get(me.userId)! };
    });
    return this.connection(call, me.userId, name);
  }

  /** The `calls.ring-timeout` job: a call still ringing at the end of the ring time is missed. */
  async ringTimeout(callId: string): Promise<void> {
    const missed = await this.transactions.run(async (tx) => {
      const call = await lockCall(tx, callId, this.config.calls.ringSeconds);
      if (call.status !== 'ringing') return undefined;
      if (!call.ring_over) {
        // Early by the database clock: look again when it is due.
        await this.jobs.send(CALL_JOBS.ringTimeout, { callId }, { tx, startAfter: 1 });
        return undefined;
      }
      await moveCall(tx, call, { event: 'miss', actor: 'system', actorId: null, reason: 'missed' });
      return call;
    });
    if (missed !== undefined) await this.closeRoom(missed.room);
  }

  /**
   * A job moved: on reassignment its old technician loses the right, on leaving the active states
   * (a withdrawal included) both parties do. Their open call ends, they are removed from the room
   * and the room closed.
   */
  async onJobMoved(e: {
    repairJobId: string;
    customerId: string;
    technicianId: string | null;
    event: string;
    to: string;
  }): Promise<void> {
    const away = e.event === 'reassign' || e.event === 'withdraw';
    const ended = !ACTIVE_STATUSES.includes(e.to as RepairJobRow['status']);
    if (!away && !ended) return;
    const reason =
      e.event === 'reassign'
        ? 'job_reassigned'
        : e.event === 'withdraw'
          ? 'technician_withdrew'
          : 'job_ended';
    const revoked = await this.transactions.run(async (tx) => {
      const out: Revoked[] = [];
      for (const call of await lockOpenCalls(tx, { repairJobId: e.repairJobId })) {
        const remove = ended
          ? partiesOf(call)
          : partiesOf(call).filter((id) => id !== e.customerId && id !== e.technicianId);
        if (remove.length === 0) continue;
        out.push(await this.revokeIn(tx, call, remove, reason));
      }
      return out;
    });
    await this.afterRevocation(revoked);
  }

  /** The calls of a job, newest first: its customer and technician, and staff. */
  async forJob(repairJobId: string, meta: RequestMeta): Promise<CallDto[]> {
    const me = meta.principal!;
    return this.transactions.run(async (tx) => {
      if (!isStaff(me.role)) await this.partyJob(tx, repairJobId, me.userId);
      else await readRepairJob(tx, repairJobId, 'any');
      return callDtos(tx, { repairJobId });
    });
  }

  /** A call and its log: its parties and staff. */
  async get(callId: string, meta: RequestMeta): Promise<CallDto> {
    const me = meta.principal!;
    const call = await this.transactions.run(async (tx) =>
      UUID.test(callId) ? (await callDtos(tx, { id: callId }))[0] : undefined,
    );
    if (call === undefined || !canSee(me, call)) throw callNotFound();
    return call;
  }

  /** Staff: every call (by job, status, start time), newest first, with its log. */
  async list(q: AdminCallsQueryDto): Promise<Page<CallDto>> {
    const after = parseKeysetCursor(q.cursor, {
      createdAt: cursorFields.pgTimestamp,
      id: cursorFields.uuid,
    });
    const rows = await this.transactions.run((tx) =>
      callList(tx, {
        repairJobId: q.repairJobId,
        status: q.status,
        from: q.from,
        to: q.to,
        ...(after ? { after } : {}),
        limit: q.limit,
      }),
    );
    const items = rows.slice(0, q.limit);
    const last = items.at(-1);
    return {
      items: items.map((r) => r.call),
      ...(rows.length > q.limit && last
        ? { nextCursor: encodeCursor({ createdAt: last.createdAtText, id: last.call.id }) }
        : {}),
    };
  }

  // ---- internals ----

  private async onAccountStatus(
    tx: EntityManager,
    change: AccountStatusChange,
  ): Promise<(() => void) | undefined> {
    if (change.to !== 'suspended' && change.to !== 'blocked') return undefined;
    const revoked: Revoked[] = [];
    for (const call of await lockOpenCalls(tx, { userId: change.userId }))
      revoked.push(await this.revokeIn(tx, call, [change.userId], `account_${change.to}`));
    if (revoked.length === 0) return undefined;
    return () => void this.afterRevocation(revoked);
  }

  private async revokeIn(
    tx: EntityManager,
    call: CallRow,
    remove: string[],
    reason: string,
  ): Promise<Revoked> {
    await moveCall(tx, call, { event: 'end', actor: 'system', actorId: null, reason });
    return { call, remove };
  }

  /** Removes whoever lost the right from each room and closes it (the parties were told at commit). */
  private async afterRevocation(revoked: Revoked[]): Promise<void> {
    for (const r of revoked) {
      for (const identity of r.remove)
        await this.livekit.removeParticipant(r.call.room, identity).catch((err: unknown) => {
          this.logger.error(`removing ${identity} from ${r.call.room} failed: ${String(err)}`);
        });
      await this.closeRoom(r.call.room);
    }
  }

  /** Closing a room is best effort: its empty timeout closes it anyway. */
  private async closeRoom(room: string): Promise<void> {
    await this.livekit.closeRoom(room).catch((err: unknown) => {
      this.logger.error(`closing room ${room} failed (its empty timeout will): ${String(err)}`);
    });
  }

  /** The job (locked, or read), when I am its customer or assigned technician; 404 otherwise. */
  private async partyJob(
    tx: EntityManager,
    repairJobId: string,
    userId: string,
    mode: 'lock' | 'read' = 'read',
  ): Promise<RepairJobRow> {
    const job = await (mode === 'lock' ? lockRepairJob : readRepairJob)(tx, repairJobId, 'any');
    if (job.customer_id !== userId && job.technician_id !== userId) throw repairJobNotFound();
    return job;
  }

  /** A ringing call of which I am the callee, locked (404 unless I am a party). */
  private async lockCallee(tx: EntityManager, callId: string, userId: string): Promise<CallRow> {
    const call = await lockCall(tx, callId, this.config.calls.ringSeconds);
    if (call.caller_id !== userId && call.callee_id !== userId) throw callNotFound();
    if (call.callee_id !== userId)
      throw conflict('not-callee', 'Only the callee answers a call', { callId });
    if (call.status !== 'ringing')
      throw conflict('not-ringing', `This call is ${call.status}`, {
        callId,
        callStatus: call.status,
      });
    return call;
  }

  private async connection(
    call: CallRow,
    userId: string,
    name: string,
  ): Promise<CallConnectionDto> {
    return {
      callId: call.id,
      room: call.room,
      url: this.livekit.url,
      token: await this.livekit.token({ room: call.room, userId, name, kind: call.kind }),
    };
  }
}

const partiesOf = (call: Pick<CallRow, 'caller_id' | 'callee_id'>) => [
  call.caller_id,
  call.callee_id,
];

/** Staff reach here only with `read Call` (the route's policy); others see their own calls. */
function canSee(p: Principal, call: CallDto): boolean {
  return isStaff(p.role) || call.callerId === p.userId || call.calleeId === p.userId;
}

async function displayNames(tx: EntityManager, ids: string[]): Promise<Map<string, string>> {
  const { rows } = await execute<{ id: string; name: string }>(
    tx,
    `SELECT id::text AS id, display_name AS name FROM users WHERE id = ANY($1::uuid[])`,
    [ids],
  );
  return new Map(rows.map((r) => [r.id, r.name]));
}
