/**
 * A repair job's life before its money (src/repairs/domain/repair-job-state.ts), through the typed
 * client on real PostgreSQL: a request (validated), staff assignment to an approved technician of
 * its kind (audited), the technician's steps (online jobs have no travel, offline ones are diagnosed
 * on arrival), quotes priced at the technician's GST rates (none when not registered), superseded,
 * rejected and approved (the total becomes what is paid), withdrawal and reassignment (open quotes
 * fall), cancellation before payment, and who sees what (a job is a 404 to anyone else). Paying,
 * confirming and releasing a job: test/repair-job-payable.e2e-spec.ts.
 */
import { createAccount, signInAs, testGstin, testPan, type SignedIn } from './support/accounts.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { QUIET_ENV } from './support/accounts.js';
import { withClient } from './support/test-database.js';

describe('repair jobs: request, assignment, the technician’s steps, quotes, cancellation', () => {
  let t: TestApp;
  let admin: SignedIn;
  let ops: SignedIn;

  const sql = <T extends Record<string, unknown>>(text: string, params: unknown[] = []) =>
    withClient(t.db.ownerUrl, async (c) => (await c.query<T>(text, params)).rows);
  const path = (repairJobId: string) => ({ params: { path: { repairJobId } } });

  const request = (customer: SignedIn, body: Record<string, unknown> = {}) =>
    t.api.POST('/repairs', {
      body: {
        kind: 'software',
        mode: 'online',
        deviceBrand: 'Xiaomi',
        deviceModel: 'Redmi Note 12',
        problem: 'Stuck in a boot loop after an update',
        ...body,
      } as never,
      headers: customer.headers,
    });
  const assign = (repairJobId: string, technicianId: string) =>
    t.api.POST('/admin/repairs/{repairJobId}/assign', {
      ...path(repairJobId),
      body: { technicianId },
      headers: admin.headers,
    });
  const step = (
    technician: SignedIn,
    repairJobId: string,
    s: 'depart' | 'arrive' | 'diagnose' | 'finish',
  ) =>
    t.api.POST(`/technician/repairs/{repairJobId}/${s}`, {
      ...path(repairJobId),
      headers: technician.headers,
    });
  const quote = (
    technician: SignedIn,
    repairJobId: string,
    lines: {
      kind: 'labour' | 'parts';
      unitPaise: number;
      gstRateBps: 0 | 500 | 1200 | 1800 | 2800;
      quantity?: number;
    }[],
  ) =>
    t.api.POST('/technician/repairs/{repairJobId}/quotes', {
      ...path(repairJobId),
      body: {
        lines: lines.map((l) => ({
          description: l.kind === 'labour' ? 'Firmware reflash' : 'Battery',
          quantity: 1,
          ...l,
        })),
      },
      headers: technician.headers,
    });
  const statusOf = async (repairJobId: string) =>
    (
      await sql<{ status: string }>(`SELECT status FROM repair_jobs WHERE id = $1`, [repairJobId])
    )[0]!.status;

  beforeAll(async () => {
    t = await startTestApp({ env: QUIET_ENV });
    admin = await signInAs(t, 'admin');
    ops = await signInAs(t, 'ops_leader');
  });
  afterAll(() => t?.close());

  it('refuses a bad request, naming the field', async () => {
    const customer = await signInAs(t, 'customer');
    const noPlace = await request(customer, { kind: 'hardware', mode: 'offline' });
    expect(noPlace.response.status).toBe(422);
    expect(noPlace.error).toMatchObject({
      code: 'repair-job/location-required',
      errors: [{ field: 'location' }],
    });
    const window = await request(customer, {
      preferredFrom: '2026-12-10T10:00:00Z',
      preferredTo: '2026-12-10T09:00:00Z',
    });
    expect(window.error).toMatchObject({
      code: 'repair-job/window-invalid',
      errors: [{ field: 'preferredTo' }],
    });
    const badKind = await request(customer, { kind: 'plumbing' });
    expect(badKind.response.status).toBe(400);
    expect(badKind.error).toMatchObject({ code: 'request/validation-failed' });
    const badPoint = await request(customer, { mode: 'offline', location: { lat: 123, lng: 77 } });
    expect(badPoint.response.status).toBe(400);
    expect(
      await sql(`SELECT 1 FROM repair_jobs WHERE customer_id = $1`, [customer.userId]),
    ).toEqual([]);
  });

  it('walks an online software job: assigned by staff, diagnosed remotely, quoted, rejected, re-quoted, approved', async () => {
    const customer = await signInAs(t, 'customer');
    const technician = await signInAs(t, 'technician', { technicianKind: 'software' });
    const created = await request(customer);
    expect(created.response.status).toBe(201);
    const job = created.data!;
    expect(job).toMatchObject({
      status: 'awaiting_assignment',
      technicianId: null,
      mode: 'online',
      location: null,
      amountPaise: null,
    });
    const queue = await t.api.GET('/admin/repairs', {
      params: { query: { status: 'awaiting_assignment', kind: 'software' } },
      headers: admin.headers,
    });
    expect(queue.data!.items.map((j) => j.id)).toContain(job.id);

    // Only an approved technician of the job's kind.
    const hardware = await createAccount(t, 'technician', { technicianKind: 'hardware' });
    const pending = await createAccount(t, 'technician', {
      technicianKind: 'software',
      status: 'pending',
    });
    // Nor one whose profile is not complete for jobs (no brands, no payee details).
    const unready = await createAccount(t, 'technician', {
      technicianKind: 'software',
      readyForJobs: false,
    });
    for (const id of [hardware.userId, pending.userId, customer.userId, unready.userId]) {
      const refused = await assign(job.id, id);
      expect(refused.response.status).toBe(422);
      expect(refused.error).toMatchObject({
        code: 'repair-job/technician-not-assignable',
        errors: [{ field: 'technicianId' }],
      });
    }
    expect(JSON.stringify((await assign(job.id, unready.userId)).error)).toContain(
      'brands, payee_details',
    );
    const assigned = await assign(job.id, technician.userId);
    expect(assigned.data).toMatchObject({ status: 'assigned', technicianId: technician.userId });
    expect(assigned.data!.assignedAt).not.toBeNull();
    const [audit] = await sql<{ action: string; after: { technicianId: string } }>(
      `SELECT action, after FROM audit_events WHERE target_id = $1 ORDER BY seq`,
      [job.id],
    );
    expect(audit).toMatchObject({
      action: 'repair_job.assign',
      after: { technicianId: technician.userId },
    });
    // Assigned already: another technician needs a reassignment (ops leader, with a reason).
    const another = await createAccount(t, 'technician', { technicianKind: 'software' });
    expect((await assign(job.id, another.userId)).error).toMatchObject({
      code: 'repair-job/invalid-transition',
      from: 'assigned',
    });

    // Online: no travel; diagnosed from assigned.
    const travel = await step(technician, job.id, 'depart');
    expect(travel.response.status).toBe(409);
    expect(travel.error).toMatchObject({ code: 'repair-job/online' });
    expect((await step(technician, job.id, 'diagnose')).data).toMatchObject({
      status: 'diagnosing',
    });

    // Not GST-registered: no GST on any line; the field is named.
    const taxed = await quote(technician, job.id, [
      { kind: 'labour', unitPaise: 80_000, gstRateBps: 0 },
      { kind: 'parts', unitPaise: 150_000, gstRateBps: 1800 },
    ]);
    expect(taxed.response.status).toBe(422);
    expect(taxed.error).toMatchObject({
      code: 'repair-quote/invalid',
      errors: [{ field: 'lines[1].gstRateBps' }],
    });
    const first = await quote(technician, job.id, [
      { kind: 'labour', unitPaise: 80_000, gstRateBps: 0 },
    ]);
    expect(first.response.status).toBe(201);
    const second = await quote(technician, job.id, [
      { kind: 'labour', unitPaise: 60_000, gstRateBps: 0 },
      { kind: 'parts', unitPaise: 25_000, gstRateBps: 0, quantity: 2 },
    ]);
    expect(second.data).toMatchObject({
      status: 'proposed',
      taxablePaise: 110_000,
      gstPaise: 0,
      totalPaise: 110_000,
    });
    const quotes = await t.api.GET('/repairs/{repairJobId}/quotes', {
      ...path(job.id),
      headers: customer.headers,
    });
    expect(quotes.data!.map((q) => [q.id, q.status])).toEqual([
      [second.data!.id, 'proposed'],
      [first.data!.id, 'superseded'],
    ]);
    // Only the proposed quote can be decided.
    const stale = await t.api.POST('/repairs/{repairJobId}/quote/approve', {
      ...path(job.id),
      body: { quoteId: first.data!.id },
      headers: customer.headers,
    });
    expect(stale.response.status).toBe(409);
    expect(stale.error).toMatchObject({ code: 'repair-quote/not-proposed' });

    const rejected = await t.api.POST('/repairs/{repairJobId}/quote/reject', {
      ...path(job.id),
      body: { quoteId: second.data!.id, reason: 'Too expensive for a reflash' },
      headers: customer.headers,
    });
    expect(rejected.data).toMatchObject({ status: 'diagnosing', amountPaise: null });
    const third = await quote(technician, job.id, [
      { kind: 'labour', unitPaise: 70_000, gstRateBps: 0 },
    ]);
    const approved = await t.api.POST('/repairs/{repairJobId}/quote/approve', {
      ...path(job.id),
      body: { quoteId: third.data!.id },
      headers: customer.headers,
    });
    expect(approved.data).toMatchObject({ status: 'awaiting_payment', amountPaise: 70_000 });
    const history = await sql<{ event: string; actor_role: string }>(
      `SELECT event, actor_role FROM repair_job_history WHERE repair_job_id = $1 ORDER BY id`,
      [job.id],
    );
    expect(history.map((h) => h.event)).toEqual([
      'assign',
      'diagnose',
      'quote',
      'quote',
      'reject_quote',
      'quote',
      'approve_quote',
    ]);
    expect(history[0]!.actor_role).toBe('staff:admin');
  });

  it('prices a GST-registered technician’s lines at their own rates, GST half up per line', async () => {
    const customer = await signInAs(t, 'customer');
    const technician = await signInAs(t, 'technician', { technicianKind: 'hardware' });
    const pan = testPan();
    await sql(`UPDATE users SET pan = $2, gstin = $3 WHERE id = $1`, [
      technician.userId,
      pan,
      testGstin('Karnataka', pan),
    ]);
    const job = (
      await request(customer, {
        kind: 'hardware',
        mode: 'offline',
        location: { lat: 12.9716, lng: 77.5946 },
        address: '12 MG Road, Bengaluru',
      })
    ).data!;
    expect(job.location).toEqual({ lat: 12.9716, lng: 77.5946 });
    await assign(job.id, technician.userId);
    // Offline: diagnosed only once there.
    expect((await step(technician, job.id, 'diagnose')).error).toMatchObject({
      code: 'repair-job/not-arrived',
    });
    for (const s of ['depart', 'arrive', 'diagnose'] as const)
      expect((await step(technician, job.id, s)).response.status).toBe(200);
    const q = await quote(technician, job.id, [
      { kind: 'labour', unitPaise: 33_333, gstRateBps: 1800 },
      { kind: 'parts', unitPaise: 99_999, gstRateBps: 1200, quantity: 3 },
    ]);
    // 33333 × 18 % = 5999.94 → 6000; 299997 × 12 % = 35999.64 → 36000.
    expect(q.data).toMatchObject({ taxablePaise: 333_330, gstPaise: 42_000, totalPaise: 375_330 });
    expect(q.data!.lines.map((l) => [l.taxablePaise, l.gstPaise])).toEqual([
      [33_333, 6_000],
      [299_997, 36_000],
    ]);
  });

  it('lets the technician withdraw and ops reassign before payment (open quotes fall), and the customer cancel', async () => {
    const customer = await signInAs(t, 'customer');
    const first = await signInAs(t, 'technician', { technicianKind: 'software' });
    const second = await signInAs(t, 'technician', { technicianKind: 'software' });
    const job = (await request(customer)).data!;
    await assign(job.id, first.userId);
    await step(first, job.id, 'diagnose');
    const q = await quote(first, job.id, [{ kind: 'labour', unitPaise: 50_000, gstRateBps: 0 }]);
    await t.api.POST('/repairs/{repairJobId}/quote/approve', {
      ...path(job.id),
      body: { quoteId: q.data!.id },
      headers: customer.headers,
    });

    const noReason = await t.api.POST('/technician/repairs/{repairJobId}/withdraw', {
      ...path(job.id),
      body: {} as never,
      headers: first.headers,
    });
    expect(noReason.response.status).toBe(400);
    const withdrawn = await t.api.POST('/technician/repairs/{repairJobId}/withdraw', {
      ...path(job.id),
      body: { reason: 'Cannot source the part this week' },
      headers: first.headers,
    });
    expect(withdrawn.data).toMatchObject({
      status: 'awaiting_assignment',
      technicianId: null,
      amountPaise: null,
    });
    const [fallen] = await sql<{ status: string }>(
      `SELECT status FROM repair_quotes WHERE id = $1`,
      [q.data!.id],
    );
    expect(fallen!.status).toBe('superseded');
    // The job is no longer theirs: a 404.
    expect((await step(first, job.id, 'diagnose')).response.status).toBe(404);

    await assign(job.id, first.userId);
    const noOpsReason = await t.api.POST('/admin/repairs/{repairJobId}/reassign', {
      ...path(job.id),
      body: { technicianId: second.userId } as never,
      headers: ops.headers,
    });
    expect(noOpsReason.response.status).toBe(400);
    const moved = await t.api.POST('/admin/repairs/{repairJobId}/reassign', {
      ...path(job.id),
      body: { technicianId: second.userId, reason: 'Customer asked for another technician' },
      headers: ops.headers,
    });
    expect(moved.data).toMatchObject({ status: 'assigned', technicianId: second.userId });
    const mine = await t.api.GET('/technician/repairs', { headers: second.headers });
    expect(mine.data!.items.map((j) => j.id)).toEqual([job.id]);
    expect(
      (await t.api.GET('/technician/repairs', { headers: first.headers })).data!.items,
    ).toEqual([]);

    const cancelled = await t.api.POST('/repairs/{repairJobId}/cancel', {
      ...path(job.id),
      body: { reason: 'Fixed it myself' },
      headers: customer.headers,
    });
    expect(cancelled.data).toMatchObject({ status: 'cancelled', technicianId: second.userId });
    expect(cancelled.data!.cancelledAt).not.toBeNull();
    const again = await t.api.POST('/repairs/{repairJobId}/cancel', {
      ...path(job.id),
      body: {},
      headers: customer.headers,
    });
    expect(again.response.status).toBe(409);
    expect(again.error).toMatchObject({ code: 'repair-job/invalid-transition', from: 'cancelled' });
    expect(await statusOf(job.id)).toBe('cancelled');

    // The timeline: every move, oldest first, by side; reasons only for staff.
    const seen = await t.api.GET('/repairs/{repairJobId}/timeline', {
      ...path(job.id),
      headers: customer.headers,
    });
    expect(seen.data!.map((e) => [e.event, e.toStatus, e.by, e.reason])).toEqual([
      ['assign', 'assigned', 'staff', null],
      ['diagnose', 'diagnosing', 'technician', null],
      ['quote', 'quoted', 'technician', null],
      ['approve_quote', 'awaiting_payment', 'customer', null],
      ['withdraw', 'awaiting_assignment', 'technician', null],
      ['assign', 'assigned', 'staff', null],
      ['reassign', 'assigned', 'staff', null],
      ['cancel', 'cancelled', 'customer', null],
    ]);
    const staffView = await t.api.GET('/admin/repairs/{repairJobId}/timeline', {
      ...path(job.id),
      headers: ops.headers,
    });
    expect(staffView.data!.map((e) => e.reason)).toEqual([
      null,
      null,
      null,
      null,
      'Cannot source the part this week',
      null,
      'Customer asked for another technician',
      'Fixed it myself',
    ]);
    // The technician it was withdrawn from no longer sees it.
    const former = await t.api.GET('/technician/repairs/{repairJobId}/timeline', {
      ...path(job.id),
      headers: first.headers,
    });
    expect(former.response.status).toBe(404);
  });

  it('shows a job only to its customer, its technician and staff', async () => {
    const customer = await signInAs(t, 'customer');
    const technician = await signInAs(t, 'technician', { technicianKind: 'software' });
    const job = (await request(customer)).data!;
    await assign(job.id, technician.userId);
    const stranger = await signInAs(t, 'customer');
    const otherTech = await signInAs(t, 'technician', { technicianKind: 'software' });
    const compliance = await signInAs(t, 'compliance');

    expect(
      (await t.api.GET('/repairs/{repairJobId}', { ...path(job.id), headers: stranger.headers }))
        .error,
    ).toMatchObject({ code: 'repair-job/not-found' });
    expect(
      (
        await t.api.GET('/technician/repairs/{repairJobId}', {
          ...path(job.id),
          headers: otherTech.headers,
        })
      ).response.status,
    ).toBe(404);
    expect((await step(otherTech, job.id, 'diagnose')).response.status).toBe(404);
    // A customer cannot act as the technician of its own job, nor the technician as its customer.
    expect(
      (
        await t.api.POST('/repairs/{repairJobId}/cancel', {
          ...path(job.id),
          body: {},
          headers: technician.headers,
        })
      ).response.status,
    ).toBe(404);
    for (const who of [customer, technician, compliance]) {
      const route =
        who === customer
          ? ('/repairs/{repairJobId}' as const)
          : who === technician
            ? ('/technician/repairs/{repairJobId}' as const)
            : ('/admin/repairs/{repairJobId}' as const);
      const seen = await t.api.GET(route, { ...path(job.id), headers: who.headers });
      expect(seen.data).toMatchObject({ id: job.id, status: 'assigned' });
    }
    const list = await t.api.GET('/repairs', { headers: stranger.headers });
    expect(list.data!.items).toEqual([]);
  });

  it('lets staff search jobs by customer, technician, time and words; customers cannot filter by someone else', async () => {
    const customer = await signInAs(t, 'customer');
    const other = await signInAs(t, 'customer');
    const technician = await signInAs(t, 'technician', { technicianKind: 'software' });
    const marker = `Zq${Date.now().toString(36)}`;
    const before = new Date().toISOString();
    const a = (
      await request(customer, { deviceModel: `Galaxy ${marker}`, problem: 'Screen 100% dead' })
    ).data!;
    const b = (await request(customer, { problem: `Cracked back glass (${marker})` })).data!;
    const c = (await request(other, { deviceModel: `Pixel ${marker}` })).data!;
    await assign(b.id, technician.userId);
    const search = async (query: Record<string, unknown>) => {
      const res = await t.api.GET('/admin/repairs', {
        params: { query: query as never },
        headers: ops.headers,
      });
      expect(res.response.status).toBe(200);
      return res.data!.items.map((j) => j.id);
    };

    expect(await search({ q: marker })).toEqual([c.id, b.id, a.id]);
    expect(await search({ q: `${marker.toLowerCase()} galaxy` })).toEqual([a.id]);
    // LIKE's own characters are literal: "100%" matches only the job that says it.
    expect(await search({ q: `${marker} 100%` })).toEqual([a.id]);
    expect(await search({ q: `${marker} 1_0` })).toEqual([]);
    expect(await search({ q: marker, customerId: customer.userId })).toEqual([b.id, a.id]);
    expect(await search({ technicianId: technician.userId })).toEqual([b.id]);
    expect(await search({ q: marker, status: 'assigned' })).toEqual([b.id]);
    expect(await search({ q: marker, from: before, limit: 2 })).toEqual([c.id, b.id]);
    expect(await search({ q: marker, to: before })).toEqual([]);

    for (const [query, code] of [
      [{ customerId: 'nope' }, 'customerId'],
      [{ from: 'yesterday' }, 'from'],
      [{ q: ' ' }, 'q'],
    ] as const) {
      const res = await t.api.GET('/admin/repairs', {
        params: { query: query as never },
        headers: ops.headers,
      });
      expect(res.response.status).toBe(400);
      expect(JSON.stringify(res.error)).toContain(code);
    }
    // The customer's own list ignores staff filters: a customer sees its own jobs only.
    const own = await t.api.GET('/repairs', {
      params: { query: { customerId: other.userId } as never },
      headers: customer.headers,
    });
    expect(own.response.status).toBe(400);
  });
});
