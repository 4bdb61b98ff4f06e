/**
 * Checkout's answer: the buyer's payment of the gateway order, Checkout's signature checked against
 * the gateway order id WE stored, the payment fetched from the gateway (and captured if only
 * authorized; steps in `verify-payment.steps.ts`), then a failed attempt is recorded or the capture
 * applied exactly as the webhooks apply it (`apply-capture.steps.ts`, in a transaction of its own).
 */
import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { TransactionRunner } from '../../database/transaction.js';
import { PAYMENT_GATEWAY, type PaymentGateway } from '../../gateway/payment-gateway.js';
import { JobQueue } from '../../jobs/job-queue.service.js';
import { LedgerService } from '../../ledger/persistence/ledger.service.js';
import type { PaymentRecord } from '../dto/payment.dto.js';
import { PAYABLES, type Payable } from '../payable.js';
import { paymentRow, payableOfType, toPaymentRecord } from '../payment-store.js';
import { PaymentsService } from '../payments.service.js';
import { RefundsService } from '../refunds.service.js';
import { applyCaptureIn } from './apply-capture.steps.js';
import { VerifyPaymentCommand } from './verify-payment.command.js';
import { gatewayPaymentOf, paymentOfCheckout, refuseUnlessSigned } from './verify-payment.steps.js';

@CommandHandler(VerifyPaymentCommand)
export class VerifyPaymentHandler implements ICommandHandler<VerifyPaymentCommand> {
  constructor(
    private readonly transactions: TransactionRunner,
    private readonly payments: PaymentsService,
    private readonly ledger: LedgerService,
    private readonly refunds: RefundsService,
    private readonly jobs: JobQueue,
    @Inject(PAYMENT_GATEWAY) private readonly gateway: PaymentGateway,
    @Inject(PAYABLES) private readonly payables: Payable[],
  ) {}

  async execute({ payable: ref, answer, meta }: VerifyPaymentCommand): Promise<PaymentRecord> {
    const buyerId = meta.principal!.userId;
    const payable = payableOfType(this.payables, ref.type);
    const payment = await this.transactions.run((tx) =>
      paymentOfCheckout(tx, payable, ref, buyerId, answer),
    );
    refuseUnlessSigned(this.gateway, payment, answer);
    if (payment.status === 'captured') return toPaymentRecord(payment, this.gateway.keyId);
    const gp = await gatewayPaymentOf(this.gateway, payment, answer);
    if (gp.status === 'failed') await this.payments.applyFailed(gp);
    else if (gp.status === 'captured') {
      const deps = {
        ledger: this.ledger,
        refunds: this.refunds,
        jobs: this.jobs,
        payables: this.payables,
      };
      await this.transactions.run((tx) => applyCaptureIn(deps, tx, gp));
    }
    return this.transactions.run(async (tx) =>
      toPaymentRecord(await paymentRow(tx, payment.id), this.gateway.keyId),
    );
  }
}
