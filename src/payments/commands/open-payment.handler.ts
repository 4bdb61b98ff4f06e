/**
 * Opening a payment: the intent (a `payments` row) is stored first, under the payable's lock; the
 * gateway order is created outside any transaction, then recorded. Calling again returns the open
 * payment (or, when what is payable changed, supersedes it). The buyer's checkout then pays the
 * gateway order.
 */
import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { TransitionRefused } from '../../common/state-transition.js';
import { TransactionRunner } from '../../database/transaction.js';
import {
  GatewayError,
  PAYMENT_GATEWAY,
  type PaymentGateway,
} from '../../gateway/payment-gateway.js';
import type { PaymentRecord } from '../dto/payment.dto.js';
import { PAYABLES, type Payable } from '../payable.js';
import {
  gatewayDown,
  movePayment,
  paymentRow,
  payableOfType,
  toPaymentRecord,
} from '../payment-store.js';
import { OpenPaymentCommand } from './open-payment.command.js';
import { openIntentIn } from './open-payment.steps.js';

@CommandHandler(OpenPaymentCommand)
export class OpenPaymentHandler implements ICommandHandler<OpenPaymentCommand> {
  constructor(
    private readonly transactions: TransactionRunner,
    @Inject(PAYMENT_GATEWAY) private readonly gateway: PaymentGateway,
    @Inject(PAYABLES) private readonly payables: Payable[],
  ) {}

  async execute({ payable: ref, buyerId }: OpenPaymentCommand): Promise<PaymentRecord> {
    const payable = payableOfType(this.payables, ref.type);
    const intent = await this.transactions.run(async (tx) => {
      const { duePaise } = await payable.lockForPayment(tx, ref.id, buyerId);
      return openIntentIn(tx, payable, ref, buyerId, duePaise);
    });
    if (intent.gateway_order_id !== null) return toPaymentRecord(intent, this.gateway.keyId);
    let gatewayOrderId: string;
    try {
      gatewayOrderId = (
        await this.gateway.createOrder({
          amountPaise: Number(intent.amount_paise),
          receipt: intent.id,
          notes: { [payable.notesKey]: ref.id, paymentId: intent.id },
        })
      ).id;
    } catch (err) {
      if (err instanceof GatewayError) throw gatewayDown(err);
      throw err;
    }
    const recorded = await this.transactions.run(async (tx) => {
      try {
        return await movePayment(tx, intent.id, 'creating', 'open', null, {
          set: 'gateway_order_id = $4',
          params: [gatewayOrderId],
        });
      } catch (err) {
        // A concurrent start recorded its own gateway order first: that one stands.
        if (err instanceof TransitionRefused) return paymentRow(tx, intent.id);
        throw err;
      }
    });
    return toPaymentRecord(recorded, this.gateway.keyId);
  }
}
