/**
 * The steps of processing a refund (`ProcessRefundHandler`) around the gateway call, outside any
 * transaction unless they open their own: first the payee's Route transfer reversed by what the
 * refund takes back, then (after the gateway's answer, applied by `refund-store.ts`) a failed
 * attempt recorded.
 */
import { execute } from '../../database/sql.js';
import type { TransactionRunner } from '../../database/transaction.js';
import { GatewayError, type PaymentGateway } from '../../gateway/payment-gateway.js';
import type { RefundDto } from '../dto/payment.dto.js';
import { type AfterReleaseRefunds, releasedHoldRefOf } from '../after-release-refunds.js';
import { MAX_ATTEMPTS, moveRefund, refundRow, type RefundRow } from '../refund-store.js';

/**
 * Before a refund is first sent: the dealer's Route transfer reversed by what it takes back (a
 * cancellation: all that is left; cancelled lines: down to the hold; after release: its share).
 * `transfer_pending` when cancelled lines' transfer is still being created (its amount unknown):
 * the refund waits for the next pass.
 */
export async function reverseTransferFor(
  transactions: TransactionRunner,
  gateway: PaymentGateway,
  afterRelease: AfterReleaseRefunds,
  refund: RefundRow,
): Promise<'done' | 'transfer_pending'> {
  if (refund.gateway_refund_id !== null) return 'done';
  // A cancelled sub-order or repair job: its payee's whole transfer comes back first.
  if (refund.kind === 'cancellation') await reverseTransferOf(transactions, gateway, refund);
  if (refund.kind === 'after_release')
    await reverseTransferAfterRelease(transactions, gateway, afterRelease, refund);
  if (refund.sub_order_id === null) return 'done';
  if (
    refund.kind === 'line_cancellation' &&
    (await reverseTransferToHold(transactions, gateway, refund.sub_order_id)) === 'transfer_pending'
  )
    return 'transfer_pending';
  return 'done';
}

/**
 * A refund after release: its hold's payee's Route transfer (if any; the dealer's, or the
 * technician's of the repair job's hold of the refunded payment) reversed up to the escrow's target
 * for this refund (`AfterReleaseRefunds.transferReversalTargetIn`) — a cumulative target, so a
 * retry (or a crash after the reversal) never reverses twice, and the platform's part is reversed
 * too if the Route release job has not done it yet.
 */
export async function reverseTransferAfterRelease(
  transactions: TransactionRunner,
  gateway: PaymentGateway,
  afterRelease: AfterReleaseRefunds,
  refund: Pick<RefundRow, 'id' | 'sub_order_id'> &
    Partial<Pick<RefundRow, 'repair_job_id' | 'payment_id'>>,
): Promise<void> {
  const found = await transactions.run((tx) =>
    afterRelease.transferReversalTargetIn(tx, releasedHoldRefOf(refund), refund.id),
  );
  if (found === undefined) return;
  const transfer = await gateway.fetchTransfer(found.transferId);
  const still = BigInt(transfer.amountPaise - transfer.amountReversedPaise);
  const wanted = found.reversedTotal - BigInt(transfer.amountReversedPaise);
  const amount = wanted < still ? wanted : still;
  if (amount > 0n) await gateway.reverseTransfer(found.transferId, Number(amount));
}

/**
 * A cancelled sub-order or repair job whose escrow was already transferred (on hold) to its payee's
 * Route account (the dealer's, the technician's): the transfer is reversed first, so the refund
 * comes out of the platform's balance, not the payee's. Reverses only what is left, so a retry
 * never reverses twice.
 */
async function reverseTransferOf(
  transactions: TransactionRunner,
  gateway: PaymentGateway,
  refund: Pick<RefundRow, 'sub_order_id' | 'repair_job_id' | 'payment_id'>,
): Promise<void> {
  if (refund.sub_order_id === null && refund.repair_job_id === null) return;
  // A repair job's hold is the one of the refunded payment (a job has one per payment).
  const { rows } = await transactions.run((tx) =>
    execute<{ transfer_id: string | null }>(
      tx,
      `SELECT transfer_id FROM escrow_holds
        WHERE sub_order_id = $1::uuid
           OR (repair_job_id = $2::uuid AND payment_id = $3::uuid AND $1::uuid IS NULL)`,
      [refund.sub_order_id, refund.repair_job_id, refund.payment_id],
    ),
  );
  const transferId = rows[0]?.transfer_id ?? null;
  if (transferId === null) return;
  const transfer = await gateway.fetchTransfer(transferId);
  const left = transfer.amountPaise - transfer.amountReversedPaise;
  if (left > 0) await gateway.reverseTransfer(transferId, left);
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
async function reverseTransferToHold(
  transactions: TransactionRunner,
  gateway: PaymentGateway,
  subOrderId: string,
): Promise<'done' | 'transfer_pending'> {
  const { rows } = await transactions.run((tx) =>
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
  const transfer = await gateway.fetchTransfer(hold.transfer_id);
  const target = Number(hold.transfer_amount_paise) - Number(hold.amount_paise);
  const left = transfer.amountPaise - transfer.amountReversedPaise;
  const amount = Math.min(target - transfer.amountReversedPaise, left);
  if (amount > 0) await gateway.reverseTransfer(hold.transfer_id, amount);
  return 'done';
}

/**
 * A gateway call that failed: one more attempt counted with its error, or — not retryable, or the
 * attempts spent — the refund failed (for finance to resolve). The refund's status afterwards.
 */
export async function recordFailedAttempt(
  transactions: TransactionRunner,
  refund: RefundRow,
  err: unknown,
): Promise<RefundDto['status']> {
  const retryable = err instanceof GatewayError && err.retryable;
  const giveUp = !retryable || refund.attempts + 1 >= MAX_ATTEMPTS;
  const error = (err as Error).message.slice(0, 500);
  await transactions.run(async (tx) => {
    const { status } = await refundRow(tx, refund.id, true);
    if (status !== 'requested' && status !== 'processing') return;
    if (giveUp) await moveRefund(tx, refund.id, status, 'fail', 'system', error);
    else
      await execute(
        tx,
        `UPDATE refunds SET attempts = attempts + 1, last_error = $2, updated_at = now() WHERE id = $1`,
        [refund.id, error],
      );
  });
  return giveUp ? 'failed' : refund.status;
}
