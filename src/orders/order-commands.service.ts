/**
 * Every change to a placed order: the buyer's cancellations and delivery confirmation, the dealer's
 * accept / pack / ship / cancel, staff interventions (audited), the payment port's confirmation and
 * failure, the jobs' expiry and completion, and the clean-up when a dealer is suspended. One command =
 * one transaction: the order row is locked first, then its sub-orders by id, then listings by id.
 * Domain events are published after the transaction commits (the common state-machine helper).
 */
import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { Principal } from '../common/roles.js';
import { AuditService } from '../audit/audit.service.js';
import { AppProblem } from '../common/errors/problem.js';
import type { RequestMeta } from '../common/request-meta.js';
import { idempotent, type IdempotentResult } from '../database/idempotency.js';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { execute } from '../database/sql.js';
import { TransactionRunner } from '../database/transaction.js';
import { AccountStatusHooks, type AccountStatusChange } from '../identity/account-status-hooks.js';
import { buyerMayCancel, linesToCancel, type LineCancelRefusal } from './domain/order-pricing.js';
import { isBeforeShipping, transition } from './domain/sub-order-state.js';
import type {
  CancelLinesDto,
  DealerSubOrderDto,
  DeliveryRuleDto,
  OrderDto,
} from './dto/order.dto.js';
import { OrderChecks } from './order-checks.js';
import {
  applyTransition,
  cancelLinesIn,
  dealerSubOrdersByIds,
  lockOrder,
  lockListingsOf,
  lockSubOrders,
  orderIdOfSubOrder,
  orderNotFound,
  ordersByIds,
  returnWindowMsOf,
  settleOrderStatus,
  type OrderRow,
  type SubOrderRow,
  type TransitionInput,
} from './order-store.js';
import { UUID } from '../common/uuid.js';

/** What the payment flow learns from `confirmPaid` / `paymentFailed`. */
export type PaymentOutcome =
  /** Paid; `excessPaise` > 0 when the payment covered more than was still payable (a part was cancelled meanwhile): to be refunded. */
  | { code: 'paid'; orderId: string; amountPaise: number; excessPaise: number }
  /** This same payment was applied before (a replay). */
  | { code: 'already_paid'; orderId: string }
  /** The order was already paid by another payment: this one is to be refunded. */
  | { code: 'duplicate_payment'; orderId: string }
  | { code: 'not_payable'; orderId: string; paymentStatus: OrderDto['paymentStatus'] }
  | { code: 'amount_mismatch'; orderId: string; payablePaise: number }
  | { code: 'released'; orderId: string }
  | { code: 'not_found'; orderId: string };

type DealerAction = 'accept' | 'pack' | 'ship' | 'cancel';

/**
 * The payments module's part of cancelling lines of a paid sub-order, in the cancellation's
 * transaction: refund `amountPaise` out of the sub-order's escrow hold (src/payments/refunds.service.ts).
 * It refuses (an AppProblem) when the hold can no longer be cut.
 */
export type PaidLinesRefund = (
  tx: EntityManager,
  input: { orderId: string; subOrderId: string; amountPaise: number },
) => Promise<{ refundId: string }>;

const LINE_CANCEL_DETAIL: Record<LineCancelRefusal['code'], string> = {
  'order/unknown-lines': 'This part of the order has no such line',
  'order/lines-already-cancelled': 'These lines are cancelled already',
  'order/cancel-sub-order-instead':
    'These are all the lines left in this part of the order: cancel the part itself instead (POST /orders/{orderId}/sub-orders/{subOrderId}/cancel)',
};

function lineCancelRefused(code: LineCancelRefusal['code'], lineNos: number[]): AppProblem {
  return new AppProblem(
    code === 'order/unknown-lines' ? 422 : 409,
    code,
    code === 'order/unknown-lines' ? 'Unknown lines' : 'Not allowed now',
    LINE_CANCEL_DETAIL[code],
    { lineNos },
  );
}

const remainingItemsPaise = (subs: SubOrderRow[]) =>
  subs.filter((s) => s.status !== 'cancelled').reduce((sum, s) => sum + Number(s.items_paise), 0);

