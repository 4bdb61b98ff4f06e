/**
 * The port through which the refunds job reaches the escrow for a refund after release (kind
 * `after_release`): the escrow knows the released hold's terms, payments only sends the money.
 * The escrow module registers its side at start (src/escrow/refund-after-release-posting.ts);
 * until it has, a refund after release is an error, never a silent skip.
 */
import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';

/**
 * A released escrow hold refunded after release: a sub-order's, or a repair job's hold of one
 * payment (a job has one per payment: its first quote's and each supplement's).
 */
export type ReleasedHoldRef = { subOrderId: string } | { repairJobId: string; paymentId: string };

/** The hold a refund (or a hold row) names: its sub-order's, else its repair job's of its payment. */
export function releasedHoldRefOf(row: {
  sub_order_id: string | null;
  repair_job_id?: string | null;
  payment_id?: string;
}): ReleasedHoldRef {
  if (row.sub_order_id !== null) return { subOrderId: row.sub_order_id };
  if (row.repair_job_id == null || row.payment_id === undefined)
    throw new Error('a refund after release names its hold');
  return { repairJobId: row.repair_job_id, paymentId: row.payment_id };
}

/** The refund after release as the escrow's side reads it. */
export interface AfterReleaseRefund {
  id: string;
  sub_order_id: string | null;
  repair_job_id: string | null;
  payment_id: string;
  amount_paise: string;
}

export interface AfterReleaseRefundSide {
  /** Posts a processed refund after release exactly once, in the caller's transaction. */
  postIn(tx: EntityManager, refund: AfterReleaseRefund): Promise<void>;
  /**
   * What should have been reversed of the hold's Route transfer in all, counting the refunds
   * after release up to `upToRefundId`; undefined when the hold has no transfer.
   */
  transferReversalTargetIn(
    tx: EntityManager,
    hold: ReleasedHoldRef,
    upToRefundId: string | null,
  ): Promise<{ transferId: string; reversedTotal: bigint } | undefined>;
}

@Injectable()
export class AfterReleaseRefunds implements AfterReleaseRefundSide {
  private side: AfterReleaseRefundSide | undefined;

  register(side: AfterReleaseRefundSide): void {
    this.side = side;
  }

  postIn(...args: Parameters<AfterReleaseRefundSide['postIn']>): Promise<void> {
    return this.registered().postIn(...args);
  }

  transferReversalTargetIn(
    ...args: Parameters<AfterReleaseRefundSide['transferReversalTargetIn']>
  ): ReturnType<AfterReleaseRefundSide['transferReversalTargetIn']> {
    return this.registered().transferReversalTargetIn(...args);
  }

  private registered(): AfterReleaseRefundSide {
    if (this.side === undefined)
      throw new Error('refunds after release need the escrow module (none registered)');
    return this.side;
  }
}
