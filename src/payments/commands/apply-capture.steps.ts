/**
 * The steps of applying a captured payment (`ApplyCaptureHandler`; Checkout's verification,
 * `VerifyPaymentHandler`, runs them too), each in the caller's transaction, in the order
 * `applyCaptureIn` runs them: lock the payable then the payment row, mark the payment captured,
 * confirm the payable paid, write the escrow holds, post the capture, refund what is not kept.
 */
import type { EntityManager } from 'typeorm';
import { execute } from '../../database/sql.js';
import type { GatewayPayment } from '../../gateway/payment-gateway.js';
import type { JobQueue } from '../../jobs/job-queue.service.js';
import { Accounts } from '../../ledger/domain/account.js';
import { credit, debit } from '../../ledger/domain/journal.js';
import type { LedgerCommand } from '../../ledger/domain/ledger-model.js';
import {
  escrowAccount,
  gatewayFeeCharged,
  payableAccount,
  type EscrowKind,
} from '../../ledger/domain/recipes.js';
import type { LedgerService } from '../../ledger/persistence/ledger.service.js';
import { HOLD_TRANSFER_JOBS } from '../hold-transfer-jobs.js';
import type { CaptureDecision, Obligation, Payable, PayableRef, PayableType } from '../payable.js';
import {
  movePayment,
  PAYABLE_COLUMN,
  payableOfType,
  PAYMENT_COLUMNS,
  type PaymentRow,
} from '../payment-store.js';
import { settleRequestsIn, type TerminalPayment } from '../terminal/terminal-capture.js';
import type { RefundsService } from '../refunds.service.js';
import type { CaptureResult } from './apply-capture.command.js';

/** What the capture needs besides the transaction. */
export interface CaptureDeps {
  readonly ledger: LedgerService;
  readonly refunds: RefundsService;
  readonly jobs: JobQueue;
  readonly payables: readonly Payable[];
}

/**
 * The capture in `tx`. Lock order: the payable first (as every command of its module does), then
 * the payment row. The money goes into the payable's escrow; a paid payable's obligations are held
 * for their payees; money it does not keep goes back to the buyer.
 */
export async function applyCaptureIn(
  deps: CaptureDeps,
  tx: EntityManager,
  gp: GatewayPayment,
  request: TerminalPayment | null = null,
): Promise<CaptureResult> {
  const ref = await payableOfGatewayPayment(tx, gp, request);
  if (ref === null) return { code: 'unknown_order' };
  const payable = payableOfType(deps.payables, ref.type);
  await payable.lockForCapture(tx, ref.id);
  const { rows } = await execute<PaymentRow>(
    tx,
    `SELECT ${PAYMENT_COLUMNS} FROM payments WHERE id = $1 FOR UPDATE`,
    [ref.paymentId],
  );
  let payment = rows[0]!;
  if (payment.status === 'captured') {
    if (payment.gateway_payment_id === gp.id) return { code: 'replayed' };
    payment = await secondPaymentIn(tx, payment, gp);
  }
  await markCapturedIn(tx, payment, gp);
  const decision = await payable.confirmPaid(tx, ref.id, {
    reference: gp.id,
    amountPaise: gp.amountPaise,
  });
  const obligations = decision.code === 'paid' ? decision.obligations : [];
  await holdObligationsIn(deps.jobs, tx, payment.id, obligations);
  await postCaptureIn(deps.ledger, tx, gp, payable.escrow, ref.id, obligations);
  await refundWhatIsNotKeptIn(deps.refunds, tx, payment, gp, decision);
  if (ref.type === 'repair_job')
    await settleRequestsIn(tx, deps.jobs, {
      repairJobId: ref.id,
      gp,
      request,
      jobPaid: decision.code === 'paid',
    });
  return { code: 'applied', outcome: decision.code };
}

/**
 * The payable and our payment a gateway payment pays (unlocked: neither changes), or null when not
 * ours: the payment row that recorded it (a replay), else the one the terminal's request is bound
 * to (a Payment Link's order is Razorpay's, a QR code's payment has none), else the one whose
 * gateway order it paid.
 */