@Injectable()
export class OrderCommands implements OnModuleInit {
  constructor(
    private readonly transactions: TransactionRunner,
    private readonly audit: AuditService,
    private readonly statusHooks: AccountStatusHooks,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly checks: OrderChecks,
  ) {}

  private paidLinesRefund: PaidLinesRefund | undefined;

  onModuleInit(): void {
    this.statusHooks.register((tx, change, meta) => this.onAccountStatus(tx, change, meta));
  }

  /** The payments module registers how cancelled lines of a paid sub-order are refunded. */
  registerPaidLinesRefund(refund: PaidLinesRefund): void {
    this.paidLinesRefund = refund;
  }

  // ---- buyer ----

  /**
   * Cancels every sub-order of the buyer's order that has not shipped. Allowed when nothing shipped
   * or what shipped still reaches the order's minimum (the cancellation policy).
   */
  async buyerCancelOrder(
    orderId: string,
    reason: string | undefined,
    meta: RequestMeta,
  ): Promise<OrderDto> {
    const p = meta.principal!;
    await this.transactions.run(async (tx) => {
      const order = await lockOrder(tx, orderId, p.userId);
      const subs = await lockSubOrders(tx, orderId);
      const targets = subs.filter((s) => isBeforeShipping(s.status));
      if (targets.length === 0)
        throw new AppProblem(
          409,
          'order/nothing-to-cancel',
          'Nothing to cancel',
          'Every part of this order has shipped or ended already',
        );
      this.assertBuyerCancelPolicy(order, subs, targets);
      await lockListingsOf(
        tx,
        targets.map((s) => s.id),
      );
      for (const s of targets)
        await applyTransition(tx, order, s, this.input('cancel', 'buyer', p, reason));
      await settleOrderStatus(tx, order, subs);
    });
    return this.order(orderId);
  }

  async buyerCancelSubOrder(
    orderId: string,
    subOrderId: string,
    reason: string | undefined,
    meta: RequestMeta,
  ): Promise<OrderDto> {
    const p = meta.principal!;
    await this.transactions.run(async (tx) => {
      const order = await lockOrder(tx, orderId, p.userId);
      const subs = await lockSubOrders(tx, orderId);
      const sub = this.pick(subs, subOrderId);
      if (isBeforeShipping(sub.status)) this.assertBuyerCancelPolicy(order, subs, [sub]);
      await lockListingsOf(tx, [sub.id]);
      await applyTransition(tx, order, sub, this.input('cancel', 'buyer', p, reason));
      await settleOrderStatus(tx, order, subs);
    });
    return this.order(orderId);
  }

  async buyerConfirmDelivery(
    orderId: string,
    subOrderId: string,
    meta: RequestMeta,
  ): Promise<OrderDto> {
    const p = meta.principal!;
    await this.transactions.run(async (tx) => {
      const order = await lockOrder(tx, orderId, p.userId);
      const sub = this.pick(await lockSubOrders(tx, orderId), subOrderId);
      await applyTransition(tx, order, sub, this.input('deliver', 'buyer', p));
    });
    return this.order(orderId);
  }

  /** The policy: what remains of the order after cancelling `targets` is nothing or reaches its minimum. */
  private assertBuyerCancelPolicy(
    order: OrderRow,
    subs: SubOrderRow[],
    targets: SubOrderRow[],
  ): void {
    const cancelling = new Set(targets.map((t) => t.id));
    this.assertRemainingReachesMinimum(
      order,
      remainingItemsPaise(subs.filter((s) => !cancelling.has(s.id))),
      'cancel the whole order instead, or keep this part',
    );
  }

  private assertRemainingReachesMinimum(order: OrderRow, remaining: number, instead: string): void {
    const minimum = Number(order.minimum_order_paise);
    const decision = buyerMayCancel(remaining, minimum);
    if (!decision.ok)
      throw new AppProblem(
        409,
        'order/cancel-below-minimum',
        'Cancellation would break the minimum order',
        `What would remain of this order (${remaining} paise of items) is below its minimum order value (${minimum} paise): ${instead}`,
        {
          remainingItemsPaise: remaining,
          minimumPaise: minimum,
          shortfallPaise: decision.shortfallPaise,
        },
      );
  }

