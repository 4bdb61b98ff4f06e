/**
 * Route transfers of escrow holds to the dealers' linked accounts:
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
import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { allows } from '../../common/state-machine.js';
import { execute } from '../../database/sql.js';
import { TransactionRunner } from '../../database/transaction.js';
import { JobQueue } from '../../jobs/job-queue.service.js';
import {
  GatewayError,
  PAYMENT_GATEWAY,
  type PaymentGateway,
} from '../../gateway/payment-gateway.js';
import {
  ROUTE_JOBS,
  ROUTE_MAX_ATTEMPTS,
  routeRetryDelayMs,
  type RouteReleaseJob,
  type RouteTransfersJob,
} from './route-jobs.js';
import { RouteTransferLookup } from './route-transfer-lookup.js';
import { moveTransfer, recordTransferErrorIn } from './route-transfer-moves.js';
import { ROUTE_TRANSFER_MACHINE, type RouteTransferStatus } from './route-transfer-state.js';

export type TransferOutcome = 'on_hold' | 'released' | 'retrying' | 'failed' | 'skipped';

interface TransferIntent {
  subOrderId: string;
  orderId: string;
  paymentId: string;
  gatewayPaymentId: string;
  accountId: string;
  amountPaise: number;
  attempts: number;
  /** A previous attempt may have created the transfer. */
  ambiguous: boolean;
}

@Injectable()
export class RouteTransfersService implements OnModuleInit {
  private readonly logger = new Logger(RouteTransfersService.name);

  constructor(
    private readonly transactions: TransactionRunner,
    private readonly jobs: JobQueue,
    private readonly lookup: RouteTransferLookup,
    @Inject(PAYMENT_GATEWAY) private readonly gateway: PaymentGateway,
  ) {}

