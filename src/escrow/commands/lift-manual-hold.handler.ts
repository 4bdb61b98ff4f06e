/**
 * Lifts a sub-order's active manual hold (with a reason; audited); the release job releases the
 * escrow on its next pass if the sub-order is completed.
 */
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { AuditService } from '../../audit/audit.service.js';
import { AppProblem } from '../../common/errors/problem.js';
import { execute } from '../../database/sql.js';
import { TransactionRunner } from '../../database/transaction.js';
import {
  activeManualHold,
  HOLD_TARGET,
  holdView,
  lockHold,
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
      const active = await activeManualHold(tx, subOrderId);
      if (active === undefined) {
        throw new AppProblem(
          409,
          'escrow/not-on-hold',
          'Conflict',
          'The escrow is not under a manual hold',
        );
      }
      await execute(
        tx,
        `UPDATE escrow_manual_holds SET lift_reason = $2, lifted_by = $3, lifted_at = now()
         WHERE id = $1`,
        [active.id, reason, actor],
      );
      await this.audit.record(tx, meta, {
        action: 'escrow.manual_hold.lift',
        targetType: HOLD_TARGET,
        targetId: subOrderId,
        reason,
        before: { onManualHold: true, manualHoldId: active.id },
        after: { onManualHold: false },
      });
      return holdView(tx, hold);
    });
  }
}
