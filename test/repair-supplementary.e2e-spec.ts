/**
 * Supplementary quotes (Razorpay sandbox over HTTP, through the typed client): while a paid repair
 * job is in progress its technician quotes more work; the customer approves it (it is then due:
 * `POST /repairs/{id}/payments` pays exactly it, and its capture holds a second escrow hold of the
 * job for the same technician) or declines it (the work goes on with what was paid). The job cannot
 * be finished while an approved supplement is unpaid. Released, both holds go to the technician,
 * each with the repair recipe's deductions; cancelled, both payments are refunded, less the visit
 * fee kept once, from the first; staff's refund at release is split over the holds. The terminal
 * asks for a supplement too. Books after the money moves: paid = technician net + service fee + GST
 * on it + TCS + TDS + refunds, the job's escrow at zero, the trial balance balanced, the journal
 * verified. Bad input gets problem documents.
 */
import type { RazorpaySandbox } from '../scripts/razorpay-sandbox/sandbox.js';
import { EscrowReleaseService } from '../src/escrow/escrow-release.service.js';
import { PAYMENT_GATEWAY, type PaymentGateway } from '../src/gateway/payment-gateway.js';
import { WebhookProcessor } from '../src/gateway/webhooks/webhook-jobs.js';
import { RefundsService } from '../src/payments/refunds.service.js';
import { signInAs, type SignedIn } from './support/accounts.js';
import { expectJobBooks } from './support/books.js';
import { startSandboxApp, type SandboxApp } from './support/payments.js';
import {
  approvedRepairJob,
  approvedSupplement,
  hardwareTechnician,
  payRepairJob,
} from './support/repairs.js';
import type { TestApp } from './support/test-app.js';
import { withClient } from './support/test-database.js';

/** Vector 10 (ledger-spec): an unregistered technician with a PAN, G = ₹1,500. */
const PAID = 150_000;
/** A supplement of ₹500: commission 10 % = 5000, GST on it 900, TDS 0.1 % = 50, net 44050. */
const SUPPLEMENT = 50_000;
/** The default visit fee (REPAIR_VISIT_FEE_PAISE): ₹199. */
const VISIT_FEE = 19_900;

