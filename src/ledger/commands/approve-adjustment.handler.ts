/**
 * Approves a proposal by a finance user other than its maker: posts the entry and marks the
 * proposal approved in one transaction. A refusal by the ledger (a floor, say) rolls everything
 * back and the proposal stays `proposed`.
 */
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { ProposalDecisions } from '../../approvals/proposal-decisions.service.js';
import { TransactionRunner } from '../../database/transaction.js';
import {
  ADJUSTMENT,
  adjustmentCommand,
  linesOf,
  lockAdjustment,
  moveAdjustment,
  toDto,
} from '../adjustments/ledger-adjustment-store.js';
import type { LedgerAdjustmentDto } from '../dto/ledger-adjustment.dto.js';
import { LedgerRefused } from '../ledger-refused.js';
import { LedgerService } from '../persistence/ledger.service.js';
import { ApproveAdjustmentCommand } from './approve-adjustment.command.js';

@CommandHandler(ApproveAdjustmentCommand)
export class ApproveAdjustmentHandler implements ICommandHandler<ApproveAdjustmentCommand> {
  constructor(
    private readonly transactions: TransactionRunner,
    private readonly ledger: LedgerService,
    private readonly proposals: ProposalDecisions,
  ) {}

  async execute({
    adjustmentId: id,
    reason,
    meta,
  }: ApproveAdjustmentCommand): Promise<LedgerAdjustmentDto> {
    const checker = meta.principal!.userId;
    return this.transactions.run(async (tx) => {
      const row = await lockAdjustment(tx, id);
      let entryId = `adjustment:${row.id}`;
      const updated = await this.proposals.decide(tx, ADJUSTMENT, row, {
        event: 'approve',
        meta,
        reason: reason ?? null,
        effect: async () => {
          const command = adjustmentCommand(
            {
              id: row.id,
              reason: row.reason,
              reference: row.reference,
              proposedBy: row.proposed_by,
              lines: linesOf(row.lines),
            },
            checker,
          );
          const result = await this.ledger.executeIn(tx, command);
          if (result.code !== 'ok')
            throw new LedgerRefused(result.code, undefined, { adjustmentId: row.id });
          entryId = result.entryKey ?? entryId;
        },
        update: (from, to) =>
          moveAdjustment(tx, row.id, from, to, [checker, reason ?? null, entryId]),
        audit: (u) => ({
          before: { status: row.status, proposedBy: row.proposed_by },
          after: { status: u.status, entryId },
        }),
      });
      return toDto(updated);
    });
  }
}
