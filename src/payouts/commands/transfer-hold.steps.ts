/**
 * The steps of one Route transfer of an escrow hold (`TransferHoldHandler`), in the order it runs
 * them: record the intent (`pending`, attempt n) under the hold's lock, look for a transfer an
 * earlier ambiguous attempt created, then — after the gateway call, outside any transaction —
 * record the transfer (or the gateway's error).
 */
import type { Logger } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { allows } from '../../common/state-machine.js';
import { execute } from '../../database/sql.js';
import type { TransactionRunner } from '../../database/transaction.js';
import type { GatewayError } from '../../gateway/payment-gateway.js';
import type { JobQueue } from '../../jobs/job-queue.service.js';
import { ROUTE_MAX_ATTEMPTS, routeRetryDelayMs } from '../route/route-jobs.js';
import { HOLD_TRANSFER_JOBS } from '../../payments/hold-transfer-jobs.js';
import type { RouteTransferLookup } from '../route/route-transfer-lookup.js';
import {
  lockTransfer,
  moveTransfer,
  recordTransferErrorIn,
} from '../../payments/hold-transfer-moves.js';
import {
  ROUTE_TRANSFER_MACHINE,
  type RouteTransferStatus,
} from '../../payments/domain/route-transfer-state.js';

export type TransferOutcome = 'on_hold' | 'released' | 'retrying' | 'failed' | 'skipped';

export interface TransferIntent {
  holdId: string;
  /** What the hold is held for, as the transfer's notes name it (and staff read it). */
  obligation: TransferObligation;
  paymentId: string;
  gatewayPaymentId: string;
  accountId: string;
  amountPaise: number;
  attempts: number;
  /** A previous attempt may have created the transfer. */
  ambiguous: boolean;
}

/** A hold's obligation: a sub-order (of an order) for its dealer, or a repair job for its technician. */
export type TransferObligation = { subOrderId: string; orderId: string } | { repairJobId: string };

export interface CreatedTransfer {
  id: string;
  amountPaise: number;
  onHold: boolean;
}

/** The notes of a hold's Route transfer: the hold and its obligation (what recovery and staff read). */
export function transferNotes(intent: TransferIntent): Record<string, string> {
  return { holdId: intent.holdId, ...intent.obligation };
}

/** The intent recorded (`start`: pending, one more attempt) under the hold's lock; null when not transferable. */
export async function startTransferIn(
  tx: EntityManager,
  holdId: string,
): Promise<TransferIntent | null> {
  const { rows } = await execute<{
    id: string;
    sub_order_id: string | null;
    order_id: string | null;
    repair_job_id: string | null;
    payment_id: string;
    gateway_payment_id: string | null;
    account_id: string | null;
    account_status: string;
    amount_paise: string;
    status: string;
    transfer_id: string | null;
    transfer_status: RouteTransferStatus;
    transfer_attempts: number;
  }>(
    tx,
    `SELECT h.id::text AS id, h.sub_order_id::text AS sub_order_id, h.order_id::text AS order_id,
            h.repair_job_id::text AS repair_job_id, h.payment_id::text AS payment_id, p.gateway_payment_id,
            r.gateway_account_id AS account_id, r.status AS account_status,
            h.amount_paise::text AS amount_paise, h.status, h.transfer_id, h.transfer_status,
            h.transfer_attempts
     FROM escrow_holds h JOIN payments p ON p.id = h.payment_id
       JOIN payee_route_accounts r ON r.payee_kind = h.payee_type AND r.payee_id = h.payee_id
     WHERE h.id = $1 FOR UPDATE OF h`,
    [holdId],
  );
  const h = rows[0];
  if (
    h === undefined ||
    h.transfer_id !== null ||
    !(h.transfer_status === 'none' || h.transfer_status === 'pending') ||
    h.status === 'refunded' ||
    h.account_status !== 'activated' ||
    h.account_id === null ||
    h.gateway_payment_id === null
  )
    return null;
  await moveTransfer(tx, h.id, h.transfer_status, 'start', 'system', null, {
    set: 'transfer_attempts = transfer_attempts + 1',
    params: [],
  });
  return {
    holdId,
    obligation:
      h.sub_order_id !== null
        ? { subOrderId: h.sub_order_id, orderId: h.order_id! }
        : { repairJobId: h.repair_job_id! },
    paymentId: h.payment_id,
    gatewayPaymentId: h.gateway_payment_id,
    accountId: h.account_id,
    amountPaise: Number(h.amount_paise),
    attempts: h.transfer_attempts + 1,
    ambiguous: h.transfer_status === 'pending',
  };
}

