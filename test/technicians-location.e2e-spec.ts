/**
 * Technicians on the map against real PostgreSQL/PostGIS, through the typed client: availability
 * (approved only; busy set by jobs), location fixes (validation, the 50 m / 30 s throttle of the
 * current position with every fix in the history, spoofing scores), flagging → review queue →
 * clear / suspend (audited), the customers' nearby search (filters, order, pagination, no
 * coordinates, coordinates redacted in logs), the `location` rate limit (30/min, burst 5) and the
 * history purge job.
 */
import { TransactionRunner } from '../src/database/transaction.js';
import { JobQueue } from '../src/jobs/job-queue.service.js';
import { TECHNICIAN_JOBS } from '../src/technicians/technician-jobs.js';
import { TechnicianPresence } from '../src/technicians/technician-presence.service.js';
import { QUIET_ENV, signInAs, testPan, type SignedIn } from './support/accounts.js';
import { scrapeMetrics } from './support/metrics.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { withClient } from './support/test-database.js';

/** Every role unlimited (QUIET_ENV), except technicians' location updates at the platform's 30/min, burst 5. */
const POLICY = JSON.parse(QUIET_ENV.RATE_LIMIT_POLICY) as Record<string, Record<string, unknown>>;
POLICY.technician!.location = { perMinute: 30, burst: 5 };

/** 0.0009° of latitude ≈ 100 m. */
const M100 = 0.0009;
const BLR = { lat: 12.9716, lng: 77.5946 };

