import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Refunds after release of repair jobs (the repair-services issue: staff "cancel, refund"): a
 * released job refunded in part or in full, split over its released holds — one `after_release`
 * refund per hold, naming the job and the hold's payment (a job has one hold per payment), never a
 * sub-order.
 *
 * - `refunds_check`: a repair job's refund may be of kind `after_release`.
 * - `refunds_payment_kind_idx` (one refund of a kind per payment without a sub-order): not for
 *   refunds after release, of which a payment may have several (part, then the rest).
 *
 * `down` undoes it while no repair job has a refund after release.
 */
export class RepairRefundsAfterRelease1764630000000 implements MigrationInterface {
  name = 'RepairRefundsAfterRelease1764630000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE refunds DROP CONSTRAINT refunds_check`);
    await q.query(`
      ALTER TABLE refunds
        ADD CONSTRAINT refunds_check CHECK (CASE WHEN repair_job_id IS NULL
          THEN (kind IN ('cancellation','partial','after_release','line_cancellation')) = (sub_order_id IS NOT NULL)
          ELSE sub_order_id IS NULL
            AND kind IN ('cancellation','partial','unpayable','duplicate','excess','after_release') END)`);
    await q.query(`DROP INDEX refunds_payment_kind_idx`);
    await q.query(
      `CREATE UNIQUE INDEX refunds_payment_kind_idx ON refunds (payment_id, kind)
         WHERE sub_order_id IS NULL AND kind <> 'after_release'`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX refunds_payment_kind_idx`);
    await q.query(
      `CREATE UNIQUE INDEX refunds_payment_kind_idx ON refunds (payment_id, kind) WHERE sub_order_id IS NULL`,
    );
    await q.query(`ALTER TABLE refunds DROP CONSTRAINT refunds_check`);
    await q.query(`
      ALTER TABLE refunds
        ADD CONSTRAINT refunds_check CHECK (CASE WHEN repair_job_id IS NULL
          THEN (kind IN ('cancellation','partial','after_release','line_cancellation')) = (sub_order_id IS NOT NULL)
          ELSE sub_order_id IS NULL
            AND kind IN ('cancellation','partial','unpayable','duplicate','excess') END)`);
  }
}
