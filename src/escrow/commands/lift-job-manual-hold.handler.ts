/**
 * Lifts a repair job's active manual hold (with a reason; audited); the release job releases its
 * escrow on its next pass if the job is due (confirmed).
 */
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { AuditService } from '../../audit/audit.service.js';
import { TransactionRunner } from '../../database/transaction.js';
import {
  JOB_ESCROW_TARGET,
  jobHoldView,
  liftManualHoldIn,
  lockJobHolds,
  repairJobSubject,
} from '../controls/escrow-controls-store.js';
import type { RepairJobEscrowControlDto } from '../controls/escrow-controls.dto.js';
import { LiftJobManualHoldCommand } from './lift-job-manual-hold.command.js';

@CommandHandler(LiftJobManualHoldCommand)
export class LiftJobManualHoldHandler implements ICommandHandler<LiftJobManualHoldCommand> {
  constructor(
    private readonly transactions: TransactionRunner,
    private readonly audit: AuditService,
  ) {}

  async execute({
    repairJobId,
    reason,
    meta,
  }: LiftJobManualHoldCommand): Promise<RepairJobEscrowControlDto> {
    return this.transactions.run(async (tx) => {
      const { job, holds } = await lockJobHolds(tx, repairJobId);
      const subject = repairJobSubject(job.id);
      const manualHoldId = await liftManualHoldIn(tx, subject, reason, meta.principal!.userId);
      await this.audit.record(tx, meta, {
        action: 'escrow.manual_hold.lift',
        targetType: JOB_ESCROW_TARGET,
        targetId: job.id,
        reason,
        before: { onManualHold: true, manualHoldId },
        after: { onManualHold: false },
      });
      return jobHoldView(tx, job, holds);
    });
  }
}
