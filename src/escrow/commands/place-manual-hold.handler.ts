/**
 * A manual hold (admin, ops leader, finance; with a reason) stops the release of a sub-order's held
 * escrow: the release job skips it, and early release is refused, until it is lifted. Audited.
 */
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { AuditService } from '../../audit/audit.service.js';
import { TransactionRunner } from '../../database/transaction.js';
import {
  HOLD_TARGET,
  holdView,
  lockHold,
  notHeld,
  placeManualHoldIn,
  subOrderSubject,
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
      const manualHoldId = await placeManualHoldIn(tx, subOrderSubject(subOrderId), reason, actor);
      await this.audit.record(tx, meta, {
        action: 'escrow.manual_hold.place',
        targetType: HOLD_TARGET,
        targetId: subOrderId,
        reason,
        before: { onManualHold: false },
        after: { onManualHold: true, manualHoldId },
      });
      return holdView(tx, hold);
    });
  }
}
