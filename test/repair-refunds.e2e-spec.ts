/**
 * The money of a repair job beyond the happy path (Razorpay sandbox over HTTP): cancelling a paid job
 * refunds it through the refunds' one path — in full (recipe §4: the hold voided, `refund:<id>` once
 * the gateway processed it) while the technician never travelled (an online job) or when the
 * technician or staff (waiving) cancel; less the visit fee once the technician came (an offline job),
 * the fee released to the technician by the escrow release and the rest refunded at release (recipe
 * §5). Books after each step: paid = technician net + commission + GST on commission + TCS + TDS +
 * refunds, the job's escrow at zero, the trial balance balanced and the journal verified. Bad input
 * gets a problem document; an unpaid job's cancellation moves no money.
 */
import type { RazorpaySandbox } from '../scripts/razorpay-sandbox/sandbox.js';
import { EscrowReleaseService } from '../src/escrow/escrow-release.service.js';
import { RefundsService } from '../src/payments/refunds.service.js';
import { signInAs, testPan, type SignedIn } from './support/accounts.js';
import { expectJobBooks } from './support/books.js';
import { approvedRepairJob, payRepairJob } from './support/repairs.js';
import { startSandboxApp, type SandboxApp } from './support/payments.js';
import type { TestApp } from './support/test-app.js';
import { withClient } from './support/test-database.js';

/** The default visit fee (REPAIR_VISIT_FEE_PAISE): ₹199. */
const VISIT_FEE = 19_900;
const PAID = 150_000;

