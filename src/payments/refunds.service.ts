/**
 * Refunds before release (ledger-spec/recipes.md §4): money goes back to the buyer from escrow.
 *
 * - Decided in the transaction of its cause: `requestIn` (the capture's transaction: unpayable,
 *   duplicate or excess money), the `payments.refunds` sweep (a paid sub-order cancelled while its
 *   escrow is still held: the hold's whole amount, delivery included) or `refundLinesIn` (lines of a
 *   paid sub-order cancelled by the buyer: their total, cut out of the hold at once — recipe §4,
 *   partial, posted in that transaction — so the refund row only sends the money).
 * - Sent by the `payments.refunds` job, outside any transaction, with the refund's id as Razorpay's
 *   refund idempotency key (a retry after a crash or a timeout returns the same refund, never a second).
 * - Posted when the gateway reports it processed (its answer, a later look-up, or `refund.processed`):
 *   for a cancellation the hold is voided and `refund:<id>` Dr escrow / Cr gateway receivable; for
 *   money never held for a dealer only the refund entry. Exactly once (ledger keys, row lock).
 * A cancelled part already transferred to its dealer's Route account (on hold) has the transfer
 * reversed before the refund; cancelled lines have it reversed by their amount.
 */
import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { execute } from '../database/sql.js';
import { TransactionRunner } from '../database/transaction.js';
import { JobQueue } from '../jobs/job-queue.service.js';
import { Accounts } from '../ledger/domain/account.js';
import { credit, debit } from '../ledger/domain/journal.js';
import type { LedgerCommand } from '../ledger/domain/ledger-model.js';
import { escrowAccount, refundBeforeRelease } from '../ledger/domain/recipes.js';
import { LedgerService } from '../ledger/persistence/ledger.service.js';
import { OrderCommands } from '../orders/order-commands.service.js';
import { transitionInOneStatement } from '../common/transition-in-one-statement.js';
import type { EscrowHoldStatus } from './domain/escrow-hold-state.js';
import {
  REFUND_MACHINE,
  type RefundActor,
  type RefundEvent,
  type RefundStatus,
} from './domain/refund-state.js';
import type { RefundDto } from './dto/payment.dto.js';
import { moveEscrowHold } from './escrow-hold-moves.js';
import {
  GatewayError,
  PAYMENT_GATEWAY,
  type GatewayRefund,
  type PaymentGateway,
} from '../gateway/payment-gateway.js';
import {
  postRefundAfterReleaseIn,
  reverseTransferAfterRelease,
} from './refund-after-release-posting.js';
import { REFUND_JOBS } from './refund-jobs.js';

/**
 * `partial`: a dispute's partial refund, recorded by the escrow release that posts its ledger entry;
 * `line_cancellation`: cancelled lines of a paid sub-order, posted when requested (`refundLinesIn`).
 */
export type RefundKind =
  | 'cancellation'
  | 'unpayable'
  | 'duplicate'
  | 'excess'
  | 'partial'
  | 'after_release'
  | 'line_cancellation';

/** Gateway attempts before a refund is marked failed (for finance to resolve). */
const MAX_ATTEMPTS = 8;

interface RefundRow {
  id: string;
  payment_id: string;
  order_id: string;
  sub_order_id: string | null;
  kind: RefundKind;
  amount_paise: string;
  status: RefundDto['status'];
  gateway_refund_id: string | null;
  gateway_payment_id: string;
  attempts: number;
  requested_at: Date;
  processed_at: Date | null;
}

const REFUND_COLUMNS = `r.id::text AS id, r.payment_id::text AS payment_id, r.order_id::text AS order_id,
  r.sub_order_id::text AS sub_order_id, r.kind, r.amount_paise::text AS amount_paise, r.status,
  r.gateway_refund_id, p.gateway_payment_id, r.attempts, r.requested_at, r.processed_at`;

@Injectable()
export class RefundsService implements OnModuleInit {
  private readonly logger = new Logger(RefundsService.name);

  constructor(
    private readonly transactions: TransactionRunner,
    private readonly ledger: LedgerService,
    private readonly jobs: JobQueue,
    @Inject(PAYMENT_GATEWAY) private readonly gateway: PaymentGateway,
    private readonly orders: OrderCommands,
  ) {}

  onModuleInit(): void {
    this.orders.registerPaidLinesRefund((tx, input) => this.refundLinesIn(tx, input));
    this.jobs.define({
      name: REFUND_JOBS.process,
      cron: '* * * * *',
      handler: () => this.processDue(),
    });
  }

