/**
 * The technician's payment terminal on the wire (Razorpay sandbox over HTTP, its signed webhooks
 * through the inbox): the job's technician asks for the approved amount by a Payment Link or a UPI
 * QR code, bound to the job's payment; the customer pays at the sandbox; `payment_link.paid` /
 * `qr_code.credited`, confirmed with the gateway, capture it into the job's escrow held for the
 * technician; released, the books hold (paid = technician net + commission + GST on commission + TCS
 * + TDS, the job's escrow at zero, trial balance balanced). Expiry, cancellation, the job withdrawn,
 * reassigned or cancelled under an open request, paying in the app while a link is open, replayed
 * and forged events, the amount, and who may see and ask.
 */
import type { RazorpaySandbox } from '../scripts/razorpay-sandbox/sandbox.js';
import { SANDBOX_RAZORPAY } from '../src/config/app-config.js';
import { EscrowReleaseService } from '../src/escrow/escrow-release.service.js';
import { PAYMENT_GATEWAY, type PaymentGateway } from '../src/gateway/payment-gateway.js';
import { webhookSignature } from '../src/gateway/webhooks/signature.js';
import { WebhookProcessor } from '../src/gateway/webhooks/webhook-jobs.js';
import { Accounts } from '../src/ledger/domain/account.js';
import { LedgerService } from '../src/ledger/persistence/ledger.service.js';
import { RefundsService } from '../src/payments/refunds.service.js';
import { PaymentTerminal } from '../src/payments/terminal/payment-terminal.service.js';
import { signInAs, type SignedIn } from './support/accounts.js';
import { startSandboxApp, type SandboxApp } from './support/payments.js';
import { expectJobBooks } from './support/books.js';
import { approvedRepairJob, hardwareTechnician } from './support/repairs.js';
import type { TestApp } from './support/test-app.js';
import { withClient } from './support/test-database.js';

