/**
 * Disputes, manual holds and early release of repair jobs, through the typed client and the Razorpay
 * sandbox over HTTP on real PostgreSQL. The customer disputes a done job within its confirmation
 * window: the job is `disputed`, neither confirmed nor released; its technician answers and adds
 * evidence; staff resolve it — released to the technician, refunded in full, or released less a
 * partial refund — through the same release and refund steps (the repair recipe). Staff hold a job's
 * escrow (the release job skips it until lifted) and release a done job early (a second staff member
 * above the threshold). After each money path: paid = technician net + service fee + GST on it + TCS
 * + TDS + refunds, the job's escrow at zero, the trial balance balanced, the journal verified. A
 * disputed job names its open dispute; staff find repairs' disputes by subject and job. Bad input
 * (wrong state, wrong actor, another's job, no reason, a bad filter) gets a problem document.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RazorpaySandbox } from '../scripts/razorpay-sandbox/sandbox.js';
import { EscrowReleaseService } from '../src/escrow/escrow-release.service.js';
import { RefundsService } from '../src/payments/refunds.service.js';
import { RepairJobs } from '../src/repairs/repair-jobs.service.js';
import { signInAs, type SignedIn } from './support/accounts.js';
import { expectJobBooks } from './support/books.js';
import { startSandboxApp, type SandboxApp } from './support/payments.js';
import { approvedRepairJob, hardwareTechnician, payRepairJob } from './support/repairs.js';
import type { TestApp } from './support/test-app.js';
import { withClient } from './support/test-database.js';
import { TEST_IMAGES } from './support/test-images.js';

/** Early releases above ₹1,000 need a second staff member. */
const THRESHOLD = 100_000;
/** Above the threshold. */
const PAID = 150_000;
/** At or below it. */
const SMALL = 60_000;

interface Job {
  customer: SignedIn;
  technician: SignedIn;
  repairJobId: string;
}

