/**
 * Parts orders as a payable: what is due is every sub-order still awaiting payment; a captured
 * payment pays them through the orders' payment port (`OrderCommands.confirmPaid`) and obliges one
 * escrow hold per sub-order, toward its dealer.
 */
import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { AppProblem } from '../../common/errors/problem.js';
import { OrderCommands } from '../../orders/order-commands.service.js';
import { lockOrder, lockSubOrders, orderNotFound } from '../../orders/order-store.js';
import { orderVisibleTo } from '../../orders/sale-terms.js';
import type { CaptureDecision, Payable } from '../payable.js';

@Injectable()
export class OrderPayable implements Payable {
  readonly type = 'order' as const;
  readonly escrow = 'order' as const;
  readonly noun = 'order';
  readonly notesKey = 'orderId';

  constructor(private readonly orders: OrderCommands) {}

  async lockForPayment(
    tx: EntityManager,
    orderId: string,
    buyerId: string,
  ): Promise<{ duePaise: number }> {
    const order = await lockOrder(tx, orderId, buyerId);
    if (order.payment_status !== 'awaiting_payment')
      throw new AppProblem(
        409,
        'payment/not-payable',
        'Nothing to pay',
        `This order is ${order.payment_status.replace('_', ' ')}`,
        {
          paymentStatus: order.payment_status,
        },
      );
    const subs = await lockSubOrders(tx, orderId);
    const duePaise = subs
      .filter((s) => s.status === 'awaiting_payment')
      .reduce((sum, s) => sum + Number(s.total_paise), 0);
    return { duePaise };
  }

  async lockForCapture(tx: EntityManager, orderId: string): Promise<void> {
    await lockOrder(tx, orderId, null);
  }

  async confirmPaid(
    tx: EntityManager,
    orderId: string,
    payment: { reference: string; amountPaise: number },
  ): Promise<CaptureDecision> {
    // Which sub-orders this payment pays, before the payment port moves them.
    const awaiting = (await lockSubOrders(tx, orderId)).filter(
      (s) => s.status === 'awaiting_payment',
    );
    const outcome = await this.orders.confirmPaid(tx, orderId, payment);
    if (outcome.code === 'duplicate_payment') return { code: 'duplicate' };
    if (outcome.code !== 'paid') return { code: 'unpayable' };
    return {
      code: 'paid',
      excessPaise: outcome.excessPaise,
      obligations: awaiting.map((s) => ({
        payee: { kind: 'dealer', id: s.dealer_id },
        amountPaise: Number(s.total_paise),
        subject: { subOrderId: s.id, orderId },
        holdKey: `hold:order:${orderId}:${s.id}`,
        holdMetadata: { subOrderId: s.id },
      })),
    };
  }

  async assertVisible(tx: EntityManager, orderId: string, buyerId: string | null): Promise<void> {
    if (!(await orderVisibleTo(tx, orderId, buyerId))) throw orderNotFound();
  }
}
