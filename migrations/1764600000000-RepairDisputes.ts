import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Disputes, manual holds and early release of repair jobs (the repair-services issue): each of
 * them points at an obligation as the escrow holds do — a sub-order (`sub_order_id`, with its
 * order and dealer) or a repair job (`repair_job_id`, with its technician), exactly one. Every
 * existing row keeps every value.
 *
 * - `disputes`: a repair job's customer disputes a job its technician marked done (kind `dispute`,
 *   a reason category and a `description`); at most one unresolved dispute per job, as per
 *   sub-order. The payee's answer, the dealer's or the technician's, is `response` (was
 *   `dealer_response`); evidence may come from the technician (`role` `technician`).
 * - `repair_jobs.status` may be `disputed` (done, then disputed by its customer until staff
 *   resolve it: its escrow is not released meanwhile).
 * - `escrow_manual_holds` and `escrow_early_releases`: on a repair job's escrow (every hold of the
 *   job) too; at most one active manual hold and one pending early release per job. They point at
 *   the job (a job may have several holds, so not at one hold row).
 *
 * `down` undoes it while no repair job is disputed, held or released early.
 */
export class RepairDisputes1764600000000 implements MigrationInterface {
  name = 'RepairDisputes1764600000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE disputes RENAME COLUMN dealer_response TO response`);
    await q.query(`
      ALTER TABLE disputes
        ALTER COLUMN sub_order_id DROP NOT NULL,
        ALTER COLUMN order_id DROP NOT NULL,
        ALTER COLUMN dealer_id DROP NOT NULL,
        ADD COLUMN repair_job_id uuid REFERENCES repair_jobs(id),
        ADD COLUMN technician_id uuid REFERENCES users(id),
        ADD COLUMN description text CHECK (length(description) BETWEEN 1 AND 2000),
        ADD CONSTRAINT disputes_one_obligation_check
          CHECK (num_nonnulls(sub_order_id, repair_job_id) = 1),
        ADD CONSTRAINT disputes_sub_order_parties_check
          CHECK ((sub_order_id IS NULL) = (order_id IS NULL) AND (sub_order_id IS NULL) = (dealer_id IS NULL)),
        ADD CONSTRAINT disputes_repair_job_parties_check
          CHECK ((repair_job_id IS NULL) = (technician_id IS NULL)
                 AND (repair_job_id IS NULL) = (description IS NULL)),
        ADD CONSTRAINT disputes_repair_job_kind_check CHECK (repair_job_id IS NULL OR kind = 'dispute')`);
    await q.query(
      `CREATE UNIQUE INDEX disputes_open_repair_job_idx ON disputes (repair_job_id)
         WHERE repair_job_id IS NOT NULL AND status <> 'resolved'`,
    );
    await q.query(
      `CREATE INDEX disputes_repair_job_idx ON disputes (repair_job_id) WHERE repair_job_id IS NOT NULL`,
    );
    await q.query(`
      ALTER TABLE dispute_evidence DROP CONSTRAINT dispute_evidence_role_check,
        ADD CONSTRAINT dispute_evidence_role_check
          CHECK (role IN ('buyer','dealer','technician','staff'))`);

    await q.query(`ALTER TABLE repair_jobs DROP CONSTRAINT repair_jobs_status_check`);
    await q.query(`
      ALTER TABLE repair_jobs
        ADD CONSTRAINT repair_jobs_status_check CHECK (status IN ('matching','awaiting_assignment',
          'assigned','en_route','arrived','diagnosing','quoted','awaiting_payment','in_progress',
          'done','disputed','confirmed','closed','cancelled'))`);