  /**
   * Cancels whole lines of one sub-order that has not shipped (README "Orders and checkout"): at
   * least one line stays (else cancel the sub-order), and what remains of the order still reaches its
   * minimum. The lines' stock is released (unpaid) or restocked (paid); a paid sub-order's lines are
   * refunded out of its escrow hold by the payments module, in this transaction. Audited
   * (`order.cancel_lines`); `Idempotency-Key` replays the first response.
   */
  async buyerCancelLines(
    orderId: string,
    subOrderId: string,
    dto: CancelLinesDto,
    key: string,
    meta: RequestMeta,
  ): Promise<IdempotentResult<OrderDto>> {
    const p = meta.principal!;
    const request = { orderId, subOrderId, lineNos: dto.lineNos, reason: dto.reason ?? null };
    return this.transactions.run((tx) =>
      idempotent(tx, { ownerId: p.userId, scope: 'order.cancel_lines', key, request }, async () => {
        const order = await lockOrder(tx, orderId, p.userId);
        const subs = await lockSubOrders(tx, orderId);
        const sub = this.pick(subs, subOrderId);
        await this.assertLinesCancellable(tx, order, subs, sub, dto.lineNos);
        const before = { itemsPaise: Number(sub.items_paise), totalPaise: Number(sub.total_paise) };
        await lockListingsOf(tx, [sub.id]);
        const cancelled = await cancelLinesIn(tx, order, sub, dto.lineNos, {
          actorId: p.userId,
          actorRole: p.role,
          reason: dto.reason ?? null,
        });
        let refundId: string | null = null;
        if (sub.status !== 'awaiting_payment') {
          if (this.paidLinesRefund === undefined) throw new Error('no refund for paid lines');
          ({ refundId } = await this.paidLinesRefund(tx, {
            orderId,
            subOrderId: sub.id,
            amountPaise: cancelled.itemsPaise,
          }));
        }
        await this.audit.record(tx, meta, {
          action: 'order.cancel_lines',
          targetType: 'sub_order',
          targetId: sub.id,
          ...(dto.reason !== undefined ? { reason: dto.reason } : {}),
          before: { status: sub.status, ...before },
          after: {
            orderId,
            lineNos: cancelled.lineNos,
            cancelledItemsPaise: cancelled.itemsPaise,
            cancelledTaxPaise: cancelled.taxPaise,
            itemsPaise: Number(sub.items_paise),
            totalPaise: Number(sub.total_paise),
            refundId,
          },
        });
        return (await ordersByIds(tx, [orderId], true, returnWindowMsOf(this.config)))[0]!;
      }),
    );
  }

  /**
   * The sub-order may still be cancelled by the buyer (not shipped), every requested line is one of
   * its active lines, one stays, and what remains of the order reaches its minimum.
   */
  private async assertLinesCancellable(
    tx: EntityManager,
    order: OrderRow,
    subs: SubOrderRow[],
    sub: SubOrderRow,
    lineNos: number[],
  ): Promise<void> {
    const gate = transition(sub.status, 'cancel', 'buyer');
    if (!gate.ok)
      throw new AppProblem(409, gate.code, 'Not allowed now', gate.detail, {
        subOrderId: sub.id,
        subOrderStatus: sub.status,
      });
    const { rows: lines } = await execute<{ line_no: number; total: string; status: string }>(
      tx,
      `SELECT line_no, line_total_paise::text AS total, status FROM order_lines WHERE sub_order_id = $1`,
      [sub.id],
    );
    const chosen = linesToCancel(
      lines.map((l) => ({
        lineNo: l.line_no,
        lineTotalPaise: Number(l.total),
        cancelled: l.status === 'cancelled',
      })),
      lineNos,
    );
    if (!chosen.ok) throw lineCancelRefused(chosen.code, chosen.lineNos);
    this.assertRemainingReachesMinimum(
      order,
      remainingItemsPaise(subs) - chosen.itemsPaise,
      'cancel this whole part of the order (or the whole order) instead, or keep these lines',
    );
  }

  // ---- dealer ----

