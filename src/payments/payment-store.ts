/**
 * The payments module's SQL on `payments` shared by its commands (open, verify, capture) and the
 * reads of `PaymentsService`: the row, its columns, the move of its state machine, and its DTO.
 */
import type { EntityManager } from 'typeorm';
import { AppProblem } from '../common/errors/problem.js';
import { transitionInOneStatement } from '../database/transition-in-one-statement.js';
import { execute } from '../database/sql.js';
import type { GatewayError } from '../gateway/payment-gateway.js';
import type { PaymentRecord } from './dto/payment.dto.js';
import type { Payable, PayableType } from './payable.js';
import {
  PAYMENT_MACHINE,
  type PaymentActor,
  type PaymentEvent,
  type PaymentStatus,
} from './domain/payment-state.js';

export interface PaymentRow {
  id: string;
  order_id: string | null;
  repair_job_id: string | null;
  payable_type: PayableType;
  buyer_id: string;
  gateway_order_id: string | null;
  gateway_payment_id: string | null;
  amount_paise: string;
  status: PaymentRecord['status'];
  unpayable: boolean;
  created_at: Date;
  captured_at: Date | null;
  failure_reason: string | null;
}

export const PAYMENT_COLUMNS = `id::text AS id, order_id::text AS order_id, repair_job_id::text AS repair_job_id,
  payable_type, buyer_id::text AS buyer_id, gateway_order_id, gateway_payment_id,
  amount_paise::text AS amount_paise, status, unpayable, created_at, captured_at, failure_reason`;

/** The `payments` column holding each kind of payable's id (a fixed map: never user input). */
export const PAYABLE_COLUMN: Record<PayableType, string> = {
  order: 'order_id',
  repair_job: 'repair_job_id',
};

/** The payable kind `type` among the wired ones (`PAYABLES`). */
export function payableOfType(payables: readonly Payable[], type: PayableType): Payable {
  const payable = payables.find((p) => p.type === type);
  if (payable === undefined) throw new Error(`no payable kind ${type}`);
  return payable;
}

/** 503 `payment/gateway-unavailable`: the gateway did not answer. */
export const gatewayDown = (err: GatewayError) =>
  new AppProblem(
    503,
    'payment/gateway-unavailable',
    'Payment gateway unavailable',
    `The payment gateway did not answer (${err.message}); try again shortly`,
    {},
    { 'Retry-After': '5' },
  );

export async function paymentRow(tx: EntityManager, id: string): Promise<PaymentRow> {
  const { rows } = await execute<PaymentRow>(
    tx,
    `SELECT ${PAYMENT_COLUMNS} FROM payments WHERE id = $1`,
    [id],
  );
  return rows[0]!;
}

/** The payment as its payer sees it (`keyId`: the gateway's public key, for Checkout). */
export function toPaymentRecord(r: PaymentRow, keyId: string): PaymentRecord {
  return {
    id: r.id,
    payableId: (r.order_id ?? r.repair_job_id)!,
    status: r.status,
    amountPaise: Number(r.amount_paise),
    currency: 'INR',
    gateway: 'razorpay',
    gatewayOrderId: r.gateway_order_id,
    gatewayPaymentId: r.gateway_payment_id,
    keyId,
    unpayable: r.unpayable,
    failureReason: r.failure_reason,
    createdAt: r.created_at.toISOString(),
    capturedAt: r.captured_at === null ? null : r.captured_at.toISOString(),
  };
}

/**
 * Moves a payment (`PAYMENT_MACHINE`) and writes its `payment_history` row in one statement; `columns`
 * are the other columns the move sets (their parameters from $4).
 */
export async function movePayment(
  tx: EntityManager,
  paymentId: string,
  from: PaymentStatus,
  event: PaymentEvent,
  reason: string | null,
  columns: { set: string; params: unknown[] },
): Promise<PaymentRow> {
  const moved = await transitionInOneStatement<
    PaymentStatus,
    PaymentEvent,
    PaymentActor,
    PaymentRow
  >(
    tx,
    PAYMENT_MACHINE,
    {
      from,
      event,
      actor: event === 'capture' || event === 'fail' ? 'gateway' : 'system',
      reason,
      reasonRequiredStatus: 422,
      problem: { paymentId },
    },
    {
      history: { table: 'payment_history', column: 'payment_id' },
      update: (from, to) => ({
        sql: `UPDATE payments SET status = $2, ${columns.set}, updated_at = now()
              WHERE id = $1 AND status = $3 RETURNING id AS object_id, ${PAYMENT_COLUMNS}`,
        params: [paymentId, to, from, ...columns.params],
      }),
    },
  );
  return moved.row!;
}
