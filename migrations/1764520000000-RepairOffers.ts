import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Hardware auto-matching (src/matching/): a hardware job is created `matching` and offered to nearby
 * technicians one at a time; `exhaust` sends it to the admin queue (`awaiting_assignment`).
 *
 * - `repair_jobs`: the status `matching` (no technician, no amount, like `awaiting_assignment`).
 * - `repair_offers`: one row per technician offered a job (at most once per job), with the inputs
 *   its score was computed from; `offered` until accepted, declined, expired (its `expires_at`
 *   passed, by the database clock) or withdrawn (the job left matching, the technician became
 *   unavailable, or an implausible location refused the acceptance: `withdrawn_reason`). At most
 *   one open offer per job.
 */
export class RepairOffers1764520000000 implements MigrationInterface {
  name = 'RepairOffers1764520000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE repair_jobs
        DROP CONSTRAINT repair_jobs_status_check,
        DROP CONSTRAINT repair_jobs_technician_check,
        DROP CONSTRAINT repair_jobs_amount_check`);
    await q.query(`
      ALTER TABLE repair_jobs
        ADD CONSTRAINT repair_jobs_status_check CHECK (status IN ('matching','awaiting_assignment',
          'assigned','en_route','arrived','diagnosing','quoted','awaiting_payment','in_progress',
          'done','confirmed','closed','cancelled')),
        ADD CONSTRAINT repair_jobs_technician_check CHECK (
          status IN ('matching','awaiting_assignment','cancelled') OR technician_id IS NOT NULL),
        ADD CONSTRAINT repair_jobs_amount_check CHECK (
          status IN ('matching','awaiting_assignment','assigned','en_route','arrived','diagnosing',
                     'quoted','cancelled') OR amount_paise IS NOT NULL)`);
    await q.query(`
      CREATE TABLE repair_offers (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        repair_job_id uuid NOT NULL REFERENCES repair_jobs(id),
        technician_id uuid NOT NULL REFERENCES users(id),
        status text NOT NULL DEFAULT 'offered'
          CHECK (status IN ('offered','accepted','declined','expired','withdrawn')),
        -- 1 for the job's first offer, 2 for the next, ...
        position int NOT NULL CHECK (position >= 1),
        preferred boolean NOT NULL DEFAULT false,
        -- The score's inputs (README "Hardware auto-match") and the score.
        distance_m int NOT NULL CHECK (distance_m >= 0),
        radius_km int NOT NULL CHECK (radius_km >= 1),
        bayesian_average double precision NOT NULL,
        acceptance_rate double precision CHECK (acceptance_rate BETWEEN 0 AND 1),
        load int NOT NULL CHECK (load >= 0),
        score double precision NOT NULL,
        offered_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        expires_at timestamptz NOT NULL,
        decided_at timestamptz,
        withdrawn_reason text,
        CHECK (expires_at > offered_at),
        CHECK ((status = 'offered') = (decided_at IS NULL)),
        CHECK ((status = 'withdrawn') = (withdrawn_reason IS NOT NULL)),
        UNIQUE (repair_job_id, technician_id),
        UNIQUE (repair_job_id, position)
      )`);
    await q.query(
      `CREATE UNIQUE INDEX repair_offers_open_idx ON repair_offers (repair_job_id)
         WHERE status = 'offered'`,
    );
    await q.query(
      `CREATE INDEX repair_offers_technician_idx ON repair_offers (technician_id, offered_at)`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE repair_offers`);
    await q.query(
      `UPDATE repair_jobs SET status = 'awaiting_assignment' WHERE status = 'matching'`,
    );
    await q.query(`
      ALTER TABLE repair_jobs
        DROP CONSTRAINT repair_jobs_status_check,
        DROP CONSTRAINT repair_jobs_technician_check,
        DROP CONSTRAINT repair_jobs_amount_check`);
    await q.query(`
      ALTER TABLE repair_jobs
        ADD CONSTRAINT repair_jobs_status_check CHECK (status IN ('awaiting_assignment','assigned',
          'en_route','arrived','diagnosing','quoted','awaiting_payment','in_progress','done',
          'confirmed','closed','cancelled')),
        ADD CONSTRAINT repair_jobs_technician_check CHECK (
          status IN ('awaiting_assignment','cancelled') OR technician_id IS NOT NULL),
        ADD CONSTRAINT repair_jobs_amount_check CHECK (
          status IN ('awaiting_assignment','assigned','en_route','arrived','diagnosing','quoted',
                     'cancelled') OR amount_paise IS NOT NULL)`);
  }
}
