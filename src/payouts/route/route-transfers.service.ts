/**
 * Route transfers of escrow holds to the dealers' linked accounts — the job workers here dispatch
 * one `TransferHoldCommand` / `ReleaseTransferCommand` per hold (src/payouts/commands/):
 * - `payments.route-transfers` (after a capture: {paymentId}; after a dealer's account is activated:
 *   {dealerId}): for each escrow hold (not refunded) with no transfer whose dealer's account is
 *   activated, the intent is recorded first (`transfer_status` pending, attempt n), then a transfer
 *   of the hold's amount is created ON HOLD from the payment (notes: subOrderId, orderId), outside
 *   any transaction, and recorded (`on_hold`) with its amount (`transfer_amount_paise`: the hold's
 *   amount may later shrink while the transfer keeps it — cancelled lines are reversed out of it,
 *   refunds.service.ts). Holds of dealers not activated stay `none` (the waiting escrow staff see)
 *   until the activation enqueues them.
 * - Idempotent on retry: a hold with a transfer id is never transferred again; a hold left `pending`
 *   (its creation failed ambiguously — a 5xx after the work, a dropped connection, a crash before
 *   the answer was recorded) first looks for a transfer of the payment carrying its sub-order id in
 *   the notes and records that one instead of creating another.
 * - Retryable gateway errors re-enqueue with backoff (30 s × 2^(n−1), ≤ 1 h) up to
 *   ROUTE_MAX_ATTEMPTS; refusals (and exhausted retries) are `failed` with the error.
 * - `payments.route-release` {subOrderId} (enqueued by the escrow release in its transaction): lifts
 *   the transfer's hold after reversing it down to the dealer's net (what the platform keeps —
 *   commission, GST on it, TCS, TDS: hold − dealer net — plus any cancelled lines reversed before),
 *   so Razorpay settles the dealer's net, and records `released`. A hold released while its transfer
 *   was being created is lifted once the transfer is recorded.
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
      handler: (data) => this.releaseTransfer(data.subOrderId),
      queue: { retryLimit: 10, retryDelay: 30, retryBackoff: true },
    });
  }

  /** Transfers every eligible hold of a payment or of a dealer; returns the outcome per sub-order. */
  async transferHolds(job: RouteTransfersJob): Promise<Record<string, TransferOutcome>> {
    const paymentId = 'paymentId' in job ? job.paymentId : null;
    const dealerId = 'dealerId' in job ? job.dealerId : null;
    const { rows } = await this.transactions.run((tx) =>
      execute<{ sub_order_id: string }>(
        tx,
        `SELECT h.sub_order_id::text AS sub_order_id
         FROM escrow_holds h
           JOIN payee_route_accounts r ON r.payee_kind = 'dealer' AND r.payee_id = h.dealer_id
         WHERE ($1::uuid IS NULL OR h.payment_id = $1) AND ($2::uuid IS NULL OR h.dealer_id = $2)
           AND h.transfer_id IS NULL AND h.transfer_status IN ('none','pending')
           AND h.status <> 'refunded' AND r.status = 'activated'
         ORDER BY h.created_at, h.sub_order_id`,
        [paymentId, dealerId],
      ),
    );
    const outcomes: Record<string, TransferOutcome> = {};
    for (const r of rows) outcomes[r.sub_order_id] = await this.transferHold(r.sub_order_id);
    return outcomes;
  }

  /** One hold: intent, gateway (find or create), record. */
  async transferHold(subOrderId: string): Promise<TransferOutcome> {
    return this.commands.execute(new TransferHoldCommand(subOrderId));
  }

  /** The `payments.route-release` job: lifts the hold of a released escrow hold's transfer. */
  async releaseTransfer(subOrderId: string): Promise<'released' | 'failed' | 'skipped'> {
    return this.commands.execute(new ReleaseTransferCommand(subOrderId));
  }
}
