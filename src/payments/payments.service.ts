/**
 * Paying an order through the gateway, and what a captured payment does:
 * - `start`: the intent (a `payments` row) is stored first, the gateway order created outside any
 *   transaction, then recorded; calling again returns the open payment (or, when what is payable
 *   changed, supersedes it). The buyer's checkout then pays the gateway order.
 * - `verify`: checkout's signature is checked against the gateway order id WE stored, the payment is
 *   fetched from the gateway (and captured if only authorized), then `applyCaptured` runs.
 * - `applyCaptured` (also the webhooks' path): in one transaction, the payment row moves forward,
 *   the order's sub-orders awaiting payment become paid (the orders module's payment port), and the
 *   ledger gets the capture into the order's escrow, one hold per sub-order toward its dealer's
 *   payable and the gateway fee. Replays are no-ops. Money captured for an order that can no longer
 *   be paid (expired or cancelled meanwhile) is still posted into escrow and flagged `unpayable`,
 *   for a refund.
 * A failed attempt leaves the order payable (the buyer may retry) until its reservation expires.
 */
import { Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { AppProblem } from '../common/errors/problem.js';
import type { RequestMeta } from '../common/request-meta.js';
import { execute } from '../database/sql.js';
import { TransactionRunner } from '../database/transaction.js';
import { JobQueue } from '../jobs/job-queue.service.js';
import { Accounts } from '../ledger/domain/account.js';
import { credit, debit } from '../ledger/domain/journal.js';
import type { LedgerCommand } from '../ledger/domain/ledger-model.js';
import { escrowAccount, gatewayFeeCharged, payableAccount } from '../ledger/domain/recipes.js';
import { LedgerService } from '../ledger/persistence/ledger.service.js';
import { OrderCommands, type PaymentOutcome } from '../orders/order-commands.service.js';
import { lockOrder, lockSubOrders, orderNotFound } from '../orders/order-store.js';
import type { PaymentDto, VerifyPaymentDto } from './dto/payment.dto.js';
import { RefundsService } from './refunds.service.js';
import { ROUTE_JOBS } from '../payouts/route/route-jobs.js';
import {
  GatewayError,
  PAYMENT_GATEWAY,
  type GatewayPayment,
  type PaymentGateway,
} from '../gateway/payment-gateway.js';

interface PaymentRow {
  id: string;
  order_id: string;
  buyer_id: string;
  gateway_order_id: string | null;
  gateway_payment_id: string | null;
  amount_paise: string;
  status: PaymentDto['status'];
  unpayable: boolean;
  created_at: Date;
  captured_at: Date | null;
  failure_reason: string | null;
}

const PAYMENT_COLUMNS = `id::text AS id, order_id::text AS order_id, buyer_id::text AS buyer_id,
  gateway_order_id, gateway_payment_id, amount_paise::text AS amount_paise, status, unpayable,
  created_at, captured_at, failure_reason`;

export type CaptureResult =
  { code: 'applied'; outcome: PaymentOutcome } | { code: 'replayed' } | { code: 'unknown_order' };

const gatewayDown = (err: GatewayError) =>
  new AppProblem(
    503,
    'payment/gateway-unavailable',
    'Payment gateway unavailable',
    `The payment gateway did not answer (${err.message}); try again shortly`,
    {},
    { 'Retry-After': '5' },
  );

@Injectable()
export class PaymentsService {
  constructor(
    private readonly transactions: TransactionRunner,
    private readonly ledger: LedgerService,
    private readonly orders: OrderCommands,
    private readonly refunds: RefundsService,
    private readonly jobs: JobQueue,
    @Inject(PAYMENT_GATEWAY) private readonly gateway: PaymentGateway,
  ) {}

  /** Opens (or returns the open) payment of the buyer's order. */
  async start(orderId: string, meta: RequestMeta): Promise<PaymentDto> {
    const buyerId = meta.principal!.userId;
    const intent = await this.transactions.run(async (tx) => {
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
      const payable = subs
        .filter((s) => s.status === 'awaiting_payment')
        .reduce((sum, s) => sum + Number(s.total_paise), 0);
      const { rows: open } = await execute<PaymentRow>(
        tx,
        `SELECT ${PAYMENT_COLUMNS} FROM payments WHERE order_id = $1 AND status IN ('creating','created','authorized')`,
        [orderId],
      );
      const current = open[0];
      if (current !== undefined && Number(current.amount_paise) === payable) return current;
      if (current !== undefined) {
        if (current.status === 'authorized')
          throw new AppProblem(
            409,
            'payment/in-progress',
            'Payment in progress',
            'A payment for this order is being captured',
          );
        await execute(
          tx,
          `UPDATE payments SET status = 'failed', failure_reason = 'superseded: the payable amount changed', updated_at = now() WHERE id = $1`,
          [current.id],
        );
      }
      const { rows } = await execute<PaymentRow>(
        tx,
        `INSERT INTO payments (order_id, buyer_id, amount_paise) VALUES ($1, $2, $3) RETURNING ${PAYMENT_COLUMNS}`,
        [orderId, buyerId, payable],
      );
      return rows[0]!;
    });
    if (intent.gateway_order_id !== null) return this.toDto(intent);
    let gatewayOrderId: string;
    try {
      gatewayOrderId = (
        await this.gateway.createOrder({
          amountPaise: Number(intent.amount_paise),
          receipt: intent.id,
          notes: { orderId, paymentId: intent.id },
        })
      ).id;
    } catch (err) {
      if (err instanceof GatewayError) throw gatewayDown(err);
      throw err;
    }
    const recorded = await this.transactions.run(async (tx) => {
      const { rows } = await execute<PaymentRow>(
        tx,
        `UPDATE payments SET gateway_order_id = $2, status = 'created', updated_at = now()
         WHERE id = $1 AND status = 'creating' RETURNING ${PAYMENT_COLUMNS}`,
        [intent.id, gatewayOrderId],
      );
      // A concurrent start recorded its own gateway order first: that one stands.
      return rows[0] ?? (await this.row(tx, intent.id));
    });
    return this.toDto(recorded);
  }

  /** Checkout's answer: signature, then the gateway's word on the payment, then capture. */
  async verify(orderId: string, dto: VerifyPaymentDto, meta: RequestMeta): Promise<PaymentDto> {
    const buyerId = meta.principal!.userId;
    const payment = await this.transactions.run(async (tx) => {
      const { rows } = await execute<PaymentRow>(
        tx,
        `SELECT ${PAYMENT_COLUMNS} FROM payments WHERE order_id = $1 AND buyer_id = $2 AND gateway_order_id = $3`,
        [orderId, buyerId, dto.razorpayOrderId],
      );
      if (rows.length === 0)
        throw new AppProblem(
          404,
          'payment/not-found',
          'Not found',
          'No such payment for this order',
        );
      return rows[0]!;
    });
    const valid = this.gateway.verifyCheckoutSignature({
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
    if (payment.status === 'captured') return this.toDto(payment);
    let gp: GatewayPayment;
    try {
      gp = await this.gateway.fetchPayment(dto.razorpayPaymentId);
      if (
        gp.orderId !== payment.gateway_order_id ||
        gp.amountPaise !== Number(payment.amount_paise)
      )
        throw new AppProblem(
          409,
          'payment/mismatch',
          'Payment mismatch',
          'The gateway reports a different order or amount for this payment',
        );
      if (gp.status === 'authorized') gp = await this.gateway.capturePayment(gp.id, gp.amountPaise);
    } catch (err) {
      if (err instanceof GatewayError) throw gatewayDown(err);
      throw err;
    }
    if (gp.status === 'failed') await this.applyFailed(gp);
    else if (gp.status === 'captured') await this.applyCaptured(gp);
    return this.transactions.run(async (tx) => this.toDto(await this.row(tx, payment.id)));
  }

  /** A captured gateway payment, applied exactly once (checkout verification, webhooks, reconciliation). */
  async applyCaptured(gp: GatewayPayment): Promise<CaptureResult> {
    return this.transactions.run((tx) => this.applyCapturedIn(tx, gp));
  }

  /** `applyCaptured` inside the caller's transaction (the webhook inbox's); the orders' events follow its commit. */
  async applyCapturedIn(tx: EntityManager, gp: GatewayPayment): Promise<CaptureResult> {
    if (gp.orderId === null) return { code: 'unknown_order' };
    // Lock order: the order row first (as every order command does), then the payment row.
    const { rows: found } = await execute<{ order_id: string }>(
      tx,
      `SELECT order_id::text AS order_id FROM payments WHERE gateway_order_id = $1`,
      [gp.orderId],
    );
    if (found.length === 0) return { code: 'unknown_order' };
    const order = await lockOrder(tx, found[0]!.order_id, null);
    const { rows } = await execute<PaymentRow>(
      tx,
      `SELECT ${PAYMENT_COLUMNS} FROM payments WHERE gateway_order_id = $1 FOR UPDATE`,
      [gp.orderId],
    );
    const payment = rows[0]!;
    if (payment.status === 'captured') return { code: 'replayed' };
    await execute(
      tx,
      `UPDATE payments SET status = 'captured', gateway_payment_id = $2, fee_paise = $3, fee_tax_paise = $4,
         method = $5, captured_at = now(), failure_code = NULL, failure_reason = NULL, updated_at = now()
       WHERE id = $1`,
      [payment.id, gp.id, gp.feePaise, gp.feeTaxPaise, gp.method],
    );
    // Which sub-orders this payment pays, before the payment port moves them.
    const awaiting = (await lockSubOrders(tx, order.id)).filter(
      (s) => s.status === 'awaiting_payment',
    );
    const outcome = await this.orders.confirmPaid(tx, order.id, {
      reference: gp.id,
      amountPaise: gp.amountPaise,
    });
    const escrow = escrowAccount('order', order.id);
    const commands: LedgerCommand[] = [
      {
        type: 'post',
        key: `capture:${gp.id}`,
        lines: [
          debit(Accounts.gatewayReceivable, BigInt(gp.amountPaise)),
          credit(escrow, BigInt(gp.amountPaise)),
        ],
        meta: {
          eventType: 'payment_captured',
          reference: `order:${order.id}`,
          actor: 'system:payments',
          metadata: { paymentId: gp.id, gatewayOrderId: gp.orderId },
        },
      },
    ];
    let refund: { kind: 'excess' | 'duplicate' | 'unpayable'; amountPaise: number } | null = null;
    if (outcome.code === 'paid') {
      for (const s of awaiting) {
        const holdKey = `hold:order:${order.id}:${s.id}`;
        commands.push({
          type: 'hold',
          key: holdKey,
          lines: [
            debit(escrow, BigInt(s.total_paise)),
            credit(payableAccount({ kind: 'dealer', id: s.dealer_id }), BigInt(s.total_paise)),
          ],
          timeoutSeconds: 0,
          meta: {
            eventType: 'escrow_hold',
            reference: `order:${order.id}`,
            actor: 'system:payments',
            metadata: { subOrderId: s.id },
          },
        });
        await execute(
          tx,
          `INSERT INTO escrow_holds (sub_order_id, order_id, payment_id, dealer_id, amount_paise, hold_key)
           VALUES ($1, $2, $3, $4, $5, $6)`,
          [s.id, order.id, payment.id, s.dealer_id, s.total_paise, holdKey],
        );
      }
      // Route: transfer each dealer's part, on hold until release (src/payouts/route/).
      await this.jobs.send(ROUTE_JOBS.transfers, { paymentId: payment.id }, { tx });
      if (outcome.excessPaise > 0) refund = { kind: 'excess', amountPaise: outcome.excessPaise };
    } else {
      await execute(tx, `UPDATE payments SET unpayable = true WHERE id = $1`, [payment.id]);
      refund = {
        kind: outcome.code === 'duplicate_payment' ? 'duplicate' : 'unpayable',
        amountPaise: gp.amountPaise,
      };
    }
    if (gp.feePaise !== null && gp.feePaise > 0)
      commands.push(
        gatewayFeeCharged({
          paymentId: gp.id,
          feePaise: BigInt(gp.feePaise),
          feeGstPaise: BigInt(gp.feeTaxPaise ?? 0),
          actor: 'system:payments',
        }),
      );
    const accounts = new Set<string>([
      Accounts.gatewayReceivable,
      escrow,
      Accounts.gatewayFees,
      Accounts.gstInput,
    ]);
    for (const s of awaiting) accounts.add(payableAccount({ kind: 'dealer', id: s.dealer_id }));
    await this.ledger.postIn(
      tx,
      { type: 'batch', commands },
      { what: `the capture of ${gp.id}`, open: accounts },
    );
    // Money the order does not keep goes back to the buyer (posted once the gateway refunds it).
    if (refund !== null)
      await this.refunds.requestIn(tx, { paymentId: payment.id, orderId: order.id, ...refund });
    return { code: 'applied', outcome };
  }

  /** A failed attempt: recorded on the payment; the order stays payable until its reservation expires. */
  async applyFailed(gp: GatewayPayment): Promise<void> {
    await this.transactions.run((tx) => this.applyFailedIn(tx, gp));
  }

  /** `applyFailed` inside the caller's transaction; a captured payment never goes back to failed. */
  async applyFailedIn(tx: EntityManager, gp: GatewayPayment): Promise<'applied' | 'ignored'> {
    if (gp.orderId === null) return 'ignored';
    const { affected } = await execute(
      tx,
      `UPDATE payments SET status = 'failed', gateway_payment_id = coalesce(gateway_payment_id, $2),
         failure_code = $3, failure_reason = $4, updated_at = now()
       WHERE gateway_order_id = $1 AND status IN ('created','authorized')`,
      [gp.orderId, gp.id, gp.errorCode, gp.errorDescription],
    );
    return affected > 0 ? 'applied' : 'ignored';
  }

  async list(orderId: string, buyerId: string | null): Promise<PaymentDto[]> {
    return this.transactions.run(async (tx) => {
      const { rows: owner } = await execute(
        tx,
        `SELECT 1 FROM orders WHERE id = $1 AND ($2::uuid IS NULL OR buyer_id = $2)`,
        [orderId, buyerId],
      );
      if (owner.length === 0) throw orderNotFound();
      const { rows } = await execute<PaymentRow>(
        tx,
        `SELECT ${PAYMENT_COLUMNS} FROM payments WHERE order_id = $1 ORDER BY created_at, id`,
        [orderId],
      );
      return rows.map((r) => this.toDto(r));
    });
  }

  private async row(tx: EntityManager, id: string): Promise<PaymentRow> {
    const { rows } = await execute<PaymentRow>(
      tx,
      `SELECT ${PAYMENT_COLUMNS} FROM payments WHERE id = $1`,
      [id],
    );
    return rows[0]!;
  }

  private toDto(r: PaymentRow): PaymentDto {
    return {
      id: r.id,
      orderId: r.order_id,
      status: r.status,
      amountPaise: Number(r.amount_paise),
      currency: 'INR',
      gateway: 'razorpay',
      gatewayOrderId: r.gateway_order_id,
      gatewayPaymentId: r.gateway_payment_id,
      keyId: this.gateway.keyId,
      unpayable: r.unpayable,
      failureReason: r.failure_reason,
      createdAt: r.created_at.toISOString(),
      capturedAt: r.captured_at === null ? null : r.captured_at.toISOString(),
    };
  }
}
