/**
 * Refunds before release (ledger-spec/recipes.md §4): money goes back to the buyer from escrow.
 *
 * - Decided in the transaction of its cause: `requestIn` (the capture's transaction: unpayable,
 *   duplicate or excess money of an order or a repair job), the `payments.refunds` sweep (a paid
 *   sub-order cancelled while its escrow is still held: the hold's whole amount, delivery included;
 *   a paid repair job cancelled with a full refund: each of its holds whole; keeping a visit fee:
 *   the holds of its paid supplements whole) or `refundLinesIn` (lines of a
 *   paid sub-order cancelled by the buyer: their total, cut out of the hold at once — recipe §4,
 *   partial, posted in that transaction — so the refund row only sends the money).
 * - Sent by the `payments.refunds` job (`ProcessRefundCommand`, src/payments/commands/), outside any transaction, with the refund's id as Razorpay's
 *   refund idempotency key (a retry after a crash or a timeout returns the same refund, never a second).
 * - Posted when the gateway reports it processed (its answer, a later look-up, or `refund.processed`):
 *   for a cancellation the hold is voided and `refund:<id>` Dr escrow / Cr gateway receivable; for
 *   money never held for a dealer only the refund entry. Exactly once (ledger keys, row lock).
 * A cancelled part already transferred to its dealer's Route account (on hold) has the transfer
 * reversed before the refund; cancelled lines have it reversed by their amount.
 */
import { Injectable, type OnModuleInit } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import type { EntityManager } from 'typeorm';
import { execute } from '../database/sql.js';
import { TransactionRunner } from '../database/transaction.js';
import { JobQueue } from '../jobs/job-queue.service.js';
import { refundBeforeRelease } from '../ledger/domain/recipes.js';
import { LedgerService } from '../ledger/persistence/ledger.service.js';
import { OrderCommands } from '../orders/order-commands.service.js';
import { cancelledAmong } from '../orders/sale-terms.js';
import { refundedInFullAmong } from '../repairs/repair-job-store.js';
import type { GatewayRefund } from '../gateway/payment-gateway.js';
import { ProcessRefundCommand } from './commands/process-refund.command.js';
import type { RefundDto } from './dto/payment.dto.js';
import { AfterReleaseRefunds } from './after-release-refunds.js';
import type { PayableRef } from './payable.js';
import { PAYABLE_COLUMN } from './payment-store.js';
import { REFUND_JOBS } from './refund-jobs.js';
import {
  applyGatewayAnswerIn,
  REFUND_COLUMNS,
  refundRow,
  recordRefundIn,
  type RefundKind,
  type RefundRow,
} from './refund-store.js';

export { moveRefund, type RefundKind } from './refund-store.js';

/** A held escrow hold, by its obligation: a sub-order of an order, or a repair job. */
interface HeldHoldRow {
  payment_id: string;
  order_id: string | null;
  sub_order_id: string | null;
  repair_job_id: string | null;
  amount_paise: string;
  /** The hold of its obligation's first payment (a repair job's others pay its supplements). */
  first: boolean;
}

/**
 * What a held hold can be for (its obligation's column) and that obligation's owner's word on which
 * of them (indexes into `holds`) go back to the buyer whole: the holds of cancelled sub-orders (the
 * orders'), the holds of a paid repair job cancelled that it refunds whole — no visit fee kept, or
 * a supplement's (the repair jobs').
 */
const CANCELLED_OBLIGATIONS: readonly {
  column: 'sub_order_id' | 'repair_job_id';
  refundedWhole: (tx: EntityManager, holds: readonly HeldHoldRow[]) => Promise<Set<number>>;
}[] = [
  {
    column: 'sub_order_id',
    refundedWhole: async (tx, holds) => {
      const cancelled = await cancelledAmong(
        tx,
        holds.map((h) => h.sub_order_id!),
      );
      return new Set(holds.flatMap((h, i) => (cancelled.has(h.sub_order_id!) ? [i] : [])));
    },
  },
  {
    column: 'repair_job_id',
    refundedWhole: (tx, holds) =>
      refundedInFullAmong(
        tx,
        holds.map((h) => ({ repairJobId: h.repair_job_id!, first: h.first })),
      ),
  },
];

/** A refund row's payable columns. */
const payableOf = (ref: PayableRef): { orderId: string | null; repairJobId?: string } =>
  ref.type === 'order' ? { orderId: ref.id } : { orderId: null, repairJobId: ref.id };

@Injectable()
export class RefundsService implements OnModuleInit {
  constructor(
    private readonly transactions: TransactionRunner,
    private readonly ledger: LedgerService,
    private readonly jobs: JobQueue,
    private readonly orders: OrderCommands,
    private readonly commands: CommandBus,
    private readonly afterRelease: AfterReleaseRefunds,
  ) {}

