/**
 * The port through which the refunds job reaches the escrow for a refund after release (kind
 * `after_release`): the escrow knows the released hold's terms, payments only sends the money.
 * The escrow module registers its side at start (src/escrow/refund-after-release-posting.ts);
 * until it has, a refund after release is an error, never a silent skip.
 */
import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';

export interface AfterReleaseRefundSide {
  /** Posts a processed refund after release exactly once, in the caller's transaction. */
  postIn(
    tx: EntityManager,
    refund: { id: string; sub_order_id: string | null; order_id: string; amount_paise: string },
  ): Promise<void>;
  /**
   * What should have been reversed of the sub-order's Route transfer in all, counting the refunds
   * after release up to `upToRefundId`; undefined when the hold has no transfer.
   */
  transferReversalTargetIn(
    tx: EntityManager,
    subOrderId: string,
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