describe('repair jobs: disputes, manual holds and early release (Razorpay sandbox over HTTP)', () => {
  let sandbox: RazorpaySandbox;
  let t: TestApp;
  let started: SandboxApp | undefined;
  let admin: SignedIn;
  let finance: SignedIn;
  let release: EscrowReleaseService;
  let refunds: RefundsService;

  const sql = <T extends Record<string, unknown>>(text: string, params: unknown[] = []) =>
    withClient(t.db.ownerUrl, async (c) => (await c.query<T>(text, params)).rows);
  const path = (repairJobId: string) => ({ params: { path: { repairJobId } } });
  /** A request the typed client would not send (missing or malformed fields). */
  const raw = (who: SignedIn, url: string, body: unknown) =>
    fetch(`${t.baseUrl}${url}`, {
      method: 'POST',
      headers: { ...who.headers, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });

  /** A hardware job paid by its customer (in progress): its escrow held. */
  const paidJob = async (amountPaise = PAID): Promise<Job> => {
    const customer = await signInAs(t, 'customer');
    const technician = await hardwareTechnician(t);
    const { repairJobId } = await approvedRepairJob(
      t,
      { customer, admin, technician },
      amountPaise,
    );
    await payRepairJob(t, sandbox, customer, repairJobId);
    return { customer, technician, repairJobId };
  };
  const finish = async ({ technician, repairJobId }: Job) =>
    expect(
      (
        await t.api.POST('/technician/repairs/{repairJobId}/finish', {
          ...path(repairJobId),
          headers: technician.headers,
        })
      ).response.status,
    ).toBe(200);
  const doneJob = async (amountPaise = PAID): Promise<Job> => {
    const job = await paidJob(amountPaise);
    await finish(job);
    return job;
  };
  const openDispute = (who: SignedIn, repairJobId: string) =>
    t.api.POST('/repairs/{repairJobId}/disputes', {
      ...path(repairJobId),
      body: { reason: 'not_fixed', description: 'The touch is still dead at the bottom' },
      headers: who.headers,
    });
  const respond = (who: SignedIn, id: string, message: string) =>
    t.api.POST('/technician/disputes/{id}/respond', {
      params: { path: { id } },
      body: { message },
      headers: who.headers,
    });
  const resolve = (
    id: string,
    body: {
      outcome: 'release' | 'full_refund' | 'partial_refund';
      refundPaise?: number;
      reason: string;
    },
    who: SignedIn = admin,
  ) =>
    t.api.POST('/admin/disputes/{id}/resolve', {
      params: { path: { id } },
      body,
      headers: who.headers,
    });
  const control = (who: SignedIn, action: 'hold' | 'unhold', repairJobId: string, reason: string) =>
    t.api.POST(`/admin/escrow/repair-jobs/{repairJobId}/${action}`, {
      ...path(repairJobId),
      body: { reason },
      headers: who.headers,
    });
  const releaseEarly = (who: SignedIn, repairJobId: string, reason: string) =>
    t.api.POST('/admin/escrow/repair-jobs/{repairJobId}/release-early', {
      ...path(repairJobId),
      body: { reason },
      headers: who.headers,
    });
  const jobOf = async ({ customer, repairJobId }: Job) =>
    (await t.api.GET('/repairs/{repairJobId}', { ...path(repairJobId), headers: customer.headers }))
      .data!;
  const holdOf = async ({ repairJobId }: Job) =>
    (
      await sql<{ status: string; refund_at_release_paise: string }>(
        `SELECT status, refund_at_release_paise::text AS refund_at_release_paise
         FROM escrow_holds WHERE repair_job_id = $1`,
        [repairJobId],
      )
    )[0]!;
  /** The job's last moves, as staff read its timeline. */
  const lastMoves = async ({ repairJobId }: Job, n: number) =>
    (
      await t.api.GET('/admin/repairs/{repairJobId}/timeline', {
        ...path(repairJobId),
        headers: admin.headers,
      })
    )
      .data!.slice(-n)
      .map((e) => [e.event, e.by, e.toStatus]);
  const auditOf = async (targetId: string) =>
    (
      await sql<{ action: string }>(
        `SELECT action FROM audit_events WHERE target_id = $1 ORDER BY seq`,
        [targetId],
      )
    ).map((r) => r.action);
  /** The books of a job whose escrow was released (or refunded: `released` false). */
  const books = (job: Job, released: boolean) =>
    expectJobBooks(t, finance, {
      repairJobId: job.repairJobId,
      technicianId: job.technician.userId,
      released,
    });

  beforeAll(async () => {
    started = await startSandboxApp({
      env: {
        STORAGE_LOCAL_DIR: mkdtempSync(join(tmpdir(), 'fixbazaar-repair-disputes-')),
        EARLY_RELEASE_APPROVAL_ABOVE_PAISE: String(THRESHOLD),
      },
    });
    ({ sandbox, t } = started);
    [admin, finance] = await Promise.all([signInAs(t, 'admin'), signInAs(t, 'finance')]);
    release = t.app.get(EscrowReleaseService);
    refunds = t.app.get(RefundsService);
  });
  afterAll(() => started?.close());

  it('opens once the job is done, for its customer only; freezes confirmation and release; released to the technician', async () => {
    const job = await paidJob();
    const { customer, technician, repairJobId } = job;
    // In progress: not yet.
    const early = await openDispute(customer, repairJobId);
    expect(early.response.status).toBe(409);
    expect(early.error).toMatchObject({
      code: 'dispute/outside-window',
      repairJobStatus: 'in_progress',
    });
    await finish(job);
    // Another customer's job: 404; a reason outside the list and no description: 400, by field.
    const stranger = await signInAs(t, 'customer');
    expect((await openDispute(stranger, repairJobId)).error).toMatchObject({
      code: 'repair-job/not-found',
    });
    const bad = await raw(customer, `/repairs/${repairJobId}/disputes`, {
      reason: 'angry',
      description: ' ',
    });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({
      code: 'request/validation-failed',
      errors: expect.arrayContaining([
        expect.objectContaining({ field: 'reason' }),
        expect.objectContaining({ field: 'description' }),
      ]),
    });

    const opened = await openDispute(customer, repairJobId);
    expect(opened.response.status).toBe(201);
    expect(opened.data).toMatchObject({
      kind: 'dispute',
      status: 'open',
      repairJobId,
      technicianId: technician.userId,
      buyerId: customer.userId,
      orderId: null,
      subOrderId: null,
      dealerId: null,
      reason: 'not_fixed',
      description: 'The touch is still dead at the bottom',
    });
    const id = opened.data!.id;
    expect((await jobOf(job)).status).toBe('disputed');
    expect((await openDispute(customer, repairJobId)).error).toMatchObject({
      code: 'dispute/already-open',
    });
    // The disputed job names its open dispute, to its customer, its technician and staff.
    expect(await jobOf(job)).toMatchObject({ status: 'disputed', openDisputeId: id });
    for (const view of [
      t.api.GET('/technician/repairs/{repairJobId}', {
        ...path(repairJobId),
        headers: technician.headers,
      }),
      t.api.GET('/admin/repairs/{repairJobId}', { ...path(repairJobId), headers: admin.headers }),
    ])
      expect((await view).data?.openDisputeId).toBe(id);
    // Its customer and technician list it by its job; another customer does not.
    const partyList = async (who: SignedIn) =>
      (
        await t.api.GET('/disputes', {
          params: { query: { repairJobId } },
          headers: who.headers,
        })
      ).data!.items.map((d) => d.id);
    expect(await partyList(customer)).toEqual([id]);
    expect(await partyList(technician)).toEqual([id]);
    expect(await partyList(stranger)).toEqual([]);
    // Staff find it among the repairs' disputes and by its job, not among the parts'.
    const listed = async (query: {
      subject?: 'order' | 'repair';
      repairJobId?: string;
      orderId?: string;
    }) =>
      (
        await t.api.GET('/admin/disputes', {
          params: { query: { ...query, limit: 100 } },
          headers: finance.headers,
        })
      ).data!.items.map((d) => d.id);
    expect(await listed({ repairJobId })).toEqual([id]);
    expect(await listed({ subject: 'repair', repairJobId })).toEqual([id]);
    expect(await listed({ subject: 'repair' })).toContain(id);
    expect(await listed({ subject: 'order', repairJobId })).toEqual([]);
    expect(await listed({ subject: 'order' })).not.toContain(id);
    expect(await listed({ repairJobId: randomUUID() })).toEqual([]);
    expect(await listed({ orderId: randomUUID() })).not.toContain(id);
    for (const [query, field] of [
      ['subject=parts', 'subject'],
      ['subject=dispute', 'subject'],
      ['repairJobId=job-1', 'repairJobId'],
      ['orderId=42', 'orderId'],
    ]) {
      const bad = await fetch(`${t.baseUrl}/admin/disputes?${query}`, { headers: finance.headers });
      expect(bad.status).toBe(400);
      expect(bad.headers.get('content-type')).toContain('application/problem+json');
      expect(await bad.json()).toMatchObject({
        code: 'request/validation-failed',
        errors: [expect.objectContaining({ field })],
      });
    }

    // Frozen: the customer cannot confirm, the window passing confirms nothing, nothing is released.
    const confirm = await t.api.POST('/repairs/{repairJobId}/confirm', {
      ...path(repairJobId),
      headers: customer.headers,
    });
    expect(confirm.error).toMatchObject({ code: 'repair-job/invalid-transition' });
    await sql(`UPDATE repair_jobs SET done_at = now() - interval '30 days' WHERE id = $1`, [
      repairJobId,
    ]);
    await t.app.get(RepairJobs).autoConfirm();
    await release.releaseDue();
    expect((await jobOf(job)).status).toBe('disputed');
    expect(await holdOf(job)).toMatchObject({ status: 'held' });

    // The technician answers (another technician: 404) and adds a photo; the parties read it.
    const otherTechnician = await hardwareTechnician(t);
    expect((await respond(otherTechnician, id, 'Not mine')).response.status).toBe(404);
    expect((await respond(technician, id, 'The touch worked when I left')).data).toMatchObject({
      status: 'responded',
      technicianResponse: 'The touch worked when I left',
      dealerResponse: null,
    });
    const photo = await fetch(`${t.baseUrl}/disputes/${id}/evidence`, {
      method: 'POST',
      headers: { authorization: technician.headers.authorization, 'content-type': 'image/jpeg' },
      body: TEST_IMAGES.jpeg.bytes,
    });
    expect(photo.status).toBe(201);
    const read = (who: SignedIn) =>
      t.api.GET('/disputes/{id}', { params: { path: { id } }, headers: who.headers });
    expect((await read(otherTechnician)).response.status).toBe(404);
    expect((await read(customer)).data!.evidence.map((e) => e.role)).toEqual(['technician']);

    // Released to the technician: the job is confirmed, released whole and closed.
    const resolved = await resolve(id, { outcome: 'release', reason: 'The touch works on video' });
    expect(resolved.data).toMatchObject({ status: 'resolved', resolution: 'release' });
    expect(await jobOf(job)).toMatchObject({ status: 'confirmed', openDisputeId: null });
    expect((await resolve(id, { outcome: 'release', reason: 'Again' })).error).toMatchObject({
      code: 'dispute/resolved',
    });
    await release.releaseDue();
    expect(await holdOf(job)).toMatchObject({ status: 'released', refund_at_release_paise: '0' });
    expect(await lastMoves(job, 4)).toEqual([
      ['finish', 'technician', 'done'],
      ['dispute', 'customer', 'disputed'],
      ['resolve_dispute', 'staff', 'confirmed'],
      ['close', 'system', 'closed'],
    ]);
    expect(await auditOf(id)).toEqual(['dispute.resolve']);
    await books(job, true);
  });

  it('refunds the customer in full: the job cancelled, its whole escrow refunded through the gateway', async () => {
    const job = await doneJob();
    const id = (await openDispute(job.customer, job.repairJobId)).data!.id;
    // Only staff resolve, with a reason.
    const byTechnician = await resolve(
      id,
      { outcome: 'full_refund', reason: 'Mine' },
      job.technician,
    );
    expect(byTechnician.response.status).toBe(403);
    const noReason = await raw(admin, `/admin/disputes/${id}/resolve`, {
      outcome: 'full_refund',
    });
    expect(noReason.status).toBe(400);
    expect(await noReason.json()).toMatchObject({
      code: 'request/validation-failed',
      errors: [expect.objectContaining({ field: 'reason' })],
    });

    const resolved = await resolve(id, { outcome: 'full_refund', reason: 'Not repaired at all' });
    expect(resolved.data).toMatchObject({ status: 'resolved', resolution: 'full_refund' });
    expect(await jobOf(job)).toMatchObject({ status: 'cancelled', visitFeePaise: 0 });
    await release.releaseDue();
    await refunds.processDue();
    expect(await holdOf(job)).toMatchObject({ status: 'refunded' });
    const listed = await t.api.GET('/repairs/{repairJobId}/payments/refunds', {
      ...path(job.repairJobId),
      headers: job.customer.headers,
    });
    expect(listed.data).toEqual([
      expect.objectContaining({ kind: 'cancellation', amountPaise: PAID, status: 'processed' }),
    ]);
    expect(await books(job, false)).toMatchObject({
      paid: BigInt(PAID),
      refunded: BigInt(PAID),
      escrow: 0n,
      technicianNet: 0n,
    });
  });

  it('releases less a partial refund: the refund at release goes back to the customer once', async () => {
    const job = await doneJob();
    const id = (await openDispute(job.customer, job.repairJobId)).data!.id;
    const whole = await resolve(id, {
      outcome: 'partial_refund',
      refundPaise: PAID,
      reason: 'All of it',
    });
    expect(whole.response.status).toBe(422);
    expect(whole.error).toMatchObject({ code: 'dispute/refund-out-of-range', heldPaise: PAID });
    expect((await resolve(id, { outcome: 'partial_refund', reason: 'Some' })).error).toMatchObject({
      code: 'dispute/refund-required',
    });
    expect(
      (await resolve(id, { outcome: 'release', refundPaise: 100, reason: 'Some' })).error,
    ).toMatchObject({ code: 'dispute/refund-not-allowed' });
    // Refused: nothing changed.
    expect((await jobOf(job)).status).toBe('disputed');
    expect(await holdOf(job)).toMatchObject({ status: 'held', refund_at_release_paise: '0' });

    const resolved = await resolve(id, {
      outcome: 'partial_refund',
      refundPaise: 50_000,
      reason: 'The back camera was not fixed',
    });
    expect(resolved.data).toMatchObject({ resolution: 'partial_refund', refundPaise: 50_000 });
    expect((await jobOf(job)).status).toBe('confirmed');
    await release.releaseDue();
    await refunds.processDue();
    expect(await holdOf(job)).toMatchObject({
      status: 'released',
      refund_at_release_paise: '50000',
    });
    expect((await jobOf(job)).status).toBe('closed');
    const listed = await t.api.GET('/repairs/{repairJobId}/payments/refunds', {
      ...path(job.repairJobId),
      headers: job.customer.headers,
    });
    expect(listed.data).toEqual([
      expect.objectContaining({ kind: 'partial', amountPaise: 50_000, status: 'processed' }),
    ]);
    await books(job, true);
  });

  it('a manual hold stops the release of a confirmed job until lifted (staff only, with a reason)', async () => {
    const job = await doneJob();
    const { repairJobId } = job;
    expect((await control(job.customer, 'hold', repairJobId, 'Mine')).response.status).toBe(403);
    const noReason = await raw(finance, `/admin/escrow/repair-jobs/${repairJobId}/hold`, {});
    expect(noReason.status).toBe(400);
    expect(await noReason.json()).toMatchObject({
      code: 'request/validation-failed',
      errors: [expect.objectContaining({ field: 'reason' })],
    });
    expect((await control(finance, 'hold', randomUUID(), 'No such job')).error).toMatchObject({
      code: 'repair-job/not-found',
    });

    const held = await control(finance, 'hold', repairJobId, 'A chargeback was raised');
    expect(held.data).toMatchObject({
      repairJobId,
      technicianId: job.technician.userId,
      heldPaise: PAID,
      holds: [{ amountPaise: PAID, status: 'held' }],
      onManualHold: true,
      manualHolds: [{ reason: 'A chargeback was raised', placedBy: finance.userId }],
    });
    expect((await control(finance, 'hold', repairJobId, 'Again please')).error).toMatchObject({
      code: 'escrow/already-on-hold',
    });
    // Confirmed by its customer, yet held: the release job skips it, early release is refused.
    const confirmed = await t.api.POST('/repairs/{repairJobId}/confirm', {
      ...path(repairJobId),
      headers: job.customer.headers,
    });
    expect(confirmed.data).toMatchObject({ status: 'confirmed' });
    await release.releaseDue();
    expect(await holdOf(job)).toMatchObject({ status: 'held' });
    expect((await releaseEarly(admin, repairJobId, 'Customer is happy')).error).toMatchObject({
      code: 'escrow/manual-hold',
    });

    const lifted = await control(finance, 'unhold', repairJobId, 'The chargeback was withdrawn');
    expect(lifted.data).toMatchObject({
      onManualHold: false,
      manualHolds: [{ liftReason: 'The chargeback was withdrawn', liftedBy: finance.userId }],
    });
    expect((await control(finance, 'unhold', repairJobId, 'Again please')).error).toMatchObject({
      code: 'escrow/not-on-hold',
    });
    await release.releaseDue();
    expect(await holdOf(job)).toMatchObject({ status: 'released' });
    expect((await jobOf(job)).status).toBe('closed');
    expect((await control(finance, 'hold', repairJobId, 'Too late now')).error).toMatchObject({
      code: 'escrow/not-held',
    });
    expect(await auditOf(repairJobId)).toEqual([
      'repair_job.assign',
      'escrow.manual_hold.place',
      'escrow.manual_hold.lift',
    ]);
    await books(job, true);
  });

  it('releases a done job early: a second staff member above the threshold, at once below it; never in progress or disputed', async () => {
    const job = await paidJob();
    const inProgress = await releaseEarly(admin, job.repairJobId, 'Customer confirmed by phone');
    expect(inProgress.response.status).toBe(409);
    expect(inProgress.error).toMatchObject({
      code: 'escrow/not-eligible',
      repairJobStatus: 'in_progress',
    });
    await finish(job);

    // Above the threshold: pending until another staff member approves.
    const requested = await releaseEarly(admin, job.repairJobId, 'Customer confirmed by phone');
    expect(requested.response.status).toBe(201);
    expect(requested.data).toMatchObject({
      status: 'pending',
      needsApproval: true,
      repairJobId: job.repairJobId,
      technicianId: job.technician.userId,
      subOrderId: null,
      amountPaise: PAID,
    });
    expect((await jobOf(job)).status).toBe('done');
    expect(await holdOf(job)).toMatchObject({ status: 'held' });
    expect((await releaseEarly(finance, job.repairJobId, 'Again please')).error).toMatchObject({
      code: 'escrow/early-release-pending',
    });
    const approve = (who: SignedIn) =>
      t.api.POST('/admin/escrow/early-releases/{earlyReleaseId}/approve', {
        params: { path: { earlyReleaseId: requested.data!.id } },
        body: {},
        headers: who.headers,
      });
    const own = await approve(admin);
    expect(own.response.status).toBe(403);
    expect(own.error).toMatchObject({ code: 'escrow/maker-checker' });
    const approved = await approve(finance);
    expect(approved.data).toMatchObject({ status: 'released', decidedBy: finance.userId });
    expect(await holdOf(job)).toMatchObject({ status: 'released' });
    expect(await lastMoves(job, 2)).toEqual([
      ['confirm', 'staff', 'confirmed'],
      ['close', 'system', 'closed'],
    ]);
    expect((await approve(finance)).error).toMatchObject({
      code: 'escrow/early-release-not-pending',
    });
    await books(job, true);

    // A disputed job is not eligible; at or below the threshold it is released at once.
    const disputed = await doneJob(SMALL);
    const disputeId = (await openDispute(disputed.customer, disputed.repairJobId)).data!.id;
    expect(
      (await releaseEarly(finance, disputed.repairJobId, 'Customer is happy')).error,
    ).toMatchObject({ code: 'escrow/not-eligible', repairJobStatus: 'disputed' });
    const small = await doneJob(SMALL);
    const now = await releaseEarly(finance, small.repairJobId, 'Verified with the customer');
    expect(now.data).toMatchObject({
      status: 'released',
      needsApproval: false,
      amountPaise: SMALL,
    });
    expect((await jobOf(small)).status).toBe('closed');
    await books(small, true);
    // The dispute settles by its own resolution.
    await resolve(disputeId, { outcome: 'release', reason: 'Works' });
    await release.releaseDue();
    await books(disputed, true);
  });
});