async function payableOfGatewayPayment(
  tx: EntityManager,
  gp: GatewayPayment,
  request: TerminalPayment | null,
): Promise<(PayableRef & { paymentId: string }) | null> {
  const { rows } = await execute<{ type: PayableType; id: string; payment_id: string }>(
    tx,
    `SELECT payable_type AS type, coalesce(order_id, repair_job_id)::text AS id, id::text AS payment_id
     FROM payments WHERE gateway_payment_id = $1 OR id = $2::uuid OR gateway_order_id = $3
     ORDER BY gateway_payment_id = $1 DESC NULLS LAST, id = $2::uuid DESC NULLS LAST LIMIT 1`,
    [gp.id, request?.paymentId ?? null, gp.orderId],
  );
  const found = rows[0];
  return found === undefined
    ? null
    : { type: found.type, id: found.id, paymentId: found.payment_id };
}

/**
 * A second gateway payment of an intent already captured (Checkout and the terminal's link or QR
 * code both paid, or two payments of one gateway order): recorded as a payment of its own for the
 * same payable, so the capture below finds its payable paid and keeps the money apart.
 */
async function secondPaymentIn(
  tx: EntityManager,
  first: PaymentRow,
  gp: GatewayPayment,
): Promise<PaymentRow> {
  const column = PAYABLE_COLUMN[first.payable_type];
  const { rows } = await execute<PaymentRow>(
    tx,
    `INSERT INTO payments (${column}, buyer_id, amount_paise, status)
     VALUES ($1, $2, $3, 'created') RETURNING ${PAYMENT_COLUMNS}`,
    [first.order_id ?? first.repair_job_id, first.buyer_id, gp.amountPaise],
  );
  return rows[0]!;
}

async function markCapturedIn(tx: EntityManager, payment: PaymentRow, gp: GatewayPayment) {
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
async function holdObligationsIn(
  jobs: JobQueue,
  tx: EntityManager,
  paymentId: string,
  obligations: readonly Obligation[],
): Promise<void> {
  for (const o of obligations) {
    const sub = 'subOrderId' in o.subject ? o.subject : null;
    const job = 'repairJobId' in o.subject ? o.subject : null;
    await execute(
      tx,
      `INSERT INTO escrow_holds (sub_order_id, order_id, repair_job_id, payment_id, payee_type, payee_id,
         dealer_id, amount_paise, hold_key, repair_quote_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
      [
        sub?.subOrderId ?? null,
        sub?.orderId ?? null,
        job?.repairJobId ?? null,
        paymentId,
        o.payee.kind,
        o.payee.id,
        o.payee.kind === 'dealer' ? o.payee.id : null,
        o.amountPaise,
        o.holdKey,
        job?.repairQuoteId ?? null,
      ],
    );
  }
  if (obligations.length > 0) await jobs.send(HOLD_TRANSFER_JOBS.transfers, { paymentId }, { tx });
}

/** The capture into the payable's escrow, a hold per obligation and the gateway fee: one ledger batch. */
async function postCaptureIn(
  ledger: LedgerService,
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
        metadata: {
          paymentId: gp.id,
          ...(gp.orderId === null ? {} : { gatewayOrderId: gp.orderId }),
        },
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
  await ledger.postIn(
    tx,
    { type: 'batch', commands },
    { what: `the capture of ${gp.id}`, open: accounts },
  );
}

/**
 * Money the payable does not keep (more than was due, a second payment, a payable no longer
 * payable) goes back to the buyer (of an order or a repair job), posted once the gateway refunds it.
 */
async function refundWhatIsNotKeptIn(
  refunds: RefundsService,
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
  if (refund !== null)
    await refunds.requestIn(tx, {
      paymentId: payment.id,
      payable:
        payment.order_id !== null
          ? { type: 'order', id: payment.order_id }
          : { type: 'repair_job', id: payment.repair_job_id! },
      ...refund,
    });
}
