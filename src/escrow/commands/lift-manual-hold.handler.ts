/**
 * Lifts a sub-order's active manual hold (with a reason; audited); the release job releases the
 * escrow on its next pass if the sub-order is completed.
 */
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { AuditService } from '../../audit/audit.service.js';
import { TransactionRunner } from '../../database/transaction.js';
import {
  HOLD_TARGET,
  holdView,
  liftManualHoldIn,
  lockHold,
  subOrderSubject,
} from '../controls/escrow-controls-store.js';
import type { EscrowHoldControlDto } from '../controls/escrow-controls.dto.js';
import { LiftManualHoldCommand } from './lift-manual-hold.command.js';

@CommandHandler(LiftManualHoldCommand)
export class LiftManualHoldHandler implements ICommandHandler<LiftManualHoldCommand> {
  constructor(
    private readonly transactions: TransactionRunner,
    private readonly audit: AuditService,
  ) {}

  async execute({
    subOrderId,
    reason,
    meta,
  }: LiftManualHoldCommand): Promise<EscrowHoldControlDto> {
    const actor = meta.principal!.userId;
    return this.transactions.run(async (tx) => {
      const { hold } = await lockHold(tx, subOrderId);
      const manualHoldId = await liftManualHoldIn(tx, subOrderSubject(subOrderId), reason, actor);
      await this.audit.record(tx, meta, {
        action: 'escrow.manual_hold.lift',
        targetType: HOLD_TARGET,
        targetId: subOrderId,
        reason,
        before: { onManualHold: true, manualHoldId },
        after: { onManualHold: false },
      });
      return holdView(tx, hold);
    });
  }
}
