/**
 * The steps of Checkout's verification (`VerifyPaymentHandler`) before the capture, in the order it
 * runs them: find the buyer's payment of the gateway order, check Checkout's signature against the
 * gateway order id WE stored, fetch the payment from the gateway (capturing it if only authorized).
 */
import type { EntityManager } from 'typeorm';
import { AppProblem } from '../../common/errors/problem.js';
import { execute } from '../../database/sql.js';
import {
  GatewayError,
  type GatewayPayment,
  type PaymentGateway,
} from '../../gateway/payment-gateway.js';
import type { VerifyPaymentDto } from '../dto/payment.dto.js';
import type { Payable, PayableRef } from '../payable.js';
import { gatewayDown, PAYABLE_COLUMN, PAYMENT_COLUMNS, type PaymentRow } from '../payment-store.js';

/** The buyer's payment of the payable for Checkout's gateway order; 404 when there is none. */
export async function paymentOfCheckout(
  tx: EntityManager,
  payable: Payable,
  ref: PayableRef,
  buyerId: string,
  dto: VerifyPaymentDto,
): Promise<PaymentRow> {
  const { rows } = await execute<PaymentRow>(
    tx,
    `SELECT ${PAYMENT_COLUMNS} FROM payments WHERE ${PAYABLE_COLUMN[ref.type]} = $1 AND buyer_id = $2 AND gateway_order_id = $3`,
    [ref.id, buyerId, dto.razorpayOrderId],
  );
  if (rows.length === 0)
    throw new AppProblem(
      404,
      'payment/not-found',
      'Not found',
      `No such payment for this ${payable.noun}`,
    );
  return rows[0]!;
}

/** 400 `payment/invalid-signature` unless Checkout signed the payment for the gateway order we stored. */
export function refuseUnlessSigned(
  gateway: PaymentGateway,
  payment: PaymentRow,
  dto: VerifyPaymentDto,
): void {
  const valid = gateway.verifyCheckoutSignature({
    orderId: payment.gateway_order_id!,
    paymentId: dto.razorpayPaymentId,
    signature: dto.razorpaySignature,
  });
  if (!valid)
    throw new AppProblem(
      400,
      'payment/invalid-signature',
      'Invalid signature',
      'The payment signature does not match this order',
    );
}

/** The gateway's word on the payment (409 when it is for another order or amount), captured if only authorized. */
export async function gatewayPaymentOf(
  gateway: PaymentGateway,
  payment: PaymentRow,
  dto: VerifyPaymentDto,
): Promise<GatewayPayment> {
  try {
    const gp = await gateway.fetchPayment(dto.razorpayPaymentId);
    if (gp.orderId !== payment.gateway_order_id || gp.amountPaise !== Number(payment.amount_paise))
      throw new AppProblem(
        409,
        'payment/mismatch',
        'Payment mismatch',
        'The gateway reports a different order or amount for this payment',
      );
    if (gp.status === 'authorized') return await gateway.capturePayment(gp.id, gp.amountPaise);
    return gp;
  } catch (err) {
    if (err instanceof GatewayError) throw gatewayDown(err);
    throw err;
  }
}