  async dealerAct(
    subOrderId: string,
    action: DealerAction,
    body: { reason?: string; carrier?: string; trackingNumber?: string },
    meta: RequestMeta,
  ): Promise<DealerSubOrderDto> {
    const p = meta.principal!;
    await this.transactions.run(async (tx) => {
      const orderId = await orderIdOfSubOrder(tx, subOrderId, p.userId);
      const order = await lockOrder(tx, orderId, null);
      const subs = await lockSubOrders(tx, orderId);
      const sub = this.pick(subs, subOrderId);
      if (action !== 'cancel') {
        const refusal = await this.checks.fulfilmentRefusal(tx, orderId);
        if (refusal !== null) throw refusal;
      }
      const input = this.input(action, 'dealer', p, body.reason);
      if (action === 'ship')
        input.ship = { carrier: body.carrier!, trackingNumber: body.trackingNumber! };
      if (action === 'cancel') await lockListingsOf(tx, [sub.id]);
      await applyTransition(tx, order, sub, input);
      await settleOrderStatus(tx, order, subs);
    });
    return (
      await this.transactions.run((tx) =>
        dealerSubOrdersByIds(tx, [subOrderId], true, returnWindowMsOf(this.config)),
      )
    )[0]!;
  }

  // ---- staff ----

  async staffAct(
    orderId: string,
    subOrderId: string,
    action: 'cancel' | 'deliver',
    reason: string,
    meta: RequestMeta,
  ): Promise<OrderDto> {
    const p = meta.principal!;
    await this.transactions.run(async (tx) => {
      const order = await lockOrder(tx, orderId, null);
      const subs = await lockSubOrders(tx, orderId);
      const sub = this.pick(subs, subOrderId);
      const before = sub.status;
      if (action === 'cancel') await lockListingsOf(tx, [sub.id]);
      await applyTransition(tx, order, sub, this.input(action, 'admin', p, reason));
      await settleOrderStatus(tx, order, subs);
      await this.audit.record(tx, meta, {
        action: action === 'cancel' ? 'order.cancel' : 'order.confirm_delivery',
        targetType: 'sub_order',
        targetId: sub.id,
        reason,
        before: { status: before },
        after: { status: sub.status, orderId },
      });
    });
    return this.order(orderId);
  }

  /**
   * Staff cancel every part of the order that has not shipped (e.g. a fraud review's rejection), in
   * the caller's transaction: reservations released, paid parts restocked (their refunds follow
   * through the payments' refund sweep). Their events are published once that transaction committed.
   */
  async staffCancelOrderIn(
    tx: EntityManager,
    orderId: string,
    reason: string,
    meta: RequestMeta,
  ): Promise<{ cancelled: string[] }> {
    const order = await lockOrder(tx, orderId, null);
    const subs = await lockSubOrders(tx, orderId);
    const targets = subs.filter((s) => isBeforeShipping(s.status));
    await lockListingsOf(
      tx,
      targets.map((s) => s.id),
    );
    for (const s of targets)
      await applyTransition(tx, order, s, this.input('cancel', 'admin', meta.principal!, reason));
    await settleOrderStatus(tx, order, subs);
    return { cancelled: targets.map((s) => s.id) };
  }

  async updateDeliveryRule(
    channel: 'b2b' | 'b2c',
    dto: { flatFeePaise: number; freeFromPaise: number | null; reason: string },
    meta: RequestMeta,
  ): Promise<DeliveryRuleDto> {
    return this.transactions.run(async (tx) => {
      const { rows: before } = await execute<{
        flat_fee_paise: string;
        free_from_paise: string | null;
      }>(
        tx,
        `SELECT flat_fee_paise::text AS flat_fee_paise, free_from_paise::text AS free_from_paise
         FROM delivery_rules WHERE channel = $1 FOR UPDATE`,
        [channel],
      );
      const { rows } = await execute<{ updated_at: Date }>(
        tx,
        `UPDATE delivery_rules SET flat_fee_paise = $2, free_from_paise = $3, updated_by = $4, updated_at = now()
         WHERE channel = $1 RETURNING updated_at`,
        [channel, dto.flatFeePaise, dto.freeFromPaise, meta.principal!.userId],
      );
      await this.audit.record(tx, meta, {
        action: 'delivery_rule.update',
        targetType: 'delivery_rule',
        targetId: channel,
        reason: dto.reason,
        before: {
          flatFeePaise: Number(before[0]!.flat_fee_paise),
          freeFromPaise:
            before[0]!.free_from_paise === null ? null : Number(before[0]!.free_from_paise),
        },
        after: { flatFeePaise: dto.flatFeePaise, freeFromPaise: dto.freeFromPaise },
      });
      return {
        channel,
        flatFeePaise: dto.flatFeePaise,
        freeFromPaise: dto.freeFromPaise,
        updatedAt: rows[0]!.updated_at.toISOString(),
      };
    });
  }