  onModuleInit(): void {
    this.orders.registerPaidLinesRefund((tx, input) => this.refundLinesIn(tx, input));
    this.jobs.define({
      name: REFUND_JOBS.process,
      cron: '* * * * *',
      handler: () => this.processDue(),
    });
  }

  /**
   * Records a refund of money never held for a payee (of the payment's order or repair job), in the
   * caller's transaction, and enqueues its processing.
   */
  async requestIn(
    tx: EntityManager,
    input: {
      paymentId: string;
      payable: PayableRef;
      kind: Exclude<RefundKind, 'cancellation' | 'partial' | 'after_release' | 'line_cancellation'>;
      amountPaise: number;
    },
  ): Promise<void> {
    await recordRefundIn(tx, this.jobs, {
      paymentId: input.paymentId,
      ...payableOf(input.payable),
      subOrderId: null,
      kind: input.kind,
      amountPaise: BigInt(input.amountPaise),
    });
  }

  /**
   * Cancelled lines of a paid sub-order (the orders module, in its transaction; order and sub-order
   * locked): records a `line_cancellation` refund of `amountPaise` and cuts it out of the escrow hold
   * at once — recipe §4, partial: the hold is voided, `refund:<id>` moves the amount from the order's
   * escrow to the gateway receivable and the rest is held again under a new key — so a later release
   * or cancellation sees only what is left. The job then sends the money (posting nothing more),
   * first reversing the dealer's Route transfer, if the hold has one, by the amount cut
   * (`reverseTransferToHold`).
   */
  async refundLinesIn(
    tx: EntityManager,
    input: { orderId: string; subOrderId: string; amountPaise: number },
  ): Promise<{ refundId: string }> {
    const { rows } = await execute<{
      hold_key: string;
      amount_paise: string;
      dealer_id: string;
      payment_id: string;
      status: string;
    }>(
      tx,
      `SELECT hold_key, amount_paise::text AS amount_paise, dealer_id::text AS dealer_id,
              payment_id::text AS payment_id, status
       FROM escrow_holds WHERE sub_order_id = $1 FOR UPDATE`,
      [input.subOrderId],
    );
    const hold = rows[0];
    const held = BigInt(hold?.amount_paise ?? 0);
    const amount = BigInt(input.amountPaise);
    if (hold === undefined || hold.status !== 'held' || amount >= held)
      throw new Error(`sub-order ${input.subOrderId} has no escrow hold to refund lines from`);
    const recorded = await recordRefundIn(tx, this.jobs, {
      paymentId: hold.payment_id,
      orderId: input.orderId,
      subOrderId: input.subOrderId,
      kind: 'line_cancellation',
      amountPaise: amount,
    });
    if (recorded === undefined)
      throw new Error(`sub-order ${input.subOrderId} already has a refund before release`);
    const refundId = recorded.id;
    const newHoldKey = `hold:order:${input.orderId}:${input.subOrderId}:lines:${refundId}`;
    await this.ledger.postIn(
      tx,
      refundBeforeRelease({
        escrow: 'order',
        subjectId: input.orderId,
        supplier: { kind: 'dealer', id: hold.dealer_id },
        holdKey: hold.hold_key,
        heldPaise: held,
        refundPaise: amount,
        newHoldKey,
        holdTimeoutSeconds: 0,
        refundId,
        actor: 'system:refunds',
      }),
      { what: `line refund ${refundId}` },
    );
    await execute(
      tx,
      `UPDATE escrow_holds SET hold_key = $2, amount_paise = $3, updated_at = now() WHERE sub_order_id = $1`,
      [input.subOrderId, newHoldKey, (held - amount).toString()],
    );
    return { refundId };
  }

  /**
   * One pass: refunds for the cancelled obligations (sub-orders, repair jobs) whose escrow is still
   * held, then every requested or processing refund to the gateway. Returns how many refunds were processed.
   */
  async processDue(): Promise<number> {
    await this.transactions.run((tx) => this.requestCancellationRefundsIn(tx));
    const { rows } = await this.transactions.run((tx) =>
      execute<{ id: string }>(
        tx,
        `SELECT id::text AS id FROM refunds WHERE status IN ('requested','processing')
         ORDER BY requested_at LIMIT 200`,
      ),
    );
    let processed = 0;
    for (const { id } of rows)
      if ((await this.commands.execute(new ProcessRefundCommand(id))) === 'processed')
        processed += 1;
    return processed;
  }