/**
 * A transfer of this payment created for this hold by an earlier attempt, if any: its notes name
 * the hold, or — created before transfers carried the hold id — the hold's sub-order.
 */
export async function findCreated(
  lookup: RouteTransferLookup,
  logger: Logger,
  intent: TransferIntent,
): Promise<{ id: string; amountPaise: number; onHold: boolean } | undefined> {
  const listed = await lookup.transfersOfPayment(intent.gatewayPaymentId);
  const subOrderId = 'subOrderId' in intent.obligation ? intent.obligation.subOrderId : null;
  const found = listed.find(
    (t) =>
      t.recipientAccountId === intent.accountId &&
      (t.notes.holdId === intent.holdId ||
        (t.notes.holdId === undefined && subOrderId !== null && t.notes.subOrderId === subOrderId)),
  );
  if (found !== undefined)
    logger.log(
      `transfer ${found.id} of escrow hold ${intent.holdId} was created by an earlier attempt`,
    );
  return found;
}

/** A gateway error: retried with backoff (the hold stays `pending`) or, refused or exhausted, `failed`. */
export async function recordTransferError(
  transactions: TransactionRunner,
  jobs: JobQueue,
  logger: Logger,
  intent: TransferIntent,
  err: GatewayError,
): Promise<TransferOutcome> {
  const retry = err.retryable && intent.attempts < ROUTE_MAX_ATTEMPTS;
  if (!retry) logger.warn(`Route transfer of escrow hold ${intent.holdId} failed: ${err.message}`);
  await transactions.run(async (tx) => {
    const hold = await lockTransfer(tx, intent.holdId);
    if (hold.transfer_id !== null) return;
    // A retry stays `pending`: the transfer may exist, the next attempt looks for it first.
    if (retry) await recordTransferErrorIn(tx, hold.id, err.message);
    else if (allows(ROUTE_TRANSFER_MACHINE, hold.transfer_status, 'fail', 'system'))
      await moveTransfer(tx, hold.id, hold.transfer_status, 'fail', 'system', err.message);
    if (retry)
      await jobs.send(
        HOLD_TRANSFER_JOBS.transfers,
        { paymentId: intent.paymentId },
        { tx, startAfter: new Date(Date.now() + routeRetryDelayMs(intent.attempts)) },
      );
  });
  return retry ? 'retrying' : 'failed';
}

/** The transfer recorded on its hold (`on_hold`, or `released` when created without a hold). */
export async function recordTransferIn(
  tx: EntityManager,
  jobs: JobQueue,
  holdId: string,
  transfer: CreatedTransfer,
): Promise<TransferOutcome> {
  const hold = await lockTransfer(tx, holdId);
  if (
    hold.transfer_id !== null ||
    !allows(ROUTE_TRANSFER_MACHINE, hold.transfer_status, 'record', 'gateway')
  )
    return 'skipped';
  await moveTransfer(tx, hold.id, hold.transfer_status, 'record', 'gateway', null, {
    set: 'transfer_id = $6, transfer_amount_paise = $7',
    params: [transfer.id, transfer.amountPaise],
    to: transfer.onHold ? 'on_hold' : 'released',
  });
  // Released while the transfer was being created: lift its hold now.
  if (hold.status === 'released' && transfer.onHold)
    await jobs.send(HOLD_TRANSFER_JOBS.release, { holdId }, { tx });
  return transfer.onHold ? 'on_hold' : 'released';
}
