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
import { LedgerIntegrityService } from '../src/ledger/integrity/ledger-integrity.service.js';
import { LedgerService } from '../src/ledger/persistence/ledger.service.js';
import { HOLD_TRANSFER_JOBS } from '../src/payments/hold-transfer-jobs.js';
import { RepairJobs } from '../src/repairs/repair-jobs.service.js';
import { createAccount, signInAs, testGstin, testPan, type SignedIn } from './support/accounts.js';
import { startSandboxApp, type SandboxApp } from './support/payments.js';
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
  const signedIn = new Map<string, SignedIn>();
  const technician = async (opts: { pan: boolean; gstRegistered?: boolean }) => {
    const session = await signInAs(t, 'technician', { technicianKind: 'hardware' });
    const { userId } = session;
    signedIn.set(userId, session);
    const pan = testPan();
    await sql(`UPDATE users SET pan = $2, gstin = $3 WHERE id = $1`, [
      userId,
      opts.pan ? pan : null,
      opts.gstRegistered ? testGstin('Karnataka', pan) : null,
    ]);
    return userId;
  };
  /**
   * A hardware job brought to `awaiting_payment` the way the product does it: requested, assigned by
   * staff, the technician there, diagnosing and quoting one labour line (at 18 % GST when
   * registered, so `amountPaise` is the total), the quote approved by the customer.
   */
  const createJob = async (
    customer: SignedIn,
    technicianId: string,
    amountPaise: number,
    gstRegistered = false,
  ) => {
    const requested = await t.api.POST('/repairs', {
      body: {
        kind: 'hardware',
        mode: 'offline',
        deviceBrand: 'Samsung',
        deviceModel: 'Galaxy A54',
        problem: 'Cracked screen, touch dead at the bottom',
        location: { lat: 12.9716, lng: 77.5946 },
      },
      headers: customer.headers,
    });
    expect(requested.response.status).toBe(201);
    const repairJobId = requested.data!.id;
    const path = { params: { path: { repairJobId } } };
    const assigned = await t.api.POST('/admin/repairs/{repairJobId}/assign', {
      ...path,
      body: { technicianId },
      headers: admin.headers,
    });
    if (assigned.response.status !== 200) return assigned;
    const tech = signedIn.get(technicianId)!;
    for (const step of ['depart', 'arrive', 'diagnose'] as const)
      expect(
        (
          await t.api.POST(`/technician/repairs/{repairJobId}/${step}`, {
            ...path,
            headers: tech.headers,
          })
        ).response.status,
      ).toBe(200);
    const unitPaise = gstRegistered ? Math.round(amountPaise / 1.18) : amountPaise;
    const quoted = await t.api.POST('/technician/repairs/{repairJobId}/quotes', {
      ...path,
      body: {
        lines: [
          {
            kind: 'labour',
            description: 'Screen replacement',
            quantity: 1,
            unitPaise,
            gstRateBps: gstRegistered ? 1800 : 0,
          },
        ],
      },
      headers: tech.headers,
    });
    if (quoted.response.status !== 201) return quoted;
    expect(quoted.data!.totalPaise).toBe(amountPaise);
    return t.api.POST('/repairs/{repairJobId}/quote/approve', {
      ...path,
      body: { quoteId: quoted.data!.id },
      headers: customer.headers,
    });
  };
  /** The technician marks the paid job done. */
  const finish = async (technicianId: string, repairJobId: string) => {
    const tech = signedIn.get(technicianId)!;
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

  /** The job's books once released: the money identity, an empty escrow, a balanced, verified ledger. */
  const expectJobSettled = async (
    repairJobId: string,
    technicianId: string,
    paidPaise: number,
    expected: Released,
  ) => {
    const hold = (await holdOf(repairJobId))!;
    const released: Released = {
      commission: Number(hold.commission_paise),
      gst: Number(hold.gst_on_commission_paise),
      tcs: Number(hold.tcs_paise),
      tds: Number(hold.tds_paise),
      net: Number(hold.dealer_net_paise),
    };
    expect({ status: hold.status, ...released }).toEqual({ status: 'released', ...expected });
    expect(released.net + released.commission + released.gst + released.tcs + released.tds).toBe(
      paidPaise,
    );
    const ledger = t.app.get(LedgerService);
    const escrow = (await ledger.account(Accounts.jobEscrow(repairJobId)))!;
    expect({
      posted: escrow.creditsPosted - escrow.debitsPosted,
      pending: escrow.debitsPending,
    }).toEqual({ posted: 0n, pending: 0n });
    // The technician's payable holds the net of this job (each technician here has one job).
    const payable = (await ledger.account(Accounts.technicianPayable(technicianId)))!;
    expect(payable.creditsPosted - payable.debitsPosted).toBe(BigInt(expected.net));
    const [nets] = await sql<{ commission: string; gst: string; tcs: string; tds: string }>(
      `SELECT
         sum(l.amount) FILTER (WHERE a.code = $2 AND l.side = 'credit')::text AS commission,
         sum(l.amount) FILTER (WHERE a.code = $3 AND l.side = 'credit')::text AS gst,
         coalesce(sum(l.amount) FILTER (WHERE a.code = $4 AND l.side = 'credit'), 0)::text AS tcs,
         sum(l.amount) FILTER (WHERE a.code = $5 AND l.side = 'credit')::text AS tds
       FROM ledger_lines l JOIN ledger_entries e ON e.id = l.entry_id
         JOIN ledger_accounts a ON a.id = l.account_id
       WHERE e.reference = $1 AND e.kind <> 'pending'`,
      [`job:${repairJobId}`, Accounts.commission, Accounts.gstOutput, Accounts.tcs, Accounts.tds],
    );
    expect(nets).toEqual({
      commission: String(expected.commission),
      gst: String(expected.gst),
      tcs: String(expected.tcs),
      tds: String(expected.tds),
    });
    const trial = await t.api.GET('/ledger/trial-balance', { headers: finance.headers });
    expect(trial.data?.balanced).toBe(true);
    expect((await t.app.get(LedgerIntegrityService).verify()).ok).toBe(true);
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
    const technicianId = await technician({ pan: true });
    const created = await createJob(customer, technicianId, 150_000);
    expect(created.response.status).toBe(200);
    const job = created.data!;
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
    await finish(technicianId, job.id);
    expect(await release.releaseDue()).toBe(0);
    const done = await confirm(customer, job.id);
    expect(done.response.status).toBe(200);
    expect(done.data).toMatchObject({ status: 'confirmed' });
    expect(await release.releaseDue()).toBe(1);
    expect(await release.releaseDue()).toBe(0);

    // Vector 10: unregistered technician with PAN, G = 150000.
    await expectJobSettled(job.id, technicianId, 150_000, {
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
    const technicianId = await technician({ pan: false });
    const job = (await createJob(customer, technicianId, 150_000)).data!;
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

    await finish(technicianId, job.id);
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
    await expectJobSettled(job.id, technicianId, 150_000, {
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
    const technicianId = await technician({ pan: true, gstRegistered: true });
    const job = (await createJob(customer, technicianId, 118_000, true)).data!;
    await payAndVerify(customer, job.id);
    await finish(technicianId, job.id);
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
    await expectJobSettled(job.id, technicianId, 118_000, {
      commission: 14_160,
      gst: 2_549,
      tcs: 500,
      tds: 118,
      net: 118_000 - 14_160 - 2_549 - 500 - 118,
    });
  });

  it('refuses clearly: another customer’s job, a job not awaiting payment, an unassignable technician, confirming unpaid, a bad quote', async () => {
    const customer = await signInAs(t, 'customer');
    const technicianId = await technician({ pan: true });
    const job = (await createJob(customer, technicianId, 50_000)).data!;

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

    const dealer = await createAccount(t, 'dealer');
    const notTechnician = await createJob(customer, dealer.userId, 50_000);
    expect(notTechnician.response.status).toBe(422);
    expect(notTechnician.error).toMatchObject({ code: 'repair-job/technician-not-assignable' });
    const pending = await createAccount(t, 'technician', { status: 'pending' });
    expect((await createJob(customer, pending.userId, 50_000)).error).toMatchObject({
      code: 'repair-job/technician-not-assignable',
    });
    const badQuote = await createJob(customer, technicianId, 0);
    expect(badQuote.response.status).toBe(400);
    expect(badQuote.error).toMatchObject({ code: 'request/validation-failed' });
  });
});