    await q.query(`
      ALTER TABLE escrow_manual_holds
        ALTER COLUMN sub_order_id DROP NOT NULL,
        ADD COLUMN repair_job_id uuid REFERENCES repair_jobs(id),
        ADD CONSTRAINT escrow_manual_holds_one_obligation_check
          CHECK (num_nonnulls(sub_order_id, repair_job_id) = 1)`);
    await q.query(
      `CREATE UNIQUE INDEX escrow_manual_holds_active_job_idx ON escrow_manual_holds (repair_job_id)
         WHERE repair_job_id IS NOT NULL AND lifted_at IS NULL`,
    );
    await q.query(
      `CREATE INDEX escrow_manual_holds_job_idx ON escrow_manual_holds (repair_job_id, placed_at)
         WHERE repair_job_id IS NOT NULL`,
    );
    await q.query(`
      ALTER TABLE escrow_early_releases
        ALTER COLUMN sub_order_id DROP NOT NULL,
        ALTER COLUMN order_id DROP NOT NULL,
        ALTER COLUMN dealer_id DROP NOT NULL,
        ADD COLUMN repair_job_id uuid REFERENCES repair_jobs(id),
        ADD COLUMN technician_id uuid REFERENCES users(id),
        ADD CONSTRAINT escrow_early_releases_one_obligation_check
          CHECK (num_nonnulls(sub_order_id, repair_job_id) = 1),
        ADD CONSTRAINT escrow_early_releases_sub_order_check
          CHECK ((sub_order_id IS NULL) = (order_id IS NULL) AND (sub_order_id IS NULL) = (dealer_id IS NULL)),
        ADD CONSTRAINT escrow_early_releases_repair_job_check
          CHECK ((repair_job_id IS NULL) = (technician_id IS NULL))`);
    await q.query(
      `CREATE UNIQUE INDEX escrow_early_releases_pending_job_idx ON escrow_early_releases (repair_job_id)
         WHERE repair_job_id IS NOT NULL AND status = 'pending'`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX escrow_early_releases_pending_job_idx`);
    await q.query(`
      ALTER TABLE escrow_early_releases
        DROP CONSTRAINT escrow_early_releases_repair_job_check,
        DROP CONSTRAINT escrow_early_releases_sub_order_check,
        DROP CONSTRAINT escrow_early_releases_one_obligation_check,
        DROP COLUMN technician_id, DROP COLUMN repair_job_id,
        ALTER COLUMN dealer_id SET NOT NULL, ALTER COLUMN order_id SET NOT NULL,
        ALTER COLUMN sub_order_id SET NOT NULL`);
    await q.query(`DROP INDEX escrow_manual_holds_job_idx`);
    await q.query(`DROP INDEX escrow_manual_holds_active_job_idx`);
    await q.query(`
      ALTER TABLE escrow_manual_holds
        DROP CONSTRAINT escrow_manual_holds_one_obligation_check,
        DROP COLUMN repair_job_id, ALTER COLUMN sub_order_id SET NOT NULL`);
    await q.query(`ALTER TABLE repair_jobs DROP CONSTRAINT repair_jobs_status_check`);
    await q.query(`
      ALTER TABLE repair_jobs
        ADD CONSTRAINT repair_jobs_status_check CHECK (status IN ('matching','awaiting_assignment',
          'assigned','en_route','arrived','diagnosing','quoted','awaiting_payment','in_progress',
          'done','confirmed','closed','cancelled'))`);
    await q.query(`
      ALTER TABLE dispute_evidence DROP CONSTRAINT dispute_evidence_role_check,
        ADD CONSTRAINT dispute_evidence_role_check CHECK (role IN ('buyer','dealer','staff'))`);
    await q.query(`DROP INDEX disputes_repair_job_idx`);
    await q.query(`DROP INDEX disputes_open_repair_job_idx`);
    await q.query(`
      ALTER TABLE disputes
        DROP CONSTRAINT disputes_repair_job_kind_check,
        DROP CONSTRAINT disputes_repair_job_parties_check,
        DROP CONSTRAINT disputes_sub_order_parties_check,
        DROP CONSTRAINT disputes_one_obligation_check,
        DROP COLUMN description, DROP COLUMN technician_id, DROP COLUMN repair_job_id,
        ALTER COLUMN dealer_id SET NOT NULL, ALTER COLUMN order_id SET NOT NULL,
        ALTER COLUMN sub_order_id SET NOT NULL`);
    await q.query(`ALTER TABLE disputes RENAME COLUMN response TO dealer_response`);
  }
}