describe("the technician's payment terminal (Payment Links and UPI QR codes, Razorpay sandbox)", () => {
  let sandbox: RazorpaySandbox;
  let t: TestApp;
  let started: SandboxApp | undefined;
  let admin: SignedIn;
  let finance: SignedIn;
  let seq = 0;

  const sql = <T extends Record<string, unknown>>(text: string, params: unknown[] = []) =>
    withClient(t.db.ownerUrl, async (c) => (await c.query<T>(text, params)).rows);
  const drain = async () => {
    await sandbox.control.flushWebhooks();
    await t.app.get(WebhookProcessor).drain();
  };

  /** A customer, a technician and their job awaiting `amountPaise`. */
  const newJob = async (amountPaise: number) => {
    const customer = await signInAs(t, 'customer');
    const tech = await hardwareTechnician(t);
    const { repairJobId } = await approvedRepairJob(
      t,
      { admin, customer, technician: tech },
      amountPaise,
    );
    return { customer, tech, repairJobId, path: { params: { path: { repairJobId } } } };
  };
  type Job = Awaited<ReturnType<typeof newJob>>;

  const ask = (job: Job, method: 'link' | 'qr', as: SignedIn = job.tech) =>
    t.api.POST('/technician/repairs/{repairJobId}/payment-request', {
      ...job.path,
      body: { method },
      headers: as.headers,
    });
  const requestsSeenBy = async (job: Job, as: 'customer' | 'tech') =>
    as === 'customer'
      ? (
          await t.api.GET('/repairs/{repairJobId}/payment-requests', {
            ...job.path,
            headers: job.customer.headers,
          })
        ).data!
      : (
          await t.api.GET('/technician/repairs/{repairJobId}/payment-requests', {
            ...job.path,
            headers: job.tech.headers,
          })
        ).data!;
  const jobOf = async (job: Job) =>
    (await t.api.GET('/repairs/{repairJobId}', { ...job.path, headers: job.customer.headers }))
      .data!;
  const paymentsOf = async (job: Job) =>
    (
      await t.api.GET('/repairs/{repairJobId}/payments', {
        ...job.path,
        headers: job.customer.headers,
      })
    ).data!;
  const gatewayIdOf = async (requestId: string) =>
    (
      await sql<{ gateway_id: string }>(`SELECT gateway_id FROM payment_requests WHERE id = $1`, [
        requestId,
      ])
    )[0]!.gateway_id;
  const ledgerEntries = async () =>
    (await sql<{ n: number }>(`SELECT count(*)::int AS n FROM ledger_entries`))[0]!.n;
  const inboxOf = async (eventId: string) =>
    (
      await sql<{ status: string; rejection: string | null; last_error: string | null }>(
        `SELECT status, rejection, last_error FROM webhook_inbox WHERE event_id = $1`,
        [eventId],
      )
    )[0];

  /** A body signed with the real webhook secret, delivered; returns its event id. */
  const deliver = async (body: string) => {
    const eventId = `evt_Terminal${(seq++).toString().padStart(8, '0')}`;
    const res = await fetch(`${t.baseUrl}/webhooks/razorpay`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-razorpay-signature': webhookSignature(body, SANDBOX_RAZORPAY.webhookSecret),
        'x-razorpay-event-id': eventId,
      },
      body,
    });
    expect(res.status).toBe(200);
    await res.arrayBuffer();
    return eventId;
  };

  /** Confirmed by the customer, released by the escrow job: the job's books. */
  const releaseAndCheckBooks = async (job: Job, paidPaise: number) => {
    const done = await t.api.POST('/technician/repairs/{repairJobId}/finish', {
      ...job.path,
      headers: job.tech.headers,
    });
    expect(done.data).toMatchObject({ status: 'done' });
    const confirmed = await t.api.POST('/repairs/{repairJobId}/confirm', {
      ...job.path,
      headers: job.customer.headers,
    });
    expect(confirmed.data).toMatchObject({ status: 'confirmed' });
    expect(await t.app.get(EscrowReleaseService).releaseDue()).toBe(1);
    const books = await expectJobBooks(t, finance, {
      repairJobId: job.repairJobId,
      technicianId: job.tech.userId,
      released: true,
    });
    expect(books).toMatchObject({ paid: BigInt(paidPaise), refunded: 0n });
  };

  /**
   * The job paid and held for its technician, by exactly `amountPaise`, in its escrow holding
   * `capturedPaise` (more when money kept apart stays there too).
   */
  const expectHeld = async (job: Job, amountPaise: number, capturedPaise = amountPaise) => {
    expect(await jobOf(job)).toMatchObject({ status: 'in_progress' });
    const [hold] = await sql<{ payee_id: string; amount_paise: string; status: string }>(
      `SELECT payee_id::text AS payee_id, amount_paise::text AS amount_paise, status
       FROM escrow_holds WHERE repair_job_id = $1`,
      [job.repairJobId],
    );
    expect(hold).toEqual({
      payee_id: job.tech.userId,
      amount_paise: String(amountPaise),
      status: 'held',
    });
    const escrow = (await t.app.get(LedgerService).account(Accounts.jobEscrow(job.repairJobId)))!;
    expect({ credits: escrow.creditsPosted, pending: escrow.debitsPending }).toEqual({
      credits: BigInt(capturedPaise),
      pending: BigInt(amountPaise),
    });
  };

  beforeAll(async () => {
    started = await startSandboxApp({ webhooks: true });
    ({ sandbox, t } = started);
    admin = await signInAs(t, 'admin');
    finance = await signInAs(t, 'finance');
  }, 120_000);
  afterAll(() => started?.close());

  it('a Payment Link paid: the job paid through its one payment, held in escrow for the technician, the books right once released; a replay changes nothing', async () => {
    const job = await newJob(120_000);
    const asked = await ask(job, 'link');
    expect(asked.response.status).toBe(201);
    const request = asked.data!;
    expect(request).toMatchObject({
      repairJobId: job.repairJobId,
      method: 'link',
      status: 'open',
      amountPaise: 120_000,
      closeReason: null,
    });
    expect(request.url).toMatch(/^https:\/\/rzp\.io\/i\//);
    // Bound to the job's payment: the in-app payment is the same one.
    const [payment] = await paymentsOf(job);
    expect(payment).toMatchObject({
      id: request.paymentId,
      status: 'created',
      amountPaise: 120_000,
    });
    // A retry gets the same request; the other method is refused while it is open.
    expect((await ask(job, 'link')).data!.id).toBe(request.id);
    const other = await ask(job, 'qr');
    expect(other.response.status).toBe(409);
    expect(other.error).toMatchObject({
      code: 'payment-request/open',
      paymentRequestId: request.id,
    });
    // The link as the gateway has it: exactly the amount, on the platform's account, bound by its
    // notes to the job's payment.
    const linkId = await gatewayIdOf(request.id);
    expect(await t.app.get<PaymentGateway>(PAYMENT_GATEWAY).fetchPaymentLink(linkId)).toMatchObject(
      {
        amountPaise: 120_000,
        status: 'created',
        notes: {
          repairJobId: job.repairJobId,
          paymentId: request.paymentId,
          paymentRequestId: request.id,
        },
      },
    );
    expect((await requestsSeenBy(job, 'customer')).map((r) => [r.id, r.status])).toEqual([
      [request.id, 'open'],
    ]);

    const paid = sandbox.control.payPaymentLink(linkId);
    await drain();
    await expectHeld(job, 120_000);
    const [captured] = await paymentsOf(job);
    expect(captured).toMatchObject({
      id: request.paymentId,
      status: 'captured',
      gatewayPaymentId: paid.payment.id,
      unpayable: false,
    });
    expect((await requestsSeenBy(job, 'tech'))[0]).toMatchObject({
      id: request.id,
      status: 'paid',
    });
    const events = await sql<{ event: string; status: string; outcome: string | null }>(
      `SELECT event, status, outcome FROM webhook_inbox
       WHERE payload::text LIKE '%' || $1 || '%' ORDER BY received_at`,
      [paid.payment.id],
    );
    expect(events.find((e) => e.event === 'payment_link.paid')).toMatchObject({
      status: 'processed',
      outcome: 'handled',
    });

    // The same event again (Razorpay's redelivery under a new id) and the payment's own capture
    // event: nothing moves.
    const entries = await ledgerEntries();
    const record = sandbox.control.webhooks().find((w) => w.event === 'payment_link.paid')!;
    const again = await deliver(record.body);
    await drain();
    expect(await inboxOf(again)).toMatchObject({ status: 'processed' });
    expect(await ledgerEntries()).toBe(entries);
    expect(await paymentsOf(job)).toHaveLength(1);

    await releaseAndCheckBooks(job, 120_000);
    const history = await sql<{ event: string; to_status: string; actor: string }>(
      `SELECT event, to_status, actor FROM payment_request_history WHERE request_id = $1 ORDER BY id`,
      [request.id],
    );
    expect(history).toEqual([
      { event: 'open', to_status: 'open', actor: 'system' },
      { event: 'pay', to_status: 'paid', actor: 'gateway' },
    ]);
  });

  it('a UPI QR code credited: captured the same way; Razorpay takes exactly the amount; the books right once released', async () => {
    const job = await newJob(80_000);
    const request = (await ask(job, 'qr')).data!;
    expect(request).toMatchObject({ method: 'qr', status: 'open', amountPaise: 80_000 });
    const qrId = await gatewayIdOf(request.id);
    // A fixed-amount code: less (or more) is refused at the gateway, nothing reaches us.
    expect(() => sandbox.control.payQrCode(qrId, { amount: 50_000 })).toThrow(/exactly 80000/);
    const credited = sandbox.control.payQrCode(qrId);
    await drain();
    await expectHeld(job, 80_000);
    expect((await paymentsOf(job))[0]).toMatchObject({
      id: request.paymentId,
      status: 'captured',
      gatewayPaymentId: credited.payment.id,
    });
    expect((await requestsSeenBy(job, 'customer'))[0]).toMatchObject({ status: 'paid' });
    await releaseAndCheckBooks(job, 80_000);
  });

  it('a QR code made at the gateway whose answer was lost is found again on the next ask, not made twice', async () => {
    const job = await newJob(60_000);
    // The payment exists first (the customer opened it), so the ask's next gateway call is the QR code's.
    expect(
      (
        await t.api.POST('/repairs/{repairJobId}/payments', {
          ...job.path,
          headers: job.customer.headers,
        })
      ).response.status,
    ).toBe(201);
    const startedAt = Math.floor(Date.now() / 1000) - 1;
    // Razorpay makes the code, then the answer is lost (a 502 after the work).
    sandbox.control.setFaults({ api: { failAfterNext: 1 } });
    const lost = await ask(job, 'qr');
    sandbox.control.resetFaults();
    expect(lost.response.status).toBe(503);
    const gateway = t.app.get<PaymentGateway>(PAYMENT_GATEWAY);
    const range = () => ({ from: startedAt, to: Math.ceil(Date.now() / 1000) + 1 });
    const ofJob = async () =>
      (await gateway.listQrCodes(range())).filter((c) => c.notes.repairJobId === job.repairJobId);
    const made = await ofJob();
    expect(made).toHaveLength(1);
    const [request] = await requestsSeenBy(job, 'tech');
    expect(request).toMatchObject({ method: 'qr', status: 'creating' });
    expect(made[0]!.notes.paymentRequestId).toBe(request!.id);

    // Asked again: the same request adopts that code.
    const again = await ask(job, 'qr');
    expect(again.data).toMatchObject({ id: request!.id, method: 'qr', status: 'open' });
    expect(await gatewayIdOf(request!.id)).toBe(made[0]!.id);
    expect(await ofJob()).toHaveLength(1);
    sandbox.control.payQrCode(made[0]!.id);
    await drain();
    await expectHeld(job, 60_000);
  });

  it('a link expired at the gateway closes the request; a new one is made and paid', async () => {
    const job = await newJob(60_000);
    const first = (await ask(job, 'link')).data!;
    sandbox.control.expirePaymentLink(await gatewayIdOf(first.id));
    await drain();
    expect((await requestsSeenBy(job, 'tech'))[0]).toMatchObject({
      id: first.id,
      status: 'expired',
      closeReason: 'expired at the gateway',
    });
    const second = (await ask(job, 'link')).data!;
    expect(second).toMatchObject({ status: 'open', paymentId: first.paymentId });
    expect(second.id).not.toBe(first.id);
    sandbox.control.payPaymentLink(await gatewayIdOf(second.id));
    await drain();
    await expectHeld(job, 60_000);
    expect((await requestsSeenBy(job, 'customer')).map((r) => r.status)).toEqual([
      'paid',
      'expired',
    ]);
  });

  it('the technician cancels a link and the customer a QR code: closed at the gateway, a new one may be made', async () => {
    const job = await newJob(45_000);
    const link = (await ask(job, 'link')).data!;
    const cancelled = await t.api.POST('/technician/repairs/{repairJobId}/payment-request/cancel', {
      ...job.path,
      headers: job.tech.headers,
    });
    expect(cancelled.data).toMatchObject({
      id: link.id,
      status: 'cancelled',
      closeReason: 'cancelled by the technician',
    });
    const linkId = await gatewayIdOf(link.id);
    expect(() => sandbox.control.payPaymentLink(linkId)).toThrow(/cancelled/);
    await drain(); // payment_link.cancelled: nothing more to close
    expect((await requestsSeenBy(job, 'tech'))[0]).toMatchObject({ status: 'cancelled' });

    const qr = (await ask(job, 'qr')).data!;
    const byCustomer = await t.api.POST('/repairs/{repairJobId}/payment-request/cancel', {
      ...job.path,
      headers: job.customer.headers,
    });
    expect(byCustomer.data).toMatchObject({
      id: qr.id,
      status: 'cancelled',
      closeReason: 'cancelled by the customer',
    });
    const qrId = await gatewayIdOf(qr.id);
    expect(() => sandbox.control.payQrCode(qrId)).toThrow(/closed/);
    await drain();
    const none = await t.api.POST('/repairs/{repairJobId}/payment-request/cancel', {
      ...job.path,
      headers: job.customer.headers,
    });
    expect(none.response.status).toBe(409);
    expect(none.error).toMatchObject({ code: 'payment-request/none-open' });
    expect(await jobOf(job)).toMatchObject({ status: 'awaiting_payment' });
    expect((await ask(job, 'link')).data).toMatchObject({ status: 'open' });
  });

  it('paid in the app while a link is open: the link is cancelled at the gateway; the link paid first wins over a later Checkout, whose money is kept apart', async () => {
    const job = await newJob(30_000);
    const link = (await ask(job, 'link')).data!;
    const opened = (
      await t.api.POST('/repairs/{repairJobId}/payments', {
        ...job.path,
        headers: job.customer.headers,
      })
    ).data!;
    expect(opened.id).toBe(link.paymentId);
    const paid = sandbox.control.pay(opened.gatewayOrderId!, { outcome: 'captured' });
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
    expect(verified.data).toMatchObject({ status: 'captured' });
    await expectHeld(job, 30_000);
    expect((await requestsSeenBy(job, 'customer'))[0]).toMatchObject({
      id: link.id,
      status: 'cancelled',
    });
    // The close job (sent with the capture) cancels it at the gateway.
    await t.app.get(PaymentTerminal).closeDue();
    const linkId = await gatewayIdOf(link.id);
    expect(() => sandbox.control.payPaymentLink(linkId)).toThrow(/cancelled/);
    await drain();

    // The other way round: a QR code paid first, then a Checkout payment of the same gateway order.
    const next = await newJob(25_000);
    const qr = (await ask(next, 'qr')).data!;
    const order = (
      await t.api.POST('/repairs/{repairJobId}/payments', {
        ...next.path,
        headers: next.customer.headers,
      })
    ).data!;
    sandbox.control.payQrCode(await gatewayIdOf(qr.id));
    await drain();
    await expectHeld(next, 25_000);
    const late = sandbox.control.pay(order.gatewayOrderId!, { outcome: 'captured' });
    if (!('razorpay_payment_id' in late)) throw new Error('sandbox payment failed');
    await drain(); // payment.captured / order.paid of the late Checkout payment
    const payments = await paymentsOf(next);
    expect(payments.map((p) => [p.status, p.unpayable, p.gatewayPaymentId]).sort()).toEqual(
      [
        ['captured', false, expect.stringMatching(/^pay_/)],
        ['captured', true, late.razorpay_payment_id],
      ].sort(),
    );
    // Still one hold of the job's amount; the second payment stays in the job's escrow for staff.
    const escrow = (await t.app.get(LedgerService).account(Accounts.jobEscrow(next.repairJobId)))!;
    expect({ credits: escrow.creditsPosted, pending: escrow.debitsPending }).toEqual({
      credits: 50_000n,
      pending: 25_000n,
    });
  });

  it('a QR code credited with less than the job’s amount (should Razorpay ever take it) is held in escrow for review: the job stays unpaid, a new request pays it', async () => {
    const job = await newJob(70_000);
    const request = (await ask(job, 'qr')).data!;
    // Razorpay takes exactly a fixed-amount code's amount; here the request is pointed at a code of
    // 50,000 to play a gateway that credited less.
    const short = await t.app.get<PaymentGateway>(PAYMENT_GATEWAY).createQrCode({
      amountPaise: 50_000,
      name: 'short',
      description: 'short',
      closeBy: Math.floor(Date.now() / 1000) + 3600,
      notes: {},
    });
    await sql(`UPDATE payment_requests SET gateway_id = $2 WHERE id = $1`, [request.id, short.id]);
    const credited = sandbox.control.payQrCode(short.id);
    await drain();
    expect(await jobOf(job)).toMatchObject({ status: 'awaiting_payment' });
    expect((await paymentsOf(job))[0]).toMatchObject({
      id: request.paymentId,
      status: 'captured',
      gatewayPaymentId: credited.payment.id,
      unpayable: true,
    });
    expect(
      await sql(`SELECT 1 FROM escrow_holds WHERE repair_job_id = $1`, [job.repairJobId]),
    ).toEqual([]);
    const escrow = (await t.app.get(LedgerService).account(Accounts.jobEscrow(job.repairJobId)))!;
    expect({ credits: escrow.creditsPosted, pending: escrow.debitsPending }).toEqual({
      credits: 50_000n,
      pending: 0n,
    });
    const trial = await t.api.GET('/ledger/trial-balance', { headers: finance.headers });
    expect(trial.data?.balanced).toBe(true);

    // The job is still due in full: a new request, on a new payment, pays it.
    const next = (await ask(job, 'link')).data!;
    expect(next).toMatchObject({ status: 'open', amountPaise: 70_000 });
    expect(next.paymentId).not.toBe(request.paymentId);
    sandbox.control.payPaymentLink(await gatewayIdOf(next.id));
    await drain();
    await expectHeld(job, 70_000, 120_000);
  });

  /** Waits until the request is closed at the gateway too (the job's event runs after its commit). */
  const closedAtGateway = async (requestId: string) => {
    for (let i = 0; i < 100; i++) {
      const [row] = await sql<{ gateway_closed: boolean }>(
        `SELECT gateway_closed FROM payment_requests WHERE id = $1`,
        [requestId],
      );
      if (row!.gateway_closed) return;
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error(`payment request ${requestId} is not closed at the gateway`);
  };

  it('a job withdrawn, reassigned or cancelled has its open request closed at once, at the gateway too; a payment that beat the cancellation is refunded as unpayable', async () => {
    // Withdrawn by its technician: the link is cancelled, here and at the gateway.
    const withdrawn = await newJob(20_000);
    const link = (await ask(withdrawn, 'link')).data!;
    const left = await t.api.POST('/technician/repairs/{repairJobId}/withdraw', {
      ...withdrawn.path,
      body: { reason: 'Cannot source the part this week' },
      headers: withdrawn.tech.headers,
    });
    expect(left.data).toMatchObject({ status: 'awaiting_assignment' });
    await closedAtGateway(link.id);
    expect((await requestsSeenBy(withdrawn, 'customer'))[0]).toMatchObject({
      id: link.id,
      status: 'cancelled',
      closeReason: 'the technician withdrew from the job',
    });
    const linkId = await gatewayIdOf(link.id);
    expect(() => sandbox.control.payPaymentLink(linkId)).toThrow(/cancelled/);

    // Reassigned by ops to another technician: the QR code is closed.
    const reassigned = await newJob(21_000);
    const qr = (await ask(reassigned, 'qr')).data!;
    const other = await hardwareTechnician(t);
    const ops = await signInAs(t, 'ops_leader');
    const moved = await t.api.POST('/admin/repairs/{repairJobId}/reassign', {
      ...reassigned.path,
      body: { technicianId: other.userId, reason: 'Customer asked for another technician' },
      headers: ops.headers,
    });
    expect(moved.data).toMatchObject({ status: 'assigned', technicianId: other.userId });
    await closedAtGateway(qr.id);
    expect((await requestsSeenBy(reassigned, 'customer'))[0]).toMatchObject({
      id: qr.id,
      status: 'cancelled',
      closeReason: 'the job was reassigned',
    });
    const qrId = await gatewayIdOf(qr.id);
    expect(() => sandbox.control.payQrCode(qrId)).toThrow(/closed/);

    // Cancelled by its customer just after paying the link at the gateway (its webhook not yet
    // processed): closed on our side, the gateway refuses to cancel a paid link; the payment then
    // arrives, the request is paid (the gateway's word wins) and the money goes back as unpayable.
    const cancelled = await newJob(22_000);
    const paidLink = (await ask(cancelled, 'link')).data!;
    const paid = sandbox.control.payPaymentLink(await gatewayIdOf(paidLink.id));
    const gone = await t.api.POST('/repairs/{repairJobId}/cancel', {
      ...cancelled.path,
      body: { reason: 'Found another shop' },
      headers: cancelled.customer.headers,
    });
    expect(gone.data).toMatchObject({ status: 'cancelled' });
    await closedAtGateway(paidLink.id);
    expect((await requestsSeenBy(cancelled, 'customer'))[0]).toMatchObject({
      id: paidLink.id,
      status: 'cancelled',
      closeReason: 'the job was cancelled',
    });
    await drain();
    expect((await requestsSeenBy(cancelled, 'customer'))[0]).toMatchObject({
      id: paidLink.id,
      status: 'paid',
    });
    expect(await jobOf(cancelled)).toMatchObject({ status: 'cancelled' });
    expect(await paymentsOf(cancelled)).toEqual([
      expect.objectContaining({
        status: 'captured',
        gatewayPaymentId: paid.payment.id,
        unpayable: true,
      }),
    ]);
    await t.app.get(RefundsService).processDue();
    const refunds = await t.api.GET('/repairs/{repairJobId}/payments/refunds', {
      ...cancelled.path,
      headers: cancelled.customer.headers,
    });
    expect(refunds.data).toEqual([
      expect.objectContaining({ kind: 'unpayable', amountPaise: 22_000, status: 'processed' }),
    ]);
    const books = await expectJobBooks(t, finance, {
      repairJobId: cancelled.repairJobId,
      technicianId: cancelled.tech.userId,
    });
    expect(books).toMatchObject({ paid: 22_000n, refunded: 22_000n, escrow: 0n });
  });

  it('forged but signed link and QR events are rejected and change nothing', async () => {
    const job = await newJob(40_000);
    const request = (await ask(job, 'link')).data!;
    const linkId = await gatewayIdOf(request.id);
    // Another job's link really paid: its payment claimed for this job's link.
    const other = await newJob(40_000);
    const otherLink = await gatewayIdOf((await ask(other, 'link')).data!.id);
    const otherPaid = sandbox.control.payPaymentLink(otherLink);
    await drain();
    const entries = await ledgerEntries();
    const event = (name: string, payload: Record<string, unknown>) =>
      JSON.stringify({
        entity: 'event',
        account_id: 'acc_FixBazaarSandbx',
        event: name,
        contains: Object.keys(payload),
        payload,
        created_at: Math.floor(Date.now() / 1000),
      });
    const stolen = await deliver(
      event('payment_link.paid', {
        payment_link: { entity: { id: linkId, status: 'paid', amount: 40_000 } },
        payment: { entity: { id: otherPaid.payment.id, amount: 40_000, status: 'captured' } },
      }),
    );
    const unknown = await deliver(
      event('qr_code.credited', {
        qr_code: { entity: { id: 'qr_NoSuchCode0001' } },
        payment: { entity: { id: otherPaid.payment.id } },
      }),
    );
    const notExpired = await deliver(
      event('payment_link.expired', {
        payment_link: { entity: { id: linkId, status: 'expired' } },
      }),
    );
    await drain();
    expect(await inboxOf(stolen)).toMatchObject({
      status: 'rejected',
      rejection: 'mismatch',
      last_error: expect.stringMatching(/status "paid", the gateway says "created"/),
    });
    expect(await inboxOf(unknown)).toMatchObject({
      status: 'rejected',
      rejection: 'unknown_at_gateway',
    });
    expect(await inboxOf(notExpired)).toMatchObject({ status: 'rejected', rejection: 'mismatch' });
    expect(await ledgerEntries()).toBe(entries);
    expect(await jobOf(job)).toMatchObject({ status: 'awaiting_payment' });
    expect((await requestsSeenBy(job, 'tech'))[0]).toMatchObject({ status: 'open' });
    const alerts = await t.api.GET('/admin/payment-alerts', {
      params: { query: { kind: 'webhook_rejected', state: 'open' } },
      headers: admin.headers,
    });
    for (const eventId of [stolen, unknown, notExpired])
      expect(alerts.data!.items.filter((a) => a.detail?.includes(eventId))).toHaveLength(1);
  });

  it('only the job’s technician asks, once the quote is approved; only its customer sees the requests', async () => {
    const job = await newJob(35_000);
    const stranger = await hardwareTechnician(t);
    const asked = await ask(job, 'link', stranger);
    expect(asked.response.status).toBe(404);
    expect(asked.error).toMatchObject({ code: 'repair-job/not-found' });
    const otherCustomer = await signInAs(t, 'customer');
    const seen = await t.api.GET('/repairs/{repairJobId}/payment-requests', {
      ...job.path,
      headers: otherCustomer.headers,
    });
    expect(seen.response.status).toBe(404);
    const bad = await t.api.POST('/technician/repairs/{repairJobId}/payment-request', {
      ...job.path,
      body: { method: 'cash' as 'link' },
      headers: job.tech.headers,
    });
    expect(bad.response.status).toBe(400);
    expect(
      await sql(`SELECT 1 FROM payment_requests WHERE repair_job_id = $1`, [job.repairJobId]),
    ).toEqual([]);

    // Before the quote is approved there is nothing to ask for.
    const customer = await signInAs(t, 'customer');
    const requested = await t.api.POST('/repairs', {
      body: {
        kind: 'hardware',
        mode: 'offline',
        deviceBrand: 'Nokia',
        deviceModel: 'G42',
        problem: 'No sound',
        location: { lat: 12.97, lng: 77.59 },
      },
      headers: customer.headers,
    });
    const early = await t.api.POST('/admin/repairs/{repairJobId}/assign', {
      params: { path: { repairJobId: requested.data!.id } },
      body: { technicianId: job.tech.userId },
      headers: admin.headers,
    });
    expect(early.response.status).toBe(200);
    const tooSoon = await t.api.POST('/technician/repairs/{repairJobId}/payment-request', {
      params: { path: { repairJobId: requested.data!.id } },
      body: { method: 'qr' },
      headers: job.tech.headers,
    });
    expect(tooSoon.response.status).toBe(409);
    expect(tooSoon.error).toMatchObject({ code: 'payment/not-payable' });
  });
});
