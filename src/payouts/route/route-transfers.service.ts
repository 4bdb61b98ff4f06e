/**
 * Route transfers of escrow holds to their payees' linked accounts — a sub-order's to its dealer, a
 * repair job's to its technician, one path keyed by the hold (`escrow_holds.id`). The job workers
 * here dispatch one `TransferHoldCommand` / `ReleaseTransferCommand` per hold (src/payouts/commands/):
 * - `payments.route-transfers` (after a capture: {paymentId}; after a payee's account is activated:
 *   {payeeId}): for each escrow hold (not refunded) with no transfer whose payee's account is
 *   activated, the intent is recorded first (`transfer_status` pending, attempt n), then a transfer
 *   of the hold's amount is created ON HOLD from the payment (notes: holdId and the obligation —
 *   subOrderId and orderId, or repairJobId), outside any transaction, and recorded (`on_hold`) with
 *   its amount (`transfer_amount_paise`: the hold's amount may later shrink while the transfer keeps
 *   it — cancelled lines are reversed out of it, refunds.service.ts). Holds of payees not activated
 *   stay `none` (the waiting escrow staff see) until the activation enqueues them.
 * - Idempotent on retry: a hold with a transfer id is never transferred again; a hold left `pending`
 *   (its creation failed ambiguously — a 5xx after the work, a dropped connection, a crash before
 *   the answer was recorded) first looks for a transfer of the payment carrying its hold id (or, made
 *   before the notes had it, its sub-order id) in the notes and records that one instead.
 * - Retryable gateway errors re-enqueue with backoff (30 s × 2^(n−1), ≤ 1 h) up to
 *   ROUTE_MAX_ATTEMPTS; refusals (and exhausted retries) are `failed` with the error.
 * - `payments.route-release` {holdId} (enqueued by the escrow release in its transaction): lifts
 *   the transfer's hold after reversing it down to the payee's net (what the platform keeps —
 *   commission, GST on it, TCS, TDS: hold − net — plus any cancelled lines reversed before), so
 *   Razorpay settles the payee's net, and records `released`. A hold released while its transfer
 *   was being created is lifted once the transfer is recorded.
 * - Jobs enqueued before the path was keyed by hold ({dealerId}, {subOrderId}) are read too.
 */
import { Injectable, type OnModuleInit } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { execute } from '../../database/sql.js';
import { TransactionRunner } from '../../database/transaction.js';
import { JobQueue } from '../../jobs/job-queue.service.js';
import { ReleaseTransferCommand } from '../commands/release-transfer.command.js';
import { TransferHoldCommand } from '../commands/transfer-hold.command.js';
import type { TransferOutcome } from '../commands/transfer-hold.steps.js';
import {
  HOLD_TRANSFER_JOBS,
  type RouteReleaseJob,
  type RouteTransfersJob,
} from '../../payments/hold-transfer-jobs.js';

export type { TransferOutcome } from '../commands/transfer-hold.steps.js';

@Injectable()
export class RouteTransfersService implements OnModuleInit {
  constructor(
    private readonly transactions: TransactionRunner,
    private readonly jobs: JobQueue,
    private readonly commands: CommandBus,
  ) {}

  onModuleInit(): void {
    this.jobs.define<RouteTransfersJob>({
      name: HOLD_TRANSFER_JOBS.transfers,
      handler: (data) => this.transferHolds(data),
    });
    this.jobs.define<RouteReleaseJob>({
      name: HOLD_TRANSFER_JOBS.release,
      handler: (data) => this.releaseTransfer(data),
      queue: { retryLimit: 10, retryDelay: 30, retryBackoff: true },
    });
  }

  /**
   * Transfers every eligible hold of a payment or of a payee; returns the outcome per hold, keyed by
   * its obligation's id (the sub-order or the repair job, as staff name the hold).
   */
  async transferHolds(job: RouteTransfersJob): Promise<Record<string, TransferOutcome>> {
    const paymentId = 'paymentId' in job ? job.paymentId : null;
    const payeeId = 'payeeId' in job ? job.payeeId : 'dealerId' in job ? job.dealerId : null;
    const { rows } = await this.transactions.run((tx) =>
      execute<{ id: string; obligation_id: string }>(
        tx,
        `SELECT h.id::text AS id, coalesce(h.sub_order_id, h.repair_job_id)::text AS obligation_id
         FROM escrow_holds h
           JOIN payee_route_accounts r ON r.payee_kind = h.payee_type AND r.payee_id = h.payee_id
         WHERE ($1::uuid IS NULL OR h.payment_id = $1) AND ($2::uuid IS NULL OR h.payee_id = $2)
           AND h.transfer_id IS NULL AND h.transfer_status IN ('none','pending')
           AND h.status <> 'refunded' AND r.status = 'activated'
         ORDER BY h.created_at, h.id`,
        [paymentId, payeeId],
      ),
    );
    const outcomes: Record<string, TransferOutcome> = {};
    for (const r of rows) outcomes[r.obligation_id] = await this.transferHold(r.id);
    return outcomes;
  }

  /** One hold: intent, gateway (find or create), record. */
  async transferHold(holdId: string): Promise<TransferOutcome> {
    return this.commands.execute(new TransferHoldCommand(holdId));
  }

  /** The `payments.route-release` job: lifts the hold of a released escrow hold's transfer. */
  async releaseTransfer(job: RouteReleaseJob): Promise<'released' | 'failed' | 'skipped'> {
    const holdId = 'holdId' in job ? job.holdId : await this.holdOfSubOrder(job.subOrderId);
    if (holdId === undefined) return 'skipped';
    return this.commands.execute(new ReleaseTransferCommand(holdId));
  }

  /** The hold of a sub-order, for a release job enqueued by sub-order. */
  private async holdOfSubOrder(subOrderId: string): Promise<string | undefined> {
    const { rows } = await this.transactions.run((tx) =>
      execute<{ id: string }>(
        tx,
        `SELECT id::text AS id FROM escrow_holds WHERE sub_order_id = $1`,
        [subOrderId],
      ),
    );
    return rows[0]?.id;
  }
}