describe('repair jobs cancelled after payment: refunds and the visit fee (Razorpay sandbox over HTTP)', () => {
  let sandbox: RazorpaySandbox;
  let t: TestApp;
  let started: SandboxApp | undefined;
  let admin: SignedIn;
  let finance: SignedIn;
  let refunds: RefundsService;
  let release: EscrowReleaseService;

  const sql = <T extends Record<string, unknown>>(text: string, params: unknown[] = []) =>
    withClient(t.db.ownerUrl, async (c) => (await c.query<T>(text, params)).rows);
  const path = (repairJobId: string) => ({ params: { path: { repairJobId } } });

  /** An approved technician of `kind` with a PAN (TDS 0.1 %), not GST-registered (no TCS). */
  const technicianOf = async (kind: 'hardware' | 'software') => {
    const tech = await signInAs(t, 'technician', { technicianKind: kind });
    await sql(`UPDATE users SET pan = $2 WHERE id = $1`, [tech.userId, testPan()]);
    return tech;
  };

  /**
   * A job brought to `awaiting_payment` as the product does (`approvedRepairJob`): offline, the
   * technician came; online, it never travels. One labour line of `PAID`, no GST.
   */
  const awaitingPayment = async (
    customer: SignedIn,
    technician: SignedIn,
    mode: 'offline' | 'online',
  ) => (await approvedRepairJob(t, { customer, admin, technician }, PAID, { mode })).repairJobId;

  /** Paid through Checkout at the sandbox and verified: the job is in progress, its escrow held. */
  const pay = async (customer: SignedIn, id: string) => {
    await payRepairJob(t, sandbox, customer, id);
    expect(await holdOf(id)).toMatchObject({ status: 'held', amount_paise: String(PAID) });
    const books = await expectJobBooks(t, finance, {
      repairJobId: id,
      technicianId: (await jobRow(id)).technician_id,
    });
    expect(books).toMatchObject({ paid: BigInt(PAID), escrow: BigInt(PAID), refunded: 0n });
  };

  const paidJob = async (mode: 'offline' | 'online') => {
    const customer = await signInAs(t, 'customer');
    const tech = await technicianOf(mode === 'offline' ? 'hardware' : 'software');
    const id = await awaitingPayment(customer, tech, mode);
    await pay(customer, id);
    return { customer, tech, id };
  };

  const holdOf = async (id: string) =>
    (
      await sql<{
        status: string;
        amount_paise: string;
        commission_paise: string | null;
        gst_on_commission_paise: string | null;
        tcs_paise: string | null;
        tds_paise: string | null;
        dealer_net_paise: string | null;
      }>(
        `SELECT status, amount_paise::text AS amount_paise, commission_paise::text AS commission_paise,
                gst_on_commission_paise::text AS gst_on_commission_paise, tcs_paise::text AS tcs_paise,
                tds_paise::text AS tds_paise, dealer_net_paise::text AS dealer_net_paise
         FROM escrow_holds WHERE repair_job_id = $1`,
        [id],
      )
    )[0];
  const jobRow = async (id: string) =>
    (
      await sql<{ status: string; technician_id: string }>(
        `SELECT status, technician_id::text AS technician_id FROM repair_jobs WHERE id = $1`,
        [id],
      )
    )[0]!;
  const refundsOf = async (customer: SignedIn, id: string) => {
    const listed = await t.api.GET('/repairs/{repairJobId}/payments/refunds', {
      ...path(id),
      headers: customer.headers,
    });
    expect(listed.response.status).toBe(200);
    return listed.data!;
  };
  const auditOf = (id: string) =>
    sql<{ action: string; reason: string | null; after: Record<string, unknown> }>(
      `SELECT action, reason, after FROM audit_events WHERE target_id = $1 ORDER BY seq`,
      [id],
    );

  /** A full refund through the refunds job and the sandbox: the hold voided, the escrow empty. */
  const expectRefundedInFull = async (customer: SignedIn, id: string, technicianId: string) => {
    expect(await refunds.processDue()).toBe(1);
    expect(await refunds.processDue()).toBe(0);
    expect(await release.releaseDue()).toBe(0);
    expect(await refundsOf(customer, id)).toEqual([
      expect.objectContaining({
        kind: 'cancellation',
        amountPaise: PAID,
        status: 'processed',
        subOrderId: null,
      }),
    ]);
    expect((await holdOf(id))!.status).toBe('refunded');
    // Finance sees it among the refunds, by its job.
    const staffView = await t.api.GET('/admin/refunds', {
      params: { query: { kind: 'cancellation' } },
      headers: finance.headers,
    });
    expect(staffView.data!.items.find((r) => r.repairJobId === id)).toMatchObject({
      orderId: null,
      subOrderId: null,
      amountPaise: PAID,
      status: 'processed',
    });
    const books = await expectJobBooks(t, finance, { repairJobId: id, technicianId });
    expect(books).toMatchObject({ refunded: BigInt(PAID), escrow: 0n, technicianNet: 0n });
  };

  beforeAll(async () => {
    started = await startSandboxApp();
    ({ sandbox, t } = started);
    admin = await signInAs(t, 'admin');
    finance = await signInAs(t, 'finance');
    refunds = t.app.get(RefundsService);
    release = t.app.get(EscrowReleaseService);
  });
  afterAll(() => started?.close());

  it('cancels an unpaid job for free: no refund, no money moved', async () => {
    const customer = await signInAs(t, 'customer');
    const tech = await technicianOf('hardware');
    const id = await awaitingPayment(customer, tech, 'offline');
    const cancelled = await t.api.POST('/repairs/{repairJobId}/cancel', {
      ...path(id),
      body: {},
      headers: customer.headers,
    });
    expect(cancelled.data).toMatchObject({
      status: 'cancelled',
      amountPaise: null,
      visitFeePaise: null,
    });
    await refunds.processDue();
    expect(await refundsOf(customer, id)).toEqual([]);
    expect(await holdOf(id)).toBeUndefined();
  });

  it('refunds money captured after the job was cancelled while paying (unpayable)', async () => {
    const customer = await signInAs(t, 'customer');
    const tech = await technicianOf('software');
    const id = await awaitingPayment(customer, tech, 'online');
    const opened = await t.api.POST('/repairs/{repairJobId}/payments', {
      ...path(id),
      headers: customer.headers,
    });
    const cancelled = await t.api.POST('/repairs/{repairJobId}/cancel', {
      ...path(id),
      body: {},
      headers: customer.headers,
    });
    expect(cancelled.data).toMatchObject({ status: 'cancelled', visitFeePaise: null });
    // Checkout completes anyway: the capture cannot pay the job, so it goes back whole.
    const paid = sandbox.control.pay(opened.data!.gatewayOrderId!, { outcome: 'captured' });
    if (!('razorpay_payment_id' in paid)) throw new Error('sandbox payment failed');
    const verified = await t.api.POST('/repairs/{repairJobId}/payments/verify', {
      ...path(id),
      body: {
        razorpayOrderId: paid.razorpay_order_id,
        razorpayPaymentId: paid.razorpay_payment_id,
        razorpaySignature: paid.razorpay_signature,
      },
      headers: customer.headers,
    });
    expect(verified.data).toMatchObject({ status: 'captured', unpayable: true });
    expect(await holdOf(id)).toBeUndefined();
    expect(await refunds.processDue()).toBe(1);
    expect(await refundsOf(customer, id)).toEqual([
      expect.objectContaining({ kind: 'unpayable', amountPaise: PAID, status: 'processed' }),
    ]);
    const books = await expectJobBooks(t, finance, { repairJobId: id, technicianId: tech.userId });
    expect(books).toMatchObject({ paid: BigInt(PAID), refunded: BigInt(PAID), escrow: 0n });
  });

  it('refunds a paid online job in full when its customer cancels (the technician never travelled)', async () => {
    const { customer, tech, id } = await paidJob('online');
    const cancelled = await t.api.POST('/repairs/{repairJobId}/cancel', {
      ...path(id),
      body: { reason: 'Fixed it myself with a restart' },
      headers: customer.headers,
    });
    expect(cancelled.data).toMatchObject({
      status: 'cancelled',
      amountPaise: PAID,
      visitFeePaise: 0,
    });
    // Nothing moved yet: the refund is requested by the refunds job, then sent to the gateway.
    expect((await holdOf(id))!.status).toBe('held');
    await expectRefundedInFull(customer, id, tech.userId);
    // The technician is no longer busy with it; the job stays cancelled.
    const [presence] = await sql<{ availability: string }>(
      `SELECT availability FROM technician_presence WHERE technician_id = $1`,
      [tech.userId],
    );
    expect(presence?.availability).not.toBe('busy');
    expect((await jobRow(id)).status).toBe('cancelled');
  });

  it('keeps the visit fee for the technician once they came, releasing it and refunding the rest', async () => {
    const { customer, tech, id } = await paidJob('offline');
    const cancelled = await t.api.POST('/repairs/{repairJobId}/cancel', {
      ...path(id),
      body: {},
      headers: customer.headers,
    });
    expect(cancelled.data).toMatchObject({ status: 'cancelled', visitFeePaise: VISIT_FEE });
    // No full refund for it; the escrow release pays the fee and refunds the rest at release.
    expect(await refunds.processDue()).toBe(0);
    expect(await release.releaseDue()).toBe(1);
    expect(await release.releaseDue()).toBe(0);
    // Recipe §10 on the fee (G = 19900, no GST): commission 10 % = 1990, GST on it 18 % = 358,
    // TDS 0.1 % with PAN = 20 (half up of 19.9), no TCS; the technician's net 17532.
    const hold = (await holdOf(id))!;
    expect(hold).toMatchObject({
      status: 'released',
      commission_paise: '1990',
      gst_on_commission_paise: '358',
      tcs_paise: '0',
      tds_paise: '20',
      dealer_net_paise: '17532',
    });
    const [requested] = await refundsOf(customer, id);
    expect(requested).toMatchObject({
      kind: 'partial',
      amountPaise: PAID - VISIT_FEE,
      status: 'requested',
    });
    expect(await refunds.processDue()).toBe(1);
    expect(await refundsOf(customer, id)).toEqual([
      expect.objectContaining({
        kind: 'partial',
        amountPaise: PAID - VISIT_FEE,
        status: 'processed',
      }),
    ]);
    const books = await expectJobBooks(t, finance, {
      repairJobId: id,
      technicianId: tech.userId,
      released: true,
    });
    expect(books).toEqual({
      paid: BigInt(PAID),
      refunded: BigInt(PAID - VISIT_FEE),
      escrow: 0n,
      technicianNet: 17_532n,
      commission: 1_990n,
      gst: 358n,
      tcs: 0n,
      tds: 20n,
    });
    // A cancelled job is not closed by its release.
    expect((await jobRow(id)).status).toBe('cancelled');
    const trial = await t.api.GET('/ledger/trial-balance', { headers: finance.headers });
    expect(trial.data?.balanced).toBe(true);
  });

  it('lets staff waive the visit fee (reason, choice, audited): a full refund', async () => {
    const { customer, tech, id } = await paidJob('offline');
    const cancel = (body: Record<string, unknown>) =>
      t.api.POST('/admin/repairs/{repairJobId}/cancel', {
        ...path(id),
        body: body as never,
        headers: admin.headers,
      });
    const noReason = await cancel({ visitFee: 'waive' });
    expect(noReason.response.status).toBe(400);
    expect(noReason.response.headers.get('content-type')).toContain('application/problem+json');
    expect(JSON.stringify(noReason.error)).toContain('reason');
    const badChoice = await cancel({ reason: 'Customer complaint', visitFee: 'half' });
    expect(badChoice.response.status).toBe(400);
    expect(JSON.stringify(badChoice.error)).toContain('visitFee');
    const noChoice = await cancel({ reason: 'Customer complaint' });
    expect(noChoice.response.status).toBe(422);
    expect(noChoice.error).toMatchObject({
      code: 'repair-job/visit-fee-choice-required',
      errors: [{ field: 'visitFee' }],
    });
    expect((await jobRow(id)).status).toBe('in_progress');

    const waived = await cancel({ reason: 'Technician arrived 3 hours late', visitFee: 'waive' });
    expect(waived.data).toMatchObject({ status: 'cancelled', visitFeePaise: 0 });
    const audit = await auditOf(id);
    expect(audit.at(-1)).toMatchObject({
      action: 'repair_job.cancel',
      reason: 'Technician arrived 3 hours late',
      after: { status: 'cancelled', visitFeePaise: 0, visitFee: 'waive' },
    });
    await expectRefundedInFull(customer, id, tech.userId);
  });

  it('lets staff keep the visit fee of a job in progress', async () => {
    const { customer, tech, id } = await paidJob('offline');
    const kept = await t.api.POST('/admin/repairs/{repairJobId}/cancel', {
      ...path(id),
      body: { reason: 'Part unavailable, customer agreed', visitFee: 'keep' },
      headers: admin.headers,
    });
    expect(kept.data).toMatchObject({ status: 'cancelled', visitFeePaise: VISIT_FEE });
    expect((await auditOf(id)).at(-1)).toMatchObject({
      action: 'repair_job.cancel',
      after: { visitFeePaise: VISIT_FEE, visitFee: 'keep' },
    });
    expect(await release.releaseDue()).toBe(1);
    expect(await refunds.processDue()).toBe(1);
    const books = await expectJobBooks(t, finance, {
      repairJobId: id,
      technicianId: tech.userId,
      released: true,
    });
    expect(books).toMatchObject({
      refunded: BigInt(PAID - VISIT_FEE),
      escrow: 0n,
      technicianNet: 17_532n,
    });
    expect(await refundsOf(customer, id)).toHaveLength(1);
  });

  it('refunds in full when the technician cancels a paid job (reason required)', async () => {
    const { customer, tech, id } = await paidJob('offline');
    const cancel = (who: SignedIn, body: Record<string, unknown>) =>
      t.api.POST('/technician/repairs/{repairJobId}/cancel', {
        ...path(id),
        body: body as never,
        headers: who.headers,
      });
    const noReason = await cancel(tech, {});
    expect(noReason.response.status).toBe(400);
    expect(JSON.stringify(noReason.error)).toContain('reason');
    const other = await technicianOf('hardware');
    expect((await cancel(other, { reason: 'Not mine' })).response.status).toBe(404);
    expect((await jobRow(id)).status).toBe('in_progress');

    const cancelled = await cancel(tech, { reason: 'The board is beyond repair' });
    expect(cancelled.data).toMatchObject({ status: 'cancelled', visitFeePaise: 0 });
    await expectRefundedInFull(customer, id, tech.userId);
  });

  it('lets staff refund part of a done repair at its release (reason, audited)', async () => {
    const { customer, tech, id } = await paidJob('offline');
    const refund = (body: Record<string, unknown>) =>
      t.api.POST('/admin/repairs/{repairJobId}/refund', {
        ...path(id),
        body: body as never,
        headers: admin.headers,
      });
    // In progress: cancel it instead.
    const early = await refund({ amountPaise: 50_000, reason: 'Screen still flickers' });
    expect(early.response.status).toBe(409);
    expect(early.error).toMatchObject({ code: 'repair-job/not-refundable-at-release' });
    await t.api.POST('/technician/repairs/{repairJobId}/finish', {
      ...path(id),
      headers: tech.headers,
    });
    expect((await refund({ amountPaise: 50_000 })).response.status).toBe(400);
    // Part of it: the technician keeps something at release.
    const all = await refund({ amountPaise: PAID, reason: 'Screen still flickers' });
    expect(all.response.status).toBe(422);
    expect(all.error).toMatchObject({
      code: 'refund/not-partial',
      heldPaise: PAID,
      errors: [{ field: 'amountPaise' }],
    });
    const decided = await refund({ amountPaise: 50_000, reason: 'Screen still flickers' });
    expect(decided.data).toEqual({
      repairJobId: id,
      heldPaise: PAID,
      refundAtReleasePaise: 50_000,
    });
    expect((await auditOf(id)).at(-1)).toMatchObject({
      action: 'repair_job.refund_at_release',
      reason: 'Screen still flickers',
      after: { refundAtReleasePaise: 50_000 },
    });
    // Nothing moves until the customer confirms and the escrow is released.
    expect(await release.releaseDue()).toBe(0);
    await t.api.POST('/repairs/{repairJobId}/confirm', { ...path(id), headers: customer.headers });
    expect(await release.releaseDue()).toBe(1);
    expect(await refunds.processDue()).toBe(1);
    expect(await refundsOf(customer, id)).toEqual([
      expect.objectContaining({ kind: 'partial', amountPaise: 50_000, status: 'processed' }),
    ]);
    // Recipe §10 on the 100000 released: commission 10000, GST 1800, TDS 100, net 88100.
    const books = await expectJobBooks(t, finance, {
      repairJobId: id,
      technicianId: tech.userId,
      released: true,
    });
    expect(books).toEqual({
      paid: BigInt(PAID),
      refunded: 50_000n,
      escrow: 0n,
      technicianNet: 88_100n,
      commission: 10_000n,
      gst: 1_800n,
      tcs: 0n,
      tds: 100n,
    });
    expect((await jobRow(id)).status).toBe('closed');
    // Released: nothing is held to refund at release any more.
    const late = await refund({ amountPaise: 1_000, reason: 'Another complaint' });
    expect(late.response.status).toBe(409);
  });

  it('refuses what the policy does not allow, with a problem document', async () => {
    const customer = await signInAs(t, 'customer');
    const tech = await technicianOf('hardware');
    const id = await awaitingPayment(customer, tech, 'offline');
    // A technician cancels only a paid job (before payment, it withdraws).
    const unpaid = await t.api.POST('/technician/repairs/{repairJobId}/cancel', {
      ...path(id),
      body: { reason: 'Changed my mind' },
      headers: tech.headers,
    });
    expect(unpaid.response.status).toBe(409);
    expect(unpaid.error).toMatchObject({
      code: 'repair-job/invalid-transition',
      detail: 'A repair job that is awaiting payment cannot be cancelled by its technician',
    });
    await pay(customer, id);
    // Someone else's job is a 404; a done job can no longer be cancelled.
    const stranger = await signInAs(t, 'customer');
    for (const route of ['/repairs/{repairJobId}/cancel'] as const)
      expect(
        (await t.api.POST(route, { ...path(id), body: {}, headers: stranger.headers })).response
          .status,
      ).toBe(404);
    expect(
      (
        await t.api.GET('/repairs/{repairJobId}/payments/refunds', {
          ...path(id),
          headers: stranger.headers,
        })
      ).response.status,
    ).toBe(404);
    await t.api.POST('/technician/repairs/{repairJobId}/finish', {
      ...path(id),
      headers: tech.headers,
    });
    const done = await t.api.POST('/repairs/{repairJobId}/cancel', {
      ...path(id),
      body: {},
      headers: customer.headers,
    });
    expect(done.response.status).toBe(409);
    expect(done.error).toMatchObject({
      code: 'repair-job/invalid-transition',
      detail: 'A repair job that is done cannot be cancelled',
    });
    expect(await refunds.processDue()).toBe(0);
    expect((await holdOf(id))!.status).toBe('held');
    await expectJobBooks(t, finance, { repairJobId: id, technicianId: tech.userId });
  });
});
