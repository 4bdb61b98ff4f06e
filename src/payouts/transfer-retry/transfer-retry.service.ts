/**
 * Staff retry a failed Route transfer of an escrow hold (a sub-order's for its dealer, a repair
 * job's for its technician) (`escrow_holds.transfer_status = 'failed'`,
 * the `transfer_failed` alert), once its cause is fixed, in one audited transaction:
 * - no transfer yet (creating it was refused, or its retries ran out): back to `pending` with fresh
 *   attempts, and `payments.route-transfers` {paymentId} enqueued. `pending` rather than `none`:
 *   a failure after exhausted 5xx retries may have created the transfer, so the job looks for it
 *   among the payment's transfers before creating one (never twice).
 * - a transfer whose hold could not be lifted at release: back to `on_hold`, and
 *   `payments.route-release` {holdId} enqueued (it reverses what the platform keeps, sized from
 *   what was reversed already, then lifts the hold).
 */
import { Injectable } from '@nestjs/common';
import { AuditService } from '../../audit/audit.service.js';
import { AppProblem } from '../../common/errors/problem.js';
import type { RequestMeta } from '../../common/request-meta.js';
import { allows } from '../../common/state-machine.js';
import { execute } from '../../database/sql.js';
import { TransactionRunner } from '../../database/transaction.js';
import { JobQueue } from '../../jobs/job-queue.service.js';
import { HOLD_TRANSFER_JOBS } from '../../payments/hold-transfer-jobs.js';
import { moveTransfer } from '../../payments/hold-transfer-moves.js';
import {
  ROUTE_TRANSFER_MACHINE,
  type RouteTransferStatus,
} from '../../payments/domain/route-transfer-state.js';
import type { TransferRetryDto } from './transfer-retry.dto.js';

@Injectable()
export class TransferRetryService {
  constructor(
    private readonly transactions: TransactionRunner,
    private readonly jobs: JobQueue,
    private readonly audit: AuditService,
  ) {}

  /**
   * The hold named by its obligation: a sub-order, or a repair job (one hold per payment: the one
   * whose transfer failed, else its first).
   */
  async retry(
    obligation: { subOrderId: string } | { repairJobId: string },
    reason: string,
    meta: RequestMeta,
  ): Promise<TransferRetryDto> {
    const [column, obligationId] =
      'subOrderId' in obligation
        ? ['sub_order_id', obligation.subOrderId]
        : ['repair_job_id', obligation.repairJobId];
    return this.transactions.run(async (tx) => {
      const { rows } = await execute<{
        id: string;
        sub_order_id: string | null;
        order_id: string | null;
        repair_job_id: string | null;
        payment_id: string;
        payee_type: 'dealer' | 'technician';
        payee_id: string;
        status: string;
        transfer_id: string | null;
        transfer_status: RouteTransferStatus;
        transfer_attempts: number;
        transfer_error: string | null;
      }>(
        tx,
        `SELECT id::text AS id, sub_order_id::text AS sub_order_id, order_id::text AS order_id,
                repair_job_id::text AS repair_job_id, payment_id::text AS payment_id, payee_type,
                payee_id::text AS payee_id, status, transfer_id, transfer_status, transfer_attempts,
                transfer_error
         FROM escrow_holds WHERE ${column} = $1
         ORDER BY transfer_status = 'failed' DESC, created_at, id LIMIT 1 FOR UPDATE`,
        [obligationId],
      );
      const h = rows[0];
      if (h === undefined)
        throw new AppProblem(404, 'escrow/hold-not-found', 'Not found', 'No such escrow hold');
      const lift = h.transfer_id !== null;
      if (!allows(ROUTE_TRANSFER_MACHINE, h.transfer_status, 'retry', 'staff'))
        throw new AppProblem(
          409,
          'route-transfer/not-failed',
          'Nothing to retry',
          `The Route transfer is ${h.transfer_status}`,
          { transferStatus: h.transfer_status, holdStatus: h.status },
        );
      // A refunded hold has nothing left to transfer; only released escrow has a hold to lift.
      if (lift ? h.status !== 'released' : h.status === 'refunded')
        throw new AppProblem(
          409,
          'route-transfer/not-retryable',
          'Nothing to retry',
          `The escrow hold is ${h.status}`,
          { transferStatus: h.transfer_status, holdStatus: h.status },
        );
      const transferStatus: RouteTransferStatus = lift ? 'on_hold' : 'pending';
      await moveTransfer(tx, h.id, 'failed', 'retry', 'staff', reason, {
        set: `transfer_attempts = CASE WHEN $6 THEN transfer_attempts ELSE 0 END`,
        params: [lift],
        to: transferStatus,
        actorId: meta.principal!.userId,
      });
      const job = lift ? HOLD_TRANSFER_JOBS.release : HOLD_TRANSFER_JOBS.transfers;
      if (lift) await this.jobs.send(HOLD_TRANSFER_JOBS.release, { holdId: h.id }, { tx });
      else await this.jobs.send(HOLD_TRANSFER_JOBS.transfers, { paymentId: h.payment_id }, { tx });
      await this.audit.record(tx, meta, {
        action: 'payments.route_transfer.retry',
        targetType: 'escrow_hold',
        targetId: obligationId,
        reason,
        before: {
          transferStatus: 'failed',
          transferId: h.transfer_id,
          attempts: h.transfer_attempts,
          error: h.transfer_error,
        },
        after: { transferStatus, job },
      });
      return {
        holdId: h.id,
        subOrderId: h.sub_order_id,
        orderId: h.order_id,
        repairJobId: h.repair_job_id,
        payeeType: h.payee_type,
        payeeId: h.payee_id,
        dealerId: h.payee_type === 'dealer' ? h.payee_id : null,
        holdStatus: h.status,
        transferStatus,
        transferId: h.transfer_id,
        job,
        previousError: h.transfer_error,
      };
    });
  }
}
