import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The platform's service-fee tax invoice to the technician for each released repair job, as the
 * commission invoice to the dealer for each released sub-order (src/payouts/commission/): one
 * gapless numbering per financial year for both.
 *
 * - `commission_invoices`: the subject is a sub-order (`sub_order_id`, `order_id`, `dealer_id`,
 *   `dealer_gstin`, all set) or a repair job (`repair_job_id`, `technician_id`, and
 *   `technician_gstin` when the technician is registered for GST), exactly one, each at most once.
 *   Every existing row is a sub-order's and keeps every value (the table is append-only: no row is
 *   rewritten).
 *
 * `down` undoes it while no repair job has an invoice.
 */
export class RepairCommissionInvoices1764550000000 implements MigrationInterface {
  name = 'RepairCommissionInvoices1764550000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE commission_invoices
        ALTER COLUMN sub_order_id DROP NOT NULL,
        ALTER COLUMN order_id DROP NOT NULL,
        ALTER COLUMN dealer_id DROP NOT NULL,
        ALTER COLUMN dealer_gstin DROP NOT NULL,
        ADD COLUMN repair_job_id uuid UNIQUE REFERENCES repair_jobs(id),
        ADD COLUMN technician_id uuid REFERENCES users(id),
        ADD COLUMN technician_gstin text,
        ADD CONSTRAINT commission_invoices_one_subject_check
          CHECK (num_nonnulls(sub_order_id, repair_job_id) = 1),
        ADD CONSTRAINT commission_invoices_sub_order_check CHECK (
          (sub_order_id IS NULL) = (order_id IS NULL) AND (sub_order_id IS NULL) = (dealer_id IS NULL)
          AND (sub_order_id IS NULL) = (dealer_gstin IS NULL)),
        ADD CONSTRAINT commission_invoices_repair_job_check CHECK (
          (repair_job_id IS NULL) = (technician_id IS NULL)
          AND (repair_job_id IS NOT NULL OR technician_gstin IS NULL))`);
    await q.query(
      `CREATE INDEX commission_invoices_technician_idx
         ON commission_invoices (technician_id, financial_year, seq DESC) WHERE technician_id IS NOT NULL`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX commission_invoices_technician_idx`);
    await q.query(`
      ALTER TABLE commission_invoices
        DROP CONSTRAINT commission_invoices_repair_job_check,
        DROP CONSTRAINT commission_invoices_sub_order_check,
        DROP CONSTRAINT commission_invoices_one_subject_check,
        DROP COLUMN technician_gstin, DROP COLUMN technician_id, DROP COLUMN repair_job_id,
        ALTER COLUMN dealer_gstin SET NOT NULL,
        ALTER COLUMN dealer_id SET NOT NULL,
        ALTER COLUMN order_id SET NOT NULL,
        ALTER COLUMN sub_order_id SET NOT NULL`);
  }
}
