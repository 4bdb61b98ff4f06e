/** Rejects a TCS correction (another finance user, or its proposer withdrawing it); audited. */
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { ProposalDecisions } from '../../approvals/proposal-decisions.service.js';
import { TransactionRunner } from '../../database/transaction.js';
import {
  CORRECTION,
  correctionDtoIn,
  lockCorrection,
  moveCorrection,
} from '../tcs-correction/tcs-correction-store.js';
import type { TcsCorrectionDto } from '../tcs-correction/tcs-correction.dto.js';
import { RejectTcsCorrectionCommand } from './reject-tcs-correction.command.js';

@CommandHandler(RejectTcsCorrectionCommand)
export class RejectTcsCorrectionHandler implements ICommandHandler<RejectTcsCorrectionCommand> {
  constructor(
    private readonly transactions: TransactionRunner,
    private readonly proposals: ProposalDecisions,
  ) {}

  async execute({
    correctionId: id,
    reason,
    meta,
  }: RejectTcsCorrectionCommand): Promise<TcsCorrectionDto> {
    const actor = meta.principal!.userId;
    return this.transactions.run(async (tx) => {
      const correction = await lockCorrection(tx, id);
      const updated = await this.proposals.decide(tx, CORRECTION, correction, {
        event: 'reject',
        meta,
        reason,
        update: (from, to) => moveCorrection(tx, id, from, to, actor, reason),
        audit: () => ({
          before: { status: correction.status, proposedBy: correction.proposed_by },
          after: { status: 'rejected', withdrawn: actor === correction.proposed_by },
        }),
      });
      return correctionDtoIn(tx, updated);
    });
  }
}
