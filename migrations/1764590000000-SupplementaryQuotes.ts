import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Supplementary quotes (the repair-services issue: "supplementary quotes during work are new
 * payments into the same job"): while a paid job is in progress its technician may quote more work;
 * the customer approves or declines it; an approved supplement is paid like the first quote, and its
 * capture holds a new escrow hold for the same job and technician.
 *
 * - `repair_quotes.supplementary`: quoted while the job is in progress (false: the job's first
 *   quote). At most one first quote proposed or approved per job (as before) and at most one
 *   supplement proposed, or approved and not paid yet. `paid_at` and `payment_reference` (the gateway
 *   payment): when an approved quote was paid; backfilled for the approved quotes of paid jobs.
 * - `repair_jobs.supplement_due_paise`: the approved supplement not paid yet (null: none; only while
 *   in progress); `supplements_paid_paise`: what the paid supplements added to the job.
 * - `escrow_holds`: a repair job has one hold per payment (its first quote's, then each
 *   supplement's), no longer at most one; `repair_quote_id` names the quote a hold pays (at most one
 *   hold per quote; backfilled with the job's approved quote). Ledger keys: the first hold keeps
 *   `hold:job:<jobId>`, the n-th is `hold:job:<jobId>:<n>`.
 * - `refunds`: a repair job's cancellation and partial refunds are one per payment (the existing
 *   `refunds_payment_kind_idx`), no longer one per job.
 *
 * `down` undoes it while no job has a supplementary quote.
 */
export class SupplementaryQuotes1764590000000 implements MigrationInterface {
  name = 'SupplementaryQuotes1764590000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE repair_quotes
        ADD COLUMN supplementary boolean NOT NULL DEFAULT false,
        ADD COLUMN paid_at timestamptz,
        ADD COLUMN payment_reference text,
        ADD CONSTRAINT repair_quotes_paid_check CHECK (
          (paid_at IS NULL) = (payment_reference IS NULL) AND (paid_at IS NULL OR status = 'approved'))`);
    await q.query(`
      UPDATE repair_quotes q SET paid_at = j.paid_at, payment_reference = j.payment_reference
        FROM repair_jobs j
       WHERE j.id = q.repair_job_id AND q.status = 'approved' AND j.paid_at IS NOT NULL`);
    await q.query(`DROP INDEX repair_quotes_open_idx`);
    await q.query(
      `CREATE UNIQUE INDEX repair_quotes_open_idx ON repair_quotes (repair_job_id)
         WHERE NOT supplementary AND status IN ('proposed','approved')`,
    );
    await q.query(
      `CREATE UNIQUE INDEX repair_quotes_open_supplement_idx ON repair_quotes (repair_job_id)
         WHERE supplementary AND (status = 'proposed' OR (status = 'approved' AND paid_at IS NULL))`,
    );
    await q.query(`
      ALTER TABLE repair_jobs
        ADD COLUMN supplement_due_paise bigint CHECK (supplement_due_paise > 0),
        ADD COLUMN supplements_paid_paise bigint NOT NULL DEFAULT 0
          CHECK (supplements_paid_paise >= 0),
        ADD CONSTRAINT repair_jobs_supplement_check
          CHECK (supplement_due_paise IS NULL OR status = 'in_progress')`);

    await q.query(`
      ALTER TABLE escrow_holds
        DROP CONSTRAINT escrow_holds_repair_job_id_key,
        ADD COLUMN repair_quote_id uuid REFERENCES repair_quotes(id),
        ADD CONSTRAINT escrow_holds_repair_quote_check
          CHECK (repair_quote_id IS NULL OR repair_job_id IS NOT NULL)`);
    await q.query(`
      UPDATE escrow_holds h SET repair_quote_id = q.id
        FROM repair_quotes q
       WHERE q.repair_job_id = h.repair_job_id AND q.status = 'approved'`);
    await q.query(
      `CREATE INDEX escrow_holds_repair_job_idx ON escrow_holds (repair_job_id, created_at)
         WHERE repair_job_id IS NOT NULL`,
    );
    await q.query(
      `CREATE UNIQUE INDEX escrow_holds_repair_quote_idx ON escrow_holds (repair_quote_id)
         WHERE repair_quote_id IS NOT NULL`,
    );
    await q.query(`DROP INDEX refunds_repair_job_idx`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE UNIQUE INDEX refunds_repair_job_idx ON refunds (repair_job_id)
         WHERE repair_job_id IS NOT NULL AND kind IN ('cancellation','partial')`,
    );
    await q.query(`DROP INDEX escrow_holds_repair_quote_idx, escrow_holds_repair_job_idx`);
    await q.query(`
      ALTER TABLE escrow_holds
        DROP CONSTRAINT escrow_holds_repair_quote_check,
        DROP COLUMN repair_quote_id,
        ADD CONSTRAINT escrow_holds_repair_job_id_key UNIQUE (repair_job_id)`);
    await q.query(`
      ALTER TABLE repair_jobs
        DROP CONSTRAINT repair_jobs_supplement_check,
        DROP COLUMN supplements_paid_paise,
        DROP COLUMN supplement_due_paise`);
    await q.query(`DROP INDEX repair_quotes_open_supplement_idx, repair_quotes_open_idx`);
    await q.query(
      `CREATE UNIQUE INDEX repair_quotes_open_idx ON repair_quotes (repair_job_id)
         WHERE status IN ('proposed','approved')`,
    );
    await q.query(`
      ALTER TABLE repair_quotes
        DROP CONSTRAINT repair_quotes_paid_check,
        DROP COLUMN payment_reference,
        DROP COLUMN paid_at,
        DROP COLUMN supplementary`);
  }
}
