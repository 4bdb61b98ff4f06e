/**
 * A repair job is a payable like an order (issue #14): a customer pays it through the Razorpay
 * sandbox over HTTP with the same payment code path (Checkout's verification, or the payment
 * webhooks), the capture lands in the job's escrow (`liability:escrow:job:<jobId>`) and is held for
 * the technician, and confirming the done job releases it with the repair recipe (ledger-spec/recipes.md
 * §10: `commission.repairs` or the `repair_service` rule, GST on commission, TDS 0.1 % with PAN and
 * 5 % without, TCS only for a GST-registered technician), through the escrow's one release path.
 * Books after each release: paid = technician net + commission + GST on commission + TCS + TDS, the
 * job's escrow at zero, the trial balance balanced and the journal verified.
 */
import type { RazorpaySandbox } from '../scripts/razorpay-sandbox/sandbox.js';
import { EscrowReleaseService } from '../src/escrow/escrow-release.service.js';
import { WebhookProcessor } from '../src/gateway/webhooks/webhook-jobs.js';
import { Accounts } from '../src/ledger/domain/account.js';
import { LedgerService } from '../src/ledger/persistence/ledger.service.js';
import { HOLD_TRANSFER_JOBS } from '../src/payments/hold-transfer-jobs.js';
import { RepairJobs } from '../src/repairs/repair-jobs.service.js';
import { createAccount, signInAs, testGstin, testPan, type SignedIn } from './support/accounts.js';
import { expectJobBooks } from './support/books.js';
import { startSandboxApp, type SandboxApp } from './support/payments.js';
import { approvedRepairJob, type JobParty } from './support/repairs.js';
import type { TestApp } from './support/test-app.js';
import { withClient } from './support/test-database.js';

interface Released {
  commission: number;
  gst: number;
  tcs: number;
  tds: number;
  net: number;
}