  // ---- payment port ----

  /**
   * The payment for an order succeeded: every sub-order still awaiting payment becomes paid and its
   * reserved stock is sold. Accepted until the expiry job has released the reservation (after that
   * the payment flow refunds). Runs in the caller's transaction (the payment's ledger posting).
   * The transitions' events are published by the state-machine helper after that transaction commits.
   */
  async confirmPaid(
    tx: EntityManager,
    orderId: string,
    payment: { reference: string; amountPaise: number },
  ): Promise<PaymentOutcome> {
    const order = await this.lockForPayment(tx, orderId);
    if (order === null) return { code: 'not_found', orderId };
    if (order.payment_status === 'paid') {
      const { rows } = await execute<{ payment_reference: string | null }>(
        tx,
        `SELECT payment_reference FROM orders WHERE id = $1`,
        [orderId],
      );
      return {
        code:
          rows[0]!.payment_reference === payment.reference ? 'already_paid' : 'duplicate_payment',
        orderId,
      };
    }
    if (order.payment_status !== 'awaiting_payment')
      return { code: 'not_payable', orderId, paymentStatus: order.payment_status };
    const subs = await lockSubOrders(tx, orderId);
    const awaiting = subs.filter((s) => s.status === 'awaiting_payment');
    const payable = awaiting.reduce((sum, s) => sum + Number(s.total_paise), 0);
    // Less than what is payable pays nothing; more (a part was cancelled while the buyer paid) pays
    // what is payable and reports the excess for a refund.
    if (payment.amountPaise < payable)
      return { code: 'amount_mismatch', orderId, payablePaise: payable };
    await lockListingsOf(
      tx,
      awaiting.map((s) => s.id),
    );
    for (const s of awaiting)
      await applyTransition(tx, order, s, {
        event: 'pay',
        actor: 'payment',
        actorId: null,
        actorRole: 'payment',
        reason: null,
      });
    await execute(tx, `UPDATE orders SET payment_reference = $2 WHERE id = $1`, [
      orderId,
      payment.reference,
    ]);
    await settleOrderStatus(tx, order, subs);
    return {
      code: 'paid',
      orderId,
      amountPaise: payable,
      excessPaise: payment.amountPaise - payable,
    };
  }

  /** The payment failed or was abandoned: the order's reservations are released and it is cancelled. */
  async paymentFailed(tx: EntityManager, orderId: string, reason: string): Promise<PaymentOutcome> {
    const order = await this.lockForPayment(tx, orderId);
    if (order === null) return { code: 'not_found', orderId };
    if (order.payment_status !== 'awaiting_payment')
      return { code: 'not_payable', orderId, paymentStatus: order.payment_status };
    const subs = await lockSubOrders(tx, orderId);
    await lockListingsOf(
      tx,
      subs.filter((x) => x.status === 'awaiting_payment').map((s) => s.id),
    );
    for (const s of subs.filter((x) => x.status === 'awaiting_payment'))
      await applyTransition(tx, order, s, {
        event: 'payment_failed',
        actor: 'payment',
        actorId: null,
        actorRole: 'payment',
        reason,
      });
    await settleOrderStatus(tx, order, subs);
    return { code: 'released', orderId };
  }