describe('technicians: availability, location, spoofing, nearby', () => {
  let t: TestApp;
  let admin: SignedIn;
  let customer: SignedIn;
  const sql = <T extends Record<string, unknown>>(text: string, params: unknown[] = []) =>
    withClient(t.db.ownerUrl, async (c) => (await c.query<T>(text, params)).rows);

  beforeAll(async () => {
    t = await startTestApp({
      // Job workers run (the purge job goes through pg-boss).
      env: { ...QUIET_ENV, RATE_LIMIT_POLICY: JSON.stringify(POLICY), JOBS_WORKERS: 'true' },
    });
    [admin, customer] = await Promise.all([signInAs(t, 'admin'), signInAs(t, 'customer')]);
  });
  afterAll(() => t.close());

  const setAvailability = (who: SignedIn, availability: 'active' | 'inactive') =>
    t.api.PUT('/technicians/me/availability', { body: { availability }, headers: who.headers });
  const sendFix = (
    who: SignedIn,
    p: { lat: number; lng: number },
    extra: { accuracyM?: number; mock?: boolean; recordedAt?: string } = {},
  ) =>
    t.api.POST('/technicians/me/location', {
      body: {
        lat: p.lat,
        lng: p.lng,
        accuracyM: extra.accuracyM ?? 8,
        recordedAt: extra.recordedAt ?? new Date().toISOString(),
        ...(extra.mock === undefined ? {} : { mock: extra.mock }),
        provider: 'fused',
      },
      headers: who.headers,
    });
  const presence = async (id: string) =>
    (
      await sql<{
        availability: string;
        lat: number | null;
        lng: number | null;
        flagged: boolean;
        spoof_score: number;
      }>(
        `SELECT availability, ST_Y(position::geometry) AS lat, ST_X(position::geometry) AS lng,
                flagged_at IS NOT NULL AS flagged, spoof_score
           FROM technician_presence WHERE technician_id = $1`,
        [id],
      )
    )[0]!;
  const fixes = (id: string) =>
    sql<{ score: number; reasons: string[]; position_written: boolean }>(
      `SELECT score, reasons, position_written FROM technician_location_fixes
        WHERE technician_id = $1 ORDER BY id`,
      [id],
    );
  /** An approved technician, active at `at` (one plausible fix). */
  const activeTechnician = async (
    at: { lat: number; lng: number },
    profile: { kind?: 'hardware' | 'software'; skills?: string[]; brands?: string[] } = {},
  ) => {
    const tech = await signInAs(t, 'technician', { technicianKind: profile.kind ?? 'hardware' });
    if (profile.skills || profile.brands) {
      const { response } = await t.api.PATCH('/me', {
        body: { skills: profile.skills, brands: profile.brands },
        headers: tech.headers,
      });
      expect(response.status).toBe(200);
    }
    expect((await setAvailability(tech, 'active')).response.status).toBe(200);
    expect((await sendFix(tech, at)).data).toEqual({ positionUpdated: true });
    return tech;
  };

  it('technicians list the brands they repair (PATCH /me); other accounts have none', async () => {
    const tech = await signInAs(t, 'technician');
    const { data } = await t.api.PATCH('/me', {
      body: { brands: ['Samsung', 'OnePlus'] },
      headers: tech.headers,
    });
    expect(data).toMatchObject({ brands: ['Samsung', 'OnePlus'], skills: ['screen replacement'] });
    const refused = await t.api.PATCH('/me', {
      body: { brands: ['Apple'] },
      headers: customer.headers,
    });
    expect(refused.response.status).toBe(400);
    expect(refused.error).toMatchObject({ errors: [{ field: 'brands', in: 'body' }] });
  });

  describe('availability', () => {
    it('goes active only with the brands repaired and payee details on file; readiness says what is missing', async () => {
      const tech = await signInAs(t, 'technician', { readyForJobs: false });
      const readiness = async () => {
        const res = await t.api.GET('/technicians/me/readiness', { headers: tech.headers });
        expect(res.response.status).toBe(200);
        return res.data!;
      };
      expect(await readiness()).toMatchObject({
        ready: false,
        missing: ['brands', 'payee_details'],
        panOnFile: false,
        gstRegistered: false,
      });
      const refused = await setAvailability(tech, 'active');
      expect(refused.response.status).toBe(422);
      expect(refused.error).toMatchObject({
        code: 'technician/profile-incomplete',
        missing: ['brands', 'payee_details'],
      });
      expect((await presence(tech.userId)).availability).toBe('inactive');

      await t.api.PATCH('/me', { body: { brands: ['Realme'] }, headers: tech.headers });
      expect(await readiness()).toMatchObject({ ready: false, missing: ['payee_details'] });
      expect((await setAvailability(tech, 'active')).error).toMatchObject({
        missing: ['payee_details'],
      });

      // Submitted (still waiting for staff review) is enough to take jobs.
      const submitted = await t.api.PUT('/payees/me/settlement-details', {
        body: {
          pan: testPan(),
          businessType: 'individual',
          beneficiaryName: 'Test Technician',
          ifsc: 'HDFC0000317',
          accountNumber: '50100123456789',
        },
        headers: tech.headers,
      });
      expect(submitted.response.status).toBe(202);
      expect(await readiness()).toEqual({
        ready: true,
        missing: [],
        detail: null,
        panOnFile: false,
        gstRegistered: false,
      });
      expect((await setAvailability(tech, 'active')).data?.availability).toBe('active');
      // Going inactive never needs a complete profile.
      expect((await setAvailability(tech, 'inactive')).data?.availability).toBe('inactive');
    });

    it('an approved technician goes active and inactive; jobs set busy, which the technician cannot override', async () => {
      const tech = await signInAs(t, 'technician');
      const { data, response } = await setAvailability(tech, 'active');
      expect(response.status).toBe(200);
      expect(data).toEqual({ availability: 'active', flagged: false });
      expect((await presence(tech.userId)).availability).toBe('active');

      const busy = (on: boolean) =>
        t.app
          .get(TransactionRunner)
          .run((tx) => t.app.get(TechnicianPresence).setBusy(tx, tech.userId, on));
      await busy(true);
      expect((await presence(tech.userId)).availability).toBe('busy');
      // The app reads it back on opening (GET).
      const now = await t.api.GET('/technicians/me/availability', { headers: tech.headers });
      expect(now.data).toEqual({ availability: 'busy', flagged: false });
      const refused = await setAvailability(tech, 'inactive');
      expect(refused.response.status).toBe(409);
      expect(refused.error).toMatchObject({ code: 'technician/busy' });
      await busy(false);
      expect((await presence(tech.userId)).availability).toBe('active');
      expect((await setAvailability(tech, 'inactive')).data?.availability).toBe('inactive');

      // `busy` is not the technician's to set.
      const invalid = await t.api.PUT('/technicians/me/availability', {
        body: { availability: 'busy' as 'active' },
        headers: tech.headers,
      });
      expect(invalid.response.status).toBe(400);
    });

    it('refuses pending and suspended technicians with a clear problem', async () => {
      const pending = await signInAs(t, 'technician', { status: 'pending' });
      expect(
        (await t.api.GET('/technicians/me/availability', { headers: pending.headers })).error,
      ).toMatchObject({ code: 'technician/not-approved' });
      const a = await setAvailability(pending, 'active');
      expect(a.response.status).toBe(403);
      expect(a.error).toMatchObject({ code: 'technician/not-approved', accountStatus: 'pending' });
      const suspended = await signInAs(t, 'technician');
      await sql(`UPDATE users SET status = 'suspended' WHERE id = $1`, [suspended.userId]);
      const b = await sendFix(suspended, BLR);
      expect(b.response.status).toBe(403);
      expect(b.error).toMatchObject({
        code: 'technician/not-approved',
        detail: expect.stringContaining('suspended') as string,
      });
      expect(await fixes(suspended.userId)).toEqual([]);
    });
  });

  describe('location fixes', () => {
    it('names each bad field in the problem', async () => {
      const tech = await signInAs(t, 'technician');
      const res = await fetch(`${t.baseUrl}/technicians/me/location`, {
        method: 'POST',
        headers: { ...tech.headers, 'content-type': 'application/json' },
        body: JSON.stringify({
          lat: 91,
          lng: 'x',
          accuracyM: -1,
          recordedAt: 'yesterday',
          mock: 'no',
        }),
      });
      expect(res.status).toBe(400);
      const problem = (await res.json()) as { code: string; errors: { field: string }[] };
      expect(problem.code).toBe('request/validation-failed');
      expect(problem.errors.map((e) => e.field).sort()).toEqual(
        ['accuracyM', 'lat', 'lng', 'mock', 'recordedAt'].sort(),
      );
      const noZone = await sendFix(tech, BLR, { recordedAt: '2026-12-01T09:00:00' });
      expect(noZone.response.status).toBe(400);
    });

    it('stores measurements to the hundredth, so a value too small for the column is a 0, not a 500', async () => {
      const tech = await signInAs(t, 'technician');
      const res = await t.api.POST('/technicians/me/location', {
        body: {
          lat: BLR.lat,
          lng: BLR.lng,
          accuracyM: 7.456,
          speedMps: 1e-320,
          headingDeg: 7.4e-323,
          recordedAt: new Date().toISOString(),
        },
        headers: tech.headers,
      });
      expect(res.response.status).toBe(202);
      const [row] = await sql<{ accuracy_m: number; speed_mps: number; heading_deg: number }>(
        `SELECT accuracy_m, speed_mps, heading_deg FROM technician_location_fixes
         WHERE technician_id = $1`,
        [tech.userId],
      );
      expect(row).toEqual({ accuracy_m: 7.46, speed_mps: 0, heading_deg: 0 });
    });

    it('rewrites the current position only after ≥ 50 m or ≥ 30 s, and keeps every fix', async () => {
      const tech = await signInAs(t, 'technician');
      const p0 = { lat: 12.9537, lng: 77.6041 };
      expect((await sendFix(tech, p0)).data).toEqual({ positionUpdated: true });
      // 20 m on, at once: history only.
      expect((await sendFix(tech, { lat: p0.lat + M100 * 0.2, lng: p0.lng })).data).toEqual({
        positionUpdated: false,
      });
      expect(await presence(tech.userId)).toMatchObject(p0);
      // 60 m from the written position: rewritten.
      const p2 = { lat: p0.lat + M100 * 0.6, lng: p0.lng };
      expect((await sendFix(tech, p2)).data).toEqual({ positionUpdated: true });
      expect((await presence(tech.userId)).lat).toBeCloseTo(p2.lat, 7);
      // 10 m on: not rewritten until 30 s passed since the last write (position and its times kept).
      const p3 = { lat: p2.lat + M100 * 0.1, lng: p0.lng };
      const written = async () =>
        (
          await sql<{ at: string }>(
            `SELECT ST_AsText(position) || ' ' || position_recorded_at || ' ' || position_written_at AS at
               FROM technician_presence WHERE technician_id = $1`,
            [tech.userId],
          )
        )[0]!.at;
      const before = await written();
      expect((await sendFix(tech, p3)).data).toEqual({ positionUpdated: false });
      expect(await written()).toBe(before);
      await sql(
        `UPDATE technician_presence SET position_written_at = now() - interval '31 seconds' WHERE technician_id = $1`,
        [tech.userId],
      );
      expect((await sendFix(tech, p3)).data).toEqual({ positionUpdated: true });
      expect((await presence(tech.userId)).lat).toBeCloseTo(p3.lat, 7);
      // The fixes' coordinates never reach a log line.
      expect(JSON.stringify(t.logs)).not.toMatch(/12\.9537|77\.6041/);
      expect((await fixes(tech.userId)).map((f) => f.position_written)).toEqual([
        true,
        false,
        true,
        false,
        true,
      ]);
      // Plausible fixes open no review.
      expect(
        await sql(`SELECT id FROM technician_location_reviews WHERE technician_id = $1`, [
          tech.userId,
        ]),
      ).toEqual([]);
    });

    it('judges concurrent fixes of one technician one after another, each against the ones stored before it', async () => {
      const tech = await signInAs(t, 'technician');
      const home = { lat: 12.9611, lng: 77.6387 };
      expect((await sendFix(tech, home)).response.status).toBe(202);
      const spot = { lat: home.lat + M100 * 0.3, lng: home.lng };
      const now = Date.now();
      // Three fixes at one new spot (recorded a second apart) are judged against the same
      // remembered context while the presence row is held: the first one's write waits for the
      // row (one fix of a technician is written at a time per process), the other two queue behind
      // it. When the row is let go, the first is stored; the other two were judged on what it
      // replaced, so each is judged again on a fresh read.
      const answers = await withClient(t.db.ownerUrl, async (c) => {
        await c.query('BEGIN');
        await c.query(`SELECT 1 FROM technician_presence WHERE technician_id = $1 FOR UPDATE`, [
          tech.userId,
        ]);
        const sent = Promise.all(
          [3, 2, 1].map((s) =>
            sendFix(tech, spot, { recordedAt: new Date(now - s * 1000).toISOString() }),
          ),
        );
        for (let waiting = 0; waiting < 1;) {
          await new Promise((r) => setTimeout(r, 20));
          [{ waiting }] = await sql<{ waiting: number }>(
            `SELECT count(*)::int AS waiting FROM pg_locks
              WHERE NOT granted AND pid IN (SELECT pid FROM pg_stat_activity
                                             WHERE datname = current_database())`,
          );
        }
        await new Promise((r) => setTimeout(r, 200)); // the other two reach the queue
        await c.query('COMMIT');
        return sent;
      });
      expect(answers.map((a) => a.response.status)).toEqual([202, 202, 202]);
      // In the order they were stored: the first at the spot is clean, the second repeats the last
      // fix, the third an earlier one too — as if they had been sent one by one.
      expect((await fixes(tech.userId)).map((f) => f.reasons)).toEqual([
        [],
        [],
        ['repeated_coordinates'],
        ['replayed_coordinates'],
      ]);
    });

    it('stores fixes of many technicians arriving together in one statement, each its own', async () => {
      const techs = await Promise.all(
        Array.from({ length: 22 }, (_, i) =>
          activeTechnician({ lat: BLR.lat + i * M100 * 10, lng: BLR.lng - 0.3 }),
        ),
      );
      const batches = async () => {
        const text = await scrapeMetrics(t);
        const read = (what: string) =>
          Number(
            new RegExp(
              `^technician_fix_batch_size_${what}\\{statement="write"\\} (\\d+)`,
              'm',
            ).exec(text)?.[1] ?? 0,
          );
        return { statements: read('count'), fixes: read('sum') };
      };
      const before = await batches();
      const moved = techs.map((_, i) => ({
        lat: BLR.lat + i * M100 * 10 + M100,
        lng: BLR.lng - 0.3,
      }));
      // The first two technicians' presence rows are held: their writes (one statement each, the
      // two allowed in flight) wait, and the other twenty's fixes queue behind them.
      const answers = await withClient(t.db.ownerUrl, async (c) => {
        await c.query('BEGIN');
        await c.query(
          `SELECT 1 FROM technician_presence WHERE technician_id = ANY($1::uuid[]) FOR UPDATE`,
          [[techs[0]!.userId, techs[1]!.userId]],
        );
        const sent = Promise.all(techs.map((tech, i) => sendFix(tech, moved[i]!)));
        await new Promise((r) => setTimeout(r, 500));
        await c.query('COMMIT');
        return sent;
      });
      expect(answers.map((a) => a.data)).toEqual(techs.map(() => ({ positionUpdated: true })));
      const after = await batches();
      expect(after.fixes - before.fixes).toBe(22);
      expect(after.statements - before.statements).toBeLessThan(22);
      // Each technician's own fix became its own position, and its history holds it once.
      const rows = await sql<{ id: string; lat: number; lng: number; n: number }>(
        `SELECT p.technician_id::text AS id, ST_Y(p.position::geometry) AS lat,
                ST_X(p.position::geometry) AS lng,
                (SELECT count(*)::int FROM technician_location_fixes f WHERE f.technician_id = p.technician_id) AS n
           FROM technician_presence p WHERE p.technician_id = ANY($1::uuid[])`,
        [techs.map((x) => x.userId)],
      );
      const byId = new Map(rows.map((r) => [r.id, r]));
      techs.forEach((tech, i) => {
        const row = byId.get(tech.userId)!;
        expect(row.lat).toBeCloseTo(moved[i]!.lat, 6);
        expect(row.lng).toBeCloseTo(moved[i]!.lng, 6);
        expect(row.n).toBe(2);
      });
    });

    it('judges a fix on the remembered last fixes only while nothing else wrote the presence row', async () => {
      const tech = await signInAs(t, 'technician');
      const home = { lat: 12.9611, lng: 77.6387 };
      expect((await sendFix(tech, home)).response.status).toBe(202);
      // Another API process stores a fix 50 km away (its history row and a new presence version).
      await sql(
        `WITH f AS (
           INSERT INTO technician_location_fixes (technician_id, recorded_at, lat_e7, lng_e7,
             accuracy_m, mock, score, reasons, position_written)
           VALUES ($1, now() - interval '5 seconds', $2, $3, 8, false, 0, '{}', false))
         UPDATE technician_presence SET updated_at = now() WHERE technician_id = $1`,
        [tech.userId, Math.round((home.lat + M100 * 500) * 1e7), Math.round(home.lng * 1e7)],
      );
      // 100 m from home, but 50 km from the fix stored elsewhere 5 s earlier: impossible.
      const next = { lat: home.lat + M100, lng: home.lng };
      expect((await sendFix(tech, next)).response.status).toBe(202);
      expect((await fixes(tech.userId)).map((f) => f.reasons)).toEqual([
        [],
        [],
        ['impossible_speed'],
      ]);
    });

    it('finds a replayed fix older than the last five, as a remembered context cannot', async () => {
      const tech = await signInAs(t, 'technician');
      const start = { lat: 12.9611, lng: 77.6387 };
      const t0 = Date.now() - 60_000;
      const at = (i: number) => ({ recordedAt: new Date(t0 + i * 10_000).toISOString() });
      // Five fixes 100 m apart, 10 s apart (the burst of the location limit)...
      for (let i = 0; i < 5; i++) {
        const p = { lat: start.lat + M100 * i, lng: start.lng };
        expect((await sendFix(tech, p, at(i))).response.status).toBe(202);
      }
      // ...a sixth after the limit's refill (one every 2 s), then the first fix's exact coordinates.
      await new Promise((r) => setTimeout(r, 4_100));
      expect(
        (await sendFix(tech, { lat: start.lat + M100 * 3, lng: start.lng }, at(5))).response.status,
      ).toBe(202);
      expect((await sendFix(tech, start, at(6))).response.status).toBe(202);
      expect((await fixes(tech.userId)).at(-1)!.reasons).toContain('replayed_coordinates');
    });

    it('stores each fix with its plausibility score and reasons', async () => {
      const tech = await signInAs(t, 'technician');
      await sendFix(tech, BLR, { accuracyM: 150 });
      await sendFix(tech, BLR, { recordedAt: new Date(Date.now() + 120_000).toISOString() });
      expect(await fixes(tech.userId)).toEqual([
        { score: 15, reasons: ['weak_accuracy'], position_written: true },
        { score: 60, reasons: ['repeated_coordinates', 'clock_skew'], position_written: false },
      ]);
      // 15 → 15/2 + 60 = 67.5: below the threshold (100), not flagged.
      expect(await presence(tech.userId)).toMatchObject({ spoof_score: 67.5, flagged: false });
    });
  });

  describe('flagging and the review queue', () => {
    const reviewOf = async (id: string) => {
      const { data } = await t.api.GET('/admin/technicians/location-reviews', {
        params: { query: { limit: 100 } },
        headers: admin.headers,
      });
      return data!.items.find((r) => r.technicianId === id);
    };
    const nearbyIds = async (at: { lat: number; lng: number }) =>
      (
        await t.api.GET('/technicians/nearby', {
          params: { query: { lat: at.lat, lng: at.lng, radiusKm: 2 } },
          headers: customer.headers,
        })
      ).data!.items.map((i) => i.id);
    const audits = (id: string) =>
      sql<{ action: string; reason: string; actor_id: string }>(
        `SELECT action, reason, actor_id::text AS actor_id FROM audit_events WHERE target_id = $1 ORDER BY seq`,
        [id],
      );

    it('a mock fix flags the technician: out of the nearby list, into the queue; clearing brings it back (audited)', async () => {
      const at = { lat: 12.9, lng: 77.5 };
      const tech = await activeTechnician(at);
      expect(await nearbyIds(at)).toContain(tech.userId);
      expect(
        (await sendFix(tech, { lat: at.lat + M100 * 0.1, lng: at.lng }, { mock: true })).data,
      ).toEqual({ positionUpdated: false });
      expect(await presence(tech.userId)).toMatchObject({ flagged: true, spoof_score: 100 });
      expect(await nearbyIds(at)).not.toContain(tech.userId);
      expect(await reviewOf(tech.userId)).toMatchObject({
        status: 'open',
        score: 100,
        reasons: ['mock_location'],
        displayName: 'Test technician',
      });
      // The technician is told it is flagged, not why.
      expect((await setAvailability(tech, 'active')).data).toEqual({
        availability: 'active',
        flagged: true,
      });

      const cleared = await t.api.POST('/admin/technicians/{id}/location-review/clear', {
        params: { path: { id: tech.userId } },
        body: { reason: 'called the technician: developer options left on' },
        headers: admin.headers,
      });
      expect(cleared.response.status).toBe(200);
      expect(cleared.data).toMatchObject({ status: 'cleared', resolvedAt: expect.any(String) });
      expect(await presence(tech.userId)).toMatchObject({ flagged: false, spoof_score: 0 });
      expect(await reviewOf(tech.userId)).toBeUndefined();
      expect(await nearbyIds(at)).toContain(tech.userId);
      expect(await audits(tech.userId)).toEqual([
        {
          action: 'technician.location-review.clear',
          reason: 'called the technician: developer options left on',
          actor_id: admin.userId,
        },
      ]);
      const again = await t.api.POST('/admin/technicians/{id}/location-review/clear', {
        params: { path: { id: tech.userId } },
        body: { reason: 'twice' },
        headers: admin.headers,
      });
      expect(again.response.status).toBe(404);
      expect(again.error).toMatchObject({ code: 'technician/no-open-review' });
    });

    it('a teleport flags the technician; suspending suspends the account and closes the review (audited)', async () => {
      const at = { lat: 12.8, lng: 77.4 };
      const tech = await activeTechnician(at);
      // 10 km in a second.
      await sendFix(tech, { lat: at.lat + M100 * 100, lng: at.lng });
      expect((await fixes(tech.userId)).at(-1)).toMatchObject({
        score: 100,
        reasons: ['impossible_speed'],
        position_written: false,
      });
      expect((await presence(tech.userId)).lat).toBeCloseTo(at.lat, 7);
      expect((await reviewOf(tech.userId))?.reasons).toEqual(['impossible_speed']);
      // The offer code's check: accepting now, right after the jump, is teleport-then-accept;
      // accepting before it was not.
      const teleported = (acceptedAt: Date) =>
        t.app
          .get(TransactionRunner)
          .run((tx) =>
            t.app.get(TechnicianPresence).teleportedBeforeAccept(tx, tech.userId, acceptedAt),
          );
      expect(await teleported(new Date(Date.now() + 1000))).toMatchObject({
        suspicious: true,
        jumpM: expect.any(Number) as number,
      });
      expect(await teleported(new Date(Date.now() - 60_000))).toEqual({
        suspicious: false,
        jumpM: 0,
      });

      const suspended = await t.api.POST('/admin/technicians/{id}/location-review/suspend', {
        params: { path: { id: tech.userId } },
        body: { reason: 'teleported across the city before offers' },
        headers: admin.headers,
      });
      expect(suspended.response.status).toBe(200);
      expect(suspended.data).toMatchObject({
        status: 'suspended',
        resolutionReason: 'teleported across the city before offers',
      });
      const [user] = await sql<{ status: string }>(`SELECT status FROM users WHERE id = $1`, [
        tech.userId,
      ]);
      expect(user!.status).toBe('suspended');
      expect((await presence(tech.userId)).availability).toBe('inactive');
      expect((await audits(tech.userId)).map((a) => a.action).sort()).toEqual([
        'account.suspend',
        'technician.location-review.suspend',
      ]);
      const refused = await sendFix(tech, at);
      expect(refused.error).toMatchObject({ code: 'technician/not-approved' });

      // Approved again (staff's decision): unflagged, back in the nearby list once active.
      const approved = await t.api.POST('/admin/users/{id}/approve', {
        params: { path: { id: tech.userId } },
        body: { reason: 'explained: phone clock and GPS app were misconfigured' },
        headers: admin.headers,
      });
      expect(approved.response.status).toBe(200);
      expect(await presence(tech.userId)).toMatchObject({ flagged: false, spoof_score: 0 });
      await setAvailability(tech, 'active');
      expect(await nearbyIds(at)).toContain(tech.userId);
    });
  });

  describe('nearby search', () => {
    // Mumbai: away from the other tests' technicians.
    const q = { lat: 19.076, lng: 72.8777 };
    let near: SignedIn;
    let mid: SignedIn;
    let far: SignedIn;

    beforeAll(async () => {
      near = await activeTechnician(
        { lat: q.lat + M100 * 3.4, lng: q.lng },
        { skills: ['screen replacement', 'battery'], brands: ['Samsung', 'Apple'] },
      );
      mid = await activeTechnician(
        { lat: q.lat - M100 * 12.2, lng: q.lng },
        { kind: 'software', skills: ['flashing'], brands: ['Xiaomi'] },
      );
      far = await activeTechnician(
        { lat: q.lat, lng: q.lng + M100 * 30 },
        { skills: ['battery'], brands: ['Samsung'] },
      );
      const inactive = await activeTechnician({ lat: q.lat + M100, lng: q.lng });
      await setAvailability(inactive, 'inactive');
      const suspended = await activeTechnician({ lat: q.lat + M100 * 2, lng: q.lng });
      await sql(`UPDATE users SET status = 'suspended' WHERE id = $1`, [suspended.userId]);
      await activeTechnician({ lat: q.lat + M100 * 100, lng: q.lng }); // 10 km: outside 5 km
    });

    const search = (query: Record<string, string | number>) =>
      t.api.GET('/technicians/nearby', {
        params: { query: { lat: q.lat, lng: q.lng, ...query } as { lat: number; lng: number } },
        headers: customer.headers,
      });

    it('lists available, approved technicians nearest first, distance in 100 m steps, no coordinates', async () => {
      const { data, response } = await search({});
      expect(response.status).toBe(200);
      expect(data!.items).toEqual([
        {
          id: near.userId,
          displayName: 'Test technician',
          kind: 'hardware',
          skills: ['screen replacement', 'battery'],
          brands: ['Samsung', 'Apple'],
          distanceM: 300,
          // No ratings, jobs or offers yet: the prior mean (3.5), rank score (3.5 − 1) / 4
          // (test/ratings.e2e-spec.ts shows a rated technician's).
          ratingCount: 0,
          rating: 3.5,
          completedJobs: 0,
          rankScore: 0.625,
        },
        expect.objectContaining({ id: mid.userId, kind: 'software', distanceM: 1200 }),
        expect.objectContaining({ id: far.userId, distanceM: 2800 }),
      ]);
      for (const item of data!.items) expect(item.distanceM % 100).toBe(0);
      const text = JSON.stringify(data);
      expect(text).not.toMatch(/lat|lng|latitude|longitude|position/i);
      expect(text).not.toContain('19.07');
      // The query's coordinates never reach a log line.
      expect(JSON.stringify(t.logs)).not.toContain('19.076');
      expect(JSON.stringify(t.logs)).toContain('/technicians/nearby?lat=[redacted]');
    });

    it('filters by radius, kind, skill and brand, and pages', async () => {
      const ids = async (query: Record<string, string | number>) =>
        (await search(query)).data!.items.map((i) => i.id);
      expect(await ids({ radiusKm: 2 })).toEqual([near.userId, mid.userId]);
      expect(await ids({ kind: 'hardware' })).toEqual([near.userId, far.userId]);
      expect(await ids({ skill: 'battery' })).toEqual([near.userId, far.userId]);
      expect(await ids({ brand: 'Xiaomi' })).toEqual([mid.userId]);
      expect(await ids({ brand: 'Samsung', skill: 'screen replacement' })).toEqual([near.userId]);
      const first = await search({ limit: 2 });
      expect(first.data!.items.map((i) => i.id)).toEqual([near.userId, mid.userId]);
      const second = await search({ limit: 2, cursor: first.data!.nextCursor! });
      expect(second.data!.items.map((i) => i.id)).toEqual([far.userId]);
      expect(second.data!.nextCursor).toBeUndefined();
      expect((await search({ cursor: 'not-a-cursor' })).response.status).toBe(400);
      const bad = await search({ radiusKm: 500 });
      expect(bad.response.status).toBe(400);
      expect(bad.error).toMatchObject({ errors: [{ field: 'radiusKm', in: 'query' }] });
    });

    it('orders technicians at the same distance by id, across pages', async () => {
      // Pune: three technicians on one spot, i.e. tied on distance.
      const spot = { lat: 18.5204, lng: 73.8567 };
      const tied = await Promise.all([1, 2, 3].map(() => activeTechnician(spot)));
      const expected = tied.map((x) => x.userId).sort();
      const seen: string[] = [];
      let cursor: string | undefined;
      do {
        const { data } = await t.api.GET('/technicians/nearby', {
          params: { query: { ...spot, limit: 1, ...(cursor ? { cursor } : {}) } },
          headers: customer.headers,
        });
        seen.push(...data!.items.map((i) => i.id));
        cursor = data!.nextCursor;
      } while (cursor);
      expect(seen).toEqual(expected);
    });

    it('is for customers: technicians and dealers are refused', async () => {
      expect(
        (
          await t.api.GET('/technicians/nearby', {
            params: { query: q },
            headers: near.headers,
          })
        ).response.status,
      ).toBe(403);
    });
  });

  it('limits location updates to 30/min per technician (burst 5)', async () => {
    const tech = await signInAs(t, 'technician');
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++)
      statuses.push((await sendFix(tech, { lat: 13 + i * M100, lng: 77.7 })).response.status);
    expect(statuses).toEqual([202, 202, 202, 202, 202, 429]);
    // Another technician has its own bucket.
    const other = await signInAs(t, 'technician');
    expect((await sendFix(other, { lat: 13, lng: 77.7 })).response.status).toBe(202);
  });

  it('purges fixes older than the retention; the history refuses edits and early deletes', async () => {
    const tech = await signInAs(t, 'technician');
    await sendFix(tech, { lat: 13.1, lng: 77.8 });
    await sql(
      `INSERT INTO technician_location_fixes (technician_id, recorded_at, received_at, lat_e7, lng_e7,
         accuracy_m, mock, score, position_written)
       VALUES ($1, now() - interval '31 days', now() - interval '31 days', 131000000, 778000000, 8, false, 0, false),
              ($1, now() - interval '29 days', now() - interval '29 days', 131000000, 778000000, 8, false, 0, false)`,
      [tech.userId],
    );
    await expect(
      sql(`UPDATE technician_location_fixes SET score = 0 WHERE technician_id = $1`, [tech.userId]),
    ).rejects.toThrow(/append-only/);
    await expect(
      sql(
        `DELETE FROM technician_location_fixes WHERE technician_id = $1 AND received_at > now() - interval '1 day'`,
        [tech.userId],
      ),
    ).rejects.toThrow(/append-only/);
    const days = async () =>
      (
        await sql<{ days: number }>(
          `SELECT round(extract(epoch FROM now() - received_at) / 86400)::int AS days
             FROM technician_location_fixes WHERE technician_id = $1 ORDER BY received_at`,
          [tech.userId],
        )
      ).map((r) => r.days);
    expect(await days()).toEqual([31, 29, 0]);
    await t.app.get(JobQueue).send(TECHNICIAN_JOBS.purgeLocationHistory, {});
    const deadline = Date.now() + 20_000;
    while ((await days()).length === 3 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 200));
    expect(await days()).toEqual([29, 0]);
  });
});
