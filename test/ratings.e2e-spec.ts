/**
 * Ratings of completed repair jobs against the real app and database: the customer's review of the
 * technician and the technician's of the customer within 14 days of completion, blind until both are
 * in or the window closes; edits for 48 h (history kept); staff hide abusive text (audited), never the
 * stars; anti-abuse flags (a burst of new accounts, the technician's own device or IP); the ranking
 * read by matching. Time moves by shifting the rows' timestamps back against the database clock.
 * Jobs walk the repair lifecycle over HTTP, are paid through the repairs module's payment port
 * (`RepairJobPayments`) and completed when their customer confirms them.
 */
import type { Role, TechnicianKind } from '../src/common/roles.js';
import { TransactionRunner } from '../src/database/transaction.js';
import { technicianRankings } from '../src/ratings/technician-rankings.js';
import { createAccount, login, QUIET_ENV } from './support/accounts.js';
import { approvedRepairJob, finishedRepairJob } from './support/repairs.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { withClient } from './support/test-database.js';

interface Actor {
  userId: string;
  email: string;
  ip: string;
  headers: Record<string, string>;
}

describe('ratings of repair jobs', () => {
  let t: TestApp;
  let admin: Actor;
  let origins = 0;

  const sql = <T extends Record<string, unknown>>(text: string, params: unknown[] = []) =>
    withClient(t.db.ownerUrl, async (c) => (await c.query<T>(text, params)).rows);

  /** An account signed in from its own IP and device (or the ones given), calling from there. */
  const actor = async (
    role: Role,
    opts: { technicianKind?: TechnicianKind; ip?: string; device?: string } = {},
  ): Promise<Actor> => {
    origins++;
    const ip = opts.ip ?? `10.20.${Math.floor(origins / 250)}.${(origins % 250) + 1}`;
    const origin = {
      'x-forwarded-for': ip,
      'x-device-fingerprint': opts.device ?? `device-${origins}`,
    };
    const a = await createAccount(t, role, { technicianKind: opts.technicianKind });
    const s = await login(t, a.email, undefined, origin);
    expect(s.status).toBe(200);
    return { userId: a.userId, email: a.email, ip, headers: { ...s.headers, ...origin } };
  };

  const job = (customer: Actor, technician: Actor, complete = true): Promise<string> =>
    finishedRepairJob(t, { customer, admin, technician }, complete);

  const review = (who: Actor, repairJobId: string, stars: number, text: string) =>
    t.api.POST('/repairs/{repairJobId}/review', {
      params: { path: { repairJobId } },
      body: { stars, text },
      headers: who.headers,
    });
  const customerReview = (who: Actor, repairJobId: string, stars: number, text: string) =>
    t.api.POST('/repairs/{repairJobId}/customer-review', {
      params: { path: { repairJobId } },
      body: { stars, text },
      headers: who.headers,
    });
  const editReview = (who: Actor, repairJobId: string, stars: number, text: string) =>
    t.api.PATCH('/repairs/{repairJobId}/review', {
      params: { path: { repairJobId } },
      body: { stars, text },
      headers: who.headers,
    });
  const jobReviews = (who: Actor, repairJobId: string) =>
    t.api.GET('/repairs/{repairJobId}/reviews', {
      params: { path: { repairJobId } },
      headers: who.headers,
    });
  const technicianReviews = async (who: Actor, technicianId: string) => {
    const res = await t.api.GET('/technicians/{technicianId}/reviews', {
      params: { path: { technicianId } },
      headers: who.headers,
    });
    expect(res.response.status).toBe(200);
    return res.data!.items;
  };
  const rankingOf = async (technicianId: string) =>
    (await t.app.get(TransactionRunner).run((tx) => technicianRankings(tx, [technicianId]))).get(
      technicianId,
    )!;
  /** Moves a job's completion and its reviews `days` into the past. */
  const ageJob = async (repairJobId: string, days: number) => {
    await sql(
      `UPDATE repair_jobs SET confirmed_at = confirmed_at - make_interval(days => $2) WHERE id = $1`,
      [repairJobId, days],
    );
    await sql(
      `UPDATE job_reviews SET submitted_at = submitted_at - make_interval(days => $2),
         window_closes_at = window_closes_at - make_interval(days => $2) WHERE repair_job_id = $1`,
      [repairJobId, days],
    );
  };

  beforeAll(async () => {
    t = await startTestApp({ env: { ...QUIET_ENV, HTTP_TRUST_PROXY: 'true', FRAUD_CHECKS: 'on' } });
    admin = await actor('admin');
  });
  afterAll(() => t?.close());

  it('keeps each side’s review blind until both are in, then shows both; one review per side', async () => {
    const customer = await actor('customer');
    const technician = await actor('technician', { technicianKind: 'hardware' });
    const other = await actor('customer');
    const id = await job(customer, technician);

    const mine = await review(customer, id, 5, 'Fixed my screen in an hour');
    expect(mine.response.status).toBe(201);
    expect(mine.data).toMatchObject({
      repairJobId: id,
      direction: 'of_technician',
      authorId: customer.userId,
      subjectId: technician.userId,
      stars: 5,
      text: 'Fixed my screen in an hour',
      hidden: false,
      revealed: false,
      editedAt: null,
    });
    // Blind: its author sees it; the technician and everyone else do not.
    expect((await jobReviews(customer, id)).data!.items.map((r) => r.id)).toEqual([mine.data!.id]);
    expect((await jobReviews(technician, id)).data!.items).toEqual([]);
    expect(await technicianReviews(other, technician.userId)).toEqual([]);
    expect((await rankingOf(technician.userId)).ratingCount).toBe(0);

    const again = await review(customer, id, 1, 'Changed my mind');
    expect(again.response.status).toBe(409);
    expect(again.error).toMatchObject({ code: 'review/already-submitted' });

    const theirs = await customerReview(technician, id, 4, 'Polite, paid on time');
    expect(theirs.response.status).toBe(201);
    expect(theirs.data).toMatchObject({
      direction: 'of_customer',
      authorId: technician.userId,
      subjectId: customer.userId,
      revealed: true,
    });
    for (const party of [customer, technician]) {
      const seen = (await jobReviews(party, id)).data!;
      expect(seen.items.map((r) => [r.direction, r.stars, r.revealed])).toEqual([
        ['of_customer', 4, true],
        ['of_technician', 5, true],
      ]);
      expect(seen.windowClosesAt).toBe(mine.data!.windowClosesAt);
    }
    expect((await technicianReviews(other, technician.userId)).map((r) => [r.id, r.text])).toEqual([
      [mine.data!.id, 'Fixed my screen in an hour'],
    ]);

    // Revealed: no more edits (the other side has read it).
    const late = await editReview(customer, id, 1, 'Actually terrible');
    expect(late.response.status).toBe(409);
    expect(late.error).toMatchObject({ code: 'review/revealed' });

    // The ranking counts the revealed rating: C = 10, m = 3.5 (under 100 platform ratings).
    expect(await rankingOf(technician.userId)).toEqual({
      technicianId: technician.userId,
      ratingCount: 1,
      bayesianAverage: (10 * 3.5 + 5) / 11,
      wilsonLowerBound: expect.closeTo(0.2065, 4) as number,
      completedJobs: 1,
      rankScore: ((10 * 3.5 + 5) / 11 - 1) / 4,
    });

    // The nearby list shows the same standing (rounded) beside the distance. The technician is
    // placed on the map directly, active at a spot of its own in the Arabian Sea.
    const spot = { lat: 15.123, lng: 70.456 };
    await sql(
      `INSERT INTO technician_presence (technician_id, availability, position, position_written_at)
       VALUES ($1, 'active', ST_SetSRID(ST_MakePoint($3, $2), 4326)::geography, now())
       ON CONFLICT (technician_id) DO UPDATE
         SET availability = 'active', position = EXCLUDED.position, position_written_at = now()`,
      [technician.userId, spot.lat, spot.lng],
    );
    const near = await t.api.GET('/technicians/nearby', {
      params: { query: { ...spot, radiusKm: 1 } },
      headers: other.headers,
    });
    expect(near.data?.items).toEqual([
      expect.objectContaining({
        id: technician.userId,
        distanceM: 100,
        ratingCount: 1,
        rating: Number(((10 * 3.5 + 5) / 11).toFixed(2)),
        completedJobs: 1,
        rankScore: Number((((10 * 3.5 + 5) / 11 - 1) / 4).toFixed(3)),
      }),
    ]);

    // Offers it decided: one accepted, one declined (a withdrawn one does not count) → an
    // acceptance rate of 0.5, so the rank score takes the factor 0.5 + 0.5 × 0.5.
    const filler = await actor('technician', { technicianKind: 'hardware' });
    const [first, second] = [
      (await approvedRepairJob(t, { customer, admin, technician: filler }, 50_000)).repairJobId,
      (await approvedRepairJob(t, { customer, admin, technician: filler }, 50_000)).repairJobId,
    ];
    for (const [jobId, position, status, reason] of [
      [first, 2, 'accepted', null],
      [second, 2, 'declined', null],
      [id, 1, 'withdrawn', 'job_cancelled'],
    ] as const)
      await sql(
        `INSERT INTO repair_offers (repair_job_id, technician_id, status, position, distance_m,
           radius_km, bayesian_average, load, score, expires_at, decided_at, withdrawn_reason)
         VALUES ($1, $2, $3, $4, 100, 1, 3.5, 0, 0, now() + interval '1 minute',
                 CASE WHEN $3 = 'offered' THEN NULL ELSE now() END, $5)`,
        [jobId, technician.userId, status, position, reason],
      );
    const ranked = await t.api.GET('/technicians/nearby', {
      params: { query: { ...spot, radiusKm: 1 } },
      headers: other.headers,
    });
    expect(ranked.data?.items[0]).toMatchObject({
      id: technician.userId,
      rankScore: Number(((((10 * 3.5 + 5) / 11 - 1) / 4) * 0.75).toFixed(3)),
    });
  });

  it('reveals a lone review when the 14-day window closes, and takes no review after it', async () => {
    const customer = await actor('customer');
    const technician = await actor('technician', { technicianKind: 'hardware' });
    const other = await actor('customer');
    const id = await job(customer, technician);
    const lone = await review(customer, id, 2, 'Came two hours late');
    expect(lone.response.status).toBe(201);
    await ageJob(id, 13);
    expect((await jobReviews(technician, id)).data!.items).toEqual([]);
    const stillOpen = await customerReview(technician, id, 3, 'Fine');
    expect(stillOpen.response.status).toBe(201);

    const second = await job(customer, technician);
    const first = await review(customer, second, 4, 'Good this time');
    expect(first.response.status).toBe(201);
    await ageJob(second, 15);
    const seen = (await jobReviews(technician, second)).data!.items;
    expect(seen.map((r) => [r.id, r.revealed, r.text])).toEqual([
      [first.data!.id, true, 'Good this time'],
    ]);
    expect((await technicianReviews(other, technician.userId)).map((r) => r.id)).toEqual([
      lone.data!.id,
      first.data!.id,
    ]);
    expect(await rankingOf(technician.userId)).toMatchObject({ ratingCount: 2, completedJobs: 2 });

    const third = await job(customer, technician);
    await ageJob(third, 14);
    for (const res of [
      await review(customer, third, 5, 'Too late?'),
      await customerReview(technician, third, 5, 'Too late?'),
    ]) {
      expect(res.response.status).toBe(409);
      expect(res.error).toMatchObject({ code: 'review/window-closed' });
    }
  });

  it('lets the author edit for 48 hours, keeping every version', async () => {
    const customer = await actor('customer');
    const technician = await actor('technician', { technicianKind: 'hardware' });
    const id = await job(customer, technician);
    const first = (await review(customer, id, 3, 'Okay job')).data!;
    const edited = await editReview(customer, id, 4, 'Okay job, and the part works well');
    expect(edited.response.status).toBe(200);
    expect(edited.data).toMatchObject({
      id: first.id,
      stars: 4,
      text: 'Okay job, and the part works well',
      submittedAt: first.submittedAt,
    });
    expect(edited.data!.editedAt).not.toBeNull();

    await sql(
      `UPDATE job_reviews SET submitted_at = submitted_at - interval '48 hours 1 second' WHERE id = $1`,
      [first.id],
    );
    const late = await editReview(customer, id, 1, 'Broke again');
    expect(late.response.status).toBe(409);
    expect(late.error).toMatchObject({ code: 'review/edit-window-closed' });
    expect(
      await sql(
        `SELECT event, stars, body, actor_id::text AS actor FROM job_review_history
         WHERE review_id = $1 ORDER BY id`,
        [first.id],
      ),
    ).toEqual([
      { event: 'submit', stars: 3, body: 'Okay job', actor: customer.userId },
      {
        event: 'edit',
        stars: 4,
        body: 'Okay job, and the part works well',
        actor: customer.userId,
      },
    ]);
    await expect(sql(`UPDATE job_review_history SET stars = 5`)).rejects.toThrow();
  });

  it('refuses bad input naming the field, unfinished jobs, and other accounts’ jobs (404)', async () => {
    const customer = await actor('customer');
    const technician = await actor('technician', { technicianKind: 'hardware' });
    const id = await job(customer, technician);
    const cases: [Record<string, unknown>, string][] = [
      [{ stars: 6, text: 'x' }, 'stars'],
      [{ stars: 0, text: 'x' }, 'stars'],
      [{ stars: 4.5, text: 'x' }, 'stars'],
      [{ stars: '5', text: 'x' }, 'stars'],
      [{ stars: 5, text: '' }, 'text'],
      [{ stars: 5, text: '   ' }, 'text'],
      [{ stars: 5, text: 'x'.repeat(2001) }, 'text'],
      [{ stars: 5 }, 'text'],
    ];
    for (const [body, field] of cases) {
      const res = await t.api.POST('/repairs/{repairJobId}/review', {
        params: { path: { repairJobId: id } },
        body: body as never,
        headers: customer.headers,
      });
      expect(res.response.status).toBe(400);
      expect(res.response.headers.get('content-type')).toContain('application/problem+json');
      expect(res.error).toMatchObject({
        code: 'request/validation-failed',
        errors: [expect.objectContaining({ field, in: 'body' })],
      });
    }
    expect((await review(customer, id, 5, 'x'.repeat(2000))).response.status).toBe(201);

    const paid = await job(customer, technician, false);
    const early = await review(customer, paid, 5, 'Not done yet');
    expect(early.response.status).toBe(409);
    expect(early.error).toMatchObject({ code: 'review/job-not-completed' });

    // Only the job's customer reviews the technician, only its technician the customer; others get 404.
    const stranger = await actor('customer');
    const otherTechnician = await actor('technician', { technicianKind: 'hardware' });
    for (const res of [
      await review(stranger, id, 1, 'Never met them'),
      await review(technician, id, 5, 'Rating myself'),
      await customerReview(customer, id, 5, 'Rating myself'),
      await customerReview(otherTechnician, id, 1, 'Not my job'),
      await jobReviews(stranger, id),
      await jobReviews(otherTechnician, id),
    ]) {
      expect(res.response.status).toBe(404);
      expect(res.error).toMatchObject({ code: 'repair-job/not-found' });
    }
    const noReview = await t.api.PATCH('/repairs/{repairJobId}/customer-review', {
      params: { path: { repairJobId: id } },
      body: { stars: 5, text: 'Never wrote one' },
      headers: technician.headers,
    });
    expect(noReview.response.status).toBe(404);
    expect(noReview.error).toMatchObject({ code: 'review/not-found' });
  });

  it('lets staff hide abusive text with a reason (audited); the stars stay', async () => {
    const customer = await actor('customer');
    const technician = await actor('technician', { technicianKind: 'hardware' });
    const other = await actor('customer');
    const id = await job(customer, technician);
    const written = (await review(customer, id, 1, 'abusive words here')).data!;
    await customerReview(technician, id, 3, 'ok');
    const hide = (reviewId: string, body: Record<string, unknown>, who = admin) =>
      t.api.POST('/admin/reviews/{reviewId}/hide', {
        params: { path: { reviewId } },
        body: body as never,
        headers: who.headers,
      });

    const noReason = await hide(written.id, {});
    expect(noReason.response.status).toBe(400);
    expect(noReason.error).toMatchObject({
      errors: [expect.objectContaining({ field: 'reason' })],
    });
    expect((await hide(written.id, { reason: 'no' }, customer)).response.status).toBe(403);

    const hidden = await hide(written.id, { reason: 'abusive language' });
    expect(hidden.response.status).toBe(200);
    expect(hidden.data).toMatchObject({
      id: written.id,
      stars: 1,
      text: null,
      hidden: true,
      originalText: 'abusive words here',
      hiddenReason: 'abusive language',
    });
    expect(
      (await technicianReviews(other, technician.userId)).map((r) => [r.stars, r.text, r.hidden]),
    ).toEqual([[1, null, true]]);
    expect(
      (await jobReviews(customer, id)).data!.items.find((r) => r.id === written.id),
    ).toMatchObject({ stars: 1, text: null, hidden: true });
    const [audit] = await sql<{ action: string; reason: string; actor_id: string }>(
      `SELECT action, reason, actor_id::text AS actor_id FROM audit_events WHERE target_id = $1`,
      [written.id],
    );
    expect(audit).toEqual({
      action: 'review.hide',
      reason: 'abusive language',
      actor_id: admin.userId,
    });
    const twice = await hide(written.id, { reason: 'again' });
    expect(twice.response.status).toBe(409);
    expect(twice.error).toMatchObject({ code: 'review/already-hidden' });
    const unknown = await hide('00000000-0000-4000-8000-000000000000', { reason: 'abusive' });
    expect(unknown.response.status).toBe(404);
    expect(unknown.error).toMatchObject({ code: 'review/not-found' });
  });

  it('flags (never refuses) the technician’s own device or IP and bursts of new accounts; staff list them', async () => {
    const technician = await actor('technician', {
      technicianKind: 'hardware',
      ip: '49.36.1.2',
      device: 'tech-own-phone',
    });
    // The technician also signs in on a shop's Wi-Fi (a private address identifies nobody).
    const lan = { 'x-forwarded-for': '192.168.1.20', 'x-device-fingerprint': 'shop-tablet' };
    expect((await login(t, technician.email, undefined, lan)).status).toBe(200);
    // A "customer" signed in on the technician's phone, on the technician's public IP.
    const sock = await actor('customer', { ip: '49.36.1.2', device: 'tech-own-phone' });
    const sockJob = await job(sock, technician);
    const flagged = await review(sock, sockJob, 5, 'Best technician ever');
    expect(flagged.response.status).toBe(201);
    // An established customer on the same private network: no flag.
    const neighbour = await actor('customer', { ip: '192.168.1.20' });
    await sql(`UPDATE users SET created_at = now() - interval '30 days' WHERE id = $1`, [
      neighbour.userId,
    ]);
    const neighbourReview = (
      await review(neighbour, await job(neighbour, technician), 4, 'Solid work')
    ).data!;

    // An established customer, then three new accounts within a day: the third new one is a burst.
    const regular = await actor('customer');
    await sql(`UPDATE users SET created_at = now() - interval '30 days' WHERE id = $1`, [
      regular.userId,
    ]);
    const regularReview = (await review(regular, await job(regular, technician), 4, 'Good')).data!;
    const fresh = [];
    for (let i = 0; i < 2; i++) {
      const c = await actor('customer');
      fresh.push((await review(c, await job(c, technician), 5, `Great ${i}`)).data!);
    }
    // `sock` (new) counted: this is the fourth new-account review within 24 hours.
    const burst = await actor('customer');
    const burstReview = (await review(burst, await job(burst, technician), 5, 'Great 3')).data!;

    const flags = new Map(
      (
        await sql<{ id: string; flags: string[] }>(
          `SELECT id::text AS id, flags FROM job_reviews WHERE subject_id = $1`,
          [technician.userId],
        )
      ).map((r) => [r.id, r.flags]),
    );
    expect(flags.get(flagged.data!.id)).toEqual(['technician_device', 'technician_ip']);
    // The fraud checks raise a `shared_device_rating` alert for the shared device and public IP (and
    // none for the neighbour, whose only overlap is a private address).
    const alerts = await sql<{ account_id: string; counterparty_id: string }>(
      `SELECT account_id::text AS account_id, counterparty_id::text AS counterparty_id
       FROM fraud_alerts WHERE rule = 'shared_device_rating' AND counterparty_id = $1`,
      [technician.userId],
    );
    expect(alerts).toEqual([{ account_id: sock.userId, counterparty_id: technician.userId }]);
    expect(flags.get(regularReview.id)).toEqual([]);
    expect(flags.get(neighbourReview.id)).toEqual([]);
    expect(flags.get(fresh[0]!.id)).toEqual([]);
    expect(flags.get(fresh[1]!.id)).toEqual(['burst']);
    expect(flags.get(burstReview.id)).toEqual(['burst']);

    const listed = await t.api.GET('/admin/reviews/flags', {
      params: { query: { limit: 2 } },
      headers: admin.headers,
    });
    expect(listed.response.status).toBe(200);
    const next = await t.api.GET('/admin/reviews/flags', {
      params: { query: { limit: 100, cursor: listed.data!.nextCursor } },
      headers: admin.headers,
    });
    const ids = [...listed.data!.items, ...next.data!.items].map((r) => r.id);
    expect(ids).toEqual(expect.arrayContaining([flagged.data!.id, fresh[1]!.id, burstReview.id]));
    expect(ids).not.toContain(regularReview.id);
    expect(ids).not.toContain(neighbourReview.id);
    expect(ids).not.toContain(fresh[0]!.id);
    expect(listed.data!.items[0]).toMatchObject({ id: burstReview.id, flags: ['burst'] });
    const customerTry = await t.api.GET('/admin/reviews/flags', { headers: regular.headers });
    expect(customerTry.response.status).toBe(403);
  });
});