  /**
   * A `cancellation` refund of the whole hold for every held escrow hold that has none yet (recorded
   * once: the unique indexes — per sub-order, per repair-job payment) and whose obligation's owner
   * says it goes back whole (`CANCELLED_OBLIGATIONS`). Reads only the held holds (a partial index), each
   * probing the refunds by its obligation (their unique indexes): never the released history.
   */
  private async requestCancellationRefundsIn(tx: EntityManager): Promise<void> {
    const { rows: held } = await execute<HeldHoldRow>(
      tx,
      `SELECT h.payment_id::text AS payment_id, h.order_id::text AS order_id,
              h.sub_order_id::text AS sub_order_id, h.repair_job_id::text AS repair_job_id,
              h.amount_paise::text AS amount_paise,
              NOT EXISTS (SELECT 1 FROM escrow_holds e WHERE e.repair_job_id = h.repair_job_id
                            AND (e.created_at, e.id) < (h.created_at, h.id)) AS first
       FROM escrow_holds h
       WHERE h.status = 'held'
         AND NOT EXISTS (SELECT 1 FROM refunds r
                         WHERE r.sub_order_id = h.sub_order_id AND r.kind = 'cancellation')
         AND NOT EXISTS (SELECT 1 FROM refunds r
                         WHERE h.repair_job_id IS NOT NULL AND r.payment_id = h.payment_id
                           AND r.kind = 'cancellation' AND r.sub_order_id IS NULL)`,
    );
    for (const { column, refundedWhole } of CANCELLED_OBLIGATIONS) {
      const holds = held.filter((h) => h[column] !== null);
      if (holds.length === 0) continue;
      const whole = await refundedWhole(tx, holds);
      for (const h of holds.filter((_, i) => whole.has(i)))
        await recordRefundIn(tx, this.jobs, {
          paymentId: h.payment_id,
          orderId: h.order_id,
          ...(h.repair_job_id === null ? {} : { repairJobId: h.repair_job_id }),
          subOrderId: h.sub_order_id,
          kind: 'cancellation',
          amountPaise: BigInt(h.amount_paise),
        });
    }
  }

  /** Applies the gateway's word on a refund (the `refund.processed` / `refund.failed` webhooks). */
  async applyGatewayAnswerIn(
    tx: EntityManager,
    refundId: string,
    answer: GatewayRefund,
  ): Promise<RefundDto['status']> {
    const deps = { ledger: this.ledger, orders: this.orders, afterRelease: this.afterRelease };
    return applyGatewayAnswerIn(deps, tx, refundId, answer);
  }

  /**
   * What the gateway's refund disagrees on with ours (the payment refunded, the amount), as a
   * sentence for staff; null when they agree.
   */
  async disagreementWith(
    tx: EntityManager,
    refundId: string,
    answer: GatewayRefund,
  ): Promise<string | null> {
    const refund = await refundRow(tx, refundId, false);
    const found: string[] = [];
    if (answer.paymentId !== refund.gateway_payment_id)
      found.push(`it refunds payment ${answer.paymentId}, ours ${refund.gateway_payment_id}`);
    if (answer.amountPaise !== Number(refund.amount_paise))
      found.push(`it refunds ${answer.amountPaise} paise, ours ${refund.amount_paise}`);
    return found.length === 0
      ? null
      : `gateway refund ${answer.id} (our refund ${refundId}): ${found.join('; ')}`;
  }

  /** The refund a gateway refund id (or its notes' refundId) belongs to, if ours. */
  async refundIdOf(tx: EntityManager, answer: GatewayRefund): Promise<string | null> {
    const byNotes = answer.notes.refundId;
    const { rows } = await execute<{ id: string }>(
      tx,
      `SELECT id::text AS id FROM refunds WHERE gateway_refund_id = $1 OR id::text = $2`,
      [answer.id, byNotes ?? ''],
    );
    return rows[0]?.id ?? null;
  }

  /** The refunds of a payable (an order's or a repair job's), oldest first. */
  async list(ref: PayableRef): Promise<RefundDto[]> {
    return this.transactions.run(async (tx) => {
      const { rows } = await execute<RefundRow>(
        tx,
        `SELECT ${REFUND_COLUMNS} FROM refunds r JOIN payments p ON p.id = r.payment_id
         WHERE r.${PAYABLE_COLUMN[ref.type]} = $1 ORDER BY r.requested_at, r.id`,
        [ref.id],
      );
      return rows.map((r) => ({
        id: r.id,
        paymentId: r.payment_id,
        subOrderId: r.sub_order_id,
        kind: r.kind,
        amountPaise: Number(r.amount_paise),
        status: r.status,
        requestedAt: r.requested_at.toISOString(),
        processedAt: r.processed_at === null ? null : r.processed_at.toISOString(),
      }));
    });
  }
}
