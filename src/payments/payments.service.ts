/**
 * Payments of a payable (a parts order, a repair job: src/payments/payable.ts) through the gateway.
 * Opening a payment, Checkout's verification and capture are commands (src/payments/commands/);
 * here are the payable's payments as its buyer sees them, and what a failed attempt or the
 * stuck-payment poller's look records. A failed attempt leaves the payable payable (the buyer may
 * retry; an order until its reservation expires).
 */
import { Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { allows } from '../common/state-machine.js';
import { execute } from '../database/sql.js';
import { TransactionRunner } from '../database/transaction.js';
import type { PaymentRecord } from './dto/payment.dto.js';
import { PAYABLES, type Payable, type PayableRef } from './payable.js';
import { PAYMENT_MACHINE, type PaymentStatus } from './domain/payment-state.js';
import {
  movePayment,
  PAYABLE_COLUMN,
  payableOfType,
  PAYMENT_COLUMNS,
  toPaymentRecord,
  type PaymentRow,
} from './payment-store.js';
import {
  PAYMENT_GATEWAY,
  type GatewayPayment,
  type PaymentGateway,
} from '../gateway/payment-gateway.js';

export { movePayment } from './payment-store.js';

@Injectable()
export class PaymentsService {
  constructor(
    private readonly transactions: TransactionRunner,
    @Inject(PAYMENT_GATEWAY) private readonly gateway: PaymentGateway,
    @Inject(PAYABLES) private readonly payables: Payable[],
  ) {}

  /** The stuck-payment poller asked the gateway about this order: its next look waits an interval. */
  async markLookedAt(gatewayOrderId: string): Promise<void> {
    await this.transactions.run((tx) =>
      execute(
        tx,
        `UPDATE payments SET updated_at = now() WHERE gateway_order_id = $1 AND status IN ('created','authorized')`,
        [gatewayOrderId],
      ),
    );
  }

  /** A failed attempt: recorded on the payment; the order stays payable until its reservation expires. */
  async applyFailed(gp: GatewayPayment): Promise<void> {
    await this.transactions.run((tx) => this.applyFailedIn(tx, gp));
  }

  /** `applyFailed` inside the caller's transaction; a captured payment never goes back to failed. */
  async applyFailedIn(tx: EntityManager, gp: GatewayPayment): Promise<'applied' | 'ignored'> {
    if (gp.orderId === null) return 'ignored';
    const { rows } = await execute<{ id: string; status: PaymentStatus }>(
      tx,
      `SELECT id::text AS id, status FROM payments WHERE gateway_order_id = $1 FOR UPDATE`,
      [gp.orderId],
    );
    const payment = rows[0];
    if (payment === undefined || !allows(PAYMENT_MACHINE, payment.status, 'fail', 'gateway'))
      return 'ignored';
    await movePayment(tx, payment.id, payment.status, 'fail', gp.errorDescription, {
      set: `gateway_payment_id = coalesce(gateway_payment_id, $4), failure_code = $5, failure_reason = $6`,
      params: [gp.id, gp.errorCode, gp.errorDescription],
    });
    return 'applied';
  }

  /** The payable's payments (`buyerId`: only when it is theirs, else 404). */
  async list(ref: PayableRef, buyerId: string | null): Promise<PaymentRecord[]> {
    return this.transactions.run(async (tx) => {
      await payableOfType(this.payables, ref.type).assertVisible(tx, ref.id, buyerId);
      const { rows } = await execute<PaymentRow>(
        tx,
        `SELECT ${PAYMENT_COLUMNS} FROM payments WHERE ${PAYABLE_COLUMN[ref.type]} = $1 ORDER BY created_at, id`,
        [ref.id],
      );
      return rows.map((r) => toPaymentRecord(r, this.gateway.keyId));
    });
  }
}
