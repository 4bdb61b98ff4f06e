/**
 * Refunds after release (ledger-spec/recipes.md §6–7), decided by staff (audited): only for
 * released escrow; the refunds after release of a sub-order — or of a repair job, over its released
 * holds (`RefundRepairAfterReleaseHandler`) — never add up to more than was released (422).
 * Recorded as `refunds` rows of kind `after_release` (one per hold) and sent by the
 * `payments.refunds` job (src/payments/refunds.service.ts) with the refund's id as the gateway's
 * idempotency key; its Route transfer reversal and its ledger clawback (posted once, when the
 * gateway reports it processed) are in ../refund-after-release-posting.ts.
 */
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { EntityManager } from 'typeorm';
import { AuditService } from '../../audit/audit.service.js';
import { AppProblem } from '../../common/errors/problem.js';
import { TransactionRunner } from '../../database/transaction.js';
import { JobQueue } from '../../jobs/job-queue.service.js';
import { splitLargestRemainder, sumPaise } from '../../ledger/domain/money.js';
import { recordRefundIn } from '../../payments/refund-store.js';
import type { RefundAfterReleaseDto } from '../dto/refund-after-release.dto.js';
import {
  refundedAfterReleaseIn,
  releasedHoldIn,
  type ReleasedHold,
} from '../refund-after-release-posting.js';
import { RefundAfterReleaseCommand } from './refund-after-release.command.js';

/** 409 for escrow not released (yet, or any more): held escrow is refunded before release. */
function notReleased(holdStatus: string): AppProblem {
  return new AppProblem(
    409,
    'escrow/not-released',
    'Conflict',
    `The escrow is ${holdStatus}, not released: refund it before release instead`,
    { holdStatus },
  );
}

/** The sub-order's hold with its payment, locked; 404 without one, 409 unless released. */
async function lockReleasedHold(tx: EntityManager, subOrderId: string): Promise<ReleasedHold> {
  const hold = await releasedHoldIn(tx, { subOrderId }, true);
  if (hold === undefined)
    throw new AppProblem(404, 'escrow/hold-not-found', 'Not found', 'No escrow for this sub-order');
  if (hold.status !== 'released') throw notReleased(hold.status);
  return hold;
}

/**
 * Records a refund after release of released holds (locked by the caller; a sub-order's one, or a
 * repair job's), in the caller's transaction, enqueueing the refunds job: 422 above what is left of
 * what they released (less their refunds after release requested or processed). Split over the
 * holds in proportion to what is left of each (largest remainder; as the refund at release
 * splits over a job's holds), one `after_release` refund per hold with a share.
 */
export async function recordRefundsAfterReleaseIn(
  tx: EntityManager,
  jobs: JobQueue,
  holds: readonly ReleasedHold[],
  request: { amountPaise: number; reason: string; requestedBy: string },
): Promise<{
  releasedPaise: bigint;
  refundedBeforePaise: bigint;
  refunds: { id: string; paymentId: string; amountPaise: bigint; requestedAt: Date }[];
}> {
  const released = holds.map((h) => BigInt(h.released_paise));
  const refunded: bigint[] = [];
  for (const h of holds) refunded.push(await refundedAfterReleaseIn(tx, h, `r.status <> 'failed'`));
  const releasedPaise = sumPaise(released);
  const already = sumPaise(refunded);
  const amount = BigInt(request.amountPaise);
  if (already + amount > releasedPaise)
    throw new AppProblem(
      422,
      'refund/exceeds-released',
      'Unprocessable',
      `At most ${releasedPaise - already} paise is left to refund of the ${releasedPaise} released`,
      {
        releasedPaise: Number(releasedPaise),
        refundablePaise: Number(releasedPaise - already),
      },
    );
  const left = released.map((r, i) => r - refunded[i]!);
  const shares = splitLargestRemainder(amount, left);
  const refunds = [];
  for (const [i, hold] of holds.entries()) {
    const share = shares[i]!;
    if (share === 0n) continue;
    const refund = (await recordRefundIn(tx, jobs, {
      paymentId: hold.payment_id,
      orderId: hold.order_id,
      ...(hold.repair_job_id !== null ? { repairJobId: hold.repair_job_id } : {}),
      subOrderId: hold.sub_order_id,
      kind: 'after_release',
      amountPaise: share,
      reason: request.reason,
      requestedBy: request.requestedBy,
    }))!;
    refunds.push({ ...refund, paymentId: hold.payment_id, amountPaise: share });
  }
  return { releasedPaise, refundedBeforePaise: already, refunds };
}

@CommandHandler(RefundAfterReleaseCommand)
export class RefundAfterReleaseHandler implements ICommandHandler<RefundAfterReleaseCommand> {
  constructor(
    private readonly transactions: TransactionRunner,
    private readonly jobs: JobQueue,
    private readonly audit: AuditService,
  ) {}

  /** Records a refund after release (staff, audited) and enqueues the refunds job. */
  async execute({
    subOrderId,
    request: dto,
    meta,
  }: RefundAfterReleaseCommand): Promise<RefundAfterReleaseDto> {
    const actor = meta.principal!.userId;
    return this.transactions.run(async (tx) => {
      const hold = await lockReleasedHold(tx, subOrderId);
      const recorded = await recordRefundsAfterReleaseIn(tx, this.jobs, [hold], {
        ...dto,
        requestedBy: actor,
      });
      const refund = recorded.refunds[0]!;
      const already = recorded.refundedBeforePaise;
      const amount = BigInt(dto.amountPaise);
      await this.audit.record(tx, meta, {
        action: 'escrow.refund_after_release.request',
        targetType: 'escrow_hold',
        targetId: subOrderId,
        reason: dto.reason,
        before: { refundedAfterReleasePaise: Number(already) },
        after: {
          refundId: refund.id,
          amountPaise: dto.amountPaise,
          refundedAfterReleasePaise: Number(already + amount),
        },
      });
      return {
        id: refund.id,
        subOrderId,
        orderId: hold.order_id!,
        amountPaise: dto.amountPaise,
        status: 'requested',
        reason: dto.reason,
        releasedPaise: Number(recorded.releasedPaise),
        refundedAfterReleasePaise: Number(already + amount),
        requestedAt: refund.requestedAt.toISOString(),
      };
    });
  }
}