describe('a repair job paid, held for its technician and released (Razorpay sandbox over HTTP)', () => {
  let sandbox: RazorpaySandbox;
  let t: TestApp;
  let started: SandboxApp | undefined;
  let finance: SignedIn;
  let admin: SignedIn;
  let release: EscrowReleaseService;

  const sql = <T extends Record<string, unknown>>(text: string, params: unknown[] = []) =>
    withClient(t.db.ownerUrl, async (c) => (await c.query<T>(text, params)).rows);

  /** An approved hardware technician, with a PAN or not, GST-registered or not. */
  const technician = async (opts: { pan: boolean; gstRegistered?: boolean }) => {
    const session = await signInAs(t, 'technician', { technicianKind: 'hardware' });
    const pan = testPan();
    await sql(`UPDATE users SET pan = $2, gstin = $3 WHERE id = $1`, [
      session.userId,
      opts.pan ? pan : null,
      opts.gstRegistered ? testGstin('Karnataka', pan) : null,
    ]);
    return session;
  };
  /** A hardware job brought to `awaiting_payment` the way the product does it (`approvedRepairJob`). */
  const createJob = async (
    customer: SignedIn,
    tech: SignedIn,
    amountPaise: number,
    gstRegistered = false,
  ) =>
    (
      await approvedRepairJob(t, { customer, admin, technician: tech }, amountPaise, {
        gstRegistered,
      })
    ).job;
  /** The technician marks the paid job done. */
  const finish = async (tech: SignedIn, repairJobId: string) => {
    const done = await t.api.POST('/technician/repairs/{repairJobId}/finish', {
      params: { path: { repairJobId } },
      headers: tech.headers,
    });
    expect(done.data).toMatchObject({ status: 'done' });
  };
  const openPayment = (customer: SignedIn, repairJobId: string) =>
    t.api.POST('/repairs/{repairJobId}/payments', {
      params: { path: { repairJobId } },
      headers: customer.headers,
    });
  const confirm = (customer: SignedIn, repairJobId: string) =>
    t.api.POST('/repairs/{repairJobId}/confirm', {
      params: { path: { repairJobId } },
      headers: customer.headers,
    });
  /** Checkout's part at the sandbox, then its answer handed to `…/payments/verify`. */
  const payAndVerify = async (customer: SignedIn, repairJobId: string) => {
    const opened = (await openPayment(customer, repairJobId)).data!;
    const paid = sandbox.control.pay(opened.gatewayOrderId!, { outcome: 'captured' });
    if (!('razorpay_payment_id' in paid)) throw new Error('sandbox payment failed');
    const verified = await t.api.POST('/repairs/{repairJobId}/payments/verify', {
      params: { path: { repairJobId } },
      body: {
        razorpayOrderId: paid.razorpay_order_id,
        razorpayPaymentId: paid.razorpay_payment_id,
        razorpaySignature: paid.razorpay_signature,
      },
      headers: customer.headers,
    });
    expect(verified.response.status).toBe(200);
    return verified.data!;
  };
  const holdOf = async (repairJobId: string) =>
    (
      await sql<{
        payee_type: string;
        payee_id: string;
        dealer_id: string | null;
        sub_order_id: string | null;
        amount_paise: string;
        hold_key: string;
        status: string;
        transfer_status: string;
        commission_paise: string | null;
        gst_on_commission_paise: string | null;
        tcs_paise: string | null;
        tds_paise: string | null;
        dealer_net_paise: string | null;
      }>(`SELECT * FROM escrow_holds WHERE repair_job_id = $1`, [repairJobId])
    )[0];
  /** Route jobs queued for this payment's hold: its transfer (after the capture) and its lift (after the release). */
  const routeJobsFor = async (paymentId: string) =>
    (
      await sql<{ name: string }>(
        `SELECT j.name FROM pgboss.job j
         WHERE (j.name = $1 AND j.data->>'paymentId' = $3)
            OR (j.name = $2 AND j.data->>'holdId' IN
                  (SELECT id::text FROM escrow_holds WHERE payment_id::text = $3))
         ORDER BY j.created_on`,
        [HOLD_TRANSFER_JOBS.transfers, HOLD_TRANSFER_JOBS.release, paymentId],
      )
    ).map((j) => j.name);

  /**
   * The job's books once released (`expectJobBooks`: paid = technician net + commission + GST on
   * commission + TCS + TDS, its escrow empty, the ledger verified and balanced), its hold and the
   * ledger each holding `expected` (each technician here has one job).
   */
  const expectJobSettled = async (
    repairJobId: string,
    tech: SignedIn,
    paidPaise: number,
    expected: Released,
  ) => {
    const hold = (await holdOf(repairJobId))!;
    expect({
      status: hold.status,
      commission: Number(hold.commission_paise),
      gst: Number(hold.gst_on_commission_paise),
      tcs: Number(hold.tcs_paise),
      tds: Number(hold.tds_paise),
      net: Number(hold.dealer_net_paise),
    }).toEqual({ status: 'released', ...expected });
    const books = await expectJobBooks(t, finance, {
      repairJobId,
      technicianId: tech.userId,
      released: true,
    });
    expect(books).toEqual({
      paid: BigInt(paidPaise),
      refunded: 0n,
      escrow: 0n,
      technicianNet: BigInt(expected.net),
      commission: BigInt(expected.commission),
      gst: BigInt(expected.gst),
      tcs: BigInt(expected.tcs),
      tds: BigInt(expected.tds),
    });
  };

  beforeAll(async () => {
    started = await startSandboxApp({ webhooks: true });
    ({ sandbox, t } = started);
    finance = await signInAs(t, 'finance');
    admin = await signInAs(t, 'admin');
    release = t.app.get(EscrowReleaseService);
  });
  afterAll(() => started?.close());

  it('pays a job through Checkout, holds it for the technician, releases it once confirmed (PAN: TDS 0.1 %)', async () => {
    const customer = await signInAs(t, 'customer');
    const tech = await technician({ pan: true });
    const technicianId = tech.userId;
    const job = await createJob(customer, tech, 150_000);
    expect(job).toMatchObject({
      customerId: customer.userId,
      technicianId,
      kind: 'hardware',
      status: 'awaiting_payment',
      amountPaise: 150_000,
    });

    const first = await openPayment(customer, job.id);
    expect(first.response.status).toBe(201);
    expect(first.data).toMatchObject({
      repairJobId: job.id,
      status: 'created',
      amountPaise: 150_000,
      currency: 'INR',
    });
    expect((await openPayment(customer, job.id)).data!.id).toBe(first.data!.id);

    const payment = await payAndVerify(customer, job.id);
    expect(payment).toMatchObject({ id: first.data!.id, status: 'captured', unpayable: false });
    const [row] = await sql<{ payable_type: string; order_id: string | null }>(
      `SELECT payable_type, order_id FROM payments WHERE id = $1`,
      [payment.id],
    );
    expect(row).toEqual({ payable_type: 'repair_job', order_id: null });

    // Held for the technician: a payee hold, no dealer, no Route transfer.
    expect(await holdOf(job.id)).toMatchObject({
      payee_type: 'technician',
      payee_id: technicianId,
      dealer_id: null,
      sub_order_id: null,
      amount_paise: '150000',
      hold_key: `hold:job:${job.id}`,
      status: 'held',
      transfer_status: 'none',
    });
    const escrow = (await t.app.get(LedgerService).account(Accounts.jobEscrow(job.id)))!;
    expect(escrow.creditsPosted).toBe(150_000n);
    expect(escrow.debitsPending).toBe(150_000n);
    const listed = await t.api.GET('/repairs/{repairJobId}/payments', {
      params: { path: { repairJobId: job.id } },
      headers: customer.headers,
    });
    expect(listed.data!.map((p) => p.id)).toEqual([payment.id]);

    // Paid, in progress, then done but not confirmed: nothing is due.
    expect(await release.releaseDue()).toBe(0);
    await finish(tech, job.id);
    expect(await release.releaseDue()).toBe(0);
    const done = await confirm(customer, job.id);
    expect(done.response.status).toBe(200);
    expect(done.data).toMatchObject({ status: 'confirmed' });
    expect(await release.releaseDue()).toBe(1);
    expect(await release.releaseDue()).toBe(0);

    // Vector 10: unregistered technician with PAN, G = 150000.
    await expectJobSettled(job.id, tech, 150_000, {
      commission: 15_000,
      gst: 2_700,
      tcs: 0,
      tds: 150,
      net: 132_150,
    });
    // Both Route jobs are queued, as for a dealer's hold: its technician has no linked account, so
    // the transfer waits (`none`) for the activation (test/repair-payout.e2e-spec.ts pays one out).
    expect(await routeJobsFor(payment.id)).toEqual([
      HOLD_TRANSFER_JOBS.transfers,
      HOLD_TRANSFER_JOBS.release,
    ]);
    const history = await sql<{ event: string; to_status: string }>(
      `SELECT event, to_status FROM repair_job_history WHERE repair_job_id = $1 ORDER BY id`,
      [job.id],
    );
    expect(history).toEqual([
      { event: 'assign', to_status: 'assigned' },
      { event: 'depart', to_status: 'en_route' },
      { event: 'arrive', to_status: 'arrived' },
      { event: 'diagnose', to_status: 'diagnosing' },
      { event: 'quote', to_status: 'quoted' },
      { event: 'approve_quote', to_status: 'awaiting_payment' },
      { event: 'pay', to_status: 'in_progress' },
      { event: 'finish', to_status: 'done' },
      { event: 'confirm', to_status: 'confirmed' },
      { event: 'close', to_status: 'closed' },
    ]);
    const closed = await t.api.GET('/repairs/{repairJobId}', {
      params: { path: { repairJobId: job.id } },
      headers: customer.headers,
    });
    expect(closed.data).toMatchObject({ status: 'closed', amountPaise: 150_000 });
  });

  it('captures through the payment webhook too, confirms after the window, and withholds 5 % TDS from a technician without PAN', async () => {
    const customer = await signInAs(t, 'customer');
    const tech = await technician({ pan: false });
    const job = await createJob(customer, tech, 150_000);
    const opened = (await openPayment(customer, job.id)).data!;
    // Checkout never comes back: the sandbox's webhook, processed from the inbox, captures it.
    const paid = sandbox.control.pay(opened.gatewayOrderId!, { outcome: 'captured' });
    expect('razorpay_payment_id' in paid).toBe(true);
    const statusOf = async () =>
      (await sql<{ status: string }>(`SELECT status FROM payments WHERE id = $1`, [opened.id]))[0]!
        .status;
    for (let i = 0; i < 100 && (await statusOf()) !== 'captured'; i++) {
      await t.app.get(WebhookProcessor).drain();
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(await statusOf()).toBe('captured');
    expect((await holdOf(job.id))?.status).toBe('held');

    await finish(tech, job.id);
    // The customer never confirms: once the confirmation window (48 h) has passed, the system does.
    const jobs = t.app.get(RepairJobs);
    expect(await jobs.autoConfirm()).toBe(0);
    await sql(`UPDATE repair_jobs SET done_at = now() - interval '47 hours' WHERE id = $1`, [
      job.id,
    ]);
    expect(await jobs.autoConfirm()).toBe(0);
    await sql(
      `UPDATE repair_jobs SET done_at = now() - interval '48 hours 1 minute' WHERE id = $1`,
      [job.id],
    );
    expect(await jobs.autoConfirm()).toBe(1);
    const [confirmed] = await sql<{ event: string; actor_role: string; reason: string }>(
      `SELECT event, actor_role, reason FROM repair_job_history WHERE repair_job_id = $1
       ORDER BY id DESC LIMIT 1`,
      [job.id],
    );
    expect(confirmed).toEqual({
      event: 'confirm',
      actor_role: 'system:auto-confirm',
      reason: 'the confirmation window passed',
    });
    expect(await release.releaseDue()).toBe(1);
    await expectJobSettled(job.id, tech, 150_000, {
      commission: 15_000,
      gst: 2_700,
      tcs: 0,
      tds: 7_500,
      net: 124_800,
    });
  });

  it('takes the repair_service commission rule (not the parts default), and TCS from a GST-registered technician', async () => {
    const today = new Date(Date.now() + 5.5 * 3_600_000).toISOString().slice(0, 10);
    const rule = (body: Record<string, unknown>) =>
      t.api.POST('/admin/commission-rules', {
        body: { effectiveFrom: today, reason: 'repair commission test', ...body } as never,
        headers: finance.headers,
      });
    expect((await rule({ scope: 'default', rate: '0.05' })).response.status).toBe(201);
    expect(
      (await rule({ scope: 'category', category: 'repair_service', rate: '0.12' })).response.status,
    ).toBe(201);
    const refused = await rule({ scope: 'dealer', category: 'repair_service', rate: '0.12' });
    expect(refused.error).toMatchObject({ code: 'commission/scope-mismatch' });

    const customer = await signInAs(t, 'customer');
    const tech = await technician({ pan: true, gstRegistered: true });
    const job = await createJob(customer, tech, 118_000, true);
    await payAndVerify(customer, job.id);
    await finish(tech, job.id);
    // Staff confirm it for the customer (a reason, audited).
    const done = await t.api.POST('/admin/repairs/{repairJobId}/confirm', {
      params: { path: { repairJobId: job.id } },
      body: { reason: 'customer confirmed by phone' },
      headers: admin.headers,
    });
    expect(done.data).toMatchObject({ status: 'confirmed' });
    expect(await release.releaseDue()).toBe(1);
    // G = 118000, the quote's one line at 18 %: taxable 100000; commission 12 % of G = 14160, GST 2549 (18 %, half up),
    // TCS 0.5 % of taxable = 500, TDS 0.1 % of G = 118.
    await expectJobSettled(job.id, tech, 118_000, {
      commission: 14_160,
      gst: 2_549,
      tcs: 500,
      tds: 118,
      net: 118_000 - 14_160 - 2_549 - 500 - 118,
    });
  });

  it('refuses clearly: another customer’s job, a job not awaiting payment, an unassignable technician, confirming unpaid, a bad quote', async () => {
    const customer = await signInAs(t, 'customer');
    const tech = await technician({ pan: true });
    const job = await createJob(customer, tech, 50_000);

    const stranger = await signInAs(t, 'customer');
    const foreign = await openPayment(stranger, job.id);
    expect(foreign.response.status).toBe(404);
    expect(foreign.response.headers.get('content-type')).toContain('application/problem+json');
    expect(foreign.error).toMatchObject({ code: 'repair-job/not-found' });

    const early = await confirm(customer, job.id);
    expect(early.response.status).toBe(409);
    expect(early.error).toMatchObject({
      code: 'repair-job/invalid-transition',
      from: 'awaiting_payment',
      event: 'confirm',
    });

    await payAndVerify(customer, job.id);
    const again = await openPayment(customer, job.id);
    expect(again.response.status).toBe(409);
    expect(again.error).toMatchObject({
      code: 'payment/not-payable',
      detail: 'This repair job is in progress',
      repairJobStatus: 'in_progress',
    });

    /** The job's steps with `technician`, answering the step the API refused. */
    const refused = (technician: JobParty, amountPaise: number) =>
      approvedRepairJob(t, { customer, admin, technician }, amountPaise, { refusable: true });
    const dealer = await createAccount(t, 'dealer');
    expect(await refused({ userId: dealer.userId, headers: {} }, 50_000)).toEqual({
      refused: 'assign',
      status: 422,
      error: expect.objectContaining({ code: 'repair-job/technician-not-assignable' }),
    });
    const pending = await createAccount(t, 'technician', { status: 'pending' });
    expect(await refused({ userId: pending.userId, headers: {} }, 50_000)).toMatchObject({
      refused: 'assign',
      error: { code: 'repair-job/technician-not-assignable' },
    });
    expect(await refused(tech, 0)).toEqual({
      refused: 'quote',
      status: 400,
      error: expect.objectContaining({ code: 'request/validation-failed' }),
    });
  });
});