  /** Records a refund of money never held for a dealer, in the caller's transaction, and enqueues its processing. */
  async requestIn(
    tx: EntityManager,
    input: {
      paymentId: string;
      orderId: string;
      kind: Exclude<RefundKind, 'cancellation' | 'partial' | 'after_release' | 'line_cancellation'>;
      amountPaise: number;
    },
  ): Promise<void> {
    await execute(
      tx,
      `INSERT INTO refunds (payment_id, order_id, kind, amount_paise) VALUES ($1, $2, $3, $4)
       ON CONFLICT DO NOTHING`,
      [input.paymentId, input.orderId, input.kind, input.amountPaise],
    );
    await this.jobs.send(REFUND_JOBS.process, {}, { tx });
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
    const { rows: inserted } = await execute<{ id: string }>(
      tx,
      `INSERT INTO refunds (payment_id, order_id, sub_order_id, kind, amount_paise)
       VALUES ($1, $2, $3, 'line_cancellation', $4) RETURNING id::text AS id`,
      [hold.payment_id, input.orderId, input.subOrderId, input.amountPaise],
    );
    const refundId = inserted[0]!.id;
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
    await this.jobs.send(REFUND_JOBS.process, {}, { tx });
    return { refundId };
  }

  /**
   * One pass: refunds for cancelled sub-orders whose escrow is still held, then every requested or
   * processing refund to the gateway. Returns how many refunds were processed.
   */
  async processDue(): Promise<number> {
    await this.transactions.run((tx) =>
      execute(
        tx,
        `INSERT INTO refunds (payment_id, order_id, sub_order_id, kind, amount_paise)
         SELECT h.payment_id, h.order_id, h.sub_order_id, 'cancellation', h.amount_paise
         FROM escrow_holds h JOIN sub_orders s ON s.id = h.sub_order_id
         WHERE h.status = 'held' AND s.status = 'cancelled'
         ON CONFLICT DO NOTHING`,
      ),
    );
    const { rows } = await this.transactions.run((tx) =>
      execute<{ id: string }>(
        tx,
        `SELECT id::text AS id FROM refunds WHERE status IN ('requested','processing')
         ORDER BY requested_at LIMIT 200`,
      ),
    );
    let processed = 0;
    for (const { id } of rows) if ((await this.send(id)) === 'processed') processed += 1;
    return processed;
  }

  /** Sends one refund to the gateway (or looks it up) and applies what the gateway says. */
  async send(refundId: string): Promise<RefundDto['status']> {
    const refund = await this.transactions.run((tx) => this.row(tx, refundId, false));
    if (refund.status === 'processed' || refund.status === 'failed') return refund.status;
    let answer: GatewayRefund;
    try {
      if (
        refund.gateway_refund_id === null &&
        refund.kind === 'cancellation' &&
        refund.sub_order_id !== null
      )
        await this.reverseTransferOf(refund.sub_order_id);
      // Cancelled lines: the dealer's transfer reversed by what was cut out of the hold; while the
      // transfer is being created its amount is unknown, so the refund waits for the next pass.
      if (
        refund.gateway_refund_id === null &&
        refund.kind === 'line_cancellation' &&
        refund.sub_order_id !== null &&
        (await this.reverseTransferToHold(refund.sub_order_id)) === 'transfer_pending'
      )
        return refund.status;
      // A refund after release: its share of the dealer's transfer (refund-after-release-posting.ts).
      if (
        refund.gateway_refund_id === null &&
        refund.kind === 'after_release' &&
        refund.sub_order_id !== null
      )
        await reverseTransferAfterRelease(
          this.transactions,
          this.gateway,
          refund.id,
          refund.sub_order_id,
        );
      answer =
        refund.gateway_refund_id !== null
          ? await this.gateway.fetchRefund(refund.gateway_refund_id)
          : await this.gateway.refundPayment(refund.gateway_payment_id, {
              amountPaise: Number(refund.amount_paise),
              idempotencyKey: refund.id,
              reverseAll: false,
              notes: { refundId: refund.id, orderId: refund.order_id },
            });
    } catch (err) {
      const retryable = err instanceof GatewayError && err.retryable;
      const giveUp = !retryable || refund.attempts + 1 >= MAX_ATTEMPTS;
      const error = (err as Error).message.slice(0, 500);
      await this.transactions.run(async (tx) => {
        const { status } = await this.row(tx, refund.id, true);
        if (status !== 'requested' && status !== 'processing') return;
        if (giveUp) await moveRefund(tx, refund.id, status, 'fail', 'system', error);
        else
          await execute(
            tx,
            `UPDATE refunds SET attempts = attempts + 1, last_error = $2, updated_at = now() WHERE id = $1`,
            [refund.id, error],
          );
      });
      if (giveUp) this.logger.error(`refund ${refund.id} failed: ${(err as Error).message}`);
      return giveUp ? 'failed' : refund.status;
    }
    return this.transactions.run((tx) => this.applyGatewayAnswerIn(tx, refund.id, answer));
  }

