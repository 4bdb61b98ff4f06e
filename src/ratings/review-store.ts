/**
 * The ratings' SQL (`job_reviews`, `job_review_history`): the only place that touches them. Whether a
 * review is revealed is decided on read, by the database clock: both of its job's reviews are in, or
 * its window has closed.
 */
import type { EntityManager } from 'typeorm';
import { cursorFields, encodeCursor, parseKeysetCursor } from '../common/pagination.js';
import { execute } from '../database/sql.js';
import type { ReviewDirection, ReviewFlag } from './domain/review-rules.js';

export interface ReviewRow {
  id: string;
  repair_job_id: string;
  direction: ReviewDirection;
  author_id: string;
  subject_id: string;
  stars: number;
  body: string;
  window_closes_at: Date;
  submitted_at: Date;
  edited_at: Date | null;
  hidden_at: Date | null;
  hidden_reason: string | null;
  flags: ReviewFlag[];
  /** The job's other review is in. */
  both_in: boolean;
  /** The database clock of the reading statement. */
  now: Date;
  /** Keyset position (`submitted_at::text`). */
  position: string;
}

const COLUMNS = `r.id::text AS id, r.repair_job_id::text AS repair_job_id, r.direction,
  r.author_id::text AS author_id, r.subject_id::text AS subject_id, r.stars, r.body,
  r.window_closes_at, r.submitted_at, r.edited_at, r.hidden_at, r.hidden_reason, r.flags,
  EXISTS (SELECT 1 FROM job_reviews o
          WHERE o.repair_job_id = r.repair_job_id AND o.direction <> r.direction) AS both_in,
  now() AS now, r.submitted_at::text AS position`;

const REVEALED = `(r.window_closes_at <= now() OR EXISTS (SELECT 1 FROM job_reviews o
  WHERE o.repair_job_id = r.repair_job_id AND o.direction <> r.direction))`;

export async function databaseNow(tx: EntityManager): Promise<Date> {
  const { rows } = await execute<{ now: Date }>(tx, 'SELECT now() AS now');
  return rows[0]!.now;
}

export async function reviewsOfJob(tx: EntityManager, jobId: string): Promise<ReviewRow[]> {
  const { rows } = await execute<ReviewRow>(
    tx,
    `SELECT ${COLUMNS} FROM job_reviews r WHERE r.repair_job_id = $1 ORDER BY r.direction`,
    [jobId],
  );
  return rows;
}

/** The new review, or null when the job already has one in this direction. */
export async function insertReview(
  tx: EntityManager,
  r: {
    jobId: string;
    direction: ReviewDirection;
    authorId: string;
    subjectId: string;
    stars: number;
    text: string;
    windowClosesAt: Date;
    flags: ReviewFlag[];
    authorNewAccount: boolean;
  },
): Promise<string | null> {
  const { rows } = await execute<{ id: string }>(
    tx,
    `INSERT INTO job_reviews (repair_job_id, direction, author_id, subject_id, stars, body,
       window_closes_at, flags, author_new_account)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
     ON CONFLICT (repair_job_id, direction) DO NOTHING RETURNING id::text AS id`,
    [
      r.jobId,
      r.direction,
      r.authorId,
      r.subjectId,
      r.stars,
      r.text,
      r.windowClosesAt,
      r.flags,
      r.authorNewAccount,
    ],
  );
  return rows[0]?.id ?? null;
}

/** Locks a review: by id, or by its job, direction and author. */
export async function lockReview(
  tx: EntityManager,
  by: { id: string } | { jobId: string; direction: ReviewDirection; authorId: string },
): Promise<ReviewRow | undefined> {
  const { rows } =
    'id' in by
      ? await execute<ReviewRow>(
          tx,
          `SELECT ${COLUMNS} FROM job_reviews r WHERE r.id = $1 FOR UPDATE`,
          [by.id],
        )
      : await execute<ReviewRow>(
          tx,
          `SELECT ${COLUMNS} FROM job_reviews r
           WHERE r.repair_job_id = $1 AND r.direction = $2 AND r.author_id = $3 FOR UPDATE`,
          [by.jobId, by.direction, by.authorId],
        );
  return rows[0];
}

export async function reviewById(tx: EntityManager, id: string): Promise<ReviewRow> {
  const { rows } = await execute<ReviewRow>(
    tx,
    `SELECT ${COLUMNS} FROM job_reviews r WHERE r.id = $1`,
    [id],
  );
  return rows[0]!;
}

export async function updateReview(
  tx: EntityManager,
  id: string,
  change: { stars: number; text: string } | { hiddenBy: string; reason: string },
): Promise<void> {
  if ('stars' in change)
    await execute(
      tx,
      `UPDATE job_reviews SET stars = $2, body = $3, edited_at = now() WHERE id = $1`,
      [id, change.stars, change.text],
    );
  else
    await execute(
      tx,
      `UPDATE job_reviews SET hidden_at = now(), hidden_by = $2, hidden_reason = $3 WHERE id = $1`,
      [id, change.hiddenBy, change.reason],
    );
}