  /**
   * A refund of a sub-order was processed (the money is back with the buyer): it adds to the
   * sub-order's refunded amount, and the order reads `refunded` once every sub-order that was paid
   * is refunded in full, else `partially_refunded`. Runs in the caller's transaction, before its
   * ledger posting (the order row is locked first, as by every order command).
   */
  async recordRefund(
    tx: EntityManager,
    orderId: string,
    subOrderId: string,
    amountPaise: number,
  ): Promise<void> {
    await lockOrder(tx, orderId, null);
    const { rows } = await execute(
      tx,
      `UPDATE sub_orders SET refunded_paise = refunded_paise + $3, updated_at = now()
       WHERE id = $1 AND order_id = $2 RETURNING 1`,
      [subOrderId, orderId, amountPaise],
    );
    if (rows.length !== 1) throw new Error(`refund of sub-order ${subOrderId} not in ${orderId}`);
    await execute(
      tx,
      `UPDATE orders o SET refund_status = CASE WHEN EXISTS (
           SELECT 1 FROM sub_orders s WHERE s.order_id = o.id AND s.refunded_paise < s.total_paise
             AND EXISTS (SELECT 1 FROM sub_order_history h WHERE h.sub_order_id = s.id AND h.event = 'pay'))
         THEN 'partial' ELSE 'full' END, updated_at = now()
       WHERE o.id = $1`,
      [orderId],
    );
  }

  /** `confirmPaid` / `paymentFailed` in a transaction of their own. */
  async settlePayment(
    orderId: string,
    result: { paid: { reference: string; amountPaise: number } } | { failed: string },
  ): Promise<PaymentOutcome> {
    return this.transactions.run((tx) =>
      'paid' in result
        ? this.confirmPaid(tx, orderId, result.paid)
        : this.paymentFailed(tx, orderId, result.failed),
    );
  }

  // ---- jobs ----

  /** Expires unpaid orders past their reservation deadline (database time); returns how many. */
  async expireReservations(batch = 100): Promise<number> {
    let expired = 0;
    for (;;) {
      const { rows } = await this.transactions.run((tx) =>
        execute<{ id: string }>(
          tx,
          `SELECT id::text AS id FROM orders
           WHERE payment_status = 'awaiting_payment' AND reservation_expires_at <= now()
           ORDER BY reservation_expires_at LIMIT $1`,
          [batch],
        ),
      );
      for (const { id } of rows) {
        const done = await this.transactions.run(async (tx) => {
          const order = await lockOrder(tx, id, null);
          // Paid or cancelled meanwhile, or not yet due on a second look: nothing to do.
          const { rows: due } = await execute(
            tx,
            `SELECT 1 FROM orders WHERE id = $1 AND payment_status = 'awaiting_payment' AND reservation_expires_at <= now()`,
            [id],
          );
          if (due.length === 0) return false;
          const subs = await lockSubOrders(tx, id);
          await lockListingsOf(
            tx,
            subs.filter((x) => x.status === 'awaiting_payment').map((x) => x.id),
          );
          for (const s of subs.filter((x) => x.status === 'awaiting_payment'))
            await applyTransition(tx, order, s, {
              event: 'expire',
              actor: 'system',
              actorId: null,
              actorRole: 'system',
              reason: 'payment not received in time',
            });
          await settleOrderStatus(tx, order, subs, true);
          return true;
        });
        if (done) expired += 1;
      }
      if (rows.length < batch) return expired;
    }
  }

  /** Completes sub-orders delivered more than `seconds` ago with no return or dispute open. */
  async completeDelivered(seconds: number, batch = 100): Promise<number> {
    let completed = 0;
    for (;;) {
      const { rows } = await this.transactions.run((tx) =>
        execute<{ id: string; order_id: string }>(
          tx,
          `SELECT id::text AS id, order_id::text AS order_id FROM sub_orders
           WHERE status = 'delivered' AND delivered_at <= now() - make_interval(secs => $1)
           ORDER BY delivered_at LIMIT $2`,
          [seconds, batch],
        ),
      );
      for (const r of rows) {
        const done = await this.transactions.run(async (tx) => {
          const order = await lockOrder(tx, r.order_id, null);
          const sub = (await lockSubOrders(tx, r.order_id)).find((s) => s.id === r.id)!;
          if (sub.status !== 'delivered') return false;
          await applyTransition(tx, order, sub, {
            event: 'complete',
            actor: 'system',
            actorId: null,
            actorRole: 'system',
            reason: null,
          });
          return true;
        });
        if (done) completed += 1;
      }
      if (rows.length < batch) return completed;
    }
  }

  // ---- returns and disputes (src/disputes/) ----

