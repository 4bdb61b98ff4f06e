/**
 * One refund sent to the gateway, outside any transaction, with the refund's id as Razorpay's
 * refund idempotency key (a retry after a crash or a timeout returns the same refund, never a
 * second); a refund the gateway already has is looked up instead. Before it is first sent, the
 * dealer's Route transfer is reversed by what it takes back (steps in `process-refund.steps.ts`).
 * The gateway's answer is applied in a transaction of its own (`refund-store.ts`): a processed
 * refund is posted — after release, through the escrow's side of `AfterReleaseRefunds` — exactly once.
 */
import { Inject, Logger } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { TransactionRunner } from '../../database/transaction.js';
import {
  PAYMENT_GATEWAY,
  type GatewayRefund,
  type PaymentGateway,
} from '../../gateway/payment-gateway.js';
import { LedgerService } from '../../ledger/persistence/ledger.service.js';
import { OrderCommands } from '../../orders/order-commands.service.js';
import { AfterReleaseRefunds } from '../after-release-refunds.js';
import type { RefundDto } from '../dto/payment.dto.js';
import { applyGatewayAnswerIn, refundRow } from '../refund-store.js';
import { ProcessRefundCommand } from './process-refund.command.js';
import { recordFailedAttempt, reverseTransferFor } from './process-refund.steps.js';

@CommandHandler(ProcessRefundCommand)
export class ProcessRefundHandler implements ICommandHandler<ProcessRefundCommand> {
  private readonly logger = new Logger(ProcessRefundHandler.name);

  constructor(
    private readonly transactions: TransactionRunner,
    private readonly ledger: LedgerService,
    private readonly orders: OrderCommands,
    private readonly afterRelease: AfterReleaseRefunds,
    @Inject(PAYMENT_GATEWAY) private readonly gateway: PaymentGateway,
  ) {}

  async execute({ refundId }: ProcessRefundCommand): Promise<RefundDto['status']> {
    const refund = await this.transactions.run((tx) => refundRow(tx, refundId, false));
    if (refund.status === 'processed' || refund.status === 'failed') return refund.status;
    let answer: GatewayRefund;
    try {
      if (
        (await reverseTransferFor(this.transactions, this.gateway, this.afterRelease, refund)) ===
        'transfer_pending'
      )
        return refund.status;
      answer =
        refund.gateway_refund_id !== null
          ? await this.gateway.fetchRefund(refund.gateway_refund_id)
          : await this.gateway.refundPayment(refund.gateway_payment_id, {
              amountPaise: Number(refund.amount_paise),
              idempotencyKey: refund.id,
              reverseAll: false,
              notes:
                refund.order_id !== null
                  ? { refundId: refund.id, orderId: refund.order_id }
                  : { refundId: refund.id, repairJobId: refund.repair_job_id! },
            });
    } catch (err) {
      const status = await recordFailedAttempt(this.transactions, refund, err);
      if (status === 'failed')
        this.logger.error(`refund ${refund.id} failed: ${(err as Error).message}`);
      return status;
    }
    const deps = { ledger: this.ledger, orders: this.orders, afterRelease: this.afterRelease };
    return this.transactions.run((tx) => applyGatewayAnswerIn(deps, tx, refund.id, answer));
  }
}