/** One version of a review (as submitted, edited or hidden), who made it and, for a hide, why. */
export async function insertReviewHistory(
  tx: EntityManager,
  h: {
    reviewId: string;
    event: 'submit' | 'edit' | 'hide';
    stars: number;
    text: string;
    actorId: string;
    reason?: string;
  },
): Promise<void> {
  await execute(
    tx,
    `INSERT INTO job_review_history (review_id, event, stars, body, actor_id, reason)
     VALUES ($1, $2, $3, $4, $5, $6)`,
    [h.reviewId, h.event, h.stars, h.text, h.actorId, h.reason ?? null],
  );
}

/** Reviews of `technicianId` by new accounts within the last `hours`. */
export async function recentNewAccountReviewsOf(
  tx: EntityManager,
  technicianId: string,
  hours: number,
): Promise<number> {
  const { rows } = await execute<{ n: number }>(
    tx,
    `SELECT count(*)::int AS n FROM job_reviews
     WHERE subject_id = $1 AND direction = 'of_technician' AND author_new_account
       AND submitted_at > now() - make_interval(hours => $2)`,
    [technicianId, hours],
  );
  return rows[0]!.n;
}

const POSITION = { at: cursorFields.pgTimestamp, id: cursorFields.uuid };

async function page(
  tx: EntityManager,
  where: string,
  params: unknown[],
  limit: number,
  cursor: string | undefined,
): Promise<{ rows: ReviewRow[]; nextCursor?: string }> {
  const after = parseKeysetCursor(cursor, POSITION);
  const n = params.length;
  const { rows } = await execute<ReviewRow>(
    tx,
    `SELECT ${COLUMNS} FROM job_reviews r
     WHERE ${where} AND ($${n + 1}::timestamptz IS NULL OR (r.submitted_at, r.id) < ($${n + 1}, $${n + 2}::uuid))
     ORDER BY r.submitted_at DESC, r.id DESC LIMIT $${n + 3}`,
    [...params, after?.at ?? null, after?.id ?? null, limit + 1],
  );
  const more = rows.length > limit;
  const items = rows.slice(0, limit);
  const last = items.at(-1);
  return {
    rows: items,
    ...(more && last ? { nextCursor: encodeCursor({ at: last.position, id: last.id }) } : {}),
  };
}

/** A technician's revealed reviews by its customers, newest first. */
export function revealedReviewsOf(
  tx: EntityManager,
  technicianId: string,
  limit: number,
  cursor: string | undefined,
) {
  return page(
    tx,
    `r.subject_id = $1 AND r.direction = 'of_technician' AND ${REVEALED}`,
    [technicianId],
    limit,
    cursor,
  );
}

/** Flagged reviews, newest first (staff). */
export function flaggedReviews(tx: EntityManager, limit: number, cursor: string | undefined) {
  return page(tx, `r.flags <> '{}'`, [], limit, cursor);
}

export interface StarStats {
  count: number;
  sumStars: number;
  positive: number;
}

/**
 * Revealed customers' ratings of the technician whose id is the SQL expression `id`, as a
 * subquery of one row (`rating_count`, `sum_stars`, `positive`; zeros when none): composed into
 * one statement by the readers of rankings (`rankingInputsSql`). Its counters
 * (`job_review_star_counts`, kept by trigger) hold every submitted review; the ones still sealed
 * (window open, no pair: the last window's only) are taken away here, by the clock of the read.
 */
export const revealedStarStatsSql = (id: string) =>
  `SELECT (coalesce(c.reviews, 0) - s.n)::int AS rating_count,
          (coalesce(c.sum_stars, 0) - s.sum_stars)::int AS sum_stars,
          (coalesce(c.positive, 0) - s.positive)::int AS positive
     FROM (SELECT count(*) AS n, coalesce(sum(r.stars), 0) AS sum_stars,
                  count(*) FILTER (WHERE r.stars >= 4) AS positive
             FROM job_reviews r
            WHERE r.subject_id = ${id} AND r.direction = 'of_technician' AND NOT ${REVEALED}) s
     LEFT JOIN job_review_star_counts c ON c.subject_id = ${id}`;

/** Every revealed customers' rating on the platform. */
export async function platformStarStats(tx: EntityManager): Promise<StarStats> {
  const { rows } = await execute<StarStats>(
    tx,
    `SELECT count(*)::int AS count, coalesce(sum(r.stars), 0)::int AS "sumStars",
       count(*) FILTER (WHERE r.stars >= 4)::int AS positive
     FROM job_reviews r WHERE r.direction = 'of_technician' AND ${REVEALED}`,
  );
  return rows[0]!;
}
