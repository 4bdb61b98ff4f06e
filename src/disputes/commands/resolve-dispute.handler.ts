/**
 * Staff resolve a dispute (audited) in one order (or repair-job) command, through the state
 * machine's `resolve` (lock order: order → sub-orders → dispute → escrow hold; job → dispute →
 * escrow holds):
 *
 * - `release` → completed: the release job releases the whole hold (ledger-spec recipe §3).
 * - `full_refund` → cancelled: the refund sweep refunds the whole hold (recipe §4).
 * - `partial_refund` X (0 < X < held) → completed with `escrow_holds.refund_at_release_paise` = X:
 *   the release posts `escrowRelease` with refund X (recipe §5) and records a `partial` refund that
 *   the refunds job sends to the gateway.
 *
 * A repair job's dispute moves the job (`resolve_dispute`) instead of a sub-order: to `confirmed`
 * for `release` and `partial_refund` (its escrow is then due to the technician, with repairs'
 * refund at release — payments' `setJobRefundAtRelease` — 0 or X, replacing one staff set before),
 * to `cancelled` with no visit fee for `full_refund` (the refund sweep refunds its escrow whole).
 *
 * The job concerned is enqueued in the same transaction, so it settles soon.
 */
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { EntityManager } from 'typeorm';
import { AuditService } from '../../audit/audit.service.js';
import { AppProblem } from '../../common/errors/problem.js';
import { allows } from '../../common/state-machine.js';
import { execute } from '../../database/sql.js';
import { TransactionRunner } from '../../database/transaction.js';
import { ESCROW_JOBS } from '../../escrow/escrow-jobs.js';
import { JobQueue } from '../../jobs/job-queue.service.js';
import { OrderCommands } from '../../orders/order-commands.service.js';
import { setJobRefundAtRelease, setRefundAtRelease } from '../../payments/escrow-hold-moves.js';
import { REFUND_JOBS } from '../../payments/refund-jobs.js';
import type { RequestMeta } from '../../common/request-meta.js';
import type { Principal } from '../../common/roles.js';
import { applyRepairTransition, lockRepairJob } from '../../repairs/repair-job-store.js';
import {
  closed,
  type DisputeRow,
  escrowNotHeld,
  loadDispute,
  moveDispute,
  refundOutOfRange,
} from '../dispute-store.js';
import { DisputesService } from '../disputes.service.js';
import { DISPUTE_MACHINE } from '../domain/dispute-state.js';
import type { DisputeDto, ResolveDisputeDto } from '../dto/dispute.dto.js';
import { ResolveDisputeCommand } from './resolve-dispute.command.js';

/** 422 unless `refundPaise` is given with, and only with, the `partial_refund` outcome. */
function refuseUnlessRefundMatches(dto: ResolveDisputeDto): void {
  if (dto.outcome !== 'partial_refund' && dto.refundPaise !== undefined)
    throw new AppProblem(
      422,
      'dispute/refund-not-allowed',
      'Refund amount not allowed',
      'refundPaise is given only with the partial_refund outcome',
    );
  if (dto.outcome === 'partial_refund' && dto.refundPaise === undefined)
    throw new AppProblem(
      422,
      'dispute/refund-required',
      'Refund amount required',
      'A partial refund needs refundPaise',
    );
}

/**
 * Locks the sub-order's escrow hold (409 unless held) and, for a partial refund, records the part
 * refunded at release (422 unless less than held); returns the held amount.
 */
async function lockHeldFor(
  tx: EntityManager,
  subOrderId: string,
  dto: ResolveDisputeDto,
): Promise<number> {
  const { rows: holds } = await execute<{ amount_paise: string; status: string }>(
    tx,
    `SELECT amount_paise::text AS amount_paise, status FROM escrow_holds WHERE sub_order_id = $1 FOR UPDATE`,
    [subOrderId],
  );
  const hold = holds[0];
  if (hold === undefined || hold.status !== 'held')
    throw escrowNotHeld('part', hold?.status ?? null);
  const held = Number(hold.amount_paise);
  if (dto.outcome === 'partial_refund') {
    const x = dto.refundPaise!;
    if (x >= held) throw refundOutOfRange(held);
    await setRefundAtRelease(tx, subOrderId, x);
  }
  return held;
}

/**
 * Locks the repair job's held escrow (409 unless some is held) and records what its release
 * refunds: X for a partial refund (422 unless less than held), else 0; returns the held amount.
 */
async function lockJobHeldFor(
  tx: EntityManager,
  repairJobId: string,
  dto: ResolveDisputeDto,
): Promise<number> {
  const refund = dto.outcome === 'partial_refund' ? dto.refundPaise! : 0;
  const held = await setJobRefundAtRelease(tx, repairJobId, refund);
  if (held === undefined) throw escrowNotHeld('repair', null);
  if (refund >= held.heldPaise) throw refundOutOfRange(held.heldPaise);
  return held.heldPaise;
}

