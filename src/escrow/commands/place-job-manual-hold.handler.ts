/**
 * A manual hold on a repair job's escrow (admin, ops leader, finance; with a reason): the release
 * job skips every hold of the job, and early release is refused, until it is lifted. Audited.
 */
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { AuditService } from '../../audit/audit.service.js';
import { TransactionRunner } from '../../database/transaction.js';
import {
  assertJobHeld,
  JOB_ESCROW_TARGET,
  jobHoldView,
  lockJobHolds,
  placeManualHoldIn,
  repairJobSubject,
} from '../controls/escrow-controls-store.js';
import type { RepairJobEscrowControlDto } from '../controls/escrow-controls.dto.js';
import { PlaceJobManualHoldCommand } from './place-job-manual-hold.command.js';

@CommandHandler(PlaceJobManualHoldCommand)
export class PlaceJobManualHoldHandler implements ICommandHandler<PlaceJobManualHoldCommand> {
  constructor(
    private readonly transactions: TransactionRunner,
    private readonly audit: AuditService,
  ) {}

  async execute({
    repairJobId,
    reason,
    meta,
  }: PlaceJobManualHoldCommand): Promise<RepairJobEscrowControlDto> {
    return this.transactions.run(async (tx) => {
      const { job, holds } = await lockJobHolds(tx, repairJobId);
      assertJobHeld(holds);
      const subject = repairJobSubject(job.id);
      const manualHoldId = await placeManualHoldIn(tx, subject, reason, meta.principal!.userId);
      await this.audit.record(tx, meta, {
        action: 'escrow.manual_hold.place',
        targetType: JOB_ESCROW_TARGET,
        targetId: job.id,
        reason,
        before: { onManualHold: false },
        after: { onManualHold: true, manualHoldId },
      });
      return jobHoldView(tx, job, holds);
    });
  }
}
