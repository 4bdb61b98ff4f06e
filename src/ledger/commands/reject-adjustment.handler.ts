/** Rejects a proposal: by another finance user, or withdrawn by its proposer. Nothing is posted. */
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { ProposalDecisions } from '../../approvals/proposal-decisions.service.js';
import { TransactionRunner } from '../../database/transaction.js';
import {
  ADJUSTMENT,
  lockAdjustment,
  moveAdjustment,
  toDto,
} from '../adjustments/ledger-adjustment-store.js';
import type { LedgerAdjustmentDto } from '../dto/ledger-adjustment.dto.js';
import { RejectAdjustmentCommand } from './reject-adjustment.command.js';

@CommandHandler(RejectAdjustmentCommand)
export class RejectAdjustmentHandler implements ICommandHandler<RejectAdjustmentCommand> {
  constructor(
    private readonly transactions: TransactionRunner,
    private readonly proposals: ProposalDecisions,
  ) {}

  async execute({
    adjustmentId: id,
    reason,
    meta,
  }: RejectAdjustmentCommand): Promise<LedgerAdjustmentDto> {
    const actor = meta.principal!.userId;
    return this.transactions.run(async (tx) => {
      const row = await lockAdjustment(tx, id);
      const updated = await this.proposals.decide(tx, ADJUSTMENT, row, {
        event: 'reject',
        meta,
        reason,
        update: (from, to) => moveAdjustment(tx, row.id, from, to, [actor, reason, null]),
        audit: (u) => ({
          before: { status: row.status, proposedBy: row.proposed_by },
          after: { status: u.status, withdrawn: actor === row.proposed_by },
        }),
      });
      return toDto(updated);
    });
  }
}