/** The locked dispute resolved by staff (its `resolve` move, the outcome and the reason). */
function resolveIn(
  tx: EntityManager,
  row: DisputeRow,
  dto: ResolveDisputeDto,
  p: Principal,
): Promise<void> {
  return moveDispute(
    tx,
    row,
    { event: 'resolve', actor: 'staff', principal: p, reason: dto.reason },
    {
      set: `resolution = $4, refund_paise = $5, resolution_reason = $6, resolved_by = $7,
        resolved_at = now()`,
      params: [dto.outcome, dto.refundPaise ?? null, dto.reason, p.userId],
    },
  );
}

@CommandHandler(ResolveDisputeCommand)
export class ResolveDisputeHandler implements ICommandHandler<ResolveDisputeCommand> {
  constructor(
    private readonly transactions: TransactionRunner,
    private readonly orders: OrderCommands,
    private readonly audit: AuditService,
    private readonly jobs: JobQueue,
    private readonly disputes: DisputesService,
  ) {}

  async execute({
    disputeId: id,
    resolution: dto,
    meta,
  }: ResolveDisputeCommand): Promise<DisputeDto> {
    refuseUnlessRefundMatches(dto);
    const ref = await this.transactions.run((tx) => loadDispute(tx, id, false));
    if (ref.repair_job_id !== null) await this.resolveRepairJob(ref.repair_job_id, id, dto, meta);
    else await this.resolveSubOrder(ref, dto, meta);
    return this.disputes.get(id, meta);
  }

  private async resolveSubOrder(
    ref: DisputeRow,
    dto: ResolveDisputeDto,
    meta: RequestMeta,
  ): Promise<void> {
    const p = meta.principal!;
    const id = ref.id;
    await this.orders.withSubOrder(
      ref.order_id!,
      ref.sub_order_id!,
      null,
      async (tx, sub, move) => {
        const row = await loadDispute(tx, id, true);
        if (!allows(DISPUTE_MACHINE, row.status, 'resolve', 'staff')) throw closed();
        const held = await lockHeldFor(tx, sub.id, dto);
        const before = sub.status;
        await move({
          event: 'resolve',
          actor: 'admin',
          actorId: p.userId,
          actorRole: p.role,
          reason: dto.reason,
          to: dto.outcome === 'full_refund' ? 'cancelled' : 'completed',
        });
        await resolveIn(tx, row, dto, p);
        await this.audit.record(tx, meta, {
          action: 'dispute.resolve',
          targetType: 'dispute',
          targetId: id,
          reason: dto.reason,
          before: { status: row.status, subOrderStatus: before, heldPaise: held },
          after: {
            outcome: dto.outcome,
            refundPaise: dto.refundPaise ?? null,
            subOrderId: sub.id,
            subOrderStatus: sub.status,
          },
        });
        await this.settleSoonIn(tx, dto);
      },
    );
  }

  private async resolveRepairJob(
    repairJobId: string,
    id: string,
    dto: ResolveDisputeDto,
    meta: RequestMeta,
  ): Promise<void> {
    const p = meta.principal!;
    await this.transactions.run(async (tx) => {
      const job = await lockRepairJob(tx, repairJobId, 'any');
      const row = await loadDispute(tx, id, true);
      if (!allows(DISPUTE_MACHINE, row.status, 'resolve', 'staff')) throw closed();
      const held = await lockJobHeldFor(tx, job.id, dto);
      const refundedInFull = dto.outcome === 'full_refund';
      const moved = await applyRepairTransition(tx, job, {
        event: 'resolve_dispute',
        actor: 'staff',
        actorId: p.userId,
        actorRole: p.role,
        reason: dto.reason,
        to: refundedInFull ? 'cancelled' : 'confirmed',
        ...(refundedInFull ? { visitFeePaise: 0 } : {}),
      });
      await resolveIn(tx, row, dto, p);
      await this.audit.record(tx, meta, {
        action: 'dispute.resolve',
        targetType: 'dispute',
        targetId: id,
        reason: dto.reason,
        before: { status: row.status, repairJobStatus: job.status, heldPaise: held },
        after: {
          outcome: dto.outcome,
          refundPaise: dto.refundPaise ?? null,
          repairJobId: job.id,
          repairJobStatus: moved.status,
        },
      });
      await this.settleSoonIn(tx, dto);
    });
  }

  /** Settle soon rather than at the next minute's run: the refunds job or the release job. */
  private async settleSoonIn(tx: EntityManager, dto: ResolveDisputeDto): Promise<void> {
    if (dto.outcome === 'full_refund') await this.jobs.send(REFUND_JOBS.process, {}, { tx });
    else await this.jobs.send(ESCROW_JOBS.releaseDue, {}, { tx });
  }
}
