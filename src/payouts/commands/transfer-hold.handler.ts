/**
 * One escrow hold transferred to its payee's (dealer's or technician's) Route account, on hold
 * (steps in `transfer-hold.steps.ts`): the intent is recorded first, then a transfer of the hold's
 * amount is created ON HOLD from the payment (notes: holdId and the obligation — subOrderId and
 * orderId, or repairJobId) outside any transaction — or, after
 * an ambiguous attempt, the one it created is found — and recorded. A gateway error is retried with
 * backoff or recorded as `failed`.
 */
import { Inject, Logger } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { TransactionRunner } from '../../database/transaction.js';
import {
  GatewayError,
  PAYMENT_GATEWAY,
  type PaymentGateway,
} from '../../gateway/payment-gateway.js';
import { JobQueue } from '../../jobs/job-queue.service.js';
import { RouteTransferLookup } from '../route/route-transfer-lookup.js';
import { TransferHoldCommand } from './transfer-hold.command.js';
import {
  findCreated,
  recordTransferError,
  recordTransferIn,
  startTransferIn,
  transferNotes,
  type CreatedTransfer,
  type TransferOutcome,
} from './transfer-hold.steps.js';

@CommandHandler(TransferHoldCommand)
export class TransferHoldHandler implements ICommandHandler<TransferHoldCommand> {
  private readonly logger = new Logger(TransferHoldHandler.name);

  constructor(
    private readonly transactions: TransactionRunner,
    private readonly jobs: JobQueue,
    private readonly lookup: RouteTransferLookup,
    @Inject(PAYMENT_GATEWAY) private readonly gateway: PaymentGateway,
  ) {}

  async execute({ holdId }: TransferHoldCommand): Promise<TransferOutcome> {
    const intent = await this.transactions.run((tx) => startTransferIn(tx, holdId));
    if (intent === null) return 'skipped';
    let transfer: CreatedTransfer;
    try {
      const earlier = intent.ambiguous
        ? await findCreated(this.lookup, this.logger, intent)
        : undefined;
      transfer =
        earlier ??
        (
          await this.gateway.transferFromPayment(intent.gatewayPaymentId, [
            {
              accountId: intent.accountId,
              amountPaise: intent.amountPaise,
              onHold: true,
              notes: transferNotes(intent),
            },
          ])
        )[0]!;
    } catch (err) {
      if (!(err instanceof GatewayError)) throw err;
      return recordTransferError(this.transactions, this.jobs, this.logger, intent, err);
    }
    return this.transactions.run((tx) => recordTransferIn(tx, this.jobs, holdId, transfer));
  }
}
