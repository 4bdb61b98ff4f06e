/**
 * Refunds after release (ledger-spec/recipes.md §6–7), decided by staff (audited): only for
 * released escrow; the refunds after release of a sub-order never add up to more than was released
 * (422). Recorded as a `refunds` row of kind `after_release` and sent by the `payments.refunds` job
 * (src/payments/refunds.service.ts) with the refund's id as the gateway's idempotency key; its Route
 * transfer reversal and its ledger clawback (posted once, when the gateway reports it processed)
 * are in ../refund-after-release-posting.ts.
 */
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { EntityManager } from 'typeorm';
import { AuditService } from '../../audit/audit.service.js';
import { AppProblem } from '../../common/errors/problem.js';
import { execute } from '../../database/sql.js';
import { TransactionRunner } from '../../database/transaction.js';
import { JobQueue } from '../../jobs/job-queue.service.js';
import { recordRefundIn } from '../../payments/refund-store.js';
import type { RefundAfterReleaseDto } from '../dto/refund-after-release.dto.js';
import { releasedHoldIn, type ReleasedHold } from '../refund-after-release-posting.js';
import { RefundAfterReleaseCommand } from './refund-after-release.command.js';

const TARGET = 'escrow_hold';

/** The sub-order's hold with its payment, locked; 404 without one, 409 unless released. */
async function lockReleasedHold(tx: EntityManager, subOrderId: string): Promise<ReleasedHold> {
  const hold = await releasedHoldIn(tx, subOrderId, true);
  if (hold === undefined)
    throw new AppProblem(404, 'escrow/hold-not-found', 'Not found', 'No escrow for this sub-order');
  if (hold.status !== 'released')
    throw new AppProblem(
      409,
      'escrow/not-released',
      'Conflict',
      `The escrow is ${hold.status}, not released: refund it before release instead`,
      { holdStatus: hold.status },
    );
  return hold;
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
      const { rows: sums } = await execute<{ refunded: string }>(
        tx,
        `SELECT coalesce(sum(amount_paise), 0)::text AS refunded FROM refunds
         WHERE sub_order_id = $1 AND kind = 'after_release' AND status <> 'failed'`,
        [subOrderId],
      );
      const released = BigInt(hold.released_paise);
      const already = BigInt(sums[0]!.refunded);
      const amount = BigInt(dto.amountPaise);
      if (already + amount > released)
        throw new AppProblem(
          422,
          'refund/exceeds-released',
          'Unprocessable',
          `At most ${released - already} paise is left to refund of the ${released} released`,
          { releasedPaise: Number(released), refundablePaise: Number(released - already) },
        );
      const refund = (await recordRefundIn(tx, this.jobs, {
        paymentId: hold.payment_id,
        orderId: hold.order_id,
        subOrderId,
        kind: 'after_release',
        amountPaise: amount,
        reason: dto.reason,
        requestedBy: actor,
      }))!;
      await this.audit.record(tx, meta, {
        action: 'escrow.refund_after_release.request',
        targetType: TARGET,
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
        orderId: hold.order_id,
        amountPaise: dto.amountPaise,
        status: 'requested',
        reason: dto.reason,
        releasedPaise: Number(released),
        refundedAfterReleasePaise: Number(already + amount),
        requestedAt: refund.requestedAt.toISOString(),
      };
    });
  }
}
