/**
 * One escrow release in a transaction of its own (steps in `release-escrow.steps.ts`): the subject's
 * rows → the hold row, then the ledger. Not group-committed: a release is about thirty statements,
 * and grouped releases ran at half the rate of releases in transactions of their own
 * (docs/performance.md, "Group commit"); the ledger keys (`release:<id>`, `deductions:<id>`) make a
 * replay a no-op.
 */
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { TransactionRunner } from '../../database/transaction.js';
import { JobQueue } from '../../jobs/job-queue.service.js';
import { LedgerService } from '../../ledger/persistence/ledger.service.js';
import { CommissionService } from '../../payouts/commission/commission.service.js';
import { ReleaseEscrowCommand } from './release-escrow.command.js';
import { releaseIn } from './release-escrow.steps.js';

@CommandHandler(ReleaseEscrowCommand)
export class ReleaseEscrowHandler implements ICommandHandler<ReleaseEscrowCommand> {
  constructor(
    private readonly transactions: TransactionRunner,
    private readonly ledger: LedgerService,
    private readonly commission: CommissionService,
    private readonly jobs: JobQueue,
  ) {}

  async execute({ due, mode }: ReleaseEscrowCommand): Promise<boolean> {
    const deps = { ledger: this.ledger, commission: this.commission, jobs: this.jobs };
    return this.transactions.run((tx) => releaseIn(deps, tx, due, mode));
  }
}