  /**
   * One command for a return or dispute: the order (scoped to `buyerId` unless null; 404 otherwise)
   * and its sub-orders are locked, then `work` writes its own rows and moves the sub-order with
   * `move` (the state machine's gate, e.g. request_return, dispute, resolve), all in one
   * transaction; the events are published after it commits.
   */
  async withSubOrder<T>(
    orderId: string,
    subOrderId: string,
    buyerId: string | null,
    work: (
      tx: EntityManager,
      sub: SubOrderRow,
      move: (input: TransitionInput) => Promise<void>,
    ) => Promise<T>,
  ): Promise<T> {
    return this.transactions.run(async (tx) => {
      const order = await lockOrder(tx, orderId, buyerId);
      const subs = await lockSubOrders(tx, orderId);
      const sub = this.pick(subs, subOrderId);
      return work(tx, sub, async (input) => {
        await applyTransition(tx, order, sub, input);
        await settleOrderStatus(tx, order, subs);
      });
    });
  }

  // ---- a dealer suspended or blocked ----

  /**
   * In the transaction of the status change: the dealer's listings leave every cart, and its
   * sub-orders awaiting payment are cancelled with their reservations released. Paid sub-orders stay
   * for staff and the payment flow (refunds) to resolve.
   */
  private async onAccountStatus(
    tx: EntityManager,
    change: AccountStatusChange,
    meta: RequestMeta,
  ): Promise<undefined> {
    if (change.role !== 'dealer' || (change.to !== 'suspended' && change.to !== 'blocked'))
      return undefined;
    await execute(
      tx,
      // Lines locked by a checkout in flight are skipped (that checkout then sees the suspension
      // through the dealer row it locks FOR SHARE; a line left behind shows as unavailable).
      `DELETE FROM cart_items WHERE (buyer_id, listing_id) IN (
         SELECT buyer_id, listing_id FROM cart_items
         WHERE listing_id IN (SELECT id FROM listings WHERE dealer_id = $1) FOR UPDATE SKIP LOCKED)`,
      [change.userId],
    );
    const { rows } = await execute<{ order_id: string }>(
      tx,
      `SELECT DISTINCT order_id::text AS order_id FROM sub_orders
       WHERE dealer_id = $1 AND status = 'awaiting_payment' ORDER BY 1`,
      [change.userId],
    );
    for (const { order_id } of rows) {
      const order = await lockOrder(tx, order_id, null);
      const subs = await lockSubOrders(tx, order_id);
      await lockListingsOf(
        tx,
        subs
          .filter((x) => x.dealer_id === change.userId && x.status === 'awaiting_payment')
          .map((x) => x.id),
      );
      for (const s of subs.filter(
        (x) => x.dealer_id === change.userId && x.status === 'awaiting_payment',
      ))
        await applyTransition(tx, order, s, {
          event: 'cancel',
          actor: 'system',
          actorId: meta.principal?.userId ?? null,
          actorRole: 'system',
          // Buyers see this reason; staff's own reason stays in the account's audit event.
          reason: 'seller unavailable',
        });
      await settleOrderStatus(tx, order, subs);
    }
    return undefined;
  }

  // ---- helpers ----

  /** The order row locked for the payment port, or null when there is no such order (a malformed id too). */
  private async lockForPayment(tx: EntityManager, orderId: string): Promise<OrderRow | null> {
    if (!UUID.test(orderId)) return null;
    try {
      return await lockOrder(tx, orderId, null);
    } catch (err) {
      if (err instanceof AppProblem && err.code === 'order/not-found') return null;
      throw err;
    }
  }

  private input(
    event: TransitionInput['event'],
    actor: TransitionInput['actor'],
    p: Principal,
    reason?: string | null,
  ): TransitionInput {
    return { event, actor, actorId: p.userId, actorRole: p.role, reason: reason ?? null };
  }

  private pick(subs: SubOrderRow[], subOrderId: string): SubOrderRow {
    const sub = subs.find((s) => s.id === subOrderId);
    if (sub === undefined) throw orderNotFound();
    return sub;
  }

  private async order(orderId: string): Promise<OrderDto> {
    const [order] = await this.transactions.run((tx) =>
      ordersByIds(tx, [orderId], true, returnWindowMsOf(this.config)),
    );
    if (order === undefined) throw orderNotFound();
    return order;
  }
}
