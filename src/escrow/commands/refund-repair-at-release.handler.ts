/**
 * Staff refund part of a repair job its technician marked done whose escrow is still held (audited;
 * less than what is held): the amount is refunded when the holds are released (ledger-spec/recipes.md
 * §5, as a dispute's partial refund; a job paid with supplementary quotes has it split over its holds
 * in proportion) — the rest goes to the technician with the deductions on it — and the release
 * records the `partial` refund of each hold the refunds job sends. A later decision replaces an
 * earlier one.
 */
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { AuditService } from '../../audit/audit.service.js';
import { AppProblem } from '../../common/errors/problem.js';
import { TransactionRunner } from '../../database/transaction.js';
import { setJobRefundAtRelease } from '../../payments/escrow-hold-moves.js';
import { lockRepairJob } from '../../repairs/repair-job-store.js';
import type { RepairRefundAtReleaseDto } from '../dto/repair-refund.dto.js';
import { RefundRepairAtReleaseCommand } from './refund-repair-at-release.command.js';

@CommandHandler(RefundRepairAtReleaseCommand)
export class RefundRepairAtReleaseHandler implements ICommandHandler<RefundRepairAtReleaseCommand> {
  constructor(
    private readonly transactions: TransactionRunner,
    private readonly audit: AuditService,
  ) {}

  async execute({
    repairJobId,
    request: dto,
    meta,
  }: RefundRepairAtReleaseCommand): Promise<RepairRefundAtReleaseDto> {
    return this.transactions.run(async (tx) => {
      const job = await lockRepairJob(tx, repairJobId, 'any');
      const hold =
        job.status === 'done' || job.status === 'confirmed'
          ? await setJobRefundAtRelease(tx, job.id, dto.amountPaise)
          : undefined;
      if (hold === undefined)
        throw new AppProblem(
          409,
          'repair-job/not-refundable-at-release',
          'Conflict',
          `A repair job that is ${job.status.replace(/_/g, ' ')} has no escrow waiting for release: cancel one in progress instead`,
          { repairJobId: job.id, repairJobStatus: job.status },
        );
      if (dto.amountPaise >= hold.heldPaise)
        throw new AppProblem(
          422,
          'refund/not-partial',
          'Unprocessable',
          `A refund at release is less than the ${hold.heldPaise} paise held (the technician is paid the rest)`,
          {
            heldPaise: hold.heldPaise,
            errors: [
              { field: 'amountPaise', in: 'body', messages: [`less than ${hold.heldPaise}`] },
            ],
          },
        );
      await this.audit.record(tx, meta, {
        action: 'repair_job.refund_at_release',
        targetType: 'repair_job',
        targetId: job.id,
        reason: dto.reason,
        before: { refundAtReleasePaise: hold.refundAtReleasePaise },
        after: { refundAtReleasePaise: dto.amountPaise },
      });
      return {
        repairJobId: job.id,
        heldPaise: hold.heldPaise,
        refundAtReleasePaise: dto.amountPaise,
      };
    });
  }
}
