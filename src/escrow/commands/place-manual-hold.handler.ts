/**
 * A manual hold (admin, ops leader, finance; with a reason) stops the release of a sub-order's held
 * escrow: the release job skips it, and early release is refused, until it is lifted. Audited.
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
  MANUAL_COLUMNS,
  type ManualHoldRow,
  notHeld,
} from '../controls/escrow-controls-store.js';
import type { EscrowHoldControlDto } from '../controls/escrow-controls.dto.js';
import { PlaceManualHoldCommand } from './place-manual-hold.command.js';

@CommandHandler(PlaceManualHoldCommand)
export class PlaceManualHoldHandler implements ICommandHandler<PlaceManualHoldCommand> {
  constructor(
    private readonly transactions: TransactionRunner,
    private readonly audit: AuditService,
  ) {}

  async execute({
    subOrderId,
    reason,
    meta,
  }: PlaceManualHoldCommand): Promise<EscrowHoldControlDto> {
    const actor = meta.principal!.userId;
    return this.transactions.run(async (tx) => {
      const { hold } = await lockHold(tx, subOrderId);
      if (hold.status !== 'held') throw notHeld(hold);
      const active = await activeManualHold(tx, subOrderId);
      if (active !== undefined) {
        throw new AppProblem(
          409,
          'escrow/already-on-hold',
          'Conflict',
          'The escrow is already under a manual hold',
          { manualHoldId: active.id },
        );
      }
      const { rows } = await execute<ManualHoldRow>(
        tx,
        `INSERT INTO escrow_manual_holds (sub_order_id, reason, placed_by) VALUES ($1, $2, $3)
         RETURNING ${MANUAL_COLUMNS}`,
        [subOrderId, reason, actor],
      );
      await this.audit.record(tx, meta, {
        action: 'escrow.manual_hold.place',
        targetType: HOLD_TARGET,
        targetId: subOrderId,
        reason,
        before: { onManualHold: false },
        after: { onManualHold: true, manualHoldId: rows[0]!.id },
      });
      return holdView(tx, hold);
    });
  }
}
