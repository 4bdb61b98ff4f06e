/**
 * Paying a payable (a parts order, a repair job: src/payments/payable.ts) through the gateway, and
 * what a captured payment does — one code path for every kind:
 * - `start`: the intent (a `payments` row) is stored first, the gateway order created outside any
 *   transaction, then recorded; calling again returns the open payment (or, when what is payable
 *   changed, supersedes it). The buyer's checkout then pays the gateway order.
 * - `verify`: checkout's signature is checked against the gateway order id WE stored, the payment is
 *   fetched from the gateway (and captured if only authorized), then `applyCaptured` runs.
 * - `applyCaptured` (also the webhooks' path): in one transaction, the payment row moves forward,
 *   the payable is confirmed paid through its module's payment port (an order's sub-orders awaiting
 *   payment, a repair job), and the ledger gets the capture into the payable's escrow, one hold per
 *   obligation toward its payee's payable (a dealer per sub-order, the job's technician) and the
 *   gateway fee. Replays are no-ops. Money captured for a payable that can no longer be paid
 *   (expired or cancelled meanwhile) is still posted into escrow and flagged `unpayable`, for a refund.
 * A failed attempt leaves the payable payable (the buyer may retry; an order until its reservation expires).
 */
import { Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { AppProblem } from '../common/errors/problem.js';
import type { RequestMeta } from '../common/request-meta.js';
import { allows } from '../common/state-machine.js';
import { TransitionRefused } from '../common/state-transition.js';
import { transitionInOneStatement } from '../common/transition-in-one-statement.js';
import { execute } from '../database/sql.js';
import { TransactionRunner } from '../database/transaction.js';
import { JobQueue } from '../jobs/job-queue.service.js';
import { Accounts } from '../ledger/domain/account.js';
import { credit, debit } from '../ledger/domain/journal.js';
import type { LedgerCommand } from '../ledger/domain/ledger-model.js';
import {
  escrowAccount,
  gatewayFeeCharged,
  payableAccount,
  type EscrowKind,
} from '../ledger/domain/recipes.js';
import { LedgerService } from '../ledger/persistence/ledger.service.js';
import type { PaymentRecord, VerifyPaymentDto } from './dto/payment.dto.js';
import {
  PAYABLES,
  type CaptureDecision,
  type Obligation,
  type Payable,
  type PayableRef,
  type PayableType,
} from './payable.js';
import {
  PAYMENT_MACHINE,
  type PaymentActor,
  type PaymentEvent,
  type PaymentStatus,
} from './domain/payment-state.js';
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

const PAYMENT_COLUMNS = `id::text AS id, order_id::text AS order_id, repair_job_id::text AS repair_job_id,
  payable_type, buyer_id::text AS buyer_id, gateway_order_id, gateway_payment_id,
  amount_paise::text AS amount_paise, status, unpayable, created_at, captured_at, failure_reason`;

/** The `payments` column holding each kind of payable's id (a fixed map: never user input). */
const PAYABLE_COLUMN: Record<PayableType, string> = {
  order: 'order_id',
  repair_job: 'repair_job_id',
};

export type CaptureResult =
  | { code: 'applied'; outcome: CaptureDecision['code'] }
  | { code: 'replayed' }
  | { code: 'unknown_order' };

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
  private readonly payables: ReadonlyMap<PayableType, Payable>;

  constructor(
    private readonly transactions: TransactionRunner,
    private readonly ledger: LedgerService,
    private readonly refunds: RefundsService,
    private readonly jobs: JobQueue,
    @Inject(PAYMENT_GATEWAY) private readonly gateway: PaymentGateway,
    @Inject(PAYABLES) payables: Payable[],
  ) {
    this.payables = new Map(payables.map((p) => [p.type, p]));
  }

  private payable(type: PayableType): Payable {
    const payable = this.payables.get(type);
    if (payable === undefined) throw new Error(`no payable kind ${type}`);
    return payable;
  }

  /** Opens (or returns the open) payment of the buyer's payable. */
  async start(ref: PayableRef, meta: RequestMeta): Promise<PaymentRecord> {
    const buyerId = meta.principal!.userId;
    const payable = this.payable(ref.type);
    const intent = await this.transactions.run(async (tx) => {
      const { duePaise } = await payable.lockForPayment(tx, ref.id, buyerId);
      return this.openIntentIn(tx, ref, buyerId, duePaise);
    });
    if (intent.gateway_order_id !== null) return this.toDto(intent);
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
        if (err instanceof TransitionRefused) return this.row(tx, intent.id);
        throw err;
      }
    });
    return this.toDto(recorded);
  }

  /** The open payment of the (locked) payable when it is for `duePaise`, else a new intent (superseding it). */
  private async openIntentIn(
    tx: EntityManager,
    ref: PayableRef,
    buyerId: string,
    duePaise: number,
  ): Promise<PaymentRow> {
    const column = PAYABLE_COLUMN[ref.type];
    const { rows: open } = await execute<PaymentRow>(
      tx,
      `SELECT ${PAYMENT_COLUMNS} FROM payments WHERE ${column} = $1 AND status IN ('creating','created','authorized')`,
      [ref.id],
    );
    const current = open[0];
    if (current !== undefined && Number(current.amount_paise) === duePaise) return current;
    if (current !== undefined) {
      if (current.status === 'authorized')
        throw new AppProblem(
          409,
          'payment/in-progress',
          'Payment in progress',
          `A payment for this ${this.payable(ref.type).noun} is being captured`,
        );
      const reason = 'superseded: the payable amount changed';
      await movePayment(tx, current.id, current.status, 'supersede', reason, {
        set: 'failure_reason = $4',
        params: [reason],
      });
    }
    const { rows } = await execute<PaymentRow>(
      tx,
      `INSERT INTO payments (${column}, buyer_id, amount_paise) VALUES ($1, $2, $3) RETURNING ${PAYMENT_COLUMNS}`,
      [ref.id, buyerId, duePaise],
    );
    return rows[0]!;
  }

  /** Checkout's answer: signature, then the gateway's word on the payment, then capture. */
  async verify(ref: PayableRef, dto: VerifyPaymentDto, meta: RequestMeta): Promise<PaymentRecord> {
    const buyerId = meta.principal!.userId;
    const payment = await this.transactions.run(async (tx) => {
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
          `No such payment for this ${this.payable(ref.type).noun}`,
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

  /**
   * `applyCaptured` inside the caller's transaction (the webhook inbox's); the payable's events
   * follow its commit. Lock order: the payable first (as every command of its module does), then the
   * payment row. The money goes into the payable's escrow; a paid payable's obligations are held for
   * their payees; money it does not keep goes back to the buyer.
   */
  async applyCapturedIn(tx: EntityManager, gp: GatewayPayment): Promise<CaptureResult> {
    if (gp.orderId === null) return { code: 'unknown_order' };
    const ref = await this.payableOfGatewayOrder(tx, gp.orderId);
    if (ref === null) return { code: 'unknown_order' };
    const payable = this.payable(ref.type);
    await payable.lockForCapture(tx, ref.id);
    const { rows } = await execute<PaymentRow>(
      tx,
      `SELECT ${PAYMENT_COLUMNS} FROM payments WHERE gateway_order_id = $1 FOR UPDATE`,
      [gp.orderId],
    );
    const payment = rows[0]!;
    if (payment.status === 'captured') return { code: 'replayed' };
    await this.markCapturedIn(tx, payment, gp);
    const decision = await payable.confirmPaid(tx, ref.id, {
      reference: gp.id,
      amountPaise: gp.amountPaise,
    });
    const obligations = decision.code === 'paid' ? decision.obligations : [];
    await this.holdObligationsIn(tx, payment.id, obligations);
    await this.postCaptureIn(tx, gp, payable.escrow, ref.id, obligations);
    await this.refundWhatIsNotKeptIn(tx, payment, gp, decision);
    return { code: 'applied', outcome: decision.code };
  }

  /** The payable a gateway order was opened for (unlocked: it never changes), or null when not ours. */
  private async payableOfGatewayOrder(
    tx: EntityManager,
    gatewayOrderId: string,
  ): Promise<PayableRef | null> {
    const { rows } = await execute<{ type: PayableType; id: string }>(
      tx,
      `SELECT payable_type AS type, coalesce(order_id, repair_job_id)::text AS id
       FROM payments WHERE gateway_order_id = $1`,
      [gatewayOrderId],
    );
    return rows[0] ?? null;
  }

  private async markCapturedIn(tx: EntityManager, payment: PaymentRow, gp: GatewayPayment) {
    await movePayment(tx, payment.id, payment.status, 'capture', null, {
      set: `gateway_payment_id = $4, fee_paise = $5, fee_tax_paise = $6, method = $7,
            captured_at = now(), failure_code = NULL, failure_reason = NULL`,
      params: [gp.id, gp.feePaise, gp.feeTaxPaise, gp.method],
    });
  }

  /**
   * One `escrow_holds` row per obligation, toward its payee; dealers' parts are then transferred
   * through Route, on hold until release (src/payouts/route/). Technicians have no Route transfer yet.
   */
  private async holdObligationsIn(
    tx: EntityManager,
    paymentId: string,
    obligations: readonly Obligation[],
  ): Promise<void> {
    for (const o of obligations) {
      const sub = 'subOrderId' in o.subject ? o.subject : null;
      await execute(
        tx,
        `INSERT INTO escrow_holds (sub_order_id, order_id, repair_job_id, payment_id, payee_type, payee_id,
           dealer_id, amount_paise, hold_key)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
        [
          sub?.subOrderId ?? null,
          sub?.orderId ?? null,
          'repairJobId' in o.subject ? o.subject.repairJobId : null,
          paymentId,
          o.payee.kind,
          o.payee.id,
          o.payee.kind === 'dealer' ? o.payee.id : null,
          o.amountPaise,
          o.holdKey,
        ],
      );
    }
    if (obligations.some((o) => o.payee.kind === 'dealer'))
      await this.jobs.send(ROUTE_JOBS.transfers, { paymentId }, { tx });
  }

  /** The capture into the payable's escrow, a hold per obligation and the gateway fee: one ledger batch. */
  private async postCaptureIn(
    tx: EntityManager,
    gp: GatewayPayment,
    escrowKind: EscrowKind,
    payableId: string,
    obligations: readonly Obligation[],
  ): Promise<void> {
    const escrow = escrowAccount(escrowKind, payableId);
    const reference = `${escrowKind}:${payableId}`;
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
          reference,
          actor: 'system:payments',
          metadata: { paymentId: gp.id, gatewayOrderId: gp.orderId! },
        },
      },
    ];
    const accounts = new Set<string>([
      Accounts.gatewayReceivable,
      escrow,
      Accounts.gatewayFees,
      Accounts.gstInput,
    ]);
    for (const o of obligations) {
      const payee = payableAccount(o.payee);
      accounts.add(payee);
      commands.push({
        type: 'hold',
        key: o.holdKey,
        lines: [debit(escrow, BigInt(o.amountPaise)), credit(payee, BigInt(o.amountPaise))],
        timeoutSeconds: 0,
        meta: {
          eventType: 'escrow_hold',
          reference,
          actor: 'system:payments',
          metadata: { ...o.holdMetadata },
        },
      });
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
    await this.ledger.postIn(
      tx,
      { type: 'batch', commands },
      { what: `the capture of ${gp.id}`, open: accounts },
    );
  }

  /**
   * Money the payable does not keep (more than was due, a second payment, a payable no longer
   * payable) goes back to the buyer, posted once the gateway refunds it. Refunds are order-bound
   * still (`refunds.order_id`): a repair job's such payment stays flagged `unpayable` for staff.
   */
  private async refundWhatIsNotKeptIn(
    tx: EntityManager,
    payment: PaymentRow,
    gp: GatewayPayment,
    decision: CaptureDecision,
  ): Promise<void> {
    let refund: { kind: 'excess' | 'duplicate' | 'unpayable'; amountPaise: number } | null = null;
    if (decision.code === 'paid') {
      if (decision.excessPaise > 0) refund = { kind: 'excess', amountPaise: decision.excessPaise };
    } else {
      await execute(tx, `UPDATE payments SET unpayable = true WHERE id = $1`, [payment.id]);
      refund = { kind: decision.code, amountPaise: gp.amountPaise };
    }
    if (refund !== null && payment.order_id !== null)
      await this.refunds.requestIn(tx, {
        paymentId: payment.id,
        orderId: payment.order_id,
        ...refund,
      });
  }

  /** A failed attempt: recorded on the payment; the order stays payable until its reservation expires. */
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
      await this.payable(ref.type).assertVisible(tx, ref.id, buyerId);
      const { rows } = await execute<PaymentRow>(
        tx,
        `SELECT ${PAYMENT_COLUMNS} FROM payments WHERE ${PAYABLE_COLUMN[ref.type]} = $1 ORDER BY created_at, id`,
        [ref.id],
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

  private toDto(r: PaymentRow): PaymentRecord {
    return {
      id: r.id,
      payableId: (r.order_id ?? r.repair_job_id)!,
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
