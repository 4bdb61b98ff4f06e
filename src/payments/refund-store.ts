/**
 * The refunds' SQL shared by the refund commands (src/payments/commands/process-refund.*), the
 * refund webhooks and the reads of `RefundsService`: the row, its state machine's move, and the
 * gateway's word applied (posting the refund once processed).
 */
import type { EntityManager } from 'typeorm';
import { transitionInOneStatement } from '../database/transition-in-one-statement.js';
import { execute } from '../database/sql.js';
import type { GatewayRefund } from '../gateway/payment-gateway.js';
import type { JobQueue } from '../jobs/job-queue.service.js';
import { Accounts } from '../ledger/domain/account.js';
import { credit, debit } from '../ledger/domain/journal.js';
import type { LedgerCommand } from '../ledger/domain/ledger-model.js';
import { escrowAccount, refundBeforeRelease } from '../ledger/domain/recipes.js';
import type { LedgerService } from '../ledger/persistence/ledger.service.js';
import type { OrderCommands } from '../orders/order-commands.service.js';
import type { AfterReleaseRefunds } from './after-release-refunds.js';
import type { EscrowHoldStatus } from './domain/escrow-hold-state.js';
import {
  REFUND_MACHINE,
  type RefundActor,
  type RefundEvent,
  type RefundStatus,
} from './domain/refund-state.js';
import type { RefundDto } from './dto/payment.dto.js';
import { REFUND_JOBS } from './refund-jobs.js';
import { moveEscrowHold } from './escrow-hold-moves.js';

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
export const MAX_ATTEMPTS = 8;

export interface RefundRow {
  id: string;
  payment_id: string;
  /** The payable refunded: an order or a repair job, exactly one. */
  order_id: string | null;
  repair_job_id: string | null;
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

export const REFUND_COLUMNS = `r.id::text AS id, r.payment_id::text AS payment_id, r.order_id::text AS order_id,
  r.repair_job_id::text AS repair_job_id, r.sub_order_id::text AS sub_order_id, r.kind, r.amount_paise::text AS amount_paise, r.status,
  r.gateway_refund_id, p.gateway_payment_id, r.attempts, r.requested_at, r.processed_at`;

/**
 * Records a refund (`requested`) in the caller's transaction and enqueues the refunds job that sends
 * it — the one writer of new refund rows, for payments' own kinds and the escrow's (`partial` at
 * release, `after_release`). It refunds the payment's payable: an order (`orderId`) or a repair job
 * (`repairJobId`). Undefined when the refund is already recorded (the unique indexes: one of a kind
 * per payment without a sub-order — a repair job's cancellation and partial refunds are one per
 * payment, i.e. per escrow hold; one cancellation and one partial per sub-order), so a retry records
 * nothing twice.
 */
export async function recordRefundIn(
  tx: EntityManager,
  jobs: JobQueue,
  input: {
    paymentId: string;
    orderId: string | null;
    repairJobId?: string;
    subOrderId: string | null;
    kind: RefundKind;
    amountPaise: bigint;
    reason?: string;
    requestedBy?: string;
  },
): Promise<{ id: string; requestedAt: Date } | undefined> {
  const { rows } = await execute<{ id: string; requested_at: Date }>(
    tx,
    `INSERT INTO refunds (payment_id, order_id, sub_order_id, kind, amount_paise, reason, requested_by,
       repair_job_id)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING
     RETURNING id::text AS id, requested_at`,
    [
      input.paymentId,
      input.orderId,
      input.subOrderId,
      input.kind,
      input.amountPaise.toString(),
      input.reason ?? null,
      input.requestedBy ?? null,
      input.repairJobId ?? null,
    ],
  );
  await jobs.send(REFUND_JOBS.process, {}, { tx });
  const row = rows[0];
  return row === undefined ? undefined : { id: row.id, requestedAt: row.requested_at };
}

/** What applying the gateway's word on a refund needs besides the transaction. */
export interface RefundPostingDeps {
  readonly ledger: LedgerService;
  readonly orders: OrderCommands;
  readonly afterRelease: AfterReleaseRefunds;
}

/** Applies the gateway's word on a refund (its answer, a look-up or a webhook); never backwards. */
export async function applyGatewayAnswerIn(
  deps: RefundPostingDeps,
  tx: EntityManager,
  refundId: string,
  answer: GatewayRefund,
): Promise<RefundDto['status']> {
  const refund = await refundRow(tx, refundId, true);
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
    await deps.orders.recordRefund(
      tx,
      refund.order_id!,
      refund.sub_order_id,
      Number(refund.amount_paise),
    );
  await postRefundIn(deps, tx, refund);
  await moveRefund(tx, refund.id, refund.status, 'complete', 'gateway', null);
  return 'processed';
}

/** The refund's ledger entry, once the gateway processed it (exactly once: ledger keys, row lock). */
async function postRefundIn(
  { ledger, afterRelease }: RefundPostingDeps,
  tx: EntityManager,
  refund: RefundRow,
): Promise<void> {
  // A dispute's partial refund was posted by the escrow release that recorded it (`refund:<subOrderId>`
  // in escrowRelease, the same transaction), cancelled lines' by `refundLinesIn`: nothing more here,
  // so the entry is posted exactly once.
  if (refund.kind === 'partial' || refund.kind === 'line_cancellation') return;
  // After release: the dealer's (or technician's) share clawed back (refundAfterRelease), `refund:<id>`.
  if (refund.kind === 'after_release') return afterRelease.postIn(tx, refund);
  const amount = BigInt(refund.amount_paise);
  const [kind, subjectId] =
    refund.repair_job_id !== null
      ? (['job', refund.repair_job_id] as const)
      : (['order', refund.order_id!] as const);
  const escrow = escrowAccount(kind, subjectId);
  let command: LedgerCommand;
  // A cancelled sub-order's hold or a cancelled repair job's hold of this payment, refunded whole
  // (recipe §4).
  if (refund.kind === 'cancellation') {
    const [column, id] =
      refund.sub_order_id !== null
        ? ['sub_order_id', refund.sub_order_id]
        : ['payment_id', refund.payment_id];
    const { rows } = await execute<{
      id: string;
      status: EscrowHoldStatus;
      hold_key: string;
      amount_paise: string;
      payee_type: 'dealer' | 'technician';
      payee_id: string;
    }>(
      tx,
      `SELECT id::text AS id, status, hold_key, amount_paise::text AS amount_paise, payee_type,
              payee_id::text AS payee_id
       FROM escrow_holds WHERE ${column} = $1 FOR UPDATE`,
      [id],
    );
    const hold = rows[0]!;
    command = refundBeforeRelease({
      escrow: kind,
      subjectId,
      supplier: { kind: hold.payee_type, id: hold.payee_id },
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
        reference: `${kind}:${subjectId}`,
        actor: 'system:refunds',
        metadata: { kind: refund.kind, paymentId: refund.gateway_payment_id },
      },
    };
  }
  await ledger.postIn(tx, command, { what: `refund ${refund.id}` });
}

export async function refundRow(tx: EntityManager, id: string, lock: boolean): Promise<RefundRow> {
  const { rows } = await execute<RefundRow>(
    tx,
    `SELECT ${REFUND_COLUMNS} FROM refunds r JOIN payments p ON p.id = r.payment_id
     WHERE r.id = $1 ${lock ? 'FOR UPDATE OF r' : ''}`,
    [id],
  );
  return rows[0]!;
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
