/**
 * Hardware auto-matching against real PostgreSQL/PostGIS and pg-boss (workers on: creating a
 * hardware job enqueues its matching), through the typed client: the first offer goes to the best
 * scored nearby technician (the ranking order), the customer's pick first, decline and expiry to
 * the next candidate, rings widening, exhaustion to the staff queue, a technician gone inactive or
 * teleporting mid-offer refused and skipped, an offer past its TTL refused, 100 concurrent accepts
 * with exactly one winner, staff taking over or a cancellation withdrawing the open offer at once, a
 * teleport before accepting opening a spoofing review, and the technician kept busy while the job is theirs.
 */
import { RepairOffers } from '../src/matching/repair-offers.service.js';
import { QUIET_ENV, signInAs, type SignedIn } from './support/accounts.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { withClient } from './support/test-database.js';

/** 0.009° of latitude ≈ 1 km. */
const KM = 0.009;

describe('hardware auto-matching: offers', () => {
  let t: TestApp;
  let admin: SignedIn;
  let customer: SignedIn;
  /** Each test works around its own point, far (> 200 km) from the others' technicians. */
  let area = 0;
  const sql = <T extends Record<string, unknown>>(text: string, params: unknown[] = []) =>
    withClient(t.db.ownerUrl, async (c) => (await c.query<T>(text, params)).rows);

  beforeAll(async () => {
    t = await startTestApp({
      // Workers run (the matching is a pg-boss job); offers live long enough not to expire mid-test.
      env: { ...QUIET_ENV, JOBS_WORKERS: 'true', MATCHING_OFFER_TTL_SECONDS: '600' },
    });
    [admin, customer] = await Promise.all([signInAs(t, 'admin'), signInAs(t, 'customer')]);
  });
  afterAll(() => t.close());

  const nextArea = () => {
    area += 1;
    return { lat: 8.4321 + area * 2, lng: 77.5678 };
  };
  const north = (p: { lat: number; lng: number }, km: number) => ({
    lat: p.lat + km * KM,
    lng: p.lng,
  });

  const sendFix = (who: SignedIn, p: { lat: number; lng: number }) =>
    t.api.POST('/technicians/me/location', {
      body: { lat: p.lat, lng: p.lng, accuracyM: 8, recordedAt: new Date().toISOString() },
      headers: who.headers,
    });
  /** An approved technician (hardware unless said), active at `at`. */
  const technicianAt = async (
    at: { lat: number; lng: number },
    kind: 'hardware' | 'software' = 'hardware',
  ) => {
    const tech = await signInAs(t, 'technician', { technicianKind: kind });
    const active = await t.api.PUT('/technicians/me/availability', {
      body: { availability: 'active' },
      headers: tech.headers,
    });
    expect(active.response.status).toBe(200);
    expect((await sendFix(tech, at)).data).toEqual({ positionUpdated: true });
    return tech;
  };
  const requestJob = async (at: { lat: number; lng: number }, preferredTechnicianId?: string) => {
    const { data, response } = await t.api.POST('/repairs', {
      body: {
        kind: 'hardware',
        mode: 'offline',
        location: at,
        deviceBrand: 'Samsung',
        deviceModel: 'Galaxy M31',
        problem: 'cracked screen',
        ...(preferredTechnicianId === undefined ? {} : { preferredTechnicianId }),
      },
      headers: customer.headers,
    });
    expect(response.status).toBe(201);
    expect(data!.status).toBe('matching');
    return data!;
  };
  const offersOf = (jobId: string) =>
    sql<{
      id: string;
      technician_id: string;
      status: string;
      position: number;
      preferred: boolean;
      radius_km: number;
      acceptance_rate: number | null;
      withdrawn_reason: string | null;
    }>(
      `SELECT id::text, technician_id::text, status, position, preferred, radius_km,
              acceptance_rate, withdrawn_reason
         FROM repair_offers WHERE repair_job_id = $1 ORDER BY position`,
      [jobId],
    );
  const jobStatus = async (jobId: string) =>
    (
      await sql<{ status: string; technician_id: string | null }>(
        `SELECT status, technician_id::text FROM repair_jobs WHERE id = $1`,
        [jobId],
      )
    )[0]!;
  const availability = async (technicianId: string) =>
    (
      await sql<{ availability: string }>(
        `SELECT availability FROM technician_presence WHERE technician_id = $1`,
        [technicianId],
      )
    )[0]!.availability;
  /** Waits for the matching job (pg-boss) to offer the job or send it to the queue. */
  const settled = async (jobId: string) => {
    for (let i = 0; i < 100; i++) {
      const offers = await offersOf(jobId);
      if (offers.some((o) => o.status === 'offered')) return offers;
      if ((await jobStatus(jobId)).status !== 'matching') return offers;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`job ${jobId} was neither offered nor sent to the queue`);
  };
  const openOffer = async (jobId: string) =>
    (await settled(jobId)).find((o) => o.status === 'offered')!;
  const accept = (who: SignedIn, offerId: string) =>
    t.api.POST('/technician/offers/{offerId}/accept', {
      params: { path: { offerId } },
      headers: who.headers,
    });
  const decline = (who: SignedIn, offerId: string) =>
    t.api.POST('/technician/offers/{offerId}/decline', {
      params: { path: { offerId } },
      headers: who.headers,
    });
  /** Moves the offer's expiry (and offer time) into the past, as the database clock sees it. */
  const backdate = (offerId: string) =>
    sql(
      `UPDATE repair_offers SET offered_at = clock_timestamp() - interval '1 minute',
              expires_at = clock_timestamp() - interval '1 second' WHERE id = $1`,
      [offerId],
    );

  it('a software job waits for staff and is never offered', async () => {
    const at = nextArea();
    await technicianAt(north(at, 1), 'software');
    const { data } = await t.api.POST('/repairs', {
      body: {
        kind: 'software',
        mode: 'online',
        deviceBrand: 'Apple',
        deviceModel: 'iPhone 12',
        problem: 'boot loop',
      },
      headers: customer.headers,
    });
    expect(data!.status).toBe('awaiting_assignment');
    const refused = await t.api.POST('/repairs', {
      body: {
        kind: 'software',
        mode: 'online',
        deviceBrand: 'Apple',
        deviceModel: 'iPhone 12',
        problem: 'boot loop',
        preferredTechnicianId: customer.userId,
      },
      headers: customer.headers,
    });
    expect(refused.response.status).toBe(422);
    expect(refused.error).toMatchObject({
      code: 'repair-job/preferred-technician-hardware-only',
      errors: [{ field: 'preferredTechnicianId', in: 'body' }],
    });
    expect(await offersOf(data!.id)).toEqual([]);
  });

  it('declines go to the next candidate in ranking order (acceptance rate counts), the last decline exhausts to the staff queue; the winner becomes busy', async () => {
    const at = nextArea();
    const near = await technicianAt(north(at, 1));
    // Alone in the area: offered, declines, nobody else → the staff queue.
    const first = await requestJob(at);
    const [only] = await settled(first.id);
    expect(only).toMatchObject({ technician_id: near.userId, position: 1, radius_km: 5 });
    const list = await t.api.GET('/technician/offers', { headers: near.headers });
    expect(list.data).toEqual([
      {
        id: only!.id,
        repairJobId: first.id,
        kind: 'hardware',
        mode: 'offline',
        deviceBrand: 'Samsung',
        deviceModel: 'Galaxy M31',
        problem: 'cracked screen',
        distanceM: 1000,
        offeredAt: expect.any(String),
        expiresAt: expect.any(String),
      },
    ]);
    // No location until accepted (the list shows only the rounded distance).
    expect(JSON.stringify(list.data)).not.toContain(String(at.lng));
    expect((await decline(near, only!.id)).data).toEqual({ id: only!.id, status: 'declined' });
    expect(await jobStatus(first.id)).toEqual({
      status: 'awaiting_assignment',
      technician_id: null,
    });
    const history = await sql<{
      event: string;
      from_status: string;
      to_status: string;
      actor_role: string;
    }>(
      `SELECT event, from_status, to_status, actor_role FROM repair_job_history WHERE repair_job_id = $1`,
      [first.id],
    );
    expect(history).toEqual([
      {
        event: 'exhaust',
        from_status: 'matching',
        to_status: 'awaiting_assignment',
        actor_role: 'system:matching',
      },
    ]);
    // A second decline of the same offer is refused.
    expect((await decline(near, only!.id)).error).toMatchObject({
      code: 'offer/not-open',
      offerStatus: 'declined',
    });

    // A farther technician with no declines now outranks the nearer one that declined (acceptance 0).
    const far = await technicianAt(north(at, 3));
    const second = await requestJob(at);
    const offered = await settled(second.id);
    expect(offered).toMatchObject([
      { technician_id: far.userId, position: 1, acceptance_rate: null },
    ]);
    await decline(far, offered[0]!.id);
    const next = await offersOf(second.id);
    expect(next).toMatchObject([
      { technician_id: far.userId, status: 'declined' },
      { technician_id: near.userId, status: 'offered', position: 2, acceptance_rate: 0 },
    ]);
    // The far technician's offer is gone from its list; the near one sees the new offer.
    expect((await t.api.GET('/technician/offers', { headers: far.headers })).data).toEqual([]);
    const won = await accept(near, next[1]!.id);
    expect(won.response.status).toBe(200);
    expect(won.data).toMatchObject({
      id: second.id,
      status: 'assigned',
      technicianId: near.userId,
      location: { lat: at.lat, lng: at.lng },
    });
    expect(await availability(near.userId)).toBe('busy');
    // Busy: out of matching (the next job goes to the far technician) until the job lets go.
    const third = await requestJob(at);
    expect(await settled(third.id)).toMatchObject([{ technician_id: far.userId }]);
    const cancelled = await t.api.POST('/repairs/{repairJobId}/cancel', {
      params: { path: { repairJobId: second.id } },
      body: {},
      headers: customer.headers,
    });
    expect(cancelled.data?.status).toBe('cancelled');
    expect(await availability(near.userId)).toBe('active');
  });

  it('widens the rings to 20 km and exhausts after 5 offers even with candidates left', async () => {
    const at = nextArea();
    const techs: SignedIn[] = [];
    for (let i = 0; i < 6; i++) techs.push(await technicianAt(north(at, 12 + i * 0.5)));
    const job = await requestJob(at);
    for (let i = 0; i < 5; i++) {
      const offer = await openOffer(job.id);
      expect(offer).toMatchObject({
        technician_id: techs[i]!.userId,
        position: i + 1,
        radius_km: 20,
      });
      expect((await decline(techs[i]!, offer.id)).response.status).toBe(200);
    }
    expect((await offersOf(job.id)).map((o) => o.status)).toEqual(Array(5).fill('declined'));
    expect((await jobStatus(job.id)).status).toBe('awaiting_assignment');
  });

  it('the customer’s pick is offered first when eligible; an ineligible pick is passed over', async () => {
    const at = nextArea();
    const near = await technicianAt(north(at, 1));
    const picked = await technicianAt(north(at, 4));
    const job = await requestJob(at, picked.userId);
    expect(await settled(job.id)).toMatchObject([
      { technician_id: picked.userId, preferred: true },
    ]);
    const software = await technicianAt(north(at, 2), 'software');
    const other = await requestJob(at, software.userId);
    expect(await settled(other.id)).toMatchObject([
      { technician_id: near.userId, preferred: false },
    ]);
  });

  it('a technician gone inactive mid-offer is refused and skipped; an offer past its TTL is refused and the next offered; expiry does the same', async () => {
    const at = nextArea();
    const a = await technicianAt(north(at, 1));
    const b = await technicianAt(north(at, 2));
    const c = await technicianAt(north(at, 3));
    const job = await requestJob(at);
    const toA = await openOffer(job.id);
    expect(toA.technician_id).toBe(a.userId);
    await t.api.PUT('/technicians/me/availability', {
      body: { availability: 'inactive' },
      headers: a.headers,
    });
    const refused = await accept(a, toA.id);
    expect(refused.response.status).toBe(409);
    expect(refused.error).toMatchObject({ code: 'offer/technician-unavailable' });
    const toB = await openOffer(job.id);
    expect(toB.technician_id).toBe(b.userId);
    expect((await offersOf(job.id))[0]).toMatchObject({
      status: 'withdrawn',
      withdrawn_reason: 'the technician is inactive',
    });

    await backdate(toB.id);
    const late = await accept(b, toB.id);
    expect(late.response.status).toBe(409);
    expect(late.error).toMatchObject({ code: 'offer/expired' });
    const toC = await openOffer(job.id);
    expect(toC.technician_id).toBe(c.userId);
    // An expired offer is no longer listed.
    expect((await t.api.GET('/technician/offers', { headers: b.headers })).data).toEqual([]);

    // The timer's job: an offer not yet due stays; once due it expires and, nobody left, the job exhausts.
    const offers = t.app.get(RepairOffers);
    await offers.expire(toC.id);
    expect((await offersOf(job.id))[2]!.status).toBe('offered');
    await backdate(toC.id);
    await offers.expire(toC.id);
    expect((await offersOf(job.id)).map((o) => o.status)).toEqual([
      'withdrawn',
      'expired',
      'expired',
    ]);
    expect((await jobStatus(job.id)).status).toBe('awaiting_assignment');
    expect(await availability(b.userId)).toBe('active');
  });

  it('100 concurrent accepts of one offer: exactly one assignment', async () => {
    const at = nextArea();
    const tech = await technicianAt(north(at, 1));
    const job = await requestJob(at);
    const offer = await openOffer(job.id);
    const results = await Promise.all(Array.from({ length: 100 }, () => accept(tech, offer.id)));
    const statuses = results.map((r) => r.response.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    expect(statuses.filter((s) => s === 409)).toHaveLength(99);
    for (const r of results.filter((x) => x.response.status === 409))
      expect(r.error).toMatchObject({ code: 'offer/not-open', offerStatus: 'accepted' });
    expect(await jobStatus(job.id)).toEqual({ status: 'assigned', technician_id: tech.userId });
    const history = await sql<{ event: string }>(
      `SELECT event FROM repair_job_history WHERE repair_job_id = $1`,
      [job.id],
    );
    expect(history).toEqual([{ event: 'accept_offer' }]);
    expect(await availability(tech.userId)).toBe('busy');
  });

  /** Waits for the offer to be closed (it is withdrawn right after the job leaves matching commits). */
  const closed = async (jobId: string, offerId: string) => {
    for (let i = 0; i < 50; i++) {
      const offer = (await offersOf(jobId)).find((o) => o.id === offerId)!;
      if (offer.status !== 'offered') return offer;
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error(`offer ${offerId} is still open`);
  };

  it('staff take over a matching job: the open offer is withdrawn at once, the assignee is busy; another technician’s offer is a 404', async () => {
    const at = nextArea();
    const offered = await technicianAt(north(at, 1));
    const stranger = await technicianAt(north(at, 60));
    const job = await requestJob(at);
    const offer = await openOffer(job.id);
    expect((await accept(stranger, offer.id)).error).toMatchObject({ code: 'offer/not-found' });
    expect((await decline(stranger, offer.id)).response.status).toBe(404);
    const staffPick = await technicianAt(north(at, 70));
    const assigned = await t.api.POST('/admin/repairs/{repairJobId}/assign', {
      params: { path: { repairJobId: job.id } },
      body: { technicianId: staffPick.userId },
      headers: admin.headers,
    });
    expect(assigned.data).toMatchObject({ status: 'assigned', technicianId: staffPick.userId });
    expect(await availability(staffPick.userId)).toBe('busy');
    // Withdrawn without waiting for its timer (600 s here).
    expect(await closed(job.id, offer.id)).toMatchObject({
      status: 'withdrawn',
      withdrawn_reason: 'staff assigned the job',
    });
    const late = await accept(offered, offer.id);
    expect(late.error).toMatchObject({ code: 'offer/not-open', offerStatus: 'withdrawn' });
    expect(await availability(offered.userId)).toBe('active');
    // The timer, when it runs, leaves the withdrawn offer as it is.
    await t.app.get(RepairOffers).expire(offer.id);
    expect((await offersOf(job.id))[0]).toMatchObject({
      status: 'withdrawn',
      withdrawn_reason: 'staff assigned the job',
    });
  });

  it('a matching job cancelled by its customer: the open offer is withdrawn at once and leaves the technician’s list', async () => {
    const at = nextArea();
    const tech = await technicianAt(north(at, 1));
    const job = await requestJob(at);
    const offer = await openOffer(job.id);
    expect((await t.api.GET('/technician/offers', { headers: tech.headers })).data).toHaveLength(1);
    const cancelled = await t.api.POST('/repairs/{repairJobId}/cancel', {
      params: { path: { repairJobId: job.id } },
      body: {},
      headers: customer.headers,
    });
    expect(cancelled.data).toMatchObject({ status: 'cancelled' });
    expect(await closed(job.id, offer.id)).toMatchObject({
      status: 'withdrawn',
      withdrawn_reason: 'the job was cancelled',
    });
    expect((await t.api.GET('/technician/offers', { headers: tech.headers })).data).toEqual([]);
    expect(await availability(tech.userId)).toBe('active');
  });

  const review = async (technicianId: string) =>
    (
      await sql<{ flagged: boolean; status: string; reasons: string[] }>(
        `SELECT p.flagged_at IS NOT NULL AS flagged, r.status, r.reasons
           FROM technician_presence p
           LEFT JOIN technician_location_reviews r ON r.technician_id = p.technician_id
          WHERE p.technician_id = $1`,
        [technicianId],
      )
    )[0]!;

  it('teleport-then-accept is refused (offer/location-implausible), recorded on the offer and added to the open spoofing review', async () => {
    const at = nextArea();
    const tech = await technicianAt(north(at, 1));
    const job = await requestJob(at);
    const offer = await openOffer(job.id);
    // 30 km in a moment, just before accepting: impossible speed already flags it (review open).
    await sendFix(tech, north(at, 31));
    expect(await review(tech.userId)).toEqual({
      flagged: true,
      status: 'open',
      reasons: ['impossible_speed'],
    });
    const refused = await accept(tech, offer.id);
    expect(refused.response.status).toBe(409);
    expect(refused.error).toMatchObject({ code: 'offer/location-implausible' });
    const [row] = await offersOf(job.id);
    expect(row).toMatchObject({
      status: 'withdrawn',
      withdrawn_reason: expect.stringMatching(/^location-implausible: a \d+ m jump/),
    });
    expect((await jobStatus(job.id)).status).toBe('awaiting_assignment');
    expect(await review(tech.userId)).toEqual({
      flagged: true,
      status: 'open',
      reasons: ['impossible_speed', 'teleport_before_accept'],
    });
  });

  it('a teleport too slow for the fix rules still opens a spoofing review when it precedes an acceptance', async () => {
    const at = nextArea();
    const tech = await signInAs(t, 'technician', { technicianKind: 'hardware' });
    await t.api.PUT('/technicians/me/availability', {
      body: { availability: 'active' },
      headers: tech.headers,
    });
    const fixAt = (p: { lat: number; lng: number }, secondsAgo: number) =>
      t.api.POST('/technicians/me/location', {
        body: {
          ...p,
          accuracyM: 8,
          recordedAt: new Date(Date.now() - secondsAgo * 1000).toISOString(),
        },
        headers: tech.headers,
      });
    expect((await fixAt(north(at, 1), 90)).data).toEqual({ positionUpdated: true });
    const job = await requestJob(at);
    const offer = await openOffer(job.id);
    expect(offer.technician_id).toBe(tech.userId);
    // 3.5 km in 70 s (180 km/h): plausible for the fix rules (< 200 km/h), a teleport before accepting (> 100 km/h, ≥ 2 km).
    expect((await fixAt(north(at, 4.5), 20)).data).toEqual({ positionUpdated: true });
    expect(await review(tech.userId)).toEqual({ flagged: false, status: null, reasons: null });
    const refused = await accept(tech, offer.id);
    expect(refused.error).toMatchObject({ code: 'offer/location-implausible' });
    expect(await review(tech.userId)).toEqual({
      flagged: true,
      status: 'open',
      reasons: ['teleport_before_accept'],
    });
    // Staff see it in the queue; flagged, it is out of the nearby list until cleared.
    const queue = await t.api.GET('/admin/technicians/location-reviews', {
      headers: admin.headers,
    });
    expect(queue.data!.items).toContainEqual(
      expect.objectContaining({ technicianId: tech.userId, reasons: ['teleport_before_accept'] }),
    );
  });
});