  onModuleInit(): void {
    this.jobs.define<RouteTransfersJob>({
      name: ROUTE_JOBS.transfers,
      handler: (data) => this.transferHolds(data),
    });
    this.jobs.define<RouteReleaseJob>({
      name: ROUTE_JOBS.release,
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
    const intent = await this.transactions.run(async (tx) => {
      const { rows } = await execute<{
        id: string;
        order_id: string;
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
        `SELECT h.id::text AS id, h.order_id::text AS order_id, h.payment_id::text AS payment_id, p.gateway_payment_id,
                r.gateway_account_id AS account_id, r.status AS account_status,
                h.amount_paise::text AS amount_paise, h.status, h.transfer_id, h.transfer_status,
                h.transfer_attempts
         FROM escrow_holds h JOIN payments p ON p.id = h.payment_id
           JOIN payee_route_accounts r ON r.payee_kind = 'dealer' AND r.payee_id = h.dealer_id
         WHERE h.sub_order_id = $1 FOR UPDATE OF h`,
        [subOrderId],
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
      const intent: TransferIntent = {
        subOrderId,
        orderId: h.order_id,
        paymentId: h.payment_id,
        gatewayPaymentId: h.gateway_payment_id,
        accountId: h.account_id,
        amountPaise: Number(h.amount_paise),
        attempts: h.transfer_attempts + 1,
        ambiguous: h.transfer_status === 'pending',
      };
      return intent;
    });
    if (intent === null) return 'skipped';

    let transfer: { id: string; amountPaise: number; onHold: boolean };
    try {
      const earlier = intent.ambiguous ? await this.findCreated(intent) : undefined;
      transfer =
        earlier ??
        (
          await this.gateway.transferFromPayment(intent.gatewayPaymentId, [
            {
              accountId: intent.accountId,
              amountPaise: intent.amountPaise,
              onHold: true,
              notes: { subOrderId: intent.subOrderId, orderId: intent.orderId },
            },
          ])
        )[0]!;
    } catch (err) {
      if (!(err instanceof GatewayError)) throw err;
      return this.recordTransferError(intent, err);
    }

    return this.transactions.run(async (tx) => {
      const hold = await lockTransfer(tx, subOrderId);
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
        await this.jobs.send(ROUTE_JOBS.release, { subOrderId }, { tx });
      return transfer.onHold ? 'on_hold' : 'released';
    });
  }

  /** A transfer of this payment created for this sub-order by an earlier attempt, if any. */
  private async findCreated(
    intent: TransferIntent,
  ): Promise<{ id: string; amountPaise: number; onHold: boolean } | undefined> {
    const listed = await this.lookup.transfersOfPayment(intent.gatewayPaymentId);
    const found = listed.find(
      (t) => t.notes.subOrderId === intent.subOrderId && t.recipientAccountId === intent.accountId,
    );
    if (found !== undefined)
      this.logger.log(
        `transfer ${found.id} of sub-order ${intent.subOrderId} was created by an earlier attempt`,
      );
    return found;
  }

  private async recordTransferError(
    intent: TransferIntent,
    err: GatewayError,
  ): Promise<TransferOutcome> {
    const retry = err.retryable && intent.attempts < ROUTE_MAX_ATTEMPTS;
    if (!retry)
      this.logger.warn(`Route transfer of sub-order ${intent.subOrderId} failed: ${err.message}`);
    await this.transactions.run(async (tx) => {
      const hold = await lockTransfer(tx, intent.subOrderId);
      if (hold.transfer_id !== null) return;
      // A retry stays `pending`: the transfer may exist, the next attempt looks for it first.
      if (retry) await recordTransferErrorIn(tx, hold.id, err.message);
      else if (allows(ROUTE_TRANSFER_MACHINE, hold.transfer_status, 'fail', 'system'))
        await moveTransfer(tx, hold.id, hold.transfer_status, 'fail', 'system', err.message);
      if (retry)
        await this.jobs.send(
          ROUTE_JOBS.transfers,
          { paymentId: intent.paymentId },
          { tx, startAfter: new Date(Date.now() + routeRetryDelayMs(intent.attempts)) },
        );
    });
    return retry ? 'retrying' : 'failed';
  }

  /**
   * The `payments.route-release` job: the transfer is reversed down to the dealer's net first — in
   * total transfer amount − dealer net, i.e. what the platform keeps (commission, GST on it, TCS,
   * TDS: hold − dealer net) plus the lines cancelled out of the hold after the transfer (reversed
   * already by their refunds, or here if not yet) — then its hold is lifted, so Razorpay settles
   * exactly the dealer's net. Both steps are idempotent on retry (the reversal tops the transfer's
   * amount already reversed up to that total; lifting twice changes nothing).
   */
  async releaseTransfer(subOrderId: string): Promise<'released' | 'failed' | 'skipped'> {
    const { rows } = await this.transactions.run((tx) =>
      execute<{ transfer_id: string; transfer_amount_paise: string; dealer_net_paise: string }>(
        tx,
        `SELECT transfer_id, transfer_amount_paise::text AS transfer_amount_paise,
                coalesce(dealer_net_paise, amount_paise)::text AS dealer_net_paise
         FROM escrow_holds
         WHERE sub_order_id = $1 AND status = 'released' AND transfer_status = 'on_hold'`,
        [subOrderId],
      ),
    );
    const hold = rows[0];
    if (hold === undefined) return 'skipped';
    const transferId = hold.transfer_id;
    const reversedTotal = Number(hold.transfer_amount_paise) - Number(hold.dealer_net_paise);
    try {
      if (reversedTotal > 0) {
        const t = await this.gateway.fetchTransfer(transferId);
        const toReverse = reversedTotal - t.amountReversedPaise;
        if (toReverse > 0) await this.gateway.reverseTransfer(transferId, toReverse);
      }
      await this.gateway.setTransferHold(transferId, false);
    } catch (err) {
      // Retryable: thrown, the queue retries with backoff. A refusal is recorded for staff.
      if (!(err instanceof GatewayError) || err.retryable) throw err;
      this.logger.warn(`lifting the hold of transfer ${transferId} failed: ${err.message}`);
      await this.transactions.run(async (tx) => {
        const locked = await lockTransfer(tx, subOrderId);
        if (locked.transfer_status === 'on_hold')
          await moveTransfer(
            tx,
            locked.id,
            'on_hold',
            'fail',
            'system',
            `lifting the hold: ${err.message}`,
          );
      });
      return 'failed';
    }
    await this.transactions.run(async (tx) => {
      const locked = await lockTransfer(tx, subOrderId);
      if (locked.transfer_status === 'on_hold')
        await moveTransfer(tx, locked.id, 'on_hold', 'release', 'system', null);
    });
    return 'released';
  }
}

/** The hold's Route transfer, locked `FOR UPDATE` (the row exists: a transfer job names its hold). */
async function lockTransfer(
  tx: EntityManager,
  subOrderId: string,
): Promise<{
  id: string;
  status: string;
  transfer_id: string | null;
  transfer_status: RouteTransferStatus;
}> {
  const { rows } = await execute<{
    id: string;
    status: string;
    transfer_id: string | null;
    transfer_status: RouteTransferStatus;
  }>(
    tx,
    `SELECT id::text AS id, status, transfer_id, transfer_status
     FROM escrow_holds WHERE sub_order_id = $1 FOR UPDATE`,
    [subOrderId],
  );
  return rows[0]!;
}
