import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Refunds of repair jobs (the repair-services issue): a refund refunds a payable, as a payment pays
 * one — an order (`order_id`) or a repair job (`repair_job_id`), exactly one.
 *
 * - `refunds.repair_job_id`: a paid job cancelled with a full refund (`cancellation`: the whole
 *   hold, recipe §4, posted when the gateway processes it), cancelled with a visit fee kept (`partial`:
 *   the rest, posted by the escrow release that pays the fee to the technician, recipe §5), or money
 *   never held for its technician (`unpayable`, `duplicate`, `excess`). A job's refunds never name a
 *   sub-order; one cancellation or partial refund per job.
 * - `repair_jobs.visit_fee_paise`: set when a paid job is cancelled — what is kept from the payment
 *   and released to the technician (0: refunded in full).
 *
 * `down` undoes it while no repair job has a refund.
 */
export class RepairRefunds1764540000000 implements MigrationInterface {
  name = 'RepairRefunds1764540000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE refunds DROP CONSTRAINT refunds_check`);
    await q.query(`
      ALTER TABLE refunds
        ALTER COLUMN order_id DROP NOT NULL,
        ADD COLUMN repair_job_id uuid REFERENCES repair_jobs(id),
        ADD CONSTRAINT refunds_one_payable_check CHECK (num_nonnulls(order_id, repair_job_id) = 1),
        ADD CONSTRAINT refunds_check CHECK (CASE WHEN repair_job_id IS NULL
          THEN (kind IN ('cancellation','partial','after_release','line_cancellation')) = (sub_order_id IS NOT NULL)
          ELSE sub_order_id IS NULL
            AND kind IN ('cancellation','partial','unpayable','duplicate','excess') END)`);
    await q.query(
      `CREATE UNIQUE INDEX refunds_repair_job_idx ON refunds (repair_job_id)
         WHERE repair_job_id IS NOT NULL AND kind IN ('cancellation','partial')`,
    );
    await q.query(
      `CREATE INDEX refunds_repair_job_list_idx ON refunds (repair_job_id, requested_at)
         WHERE repair_job_id IS NOT NULL`,
    );
    await q.query(`
      ALTER TABLE repair_jobs
        ADD COLUMN visit_fee_paise bigint CHECK (visit_fee_paise >= 0),
        ADD CONSTRAINT repair_jobs_visit_fee_check
          CHECK (visit_fee_paise IS NULL OR (status = 'cancelled' AND paid_at IS NOT NULL))`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE repair_jobs DROP CONSTRAINT repair_jobs_visit_fee_check, DROP COLUMN visit_fee_paise`);
    await q.query(`DROP INDEX refunds_repair_job_list_idx`);
    await q.query(`DROP INDEX refunds_repair_job_idx`);
    await q.query(`ALTER TABLE refunds DROP CONSTRAINT refunds_check`);
    await q.query(`
      ALTER TABLE refunds
        DROP CONSTRAINT refunds_one_payable_check,
        DROP COLUMN repair_job_id,
        ALTER COLUMN order_id SET NOT NULL,
        ADD CONSTRAINT refunds_check CHECK ((kind IN ('cancellation','partial','after_release',
          'line_cancellation')) = (sub_order_id IS NOT NULL))`);
  }
}
