import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A technician's standing (the nearby list, matching's ranking) kept as counters, so reading it is a
 * few primary-key reads whatever the technician's history. Row triggers on the source tables keep
 * each counter exact in the transaction of the change, whichever path writes; each counter table
 * belongs to its source table's module.
 *
 * - `job_review_star_counts` (ratings): per technician, every customer's review of it (`of_technician`)
 *   — count, sum of stars, positives (4 or 5 stars) — revealed or not. Whether a review is revealed
 *   is decided on read by the clock (its window closed, or both of the job's reviews are in), so no
 *   write marks it; the reader takes away the reviews still sealed (window open, no pair), which
 *   are only the last window's (`job_reviews_sealed_idx`). Hidden text changes no stars: hidden
 *   reviews count, as before.
 * - `repair_job_completed_counts` (repairs): per technician, its jobs in `status IN ('confirmed',
 *   'closed')` (`COMPLETED_JOB` of src/repairs/repair-job-store.ts).
 * - `repair_offer_answer_days` (matching): per technician and UTC day of `offered_at`, its offers
 *   accepted, declined or expired (`answered`) and accepted; a 90-day acceptance rate sums at most
 *   91 rows, reading the window's first, partly covered day from `repair_offers`.
 *
 * The triggers are created before the backfill: creating one locks its table against writes until
 * this migration commits, so no change falls between the backfill and the triggers.
 */
/** The counters from the source tables (the migration's backfill; the e2e test replays it). */
export const STANDING_COUNTERS_BACKFILL = [
  `INSERT INTO job_review_star_counts (subject_id, reviews, sum_stars, positive)
   SELECT subject_id, count(*), sum(stars), count(*) FILTER (WHERE stars >= 4)
     FROM job_reviews WHERE direction = 'of_technician' GROUP BY subject_id`,
  `INSERT INTO repair_job_completed_counts (technician_id, completed)
   SELECT technician_id, count(*) FROM repair_jobs
    WHERE technician_id IS NOT NULL AND status IN ('confirmed','closed') GROUP BY technician_id`,
  `INSERT INTO repair_offer_answer_days (technician_id, day, answered, accepted)
   SELECT technician_id, (offered_at AT TIME ZONE 'UTC')::date, count(*),
          count(*) FILTER (WHERE status = 'accepted')
     FROM repair_offers WHERE status IN ('accepted','declined','expired') GROUP BY 1, 2`,
];

export class TechnicianStandingCounters1764750000000 implements MigrationInterface {
  name = 'TechnicianStandingCounters1764750000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE job_review_star_counts (
        subject_id uuid PRIMARY KEY REFERENCES users(id),
        reviews int NOT NULL CHECK (reviews >= 0),
        sum_stars int NOT NULL CHECK (sum_stars >= 0),
        positive int NOT NULL CHECK (positive >= 0)
      )`);
    await q.query(`
      CREATE TABLE repair_job_completed_counts (
        technician_id uuid PRIMARY KEY REFERENCES users(id),
        completed int NOT NULL CHECK (completed >= 0)
      )`);
    await q.query(`
      CREATE TABLE repair_offer_answer_days (
        technician_id uuid NOT NULL REFERENCES users(id),
        day date NOT NULL,
        answered int NOT NULL CHECK (answered >= 0),
        accepted int NOT NULL CHECK (accepted BETWEEN 0 AND answered),
        PRIMARY KEY (technician_id, day)
      )`);
    await q.query(`
      CREATE INDEX job_reviews_sealed_idx ON job_reviews (subject_id, window_closes_at)
        WHERE direction = 'of_technician'`);

    await q.query(`
      CREATE FUNCTION job_review_star_counts_keep() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP IN ('UPDATE','DELETE') AND OLD.direction = 'of_technician' THEN
          UPDATE job_review_star_counts
             SET reviews = reviews - 1, sum_stars = sum_stars - OLD.stars,
                 positive = positive - (OLD.stars >= 4)::int
           WHERE subject_id = OLD.subject_id;
        END IF;
        IF TG_OP IN ('INSERT','UPDATE') AND NEW.direction = 'of_technician' THEN
          INSERT INTO job_review_star_counts (subject_id, reviews, sum_stars, positive)
          VALUES (NEW.subject_id, 1, NEW.stars, (NEW.stars >= 4)::int)
          ON CONFLICT (subject_id) DO UPDATE
            SET reviews = job_review_star_counts.reviews + 1,
                sum_stars = job_review_star_counts.sum_stars + EXCLUDED.sum_stars,
                positive = job_review_star_counts.positive + EXCLUDED.positive;
        END IF;
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE TRIGGER job_review_star_counts_keep
      AFTER INSERT OR DELETE OR UPDATE OF direction, subject_id, stars ON job_reviews
      FOR EACH ROW EXECUTE FUNCTION job_review_star_counts_keep()`);

    await q.query(`
      CREATE FUNCTION repair_job_completed_counts_keep() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP IN ('UPDATE','DELETE') AND OLD.technician_id IS NOT NULL
           AND OLD.status IN ('confirmed','closed') THEN
          UPDATE repair_job_completed_counts SET completed = completed - 1
           WHERE technician_id = OLD.technician_id;
        END IF;
        IF TG_OP IN ('INSERT','UPDATE') AND NEW.technician_id IS NOT NULL
           AND NEW.status IN ('confirmed','closed') THEN
          INSERT INTO repair_job_completed_counts (technician_id, completed)
          VALUES (NEW.technician_id, 1)
          ON CONFLICT (technician_id) DO UPDATE
            SET completed = repair_job_completed_counts.completed + 1;
        END IF;
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE TRIGGER repair_job_completed_counts_keep
      AFTER INSERT OR DELETE OR UPDATE OF status, technician_id ON repair_jobs
      FOR EACH ROW EXECUTE FUNCTION repair_job_completed_counts_keep()`);

    await q.query(`
      CREATE FUNCTION repair_offer_answer_days_keep() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP IN ('UPDATE','DELETE') AND OLD.status IN ('accepted','declined','expired') THEN
          UPDATE repair_offer_answer_days
             SET answered = answered - 1, accepted = accepted - (OLD.status = 'accepted')::int
           WHERE technician_id = OLD.technician_id
             AND day = (OLD.offered_at AT TIME ZONE 'UTC')::date;
        END IF;
        IF TG_OP IN ('INSERT','UPDATE') AND NEW.status IN ('accepted','declined','expired') THEN
          INSERT INTO repair_offer_answer_days (technician_id, day, answered, accepted)
          VALUES (NEW.technician_id, (NEW.offered_at AT TIME ZONE 'UTC')::date, 1,
                  (NEW.status = 'accepted')::int)
          ON CONFLICT (technician_id, day) DO UPDATE
            SET answered = repair_offer_answer_days.answered + 1,
                accepted = repair_offer_answer_days.accepted + EXCLUDED.accepted;
        END IF;
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE TRIGGER repair_offer_answer_days_keep
      AFTER INSERT OR DELETE OR UPDATE OF status, technician_id, offered_at ON repair_offers
      FOR EACH ROW EXECUTE FUNCTION repair_offer_answer_days_keep()`);

    for (const statement of STANDING_COUNTERS_BACKFILL) await q.query(statement);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TRIGGER repair_offer_answer_days_keep ON repair_offers`);
    await q.query(`DROP TRIGGER repair_job_completed_counts_keep ON repair_jobs`);
    await q.query(`DROP TRIGGER job_review_star_counts_keep ON job_reviews`);
    await q.query(`DROP FUNCTION repair_offer_answer_days_keep()`);
    await q.query(`DROP FUNCTION repair_job_completed_counts_keep()`);
    await q.query(`DROP FUNCTION job_review_star_counts_keep()`);
    await q.query(`DROP INDEX job_reviews_sealed_idx`);
    await q.query(`DROP TABLE repair_offer_answer_days`);
    await q.query(`DROP TABLE repair_job_completed_counts`);
    await q.query(`DROP TABLE job_review_star_counts`);
  }
}
