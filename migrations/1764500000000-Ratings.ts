import type { MigrationInterface, QueryRunner } from 'typeorm';
import { makeAppendOnly } from './support/append-only.js';

/**
 * Ratings of completed repair jobs (src/ratings/): the customer's review of the technician and the
 * technician's review of the customer, one of each per job (`direction`), written within the job's
 * review window (`window_closes_at`, completion + 14 days, fixed at submission). A review is shown to
 * anyone but its author only once both of the job's reviews are in or the window has closed (blind
 * reveal, decided on read). Its author may edit it for 48 h (and not once revealed); staff may hide
 * its text (`hidden_*`, audited), never its stars. `flags` are the anti-abuse signals raised at
 * submission (staff's list; a flag never blocks). `author_new_account`: the author's account was new
 * when it wrote (the burst signal counts those).
 *
 * `job_review_history` keeps every version (submission, each edit, the hide): append-only.
 */
export class Ratings1764500000000 implements MigrationInterface {
  name = 'Ratings1764500000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE job_reviews (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        repair_job_id uuid NOT NULL REFERENCES repair_jobs(id),
        direction text NOT NULL CHECK (direction IN ('of_technician','of_customer')),
        author_id uuid NOT NULL REFERENCES users(id),
        subject_id uuid NOT NULL REFERENCES users(id),
        stars smallint NOT NULL CHECK (stars BETWEEN 1 AND 5),
        body text NOT NULL CHECK (length(body) BETWEEN 1 AND 2000),
        window_closes_at timestamptz NOT NULL,
        submitted_at timestamptz NOT NULL DEFAULT now(),
        edited_at timestamptz,
        hidden_at timestamptz,
        hidden_by uuid REFERENCES users(id),
        hidden_reason text CHECK (length(hidden_reason) BETWEEN 3 AND 1000),
        flags text[] NOT NULL DEFAULT '{}'
          CHECK (flags <@ ARRAY['burst','technician_device','technician_ip']::text[]),
        author_new_account boolean NOT NULL,
        UNIQUE (repair_job_id, direction),
        CHECK (author_id <> subject_id),
        CHECK (submitted_at < window_closes_at),
        CHECK ((hidden_at IS NULL) = (hidden_by IS NULL)),
        CHECK ((hidden_at IS NULL) = (hidden_reason IS NULL))
      )`);
    await q.query(
      `CREATE INDEX job_reviews_subject_idx ON job_reviews (subject_id, direction, submitted_at DESC, id)`,
    );
    await q.query(
      `CREATE INDEX job_reviews_flagged_idx ON job_reviews (submitted_at DESC, id) WHERE flags <> '{}'`,
    );
    await q.query(`
      CREATE TABLE job_review_history (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        review_id uuid NOT NULL REFERENCES job_reviews(id),
        event text NOT NULL CHECK (event IN ('submit','edit','hide')),
        stars smallint NOT NULL CHECK (stars BETWEEN 1 AND 5),
        body text NOT NULL,
        actor_id uuid NOT NULL REFERENCES users(id),
        reason text,
        created_at timestamptz NOT NULL DEFAULT now(),
        CHECK ((event = 'hide') = (reason IS NOT NULL))
      )`);
    await q.query(`CREATE INDEX job_review_history_idx ON job_review_history (review_id, id)`);
    await makeAppendOnly(q, 'job_review_history');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE job_review_history`);
    await q.query(`DROP TABLE job_reviews`);
  }
}