describe('supplementary quotes: new payments into the same repair job (Razorpay sandbox over HTTP)', () => {
  let sandbox: RazorpaySandbox;
  let t: TestApp;
  let started: SandboxApp | undefined;
  let admin: SignedIn;
  let finance: SignedIn;
  let refunds: RefundsService;
  let release: EscrowReleaseService;

  const sql = <T extends Record<string, unknown>>(text: string, params: unknown[] = []) =>
    withClient(t.db.ownerUrl, async (c) => (await c.query<T>(text, params)).rows);

  /** A customer, a technician and their offline job, paid `PAID` and in progress. */
  const paidJob = async () => {
    const customer = await signInAs(t, 'customer');
    const tech = await hardwareTechnician(t);
    const { repairJobId, quoteId } = await approvedRepairJob(
      t,
      { admin, customer, technician: tech },
      PAID,
    );
    await payRepairJob(t, sandbox, customer, repairJobId);
    return { customer, tech, repairJobId, quoteId, path: { params: { path: { repairJobId } } } };
  };
  type Job = Awaited<ReturnType<typeof paidJob>>;

  const supplementLines = (unitPaise: number, gstRateBps: 0 | 1800 = 0) => ({
    lines: [
      { kind: 'parts' as const, description: 'Charging port', quantity: 1, unitPaise, gstRateBps },
    ],
  });
  const sendSupplement = (job: Job, body: unknown, as: SignedIn = job.tech) =>
    t.api.POST('/technician/repairs/{repairJobId}/supplements', {
      ...job.path,
      body: body as never,
      headers: as.headers,
    });
  const decide = (
    job: Job,
    decision: 'approve' | 'decline',
    quoteId: string,
    as: SignedIn = job.customer,
    reason?: string,
  ) =>
    t.api.POST(
      `/repairs/{repairJobId}/supplements/${decision}` as '/repairs/{repairJobId}/supplements/approve',
      {
        ...job.path,
        body: { quoteId, ...(reason === undefined ? {} : { reason }) },
        headers: as.headers,
      },
    );
  const finish = (job: Job) =>
    t.api.POST('/technician/repairs/{repairJobId}/finish', {
      ...job.path,
      headers: job.tech.headers,
    });
  const view = async (job: Job) =>
    (await t.api.GET('/repairs/{repairJobId}', { ...job.path, headers: job.customer.headers }))
      .data!;
  const holdsOf = (job: Job) =>
    sql<{
      hold_key: string;
      status: string;
      amount_paise: string;
      payee_id: string;
      repair_quote_id: string | null;
      commission_paise: string | null;
      gst_on_commission_paise: string | null;
      tcs_paise: string | null;
      tds_paise: string | null;
      dealer_net_paise: string | null;
    }>(
      `SELECT hold_key, status, amount_paise::text AS amount_paise, payee_id::text AS payee_id,
              repair_quote_id::text AS repair_quote_id, commission_paise::text AS commission_paise,
              gst_on_commission_paise::text AS gst_on_commission_paise, tcs_paise::text AS tcs_paise,
              tds_paise::text AS tds_paise, dealer_net_paise::text AS dealer_net_paise
       FROM escrow_holds WHERE repair_job_id = $1 ORDER BY created_at, id`,
      [job.repairJobId],
    );
  const refundsOf = async (job: Job) =>
    (
      await t.api.GET('/repairs/{repairJobId}/payments/refunds', {
        ...job.path,
        headers: job.customer.headers,
      })
    ).data!;
  const expectTrialBalanced = async () =>
    expect(
      (await t.api.GET('/ledger/trial-balance', { headers: finance.headers })).data?.balanced,
    ).toBe(true);

  beforeAll(async () => {
    started = await startSandboxApp({ webhooks: true });
    ({ sandbox, t } = started);
    [admin, finance] = await Promise.all([signInAs(t, 'admin'), signInAs(t, 'finance')]);
    refunds = t.app.get(RefundsService);
    release = t.app.get(EscrowReleaseService);
  }, 120_000);
  afterAll(() => started?.close());

  it('sends, approves and pays a supplement into a second escrow hold; releases both holds to the technician', async () => {
    const job = await paidJob();
    expect(await view(job)).toMatchObject({
      status: 'in_progress',
      amountPaise: PAID,
      amountDuePaise: 0,
      paidPaise: PAID,
      quotes: [{ id: job.quoteId, supplementary: false, status: 'approved' }],
    });
    expect((await view(job)).quotes[0]!.paidAt).not.toBeNull();

    // The technician quotes more work; nothing is due until the customer approves it.
    const sent = await sendSupplement(job, supplementLines(SUPPLEMENT));
    expect(sent.response.status).toBe(201);
    expect(sent.data).toMatchObject({
      supplementary: true,
      status: 'proposed',
      totalPaise: SUPPLEMENT,
      paidAt: null,
    });
    const supplementId = sent.data!.id;
    expect(await view(job)).toMatchObject({ amountDuePaise: 0, paidPaise: PAID });
    const approved = await decide(job, 'approve', supplementId);
    expect(approved.response.status).toBe(200);
    expect(approved.data).toMatchObject({
      status: 'in_progress',
      amountDuePaise: SUPPLEMENT,
      paidPaise: PAID,
    });

    // Not done while it is unpaid.
    const early = await finish(job);
    expect(early.response.status).toBe(409);
    expect(early.response.headers.get('content-type')).toContain('application/problem+json');
    expect(early.error).toMatchObject({
      code: 'repair-job/supplement-unpaid',
      amountDuePaise: SUPPLEMENT,
    });

    // The customer pays what is due now: exactly the supplement, into a second hold of the job.
    const { paymentId } = await payRepairJob(t, sandbox, job.customer, job.repairJobId);
    const payments = (
      await t.api.GET('/repairs/{repairJobId}/payments', {
        ...job.path,
        headers: job.customer.headers,
      })
    ).data!;
    expect(payments.find((p) => p.id === paymentId)).toMatchObject({
      status: 'captured',
      amountPaise: SUPPLEMENT,
    });
    expect(payments.filter((p) => p.status === 'captured')).toHaveLength(2);
    expect(await holdsOf(job)).toEqual([
      expect.objectContaining({
        hold_key: `hold:job:${job.repairJobId}`,
        status: 'held',
        amount_paise: String(PAID),
        payee_id: job.tech.userId,
        repair_quote_id: job.quoteId,
      }),
      expect.objectContaining({
        hold_key: `hold:job:${job.repairJobId}:2`,
        status: 'held',
        amount_paise: String(SUPPLEMENT),
        payee_id: job.tech.userId,
        repair_quote_id: supplementId,
      }),
    ]);
    const paidView = await view(job);
    expect(paidView).toMatchObject({
      status: 'in_progress',
      amountDuePaise: 0,
      paidPaise: PAID + SUPPLEMENT,
    });
    expect(paidView.quotes.map((q) => [q.id, q.supplementary, q.paidAt !== null])).toEqual([
      [supplementId, true, true],
      [job.quoteId, false, true],
    ]);
    const timeline = (
      await t.api.GET('/repairs/{repairJobId}/timeline', {
        ...job.path,
        headers: job.customer.headers,
      })
    ).data!;
    expect(timeline.map((e) => e.event).slice(-3)).toEqual([
      'quote_supplement',
      'approve_supplement',
      'pay_supplement',
    ]);
    // Nothing more is due.
    const again = await t.api.POST('/repairs/{repairJobId}/payments', {
      ...job.path,
      headers: job.customer.headers,
    });
    expect(again.response.status).toBe(409);
    expect(again.error).toMatchObject({ code: 'payment/not-payable' });
    expect(
      await expectJobBooks(t, finance, {
        repairJobId: job.repairJobId,
        technicianId: job.tech.userId,
      }),
    ).toMatchObject({
      paid: BigInt(PAID + SUPPLEMENT),
      escrow: BigInt(PAID + SUPPLEMENT),
      refunded: 0n,
    });

    // Done, confirmed, released: one release of both holds, each with its own deductions.
    expect((await finish(job)).data).toMatchObject({ status: 'done' });
    const confirmed = await t.api.POST('/repairs/{repairJobId}/confirm', {
      ...job.path,
      headers: job.customer.headers,
    });
    expect(confirmed.data).toMatchObject({ status: 'confirmed' });
    expect(await release.releaseDue()).toBe(1);
    expect(await release.releaseDue()).toBe(0);
    expect(await holdsOf(job)).toEqual([
      expect.objectContaining({
        status: 'released',
        commission_paise: '15000',
        gst_on_commission_paise: '2700',
        tcs_paise: '0',
        tds_paise: '150',
        dealer_net_paise: '132150',
      }),
      expect.objectContaining({
        status: 'released',
        commission_paise: '5000',
        gst_on_commission_paise: '900',
        tcs_paise: '0',
        tds_paise: '50',
        dealer_net_paise: '44050',
      }),
    ]);
    const keys = await sql<{ id: string }>(
      `SELECT id FROM ledger_entries
       WHERE reference = $1 AND event_type IN ('escrow_release', 'release_deductions')`,
      [`job:${job.repairJobId}`],
    );
    expect(keys.map((k) => k.id).sort()).toEqual(
      [
        `deductions:${job.repairJobId}`,
        `deductions:${job.repairJobId}:2`,
        `release:${job.repairJobId}`,
        `release:${job.repairJobId}:2`,
      ].sort(),
    );
    expect(
      await expectJobBooks(t, finance, {
        repairJobId: job.repairJobId,
        technicianId: job.tech.userId,
        released: true,
      }),
    ).toEqual({
      paid: BigInt(PAID + SUPPLEMENT),
      refunded: 0n,
      escrow: 0n,
      technicianNet: 132_150n + 44_050n,
      commission: 20_000n,
      gst: 3_600n,
      tcs: 0n,
      tds: 200n,
    });
    // One service-fee invoice for the job's release; the job is closed.
    expect(
      await sql<{ taxable_value_paise: string }>(
        `SELECT taxable_value_paise::text AS taxable_value_paise FROM commission_invoices
         WHERE repair_job_id = $1`,
        [job.repairJobId],
      ),
    ).toEqual([{ taxable_value_paise: '20000' }]);
    expect(await view(job)).toMatchObject({ status: 'closed', paidPaise: PAID + SUPPLEMENT });
    // The technician's statement shows each hold.
    const earnings = (await t.api.GET('/technician/earnings', { headers: job.tech.headers })).data!;
    expect(earnings.released).toMatchObject({ count: 2, netPaise: 132_150 + 44_050 });
    expect(earnings.items.map((i) => [i.repairJobId, i.grossPaise]).sort()).toEqual(
      [
        [job.repairJobId, PAID],
        [job.repairJobId, SUPPLEMENT],
      ].sort(),
    );
    expect(new Set(earnings.items.map((i) => i.holdId)).size).toBe(2);
  });

  it('declines a supplement: nothing is due and the work goes on with what was paid', async () => {
    const job = await paidJob();
    const sent = await sendSupplement(job, supplementLines(SUPPLEMENT));
    // A newer supplement supersedes the one still proposed.
    const newer = await sendSupplement(job, supplementLines(SUPPLEMENT - 10_000));
    expect(newer.response.status).toBe(201);
    const declined = await decide(job, 'decline', newer.data!.id, job.customer, 'Too expensive');
    expect(declined.response.status).toBe(200);
    expect(declined.data).toMatchObject({
      status: 'in_progress',
      amountDuePaise: 0,
      paidPaise: PAID,
    });
    const quotes = (await view(job)).quotes;
    expect(quotes.map((q) => [q.id, q.status, q.decisionReason])).toEqual([
      [newer.data!.id, 'rejected', 'Too expensive'],
      [sent.data!.id, 'superseded', 'a newer quote replaced it'],
      [job.quoteId, 'approved', null],
    ]);
    const pay = await t.api.POST('/repairs/{repairJobId}/payments', {
      ...job.path,
      headers: job.customer.headers,
    });
    expect(pay.response.status).toBe(409);
    expect(pay.error).toMatchObject({ code: 'payment/not-payable' });
    // A supplement still proposed when the work is finished falls.
    const last = await sendSupplement(job, supplementLines(5_000));
    expect((await finish(job)).data).toMatchObject({ status: 'done', amountDuePaise: 0 });
    expect((await view(job)).quotes[0]).toMatchObject({
      id: last.data!.id,
      status: 'superseded',
      decisionReason: 'the work was finished',
    });
    expect(await holdsOf(job)).toHaveLength(1);
  });

  it('withdraws an approved supplement the customer does not pay: the job is finished with what was paid; a late payment of it is refunded', async () => {
    const job = await paidJob();
    const withdraw = (as: SignedIn, reason = 'The customer will not pay for the port') =>
      t.api.POST('/technician/repairs/{repairJobId}/supplements/withdraw', {
        ...job.path,
        body: { reason },
        headers: as.headers,
      });
    // Nothing to withdraw yet.
    const none = await withdraw(job.tech);
    expect(none.response.status).toBe(409);
    expect(none.error).toMatchObject({ code: 'repair-job/no-supplement-due' });

    const { quoteId } = await approvedSupplement(
      t,
      { customer: job.customer, technician: job.tech },
      job.repairJobId,
      SUPPLEMENT,
    );
    // The customer opens the payment of the supplement but does not finish it yet.
    const opened = await t.api.POST('/repairs/{repairJobId}/payments', {
      ...job.path,
      headers: job.customer.headers,
    });
    expect(opened.data).toMatchObject({ amountPaise: SUPPLEMENT });
    expect((await finish(job)).error).toMatchObject({ code: 'repair-job/supplement-unpaid' });

    // Only the job's technician withdraws it (the customer, another technician: 403 / 404); a reason is required.
    expect((await withdraw(job.customer)).response.status).toBe(403);
    const stranger = await hardwareTechnician(t);
    expect((await withdraw(stranger)).response.status).toBe(404);
    expect((await withdraw(job.tech, '')).response.status).toBe(400);
    const withdrawn = await withdraw(job.tech);
    expect(withdrawn.response.status).toBe(200);
    expect(withdrawn.data).toMatchObject({
      status: 'in_progress',
      amountDuePaise: 0,
      paidPaise: PAID,
    });
    expect((await view(job)).quotes[0]).toMatchObject({
      id: quoteId,
      status: 'superseded',
      decisionReason: 'withdrawn: The customer will not pay for the port',
      paidAt: null,
    });
    const timeline = (
      await t.api.GET('/repairs/{repairJobId}/timeline', {
        ...job.path,
        headers: job.customer.headers,
      })
    ).data!;
    expect(timeline.at(-1)).toMatchObject({
      event: 'withdraw_supplement',
      fromStatus: 'in_progress',
      toStatus: 'in_progress',
      by: 'technician',
    });
    expect((await withdraw(job.tech)).error).toMatchObject({
      code: 'repair-job/no-supplement-due',
    });

    // The customer pays the withdrawn supplement after all: kept nowhere, refunded in full.
    const paid = sandbox.control.pay(opened.data!.gatewayOrderId!, { outcome: 'captured' });
    if (!('razorpay_payment_id' in paid)) throw new Error('sandbox payment failed');
    const verified = await t.api.POST('/repairs/{repairJobId}/payments/verify', {
      ...job.path,
      body: {
        razorpayOrderId: paid.razorpay_order_id,
        razorpayPaymentId: paid.razorpay_payment_id,
        razorpaySignature: paid.razorpay_signature,
      },
      headers: job.customer.headers,
    });
    expect(verified.data).toMatchObject({ status: 'captured', unpayable: true });
    expect(await refunds.processDue()).toBe(1);
    expect((await refundsOf(job)).map((r) => [r.kind, r.amountPaise, r.status])).toEqual([
      ['duplicate', SUPPLEMENT, 'processed'],
    ]);

    // Finished, confirmed and released with what was paid: one hold.
    expect((await finish(job)).data).toMatchObject({ status: 'done', amountDuePaise: 0 });
    await t.api.POST('/repairs/{repairJobId}/confirm', {
      ...job.path,
      headers: job.customer.headers,
    });
    expect(await release.releaseDue()).toBe(1);
    expect((await holdsOf(job)).map((h) => [h.amount_paise, h.status])).toEqual([
      [String(PAID), 'released'],
    ]);
    expect(
      await expectJobBooks(t, finance, {
        repairJobId: job.repairJobId,
        technicianId: job.tech.userId,
      }),
    ).toMatchObject({ paid: BigInt(PAID + SUPPLEMENT), refunded: BigInt(SUPPLEMENT), escrow: 0n });
    await expectTrialBalanced();
  });

  it('staff withdraw an unpaid supplement with a reason, audited', async () => {
    const job = await paidJob();
    await approvedSupplement(
      t,
      { customer: job.customer, technician: job.tech },
      job.repairJobId,
      SUPPLEMENT,
    );
    const byStaff = (body: unknown, as: SignedIn = admin) =>
      t.api.POST('/admin/repairs/{repairJobId}/supplements/withdraw', {
        ...job.path,
        body: body as never,
        headers: as.headers,
      });
    expect((await byStaff({})).response.status).toBe(400);
    expect((await byStaff({ reason: 'x' }, finance)).response.status).toBe(403);
    const done = await byStaff({ reason: 'Technician unreachable; customer declined by phone' });
    expect(done.data).toMatchObject({ status: 'in_progress', amountDuePaise: 0 });
    const [audit] = await sql<{ action: string; reason: string; before: unknown; after: unknown }>(
      `SELECT action, reason, before, after FROM audit_events
        WHERE target_type = 'repair_job' AND target_id = $1 ORDER BY seq DESC LIMIT 1`,
      [job.repairJobId],
    );
    expect(audit).toMatchObject({
      action: 'repair_job.withdraw_supplement',
      reason: 'Technician unreachable; customer declined by phone',
      before: { status: 'in_progress', supplementDuePaise: SUPPLEMENT },
      after: { status: 'in_progress', supplementDuePaise: null },
    });
    expect((await finish(job)).data).toMatchObject({ status: 'done' });
  });

  it('cancels a job with a paid supplement: both payments refunded, the visit fee kept once, from the first', async () => {
    const job = await paidJob();
    await approvedSupplement(
      t,
      { customer: job.customer, technician: job.tech },
      job.repairJobId,
      SUPPLEMENT,
    );
    await payRepairJob(t, sandbox, job.customer, job.repairJobId);
    const cancelled = await t.api.POST('/repairs/{repairJobId}/cancel', {
      ...job.path,
      body: { reason: 'Changed my mind' },
      headers: job.customer.headers,
    });
    expect(cancelled.data).toMatchObject({ status: 'cancelled', visitFeePaise: VISIT_FEE });
    // The supplement's hold goes back whole (the refunds job); the first hold pays the fee and
    // refunds the rest at release.
    expect(await refunds.processDue()).toBe(1);
    expect(await release.releaseDue()).toBe(1);
    expect(await release.releaseDue()).toBe(0);
    expect(await refunds.processDue()).toBe(1);
    expect(await refunds.processDue()).toBe(0);
    expect((await refundsOf(job)).map((r) => [r.kind, r.amountPaise, r.status]).sort()).toEqual(
      [
        ['cancellation', SUPPLEMENT, 'processed'],
        ['partial', PAID - VISIT_FEE, 'processed'],
      ].sort(),
    );
    expect((await holdsOf(job)).map((h) => [h.amount_paise, h.status, h.dealer_net_paise])).toEqual(
      [
        [String(PAID), 'released', '17532'],
        [String(SUPPLEMENT), 'refunded', null],
      ],
    );
    // Recipe §10 on the fee alone (G = 19900): commission 1990, GST 358, TDS 20, net 17532.
    expect(
      await expectJobBooks(t, finance, {
        repairJobId: job.repairJobId,
        technicianId: job.tech.userId,
      }),
    ).toEqual({
      paid: BigInt(PAID + SUPPLEMENT),
      refunded: BigInt(PAID - VISIT_FEE + SUPPLEMENT),
      escrow: 0n,
      technicianNet: 17_532n,
      commission: 1_990n,
      gst: 358n,
      tcs: 0n,
      tds: 20n,
    });
    await expectTrialBalanced();
  });

  it('refunds every payment in full when the technician cancels; a supplement still open falls', async () => {
    const job = await paidJob();
    await approvedSupplement(
      t,
      { customer: job.customer, technician: job.tech },
      job.repairJobId,
      SUPPLEMENT,
    );
    await payRepairJob(t, sandbox, job.customer, job.repairJobId);
    const open = await approvedSupplement(
      t,
      { customer: job.customer, technician: job.tech },
      job.repairJobId,
      10_000,
    );
    const cancelled = await t.api.POST('/technician/repairs/{repairJobId}/cancel', {
      ...job.path,
      body: { reason: 'Board damage beyond repair' },
      headers: job.tech.headers,
    });
    expect(cancelled.data).toMatchObject({
      status: 'cancelled',
      visitFeePaise: 0,
      amountDuePaise: 0,
    });
    expect((await view(job)).quotes[0]).toMatchObject({
      id: open.quoteId,
      status: 'superseded',
      decisionReason: 'the job was cancelled',
    });
    expect(await refunds.processDue()).toBe(2);
    expect(await release.releaseDue()).toBe(0);
    expect((await refundsOf(job)).map((r) => [r.kind, r.amountPaise, r.status]).sort()).toEqual(
      [
        ['cancellation', PAID, 'processed'],
        ['cancellation', SUPPLEMENT, 'processed'],
      ].sort(),
    );
    expect((await holdsOf(job)).map((h) => h.status)).toEqual(['refunded', 'refunded']);
    expect(
      await expectJobBooks(t, finance, {
        repairJobId: job.repairJobId,
        technicianId: job.tech.userId,
      }),
    ).toMatchObject({
      paid: BigInt(PAID + SUPPLEMENT),
      refunded: BigInt(PAID + SUPPLEMENT),
      escrow: 0n,
      technicianNet: 0n,
    });
    await expectTrialBalanced();
  });

  it('staff refund part of a done job paid with a supplement: split over its holds in proportion, each released less its part', async () => {
    const job = await paidJob();
    await approvedSupplement(
      t,
      { customer: job.customer, technician: job.tech },
      job.repairJobId,
      SUPPLEMENT,
    );
    await payRepairJob(t, sandbox, job.customer, job.repairJobId);
    expect((await finish(job)).data).toMatchObject({ status: 'done' });
    const refund = (amountPaise: number) =>
      t.api.POST('/admin/repairs/{repairJobId}/refund', {
        ...job.path,
        body: { amountPaise, reason: 'Back glass not replaced' },
        headers: admin.headers,
      });
    const whole = await refund(PAID + SUPPLEMENT);
    expect(whole.response.status).toBe(422);
    expect(whole.error).toMatchObject({
      code: 'refund/not-partial',
      heldPaise: PAID + SUPPLEMENT,
    });
    const decided = await refund(40_000);
    expect(decided.data).toEqual({
      repairJobId: job.repairJobId,
      heldPaise: PAID + SUPPLEMENT,
      refundAtReleasePaise: 40_000,
    });
    expect(
      await sql<{ refund_at_release_paise: string }>(
        `SELECT refund_at_release_paise::text AS refund_at_release_paise FROM escrow_holds
         WHERE repair_job_id = $1 ORDER BY created_at, id`,
        [job.repairJobId],
      ),
    ).toEqual([{ refund_at_release_paise: '30000' }, { refund_at_release_paise: '10000' }]);
    const confirmed = await t.api.POST('/repairs/{repairJobId}/confirm', {
      ...job.path,
      headers: job.customer.headers,
    });
    expect(confirmed.data).toMatchObject({ status: 'confirmed' });
    expect(await release.releaseDue()).toBe(1);
    expect(await refunds.processDue()).toBe(2);
    expect((await refundsOf(job)).map((r) => [r.kind, r.amountPaise, r.status]).sort()).toEqual(
      [
        ['partial', 10_000, 'processed'],
        ['partial', 30_000, 'processed'],
      ].sort(),
    );
    // Released 120000 and 40000 (no GST): commission 10 %, GST on it 18 %, TDS 0.1 %.
    expect(
      (await holdsOf(job)).map((h) => [h.status, h.commission_paise, h.dealer_net_paise]),
    ).toEqual([
      ['released', '12000', '105720'],
      ['released', '4000', '35240'],
    ]);
    expect(
      await expectJobBooks(t, finance, {
        repairJobId: job.repairJobId,
        technicianId: job.tech.userId,
      }),
    ).toEqual({
      paid: BigInt(PAID + SUPPLEMENT),
      refunded: 40_000n,
      escrow: 0n,
      technicianNet: 105_720n + 35_240n,
      commission: 16_000n,
      gst: 2_880n,
      tcs: 0n,
      tds: 160n,
    });
    await expectTrialBalanced();
  });

  it('the terminal asks for a supplement: a Payment Link of exactly it, captured into a new hold', async () => {
    const job = await paidJob();
    await approvedSupplement(
      t,
      { customer: job.customer, technician: job.tech },
      job.repairJobId,
      SUPPLEMENT,
    );
    const asked = await t.api.POST('/technician/repairs/{repairJobId}/payment-request', {
      ...job.path,
      body: { method: 'link' },
      headers: job.tech.headers,
    });
    expect(asked.response.status).toBe(201);
    expect(asked.data).toMatchObject({ status: 'open', amountPaise: SUPPLEMENT });
    const [linkRow] = await sql<{ gateway_id: string }>(
      `SELECT gateway_id FROM payment_requests WHERE id = $1`,
      [asked.data!.id],
    );
    expect(
      await t.app.get<PaymentGateway>(PAYMENT_GATEWAY).fetchPaymentLink(linkRow!.gateway_id),
    ).toMatchObject({ amountPaise: SUPPLEMENT });
    sandbox.control.payPaymentLink(linkRow!.gateway_id);
    await sandbox.control.flushWebhooks();
    await t.app.get(WebhookProcessor).drain();
    expect(await view(job)).toMatchObject({
      status: 'in_progress',
      amountDuePaise: 0,
      paidPaise: PAID + SUPPLEMENT,
    });
    expect((await holdsOf(job)).map((h) => [h.amount_paise, h.status])).toEqual([
      [String(PAID), 'held'],
      [String(SUPPLEMENT), 'held'],
    ]);
    expect(
      await expectJobBooks(t, finance, {
        repairJobId: job.repairJobId,
        technicianId: job.tech.userId,
      }),
    ).toMatchObject({
      paid: BigInt(PAID + SUPPLEMENT),
      escrow: BigInt(PAID + SUPPLEMENT),
    });
  });

  it('bad input gets problem documents', async () => {
    const job = await paidJob();
    const problem = (res: { response: Response; error?: unknown }, status: number) => {
      expect(res.response.status).toBe(status);
      expect(res.response.headers.get('content-type')).toContain('application/problem+json');
      return res.error as Record<string, unknown>;
    };
    // A job not in progress (awaiting payment) takes no supplement.
    const customer = await signInAs(t, 'customer');
    const tech = await hardwareTechnician(t);
    const unpaid = await approvedRepairJob(t, { admin, customer, technician: tech }, PAID);
    const notInProgress = await t.api.POST('/technician/repairs/{repairJobId}/supplements', {
      params: { path: { repairJobId: unpaid.repairJobId } },
      body: supplementLines(SUPPLEMENT),
      headers: tech.headers,
    });
    expect(problem(notInProgress, 409)).toMatchObject({
      code: 'repair-job/invalid-transition',
      repairJobStatus: 'awaiting_payment',
    });
    // Another technician's job is not found.
    expect(
      problem(await sendSupplement(job, supplementLines(SUPPLEMENT), tech), 404),
    ).toMatchObject({ code: 'repair-job/not-found' });
    // Empty and negative lines, GST from a technician not registered for it.
    expect(JSON.stringify(problem(await sendSupplement(job, { lines: [] }), 400))).toContain(
      'lines',
    );
    expect(
      JSON.stringify(problem(await sendSupplement(job, supplementLines(-500)), 400)),
    ).toContain('unitPaise');
    expect(
      problem(await sendSupplement(job, supplementLines(SUPPLEMENT, 1800)), 422),
    ).toMatchObject({ code: 'repair-quote/invalid', errors: [{ field: 'lines[0].gstRateBps' }] });
    expect(await holdsOf(job)).toHaveLength(1);

    const sent = await sendSupplement(job, supplementLines(SUPPLEMENT));
    const supplementId = sent.data!.id;
    // Only the job's customer decides it; the first quote's route refuses it.
    expect(problem(await decide(job, 'approve', supplementId, customer), 404)).toMatchObject({
      code: 'repair-job/not-found',
    });
    expect(problem(await decide(job, 'approve', supplementId, job.tech), 404)).toMatchObject({
      code: 'repair-job/not-found',
    });
    const viaQuote = await t.api.POST('/repairs/{repairJobId}/quote/approve', {
      ...job.path,
      body: { quoteId: supplementId },
      headers: job.customer.headers,
    });
    expect(problem(viaQuote, 409)).toMatchObject({ code: 'repair-quote/kind-mismatch' });
    expect(problem(await decide(job, 'approve', job.quoteId), 409)).toMatchObject({
      code: 'repair-quote/kind-mismatch',
    });
    expect(
      problem(await decide(job, 'approve', '00000000-0000-4000-8000-000000000000'), 404),
    ).toMatchObject({ code: 'repair-quote/not-found' });
    expect((await decide(job, 'approve', supplementId)).response.status).toBe(200);
    // Decided once; no second supplement while the approved one is unpaid.
    expect(problem(await decide(job, 'decline', supplementId), 409)).toMatchObject({
      code: 'repair-quote/not-proposed',
    });
    expect(problem(await sendSupplement(job, supplementLines(5_000)), 409)).toMatchObject({
      code: 'repair-quote/supplement-unpaid',
      amountDuePaise: SUPPLEMENT,
    });
    expect(await view(job)).toMatchObject({ amountDuePaise: SUPPLEMENT, paidPaise: PAID });
  });
});