  /**
   * A cancelled part whose escrow was already transferred (on hold) to its dealer's Route account:
   * the transfer is reversed first, so the refund comes out of the platform's balance, not the
   * dealer's. Reverses only what is left, so a retry never reverses twice.
   */
  private async reverseTransferOf(subOrderId: string): Promise<void> {
    const { rows } = await this.transactions.run((tx) =>
      execute<{ transfer_id: string | null }>(
        tx,
        `SELECT transfer_id FROM escrow_holds WHERE sub_order_id = $1`,
        [subOrderId],
      ),
    );
    const transferId = rows[0]?.transfer_id ?? null;
    if (transferId === null) return;
    const transfer = await this.gateway.fetchTransfer(transferId);
    const left = transfer.amountPaise - transfer.amountReversedPaise;
    if (left > 0) await this.gateway.reverseTransfer(transferId, left);
  }

  /**
   * Lines cancelled out of a hold whose escrow was transferred (on hold) to its dealer's Route
   * account: the transfer is reversed (from the linked account's held balance) down to the hold, so
   * the refund comes out of the platform's balance and what the dealer holds matches its escrow
   * again. The target is cumulative — transfer amount − hold amount reversed in all, whatever was
   * reversed before — so a retry, a crash after the reversal or several line refunds of one part
   * never reverse twice, and nothing is left to do once the Route release or a full cancellation
   * reversed more.
   */
  private async reverseTransferToHold(subOrderId: string): Promise<'done' | 'transfer_pending'> {
    const { rows } = await this.transactions.run((tx) =>
      execute<{
        amount_paise: string;
        transfer_id: string | null;
        transfer_amount_paise: string | null;
        transfer_status: string;
      }>(
        tx,
        `SELECT amount_paise::text AS amount_paise, transfer_id,
                transfer_amount_paise::text AS transfer_amount_paise, transfer_status
         FROM escrow_holds WHERE sub_order_id = $1`,
        [subOrderId],
      ),
    );
    const hold = rows[0]!;
    if (hold.transfer_id === null)
      return hold.transfer_status === 'pending' ? 'transfer_pending' : 'done';
    const transfer = await this.gateway.fetchTransfer(hold.transfer_id);
    const target = Number(hold.transfer_amount_paise) - Number(hold.amount_paise);
    const left = transfer.amountPaise - transfer.amountReversedPaise;
    const amount = Math.min(target - transfer.amountReversedPaise, left);
    if (amount > 0) await this.gateway.reverseTransfer(hold.transfer_id, amount);
    return 'done';
  }

