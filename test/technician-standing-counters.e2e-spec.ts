/**
 * A technician's standing read from counters kept by triggers (migration TechnicianStandingCounters)
 * against the aggregates the standing was computed from before them, kept here as the oracle: after
 * each real change — a job completed over HTTP and one leaving the completed set, reviews sealed,
 * revealed by their pair or by the window closing, edited and hidden, offers accepted, declined,
 * expired by the matching timer's path and withdrawn, offers on either side of the 90-day window's
 * edge — the fragments the nearby list and matching compose (`rankingInputsSql`,
 * `acceptanceRateSql`) give exactly the oracle's figures, in the same statement (same clock).
 */
import { STANDING_COUNTERS_BACKFILL } from '../migrations/1764750000000-TechnicianStandingCounters.js';
import { RepairOffers } from '../src/matching/repair-offers.service.js';
import { acceptanceRateSql, decideOffer, insertOffer } from '../src/matching/offer-store.js';
import { TransactionRunner } from '../src/database/transaction.js';
import { rankingInputsSql } from '../src/ratings/technician-rankings.js';
import { QUIET_ENV, signInAs, type SignedIn } from './support/accounts.js';
import { finishedRepairJob } from './support/repairs.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { withClient } from './support/test-database.js';

/** The standing's aggregates as the fragments computed them before the counters. */
const ORACLE_INPUTS = `
  SELECT count(*)::int AS rating_count, coalesce(sum(r.stars), 0)::int AS sum_stars,
         count(*) FILTER (WHERE r.stars >= 4)::int AS positive,
         (SELECT count(*)::int FROM repair_jobs
           WHERE technician_id = $1::uuid AND status IN ('confirmed', 'closed')) AS completed_jobs
    FROM job_reviews r
   WHERE r.subject_id = $1::uuid AND r.direction = 'of_technician'
     AND (r.window_closes_at <= now() OR EXISTS (SELECT 1 FROM job_reviews o
          WHERE o.repair_job_id = r.repair_job_id AND o.direction <> r.direction))`;
const ORACLE_RATE = `
  (SELECT (count(*) FILTER (WHERE o.status = 'accepted'))::float8 / nullif(count(*), 0)
     FROM repair_offers o
    WHERE o.technician_id = $1::uuid AND o.status IN ('accepted','declined','expired')
      AND o.offered_at > now() - interval '90 days')`;

interface Inputs {
  rating_count: number;
  sum_stars: number;
  positive: number;
  completed_jobs: number;
}

