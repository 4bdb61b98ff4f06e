import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The repair job's lifecycle (src/repairs/domain/repair-job-state.ts): a customer's request (device,
 * problem, offline at a place or online, a preferred window) waits for a technician, who travels
 * (offline), diagnoses, quotes; the customer approves the quote and pays it (the amount is the
 * approved quote's total), the technician works and marks it done, the customer confirms (or the
 * confirmation window passes) and the escrow is released, which closes the job.
 *
 * - `repair_jobs`: the request's columns; `amount_paise` null until a quote is approved; statuses
 *   of the new machine. Jobs of the skeleton keep their money and move to the status that means the
 *   same: `paid` → `in_progress`; `completed` → `confirmed` (its escrow due), or `closed` when its
 *   escrow was released; each move written to `repair_job_history` (event `migrate`). Their device
 *   and problem were never asked: recorded as `unknown`.
 * - `repair_quotes`: a technician's priced lines (labour and parts, each at the GST rate the
 *   technician states), immutable but for their status (proposed → approved | rejected |
 *   superseded), at most one proposed or approved per job.
 */
export class RepairLifecycle1764510000000 implements MigrationInterface {
  name = 'RepairLifecycle1764510000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE repair_jobs
        DROP CONSTRAINT repair_jobs_status_check,
        DROP CONSTRAINT repair_jobs_check,
        ALTER COLUMN status DROP DEFAULT,
        ALTER COLUMN amount_paise DROP NOT NULL,
        ADD COLUMN mode text NOT NULL DEFAULT 'offline' CHECK (mode IN ('offline','online')),
        ADD COLUMN device_brand text NOT NULL DEFAULT 'unknown',
        ADD COLUMN device_model text NOT NULL DEFAULT 'unknown',
        ADD COLUMN problem text NOT NULL DEFAULT 'unknown',
        ADD COLUMN location geography(Point, 4326),
        ADD COLUMN address text,
        ADD COLUMN preferred_from timestamptz,
        ADD COLUMN preferred_to timestamptz,
        ADD COLUMN assigned_at timestamptz,
        ADD COLUMN done_at timestamptz,
        ADD COLUMN confirmed_at timestamptz,
        ADD COLUMN closed_at timestamptz,
        ADD COLUMN cancelled_at timestamptz`);
    await q.query(`
      ALTER TABLE repair_jobs
        ALTER COLUMN mode DROP DEFAULT,
        ALTER COLUMN device_brand DROP DEFAULT,
        ALTER COLUMN device_model DROP DEFAULT,
        ALTER COLUMN problem DROP DEFAULT`);
    await q.query(`
      INSERT INTO repair_job_history (repair_job_id, event, from_status, to_status, actor_role, reason)
      SELECT j.id, 'migrate', j.status,
             CASE j.status WHEN 'paid' THEN 'in_progress'
                           WHEN 'completed' THEN
                             CASE WHEN EXISTS (SELECT 1 FROM escrow_holds h
                                               WHERE h.repair_job_id = j.id AND h.status = 'released')
                                  THEN 'closed' ELSE 'confirmed' END END,
             'system:migration', 'the repair job lifecycle'
      FROM repair_jobs j WHERE j.status IN ('paid','completed')`);
    await q.query(`
      UPDATE repair_jobs j SET
        status = h.to_status,
        confirmed_at = CASE WHEN h.to_status IN ('confirmed','closed') THEN j.completed_at END,
        closed_at = CASE WHEN h.to_status = 'closed' THEN now() END
      FROM repair_job_history h
      WHERE h.repair_job_id = j.id AND h.event = 'migrate'`);
    await q.query(`ALTER TABLE repair_jobs DROP COLUMN completed_at`);
    await q.query(`
      ALTER TABLE repair_jobs
        ADD CONSTRAINT repair_jobs_status_check CHECK (status IN ('awaiting_assignment','assigned',
          'en_route','arrived','diagnosing','quoted','awaiting_payment','in_progress','done',
          'confirmed','closed','cancelled')),
        ADD CONSTRAINT repair_jobs_technician_check CHECK (
          status IN ('awaiting_assignment','cancelled') OR technician_id IS NOT NULL),
        ADD CONSTRAINT repair_jobs_amount_check CHECK (
          status IN ('awaiting_assignment','assigned','en_route','arrived','diagnosing','quoted',
                     'cancelled') OR amount_paise IS NOT NULL),
        ADD CONSTRAINT repair_jobs_window_check CHECK (preferred_to IS NULL OR preferred_from IS NULL
          OR preferred_to > preferred_from)`);
    await q.query(
      `CREATE INDEX repair_jobs_technician_idx ON repair_jobs (technician_id, updated_at)
         WHERE technician_id IS NOT NULL`,
    );
    await q.query(
      `CREATE INDEX repair_jobs_done_idx ON repair_jobs (done_at) WHERE status = 'done'`,
    );

    await q.query(`
      CREATE TABLE repair_quotes (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        repair_job_id uuid NOT NULL REFERENCES repair_jobs(id),
        technician_id uuid NOT NULL REFERENCES users(id),
        -- [{kind: labour|parts, description, quantity, unitPaise, gstRateBps, taxablePaise, gstPaise}]
        lines jsonb NOT NULL CHECK (jsonb_typeof(lines) = 'array' AND jsonb_array_length(lines) > 0),
        taxable_paise bigint NOT NULL CHECK (taxable_paise > 0),
        gst_paise bigint NOT NULL CHECK (gst_paise >= 0),
        total_paise bigint NOT NULL CHECK (total_paise = taxable_paise + gst_paise),
        note text,
        status text NOT NULL DEFAULT 'proposed'
          CHECK (status IN ('proposed','approved','rejected','superseded')),
        decided_at timestamptz,
        decision_reason text,
        created_at timestamptz NOT NULL DEFAULT now(),
        CHECK ((status = 'proposed') = (decided_at IS NULL))
      )`);
    await q.query(
      `CREATE UNIQUE INDEX repair_quotes_open_idx ON repair_quotes (repair_job_id)
         WHERE status IN ('proposed','approved')`,
    );
    await q.query(
      `CREATE INDEX repair_quotes_job_idx ON repair_quotes (repair_job_id, created_at)`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE repair_quotes`);
    await q.query(`DROP INDEX repair_jobs_technician_idx, repair_jobs_done_idx`);
    await q.query(`
      ALTER TABLE repair_jobs
        DROP CONSTRAINT repair_jobs_status_check,
        DROP CONSTRAINT repair_jobs_technician_check,
        DROP CONSTRAINT repair_jobs_amount_check,
        DROP CONSTRAINT repair_jobs_window_check,
        ADD COLUMN completed_at timestamptz`);
    await q.query(`
      UPDATE repair_jobs SET
        status = CASE WHEN status = 'in_progress' THEN 'paid'
                      WHEN status IN ('done','confirmed','closed') THEN 'completed'
                      WHEN status IN ('awaiting_payment','cancelled') THEN status
                      ELSE 'cancelled' END,
        completed_at = coalesce(confirmed_at, done_at)`);
    await q.query(`UPDATE repair_jobs SET amount_paise = 1 WHERE amount_paise IS NULL`);
    await q.query(`
      ALTER TABLE repair_jobs
        DROP COLUMN mode, DROP COLUMN device_brand, DROP COLUMN device_model, DROP COLUMN problem,
        DROP COLUMN location, DROP COLUMN address, DROP COLUMN preferred_from,
        DROP COLUMN preferred_to, DROP COLUMN assigned_at, DROP COLUMN done_at,
        DROP COLUMN confirmed_at, DROP COLUMN closed_at, DROP COLUMN cancelled_at,
        ALTER COLUMN amount_paise SET NOT NULL,
        ALTER COLUMN status SET DEFAULT 'awaiting_payment',
        ADD CONSTRAINT repair_jobs_status_check
          CHECK (status IN ('awaiting_payment','paid','completed','cancelled')),
        ADD CONSTRAINT repair_jobs_check
          CHECK (status = 'awaiting_payment' OR status = 'cancelled' OR technician_id IS NOT NULL)`);
  }
}
