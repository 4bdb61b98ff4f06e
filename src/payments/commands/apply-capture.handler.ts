/**
 * A captured gateway payment, applied exactly once (webhooks, the stuck-payment poller; Checkout's
 * verification runs the same steps, `apply-capture.steps.ts`): in one transaction — the caller's
 * when it brings one — the payment row moves forward, the payable is confirmed paid through its
 * module's payment port (an order's sub-orders awaiting payment, a repair job), and the ledger gets
 * the capture into the payable's escrow, one hold per obligation toward its payee's payable (a dealer
 * per sub-order, the job's technician) and the gateway fee. Replays are no-ops. Money captured for a
 * payable that can no longer be paid (expired or cancelled meanwhile) is still posted into escrow
 * and flagged `unpayable`, for a refund. The payable's events follow the commit.
 */
import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { TransactionRunner } from '../../database/transaction.js';
import { JobQueue } from '../../jobs/job-queue.service.js';
import { LedgerService } from '../../ledger/persistence/ledger.service.js';
import { PAYABLES, type Payable } from '../payable.js';
import { RefundsService } from '../refunds.service.js';
import { ApplyCaptureCommand, type CaptureResult } from './apply-capture.command.js';
import { applyCaptureIn } from './apply-capture.steps.js';

@CommandHandler(ApplyCaptureCommand)
export class ApplyCaptureHandler implements ICommandHandler<ApplyCaptureCommand> {
  constructor(
    private readonly transactions: TransactionRunner,
    private readonly ledger: LedgerService,
    private readonly refunds: RefundsService,
    private readonly jobs: JobQueue,
    @Inject(PAYABLES) private readonly payables: Payable[],
  ) {}

  async execute({ tx, payment, request }: ApplyCaptureCommand): Promise<CaptureResult> {
    const deps = {
      ledger: this.ledger,
      refunds: this.refunds,
      jobs: this.jobs,
      payables: this.payables,
    };
    if (tx !== null) return applyCaptureIn(deps, tx, payment, request);
    return this.transactions.run((own) => applyCaptureIn(deps, own, payment, request));
  }
}