  /** Applies the gateway's word on a refund (its answer, a look-up or a webhook); never backwards. */
  async applyGatewayAnswerIn(
    tx: EntityManager,
    refundId: string,
    answer: GatewayRefund,
  ): Promise<RefundDto['status']> {
    const refund = await this.row(tx, refundId, true);
    if (refund.status === 'processed' || refund.status === 'failed') return refund.status;
    await execute(
      tx,
      `UPDATE refunds SET gateway_refund_id = $2, attempts = attempts + 1, last_error = NULL, updated_at = now()
       WHERE id = $1`,
      [refund.id, answer.id],
    );
    if (answer.status === 'pending') {
      if (refund.status === 'requested')
        await moveRefund(tx, refund.id, refund.status, 'process', 'gateway', null);
      return 'processing';
    }
    if (answer.status === 'failed') {
      await moveRefund(
        tx,
        refund.id,
        refund.status,
        'fail',
        'gateway',
        'the gateway failed the refund',
      );
      return 'failed';
    }
    // The buyer's order shows it (order row locked before the escrow hold, as by order commands).
    if (refund.sub_order_id !== null)
      await this.orders.recordRefund(
        tx,
        refund.order_id,
        refund.sub_order_id,
        Number(refund.amount_paise),
      );
    await this.post(tx, refund);
    await moveRefund(tx, refund.id, refund.status, 'complete', 'gateway', null);
    return 'processed';
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
    const refund = await this.row(tx, refundId, false);
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

  async list(orderId: string): Promise<RefundDto[]> {
    return this.transactions.run(async (tx) => {
      const { rows } = await execute<RefundRow>(
        tx,
        `SELECT ${REFUND_COLUMNS} FROM refunds r JOIN payments p ON p.id = r.payment_id
         WHERE r.order_id = $1 ORDER BY r.requested_at, r.id`,
        [orderId],
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

  private async post(tx: EntityManager, refund: RefundRow): Promise<void> {
    // A dispute's partial refund was posted by the escrow release that recorded it (`refund:<subOrderId>`
    // in escrowRelease, the same transaction), cancelled lines' by `refundLinesIn`: nothing more here,
    // so the entry is posted exactly once.
    if (refund.kind === 'partial' || refund.kind === 'line_cancellation') return;
    // After release: the dealer's share clawed back (refundAfterRelease), `refund:<id>`.
    if (refund.kind === 'after_release') return postRefundAfterReleaseIn(tx, this.ledger, refund);
    const amount = BigInt(refund.amount_paise);
    const escrow = escrowAccount('order', refund.order_id);
    let command: LedgerCommand;
    if (refund.sub_order_id !== null) {
      const { rows } = await execute<{
        id: string;
        status: EscrowHoldStatus;
        hold_key: string;
        amount_paise: string;
        dealer_id: string;
      }>(
        tx,
        `SELECT id::text AS id, status, hold_key, amount_paise::text AS amount_paise,
                dealer_id::text AS dealer_id
         FROM escrow_holds WHERE sub_order_id = $1 FOR UPDATE`,
        [refund.sub_order_id],
      );
      const hold = rows[0]!;
      command = refundBeforeRelease({
        escrow: 'order',
        subjectId: refund.order_id,
        supplier: { kind: 'dealer', id: hold.dealer_id },
        holdKey: hold.hold_key,
        heldPaise: BigInt(hold.amount_paise),
        refundPaise: amount,
        newHoldKey: `${hold.hold_key}:rest`,
        holdTimeoutSeconds: 0,
        refundId: refund.id,
        actor: 'system:refunds',
      });
      await moveEscrowHold(tx, hold.id, hold.status, 'refund');
    } else {
      command = {
        type: 'post',
        key: `refund:${refund.id}`,
        lines: [debit(escrow, amount), credit(Accounts.gatewayReceivable, amount)],
        meta: {
          eventType: 'refund',
          reference: `order:${refund.order_id}`,
          actor: 'system:refunds',
          metadata: { kind: refund.kind, paymentId: refund.gateway_payment_id },
        },
      };
    }
    await this.ledger.postIn(tx, command, { what: `refund ${refund.id}` });
  }

  private async row(tx: EntityManager, id: string, lock: boolean): Promise<RefundRow> {
    const { rows } = await execute<RefundRow>(
      tx,
      `SELECT ${REFUND_COLUMNS} FROM refunds r JOIN payments p ON p.id = r.payment_id
       WHERE r.id = $1 ${lock ? 'FOR UPDATE OF r' : ''}`,
      [id],
    );
    return rows[0]!;
  }
}

/**
 * Moves a refund (`REFUND_MACHINE`) with its `refund_history` row, in one statement: `fail` records
 * the error as `last_error`, `complete` stamps processed_at; the gateway's answers count an attempt
 * already (`applyGatewayAnswerIn`), the job's giving up counts its own.
 */
export async function moveRefund(
  tx: EntityManager,
  refundId: string,
  from: RefundStatus,
  event: RefundEvent,
  actor: RefundActor,
  reason: string | null,
): Promise<void> {
  await transitionInOneStatement(
    tx,
    REFUND_MACHINE,
    { from, event, actor, reason, reasonRequiredStatus: 422, problem: { refundId } },
    {
      history: { table: 'refund_history', column: 'refund_id' },
      update: (from, to) => ({
        sql: `UPDATE refunds SET status = $2, last_error = coalesce($4, last_error),
                attempts = attempts + CASE WHEN $5 THEN 1 ELSE 0 END,
                processed_at = CASE WHEN $2 = 'processed' THEN now() ELSE processed_at END,
                updated_at = now()
              WHERE id = $1 AND status = $3 RETURNING id AS object_id`,
        params: [refundId, to, from, reason, actor === 'system'],
      }),
    },
  );
}
