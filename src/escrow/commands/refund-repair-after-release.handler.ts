/**
 * Refunds after release of a repair job (ledger-spec/recipes.md §7 on the repair recipe's lines),
 * decided by staff (audited): the job's escrow released to its technician (no hold of it still
 * held; 409 otherwise), at most what its holds released less its refunds after release (422). The
 * refund is split over its released holds — one per payment: its first quote's and each
 * supplement's — in proportion to what is left of each (largest remainder), each part an
 * `after_release` refund of that hold's payment sent, reversed on Route and clawed back from the
 * technician exactly as a sub-order's (`recordRefundsAfterReleaseIn`,
 * ../refund-after-release-posting.ts).
 */
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { AuditService } from '../../audit/audit.service.js';
import { AppProblem } from '../../common/errors/problem.js';
import { TransactionRunner } from '../../database/transaction.js';
import { JobQueue } from '../../jobs/job-queue.service.js';
import { lockRepairJob } from '../../repairs/repair-job-store.js';
import type { RepairRefundAfterReleaseDto } from '../dto/repair-refund.dto.js';
import { lockedJobHoldsIn } from '../refund-after-release-posting.js';
import { recordRefundsAfterReleaseIn } from './refund-after-release.handler.js';
import { RefundRepairAfterReleaseCommand } from './refund-repair-after-release.command.js';

@CommandHandler(RefundRepairAfterReleaseCommand)
export class RefundRepairAfterReleaseHandler implements ICommandHandler<RefundRepairAfterReleaseCommand> {
  constructor(
    private readonly transactions: TransactionRunner,
    private readonly jobs: JobQueue,
    private readonly audit: AuditService,
  ) {}

  async execute({
    repairJobId,
    request: dto,
    meta,
  }: RefundRepairAfterReleaseCommand): Promise<RepairRefundAfterReleaseDto> {
    return this.transactions.run(async (tx) => {
      const job = await lockRepairJob(tx, repairJobId, 'any');
      const holds = await lockedJobHoldsIn(tx, job.id);
      const released = holds.filter((h) => h.status === 'released');
      if (released.length === 0 || holds.some((h) => h.status === 'held'))
        throw new AppProblem(
          409,
          'escrow/not-released',
          'Conflict',
          `The escrow of a repair job that is ${job.status.replace(/_/g, ' ')} is not released: refund it before release instead`,
          { repairJobId: job.id, repairJobStatus: job.status },
        );
      const recorded = await recordRefundsAfterReleaseIn(tx, this.jobs, released, {
        ...dto,
        requestedBy: meta.principal!.userId,
      });
      const already = Number(recorded.refundedBeforePaise);
      const refunds = recorded.refunds.map((r) => ({
        id: r.id,
        paymentId: r.paymentId,
        amountPaise: Number(r.amountPaise),
      }));
      await this.audit.record(tx, meta, {
        action: 'repair_job.refund_after_release',
        targetType: 'repair_job',
        targetId: job.id,
        reason: dto.reason,
        before: { refundedAfterReleasePaise: already },
        after: {
          refunds,
          amountPaise: dto.amountPaise,
          refundedAfterReleasePaise: already + dto.amountPaise,
        },
      });
      return {
        repairJobId: job.id,
        amountPaise: dto.amountPaise,
        reason: dto.reason,
        releasedPaise: Number(recorded.releasedPaise),
        refundedAfterReleasePaise: already + dto.amountPaise,
        refunds: refunds.map((r) => ({ ...r, status: 'requested' as const })),
        requestedAt: recorded.refunds[0]!.requestedAt.toISOString(),
      };
    });
  }
}
