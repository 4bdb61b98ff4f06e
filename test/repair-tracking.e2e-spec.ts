/**
 * Live tracking of a repair's technician (GET /repairs/{id}/tracking and the staff route), through
 * the typed client on real PostgreSQL/PostGIS: nothing before departure or before a first fix, the
 * last trusted position exactly while en route with its age, the distance in 100 m steps and an
 * ETA from the fix's speed or the city speed, an implausible fix never shown, nothing from arrival
 * on, never a coordinate in the logs; another customer and the technician itself get a 404, staff
 * reads are audited.
 */
import { distanceM, toE7 } from '../src/technicians/domain/location-plausibility.js';
import { QUIET_ENV, signInAs, type SignedIn } from './support/accounts.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { withClient } from './support/test-database.js';

/** 0.009° of latitude ≈ 1 km. */
const KM = 0.009;
const JOB = { lat: 12.9345678, lng: 77.6123456 };
const north = (km: number) => ({ lat: Number((JOB.lat + km * KM).toFixed(7)), lng: JOB.lng });
const metresTo = (p: { lat: number; lng: number }) =>
  distanceM(
    { latE7: toE7(p.lat), lngE7: toE7(p.lng) },
    { latE7: toE7(JOB.lat), lngE7: toE7(JOB.lng) },
  );