describe('technicians’ standing kept as counters', () => {
  let t: TestApp;
  let admin: SignedIn;
  const sql = <T extends Record<string, unknown>>(text: string, params: unknown[] = []) =>
    withClient(t.db.ownerUrl, async (c) => (await c.query<T>(text, params)).rows);

  beforeAll(async () => {
    t = await startTestApp({ env: QUIET_ENV });
    admin = await signInAs(t, 'admin');
  });
  afterAll(() => t?.close());

  /** The standing from the counters and from the oracle, in one statement; they must agree. */
  const standing = async (technicianId: string) => {
    const [row] = await sql<{
      counted: Inputs;
      oracle: Inputs;
      rate: number | null;
      old_rate: number | null;
    }>(
      `SELECT row_to_json(c) AS counted, row_to_json(o) AS oracle,
              ${acceptanceRateSql('$1::uuid')} AS rate, ${ORACLE_RATE} AS old_rate
         FROM (${rankingInputsSql('$1::uuid')}) c, (${ORACLE_INPUTS}) o`,
      [technicianId],
    );
    expect(row!.counted).toEqual(row!.oracle);
    expect(row!.rate).toBe(row!.old_rate);
    return { ...row!.oracle, rate: row!.old_rate };
  };

  const completedJob = (customer: SignedIn, technician: SignedIn): Promise<string> =>
    finishedRepairJob(t, { customer, admin, technician });

  const review = async (who: SignedIn, repairJobId: string, stars: number) => {
    const res = await t.api.POST('/repairs/{repairJobId}/review', {
      params: { path: { repairJobId } },
      body: { stars, text: `${stars} stars` },
      headers: who.headers,
    });
    expect(res.response.status).toBe(201);
    return res.data!.id;
  };
  const reviewOfCustomer = async (who: SignedIn, repairJobId: string) => {
    const res = await t.api.POST('/repairs/{repairJobId}/customer-review', {
      params: { path: { repairJobId } },
      body: { stars: 4, text: 'paid on time' },
      headers: who.headers,
    });
    expect(res.response.status).toBe(201);
  };

  it('ratings and completed jobs: sealed, revealed by the pair or the window closing, edited, hidden; a job leaving the completed set', async () => {
    const customer = await signInAs(t, 'customer');
    const technician = await signInAs(t, 'technician', { technicianKind: 'hardware' });
    const other = await signInAs(t, 'technician', { technicianKind: 'hardware' });
    expect(await standing(technician.userId)).toMatchObject({ rating_count: 0, completed_jobs: 0 });

    const first = await completedJob(customer, technician);
    expect(await standing(technician.userId)).toMatchObject({ rating_count: 0, completed_jobs: 1 });

    // Sealed until the technician's review of the customer is in.
    await review(customer, first, 5);
    expect(await standing(technician.userId)).toMatchObject({ rating_count: 0 });
    await reviewOfCustomer(technician, first);
    expect(await standing(technician.userId)).toMatchObject({
      rating_count: 1,
      sum_stars: 5,
      positive: 1,
    });

    // A lone review, edited while sealed, then revealed by its window closing (no write: the clock).
    const second = await completedJob(customer, technician);
    await review(customer, second, 4);
    const edited = await t.api.PATCH('/repairs/{repairJobId}/review', {
      params: { path: { repairJobId: second } },
      body: { stars: 2, text: 'late' },
      headers: customer.headers,
    });
    expect(edited.data?.stars).toBe(2);
    expect(await standing(technician.userId)).toMatchObject({ rating_count: 1, completed_jobs: 2 });
    await sql(
      `UPDATE job_reviews SET submitted_at = submitted_at - interval '15 days',
              window_closes_at = window_closes_at - interval '15 days' WHERE repair_job_id = $1`,
      [second],
    );
    expect(await standing(technician.userId)).toMatchObject({
      rating_count: 2,
      sum_stars: 7,
      positive: 1,
    });

    // Staff hide the text, never the stars: the rating still counts.
    const third = await completedJob(customer, technician);
    const abusive = await review(customer, third, 1);
    await reviewOfCustomer(technician, third);
    const hidden = await t.api.POST('/admin/reviews/{reviewId}/hide', {
      params: { path: { reviewId: abusive } },
      body: { reason: 'abusive language' },
      headers: admin.headers,
    });
    expect(hidden.response.status).toBe(200);
    expect(await standing(technician.userId)).toMatchObject({
      rating_count: 3,
      sum_stars: 8,
      completed_jobs: 3,
    });

    // A job leaves the completed set (back to done), then moves to another technician, closed.
    await sql(`UPDATE repair_jobs SET status = 'done' WHERE id = $1`, [third]);
    expect(await standing(technician.userId)).toMatchObject({ completed_jobs: 2 });
    await sql(`UPDATE repair_jobs SET status = 'closed', technician_id = $2 WHERE id = $1`, [
      third,
      other.userId,
    ]);
    expect(await standing(technician.userId)).toMatchObject({ completed_jobs: 2 });
    expect(await standing(other.userId)).toMatchObject({ completed_jobs: 1, rating_count: 0 });
    await sql(`UPDATE repair_jobs SET technician_id = $2 WHERE id = $1`, [
      third,
      technician.userId,
    ]);
    expect(await standing(technician.userId)).toMatchObject({ completed_jobs: 3 });
    expect(await standing(other.userId)).toMatchObject({ completed_jobs: 0 });
  });

  it('acceptance rate: accepted, declined, expired by the timer’s path, withdrawn; the 90-day window’s edge', async () => {
    const customer = await signInAs(t, 'customer');
    const technician = await signInAs(t, 'technician', { technicianKind: 'hardware' });
    const runner = t.app.get(TransactionRunner);
    /** A hardware job left matching (no workers here), offered to the technician. */
    const offer = async () => {
      const job = await t.api.POST('/repairs', {
        body: {
          kind: 'hardware',
          mode: 'offline',
          location: { lat: 28.6139, lng: 77.209 },
          deviceBrand: 'Samsung',
          deviceModel: 'Galaxy M31',
          problem: 'cracked screen',
        },
        headers: customer.headers,
      });
      expect(job.data?.status).toBe('matching');
      return runner.run(
        async (tx) =>
          (
            await insertOffer(tx, {
              jobId: job.data!.id,
              technicianId: technician.userId,
              position: 1,
              preferred: false,
              distanceM: 900,
              radiusKm: 5,
              bayesianAverage: 3.5,
              acceptanceRate: null,
              load: 0,
              score: 0.5,
              ttlSeconds: 600,
            })
          ).id,
      );
    };
    const decide = (id: string, status: 'accepted' | 'declined' | 'withdrawn') =>
      runner.run((tx) => decideOffer(tx, id, status, status === 'withdrawn' ? 'test' : null));
    const offeredAt = (id: string, at: string) =>
      sql(
        `UPDATE repair_offers SET offered_at = ${at}, expires_at = ${at} + interval '10 minutes'
          WHERE id = $1`,
        [id],
      );

    const accepted = await offer();
    expect(await standing(technician.userId)).toMatchObject({ rate: null });
    await decide(accepted, 'accepted');
    expect(await standing(technician.userId)).toMatchObject({ rate: 1 });
    const declined = await offer();
    await decide(declined, 'declined');
    expect(await standing(technician.userId)).toMatchObject({ rate: 0.5 });
    const withdrawn = await offer();
    await decide(withdrawn, 'withdrawn');
    expect(await standing(technician.userId)).toMatchObject({ rate: 0.5 });

    // Expiry through the timer's path, once due by the database clock.
    const expired = await offer();
    await sql(
      `UPDATE repair_offers SET offered_at = clock_timestamp() - interval '1 minute',
              expires_at = clock_timestamp() - interval '1 second' WHERE id = $1`,
      [expired],
    );
    await t.app.get(RepairOffers).expire(expired);
    expect((await sql(`SELECT status FROM repair_offers WHERE id = $1`, [expired]))[0]).toEqual({
      status: 'expired',
    });
    expect(await standing(technician.userId)).toMatchObject({ rate: 1 / 3 });

    // The window's edge w = now() - 90 days: its day (UTC) is read from the offers, later days
    // from the counters. The accepted offer just inside w, the declined one at the start of w's
    // day (outside), the expired one at the start of the next day (inside).
    const w = `(now() - interval '90 days')`;
    const day = (plus: number) =>
      `((${w} AT TIME ZONE 'UTC')::date + ${plus})::timestamp AT TIME ZONE 'UTC'`;
    const wDay = day(0);
    await offeredAt(accepted, `${w} + interval '10 seconds'`);
    await offeredAt(declined, wDay);
    await offeredAt(expired, day(1));
    expect(await standing(technician.userId)).toMatchObject({ rate: 0.5 });
    // The accepted one just outside w (same day): only the expired one is left.
    await offeredAt(accepted, `${w} - interval '10 seconds'`);
    expect(await standing(technician.userId)).toMatchObject({ rate: 0 });
    // All of them a day older: none left.
    await offeredAt(expired, wDay);
    expect(await standing(technician.userId)).toMatchObject({ rate: null });
    await offeredAt(expired, `${w} + interval '5 seconds'`);
    expect(await standing(technician.userId)).toMatchObject({ rate: 0 });
  });

  it('every counter equals its aggregate over the whole database, as the migration’s backfill computes it', async () => {
    expect(
      await sql(`
        (SELECT subject_id, count(*)::int AS reviews, sum(stars)::int AS sum_stars,
                (count(*) FILTER (WHERE stars >= 4))::int AS positive
           FROM job_reviews WHERE direction = 'of_technician' GROUP BY subject_id
         EXCEPT SELECT subject_id, reviews, sum_stars, positive FROM job_review_star_counts)
        UNION ALL
        (SELECT subject_id, reviews, sum_stars, positive FROM job_review_star_counts
          WHERE reviews > 0
         EXCEPT SELECT subject_id, count(*)::int, sum(stars)::int,
                (count(*) FILTER (WHERE stars >= 4))::int
           FROM job_reviews WHERE direction = 'of_technician' GROUP BY subject_id)`),
    ).toEqual([]);
    expect(
      await sql(`
        (SELECT technician_id, count(*)::int AS completed FROM repair_jobs
          WHERE technician_id IS NOT NULL AND status IN ('confirmed','closed') GROUP BY 1
         EXCEPT SELECT technician_id, completed FROM repair_job_completed_counts)
        UNION ALL
        (SELECT technician_id, completed FROM repair_job_completed_counts WHERE completed > 0
         EXCEPT SELECT technician_id, count(*)::int FROM repair_jobs
          WHERE technician_id IS NOT NULL AND status IN ('confirmed','closed') GROUP BY 1)`),
    ).toEqual([]);
    expect(
      await sql(`
        (SELECT technician_id, (offered_at AT TIME ZONE 'UTC')::date AS day, count(*)::int AS answered,
                (count(*) FILTER (WHERE status = 'accepted'))::int AS accepted
           FROM repair_offers WHERE status IN ('accepted','declined','expired') GROUP BY 1, 2
         EXCEPT SELECT technician_id, day, answered, accepted FROM repair_offer_answer_days)
        UNION ALL
        (SELECT technician_id, day, answered, accepted FROM repair_offer_answer_days
          WHERE answered > 0
         EXCEPT SELECT technician_id, (offered_at AT TIME ZONE 'UTC')::date, count(*)::int,
                (count(*) FILTER (WHERE status = 'accepted'))::int
           FROM repair_offers WHERE status IN ('accepted','declined','expired') GROUP BY 1, 2)`),
    ).toEqual([]);
    // The migration's backfill, replayed over the same data (and rolled back), gives the counters
    // the triggers kept (less the rows they left at zero).
    const counters = `SELECT 'reviews' AS t, subject_id::text AS id, NULL::date AS day,
                             ARRAY[reviews, sum_stars, positive] AS n
                        FROM job_review_star_counts WHERE reviews > 0
                      UNION ALL SELECT 'completed', technician_id::text, NULL, ARRAY[completed]
                        FROM repair_job_completed_counts WHERE completed > 0
                      UNION ALL SELECT 'offers', technician_id::text, day, ARRAY[answered, accepted]
                        FROM repair_offer_answer_days WHERE answered > 0
                      ORDER BY 1, 2, 3`;
    const kept = await sql(counters);
    const backfilled = await withClient(t.db.ownerUrl, async (c) => {
      await c.query('BEGIN');
      try {
        await c.query(
          `DELETE FROM job_review_star_counts; DELETE FROM repair_job_completed_counts;
           DELETE FROM repair_offer_answer_days`,
        );
        for (const statement of STANDING_COUNTERS_BACKFILL) await c.query(statement);
        return (await c.query(counters)).rows;
      } finally {
        await c.query('ROLLBACK');
      }
    });
    expect(backfilled).toEqual(kept);
    expect(kept.map((r) => r.t)).toEqual(
      expect.arrayContaining(['reviews', 'completed', 'offers']),
    );
    // The test above left counters behind (not vacuous).
    expect(
      (
        await sql<{ n: number }>(
          `SELECT count(*)::int AS n FROM repair_offer_answer_days WHERE answered > 0`,
        )
      )[0]!.n,
    ).toBeGreaterThan(0);
  });
});
