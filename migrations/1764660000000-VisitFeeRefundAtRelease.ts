import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A repair job cancelled keeping its visit fee is released for the fee only: the rest of its first
 * payment's hold is refunded at release (recipe §5, a `partial` refund of that payment). The
 * release now records that part on the hold (`escrow_holds.refund_at_release_paise`), as it always
 * did for a dispute's partial refund or staff's refund of a done repair, so the hold names what was
 * released — all a refund after release may give back, and the lines it claws back from. This
 * records it on the holds released before: a released hold of a cancelled job with its payment's
 * `partial` refund, where the hold less that refund is exactly what the release recorded (net,
 * service fee, GST on it, TCS, TDS).
 *
 * `down` keeps the figures (they are what the release did).
 */
export class VisitFeeRefundAtRelease1764660000000 implements MigrationInterface {
  name = 'VisitFeeRefundAtRelease1764660000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      UPDATE escrow_holds h SET refund_at_release_paise = r.amount_paise, updated_at = now()
      FROM repair_jobs j, refunds r
      WHERE j.id = h.repair_job_id AND j.status = 'cancelled'
        AND h.status = 'released' AND h.refund_at_release_paise = 0
        AND r.repair_job_id = h.repair_job_id AND r.payment_id = h.payment_id
        AND r.sub_order_id IS NULL AND r.kind = 'partial'
        AND h.amount_paise - r.amount_paise = h.dealer_net_paise + h.commission_paise
          + h.gst_on_commission_paise + coalesce(h.tcs_paise, 0) + h.tds_paise`);
  }

  async down(): Promise<void> {}
}