describe('repair tracking: the technician on its way', () => {
  let t: TestApp;
  let admin: SignedIn;
  let compliance: SignedIn;

  const sql = <T extends Record<string, unknown>>(text: string, params: unknown[] = []) =>
    withClient(t.db.ownerUrl, async (c) => (await c.query<T>(text, params)).rows);
  const path = (repairJobId: string) => ({ params: { path: { repairJobId } } });
  const track = (who: SignedIn, repairJobId: string) =>
    t.api.GET('/repairs/{repairJobId}/tracking', { ...path(repairJobId), headers: who.headers });
  const staffTrack = (who: SignedIn, repairJobId: string) =>
    t.api.GET('/admin/repairs/{repairJobId}/tracking', {
      ...path(repairJobId),
      headers: who.headers,
    });
  const step = (technician: SignedIn, repairJobId: string, s: 'depart' | 'arrive') =>
    t.api.POST(`/technician/repairs/{repairJobId}/${s}`, {
      ...path(repairJobId),
      headers: technician.headers,
    });
  const fix = (
    technician: SignedIn,
    p: { lat: number; lng: number },
    extra: { speedMps?: number; mock?: boolean; secondsAgo?: number } = {},
  ) =>
    t.api.POST('/technicians/me/location', {
      body: {
        ...p,
        accuracyM: 8,
        recordedAt: new Date(Date.now() - (extra.secondsAgo ?? 0) * 1000).toISOString(),
        ...(extra.speedMps === undefined ? {} : { speedMps: extra.speedMps }),
        ...(extra.mock === undefined ? {} : { mock: extra.mock }),
      },
      headers: technician.headers,
    });

  beforeAll(async () => {
    t = await startTestApp({ env: QUIET_ENV });
    [admin, compliance] = await Promise.all([signInAs(t, 'admin'), signInAs(t, 'compliance')]);
  });
  afterAll(() => t?.close());

  it('shows the position only while en route: exact, with its age, the distance in 100 m steps and an ETA', async () => {
    const [customer, other, technician] = await Promise.all([
      signInAs(t, 'customer'),
      signInAs(t, 'customer'),
      signInAs(t, 'technician', { technicianKind: 'hardware' }),
    ]);
    const created = await t.api.POST('/repairs', {
      body: {
        kind: 'hardware',
        mode: 'offline',
        location: JOB,
        deviceBrand: 'Samsung',
        deviceModel: 'Galaxy M31',
        problem: 'cracked screen',
      },
      headers: customer.headers,
    });
    const jobId = created.data!.id;
    const nothing = (status: string) => ({
      repairJobId: jobId,
      status,
      position: null,
      fixAgeSeconds: null,
      distanceM: null,
      etaSeconds: null,
      etaBasis: null,
    });
    expect((await track(customer, jobId)).data).toEqual(nothing('matching'));

    const assigned = await t.api.POST('/admin/repairs/{repairJobId}/assign', {
      ...path(jobId),
      body: { technicianId: technician.userId },
      headers: admin.headers,
    });
    expect(assigned.data).toMatchObject({ status: 'assigned' });
    // Before departure: no position, though the technician sends fixes.
    expect((await fix(technician, north(5), { speedMps: 10, secondsAgo: 290 })).data).toEqual({
      positionUpdated: true,
    });
    expect((await track(customer, jobId)).data).toEqual(nothing('assigned'));

    expect((await step(technician, jobId, 'depart')).data).toMatchObject({ status: 'en_route' });
    // 3 km away at 10 m/s, a fix 50 s old: the fix's speed.
    const far = north(3);
    expect((await fix(technician, far, { speedMps: 10, secondsAgo: 50 })).data).toEqual({
      positionUpdated: true,
    });
    const tracked = await track(customer, jobId);
    expect(tracked.response.status).toBe(200);
    expect(tracked.data).toEqual({
      repairJobId: jobId,
      status: 'en_route',
      position: { lat: far.lat, lng: far.lng, accuracyM: 8, recordedAt: expect.any(String) },
      fixAgeSeconds: expect.any(Number),
      distanceM: 3000,
      etaSeconds: Math.ceil(metresTo(far) / 10),
      etaBasis: 'fix_speed',
    });
    expect(tracked.data!.fixAgeSeconds).toBeGreaterThanOrEqual(50);
    expect(tracked.data!.fixAgeSeconds).toBeLessThanOrEqual(55);

    // 1.2 km away, no speed sent: the city speed (18 km/h = 5 m/s).
    const near = north(1.2);
    expect((await fix(technician, near)).data).toEqual({ positionUpdated: true });
    expect((await track(customer, jobId)).data).toMatchObject({
      position: { lat: near.lat, lng: near.lng },
      distanceM: 1200,
      etaSeconds: Math.ceil(metresTo(near) / 5),
      etaBasis: 'city_speed',
    });
    // A mocked fix is kept in the history but never shown.
    expect((await fix(technician, north(0.2), { mock: true })).data).toEqual({
      positionUpdated: false,
    });
    const stillNear = await track(customer, jobId);
    expect(stillNear.data).toMatchObject({ position: { lat: near.lat }, distanceM: 1200 });

    // Staff see the same, audited; compliance may not.
    expect((await staffTrack(admin, jobId)).data).toEqual(stillNear.data);
    expect((await staffTrack(compliance, jobId)).response.status).toBe(403);
    expect(
      await sql(
        `SELECT actor_id::text, after FROM audit_events
          WHERE action = 'repair_job.tracking.read' AND target_id = $1`,
        [jobId],
      ),
    ).toEqual([
      {
        actor_id: admin.userId,
        after: { status: 'en_route', technicianId: technician.userId, positionShown: true },
      },
    ]);

    // Another customer and the technician itself: the job is not theirs to track.
    for (const stranger of [other, technician]) {
      const refused = await track(stranger, jobId);
      expect(refused.response.status).toBe(404);
      expect(refused.error).toMatchObject({ code: 'repair-job/not-found' });
    }

    // Logged requests (there are some) carry no coordinate of the technician's.
    expect(t.logs.length).toBeGreaterThan(0);
    expect(JSON.stringify(t.logs)).not.toContain(String(far.lat));
    expect(JSON.stringify(t.logs)).not.toContain(String(near.lat));

    // From arrival on, no position.
    expect((await step(technician, jobId, 'arrive')).data).toMatchObject({ status: 'arrived' });
    expect((await track(customer, jobId)).data).toEqual(nothing('arrived'));
    expect((await staffTrack(admin, jobId)).data).toEqual(nothing('arrived'));
  });

  it('en route before a first fix: no position yet', async () => {
    const [customer, technician] = await Promise.all([
      signInAs(t, 'customer'),
      signInAs(t, 'technician', { technicianKind: 'hardware' }),
    ]);
    const created = await t.api.POST('/repairs', {
      body: {
        kind: 'hardware',
        mode: 'offline',
        location: JOB,
        deviceBrand: 'Vivo',
        deviceModel: 'Y20',
        problem: 'no charging',
      },
      headers: customer.headers,
    });
    const jobId = created.data!.id;
    await t.api.POST('/admin/repairs/{repairJobId}/assign', {
      ...path(jobId),
      body: { technicianId: technician.userId },
      headers: admin.headers,
    });
    expect((await step(technician, jobId, 'depart')).data).toMatchObject({ status: 'en_route' });
    expect((await track(customer, jobId)).data).toMatchObject({
      status: 'en_route',
      position: null,
      etaSeconds: null,
    });
  });
});
