/** Rejects a pending early release (by anyone with the right, its proposer withdrawing it included). */
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { ProposalDecisions } from '../../approvals/proposal-decisions.service.js';
import { TransactionRunner } from '../../database/transaction.js';
import {
  EARLY_RELEASE,
  earlyDto,
  lockRequest,
  moveEarlyRelease,
} from '../controls/escrow-controls-store.js';
import type { EarlyReleaseDto } from '../controls/escrow-controls.dto.js';
import { RejectEarlyReleaseCommand } from './reject-early-release.command.js';

@CommandHandler(RejectEarlyReleaseCommand)
export class RejectEarlyReleaseHandler implements ICommandHandler<RejectEarlyReleaseCommand> {
  constructor(
    private readonly transactions: TransactionRunner,
    private readonly proposals: ProposalDecisions,
  ) {}

  async execute({
    earlyReleaseId: id,
    reason,
    meta,
  }: RejectEarlyReleaseCommand): Promise<EarlyReleaseDto> {
    const actor = meta.principal!.userId;
    return this.transactions.run(async (tx) => {
      const row = await lockRequest(tx, id);
      const updated = await this.proposals.decide(tx, EARLY_RELEASE, row, {
        event: 'reject',
        meta,
        reason,
        update: (from, to) => moveEarlyRelease(tx, row.id, from, to, actor, reason, false),
        audit: (u) => ({
          before: { status: row.status, requestedBy: row.requested_by },
          after: { status: u.status, withdrawn: actor === row.requested_by },
        }),
      });
      return earlyDto(updated);
    });
  }
}
