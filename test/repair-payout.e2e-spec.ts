/**
 * A hardware offline repair job from the customer's request to the technician's payout, through the
 * typed client and the Razorpay sandbox over HTTP: requested, assigned, quoted, approved, paid
 * (held in the job's escrow and transferred ON HOLD to the technician's Route linked account),
 * finished, confirmed, released (the transfer reversed down to the technician's net and its hold
 * lifted), settled (the technician's payout). The books are checked after each step: paid =
 * technician net + service fee + GST on it + TCS + TDS + refunds, the escrow at zero once released,
 * the trial balance balanced, the journal verified. A technician without an activated linked
 * account waits (as a dealer does), and is paid once activated; staff retry a technician's failed
 * transfer; a technician sees only its own earnings, payouts and service-fee invoices.
 */
import type { RazorpaySandbox } from '../scripts/razorpay-sandbox/sandbox.js';
import { EscrowReleaseService } from '../src/escrow/escrow-release.service.js';
import { PAYMENT_GATEWAY, type PaymentGateway } from '../src/gateway/payment-gateway.js';
import { WebhookProcessor } from '../src/gateway/webhooks/webhook-jobs.js';
import { Accounts } from '../src/ledger/domain/account.js';
import { LedgerService } from '../src/ledger/persistence/ledger.service.js';
import { HOLD_TRANSFER_JOBS } from '../src/payments/hold-transfer-jobs.js';
import { RefundsService } from '../src/payments/refunds.service.js';
import { RouteTransfersService } from '../src/payouts/route/route-transfers.service.js';
import { signInAs, type SignedIn } from './support/accounts.js';
import { expectJobBooks } from './support/books.js';
import { startSandboxApp, type SandboxApp } from './support/payments.js';
import { approvedRepairJob, payRepairJob } from './support/repairs.js';
import {
  activateAt,
  activeRouteTechnician,
  onboardedTechnician,
  routeAccountOf,
} from './support/route.js';
import type { TestApp } from './support/test-app.js';
import { withClient } from './support/test-database.js';

/** Vector 10 (ledger-spec): an unregistered technician with a PAN, G = ₹1,500. */
const PAID = 150_000;
const RELEASED = { serviceFee: 15_000, gstOnFee: 2_700, tcs: 0, tds: 150, net: 132_150 };

describe('a repair job from request to the technician’s payout (Razorpay Route sandbox over HTTP)', () => {
  let sandbox: RazorpaySandbox;
  let t: TestApp;
  let started: SandboxApp | undefined;
  let admin: SignedIn;
  let finance: SignedIn;
  let transfers: RouteTransfersService;
  let gateway: PaymentGateway;

  const sql = <T extends Record<string, unknown>>(text: string, params: unknown[] = []) =>
    withClient(t.db.ownerUrl, async (c) => (await c.query<T>(text, params)).rows);
  const holdOf = async (repairJobId: string) =>
    (
      await sql<{
        id: string;
        status: string;
        transfer_id: string | null;
        transfer_status: string;
        transfer_amount_paise: string | null;
        dealer_net_paise: string | null;
      }>(
        `SELECT id::text AS id, status, transfer_id, transfer_status,
                transfer_amount_paise::text AS transfer_amount_paise,
                dealer_net_paise::text AS dealer_net_paise
         FROM escrow_holds WHERE repair_job_id = $1`,
        [repairJobId],
      )
    )[0]!;
  const jobsOf = async (name: string, key: string, value: string) =>
    (
      await sql<{ n: number }>(
        `SELECT count(*)::int AS n FROM pgboss.job WHERE name = $1 AND data->>$2 = $3`,
        [name, key, value],
      )
    )[0]!.n;
  const step = (technician: SignedIn, repairJobId: string, action: 'finish') =>
    t.api.POST(`/technician/repairs/{repairJobId}/${action}`, {
      params: { path: { repairJobId } },
      headers: technician.headers,
    });
  const confirm = (customer: SignedIn, repairJobId: string) =>
    t.api.POST('/repairs/{repairJobId}/confirm', {
      params: { path: { repairJobId } },
      headers: customer.headers,
    });
  const earnings = (who: SignedIn, query: { from?: string; to?: string; limit?: number } = {}) =>
    t.api.GET('/technician/earnings', { params: { query }, headers: who.headers });

  beforeAll(async () => {
    started = await startSandboxApp({ webhooks: true });
    ({ sandbox, t } = started);
    [admin, finance] = await Promise.all([signInAs(t, 'admin'), signInAs(t, 'finance')]);
    transfers = t.app.get(RouteTransfersService);
    gateway = t.app.get<PaymentGateway>(PAYMENT_GATEWAY);
  });
  afterAll(() => started?.close());

  it('pays a hardware offline job, holds and transfers it on hold to the technician, releases it and settles the net', async () => {
    const customer = await signInAs(t, 'customer');
    const { technician, accountId } = await activeRouteTechnician(t, sandbox, admin);
    const books = async (released: boolean) =>
      expectJobBooks(t, finance, { repairJobId, technicianId: technician.userId, released });

    // Request → assign → quote → approve: no money yet.
    const { repairJobId } = await approvedRepairJob(t, { customer, admin, technician }, PAID);
    await books(false);

    // Pay: the capture holds it in the job's escrow and queues the transfer of its hold.
    const { paymentId, gatewayPaymentId } = await payRepairJob(t, sandbox, customer, repairJobId);
    await books(false);
    expect(await jobsOf(HOLD_TRANSFER_JOBS.transfers, 'paymentId', paymentId)).toBe(1);
    expect(await transfers.transferHolds({ paymentId })).toEqual({ [repairJobId]: 'on_hold' });
    const hold = await holdOf(repairJobId);
    expect(hold).toMatchObject({ status: 'held', transfer_status: 'on_hold' });
    const transfer = await gateway.fetchTransfer(hold.transfer_id!);
    expect(transfer).toMatchObject({
      sourcePaymentId: gatewayPaymentId,
      recipientAccountId: accountId,
      amountPaise: PAID,
      onHold: true,
      notes: { holdId: hold.id, repairJobId },
    });
    // A replay changes nothing; a held transfer is not settled.
    expect(await transfers.transferHolds({ paymentId })).toEqual({});
    expect(await transfers.transferHold(hold.id)).toBe('skipped');
    expect(sandbox.control.settle().linkedAccounts).toEqual([]);
    await books(false);
    const whileHeld = await earnings(technician);
    expect(whileHeld.data).toMatchObject({
      held: { count: 1, amountPaise: PAID },
      released: { count: 0, netPaise: 0 },
      items: [
        {
          repairJobId,
          state: 'held',
          grossPaise: PAID,
          figures: null,
          transferStatus: 'on_hold',
          releasedAt: null,
        },
      ],
    });

    // Finish and confirm: released with the repair recipe; the release queues the transfer's lift.
    expect((await step(technician, repairJobId, 'finish')).data).toMatchObject({ status: 'done' });
    const release = t.app.get(EscrowReleaseService);
    expect(await release.releaseDue()).toBe(0);
    await books(false);
    expect((await confirm(customer, repairJobId)).data).toMatchObject({ status: 'confirmed' });
    expect(await release.releaseDue()).toBe(1);
    await books(true);
    expect(await jobsOf(HOLD_TRANSFER_JOBS.release, 'holdId', hold.id)).toBe(1);
    const released = await holdOf(repairJobId);
    expect(released).toMatchObject({
      status: 'released',
      transfer_status: 'on_hold',
      dealer_net_paise: String(RELEASED.net),
    });

    // Route transfer released: reversed down to the technician's net, its hold lifted.
    expect(await transfers.releaseTransfer({ holdId: hold.id })).toBe('released');
    expect(await transfers.releaseTransfer({ holdId: hold.id })).toBe('skipped');
    expect(await holdOf(repairJobId)).toMatchObject({ transfer_status: 'released' });
    expect(await gateway.fetchTransfer(transfer.id)).toMatchObject({
      onHold: false,
      amountReversedPaise: PAID - RELEASED.net,
    });
    await books(true);

    // Settlement: Razorpay pays the technician's net to its bank; the webhook is its payout.
    // (The only linked account with a released transfer.)
    const settled = sandbox.control.settle().linkedAccounts;
    expect(settled.map((s) => s.amount)).toEqual([RELEASED.net]);
    await sandbox.control.flushWebhooks();
    await t.app.get(WebhookProcessor).drain();
    const payable = await t.app
      .get(LedgerService)
      .account(Accounts.technicianPayable(technician.userId));
    expect(payable!.creditsPosted - payable!.debitsPosted).toBe(0n);
    expect(
      await sql(`SELECT count(*)::int AS n FROM ledger_entries WHERE id = $1`, [
        `payout:${settled[0]!.id}`,
      ]),
    ).toEqual([{ n: 1 }]);
    await books(true);

    // The technician's statement, payouts and service-fee invoice.
    const statement = await earnings(technician);
    expect(statement.data).toEqual({
      held: { count: 0, amountPaise: 0 },
      released: {
        count: 1,
        grossPaise: PAID,
        serviceFeePaise: RELEASED.serviceFee,
        gstOnFeePaise: RELEASED.gstOnFee,
        tcsPaise: RELEASED.tcs,
        tdsPaise: RELEASED.tds,
        netPaise: RELEASED.net,
      },
      refunded: { count: 0, amountPaise: 0 },
      refundedAfterRelease: { count: 0, amountPaise: 0, clawedBackPaise: 0 },
      settled: { count: 1, amountPaise: RELEASED.net },
      payableBalancePaise: 0,
      items: [
        {
          repairJobId,
          holdId: hold.id,
          state: 'released',
          grossPaise: PAID,
          heldAt: expect.any(String) as string,
          releasedAt: expect.any(String) as string,
          figures: {
            serviceFeePaise: RELEASED.serviceFee,
            gstOnFeePaise: RELEASED.gstOnFee,
            tcsPaise: RELEASED.tcs,
            tdsPaise: RELEASED.tds,
            netPaise: RELEASED.net,
          },
          refundedAfterRelease: { count: 0, amountPaise: 0, clawedBackPaise: 0 },
          transferStatus: 'released',
        },
      ],
    });
    const payouts = await t.api.GET('/technician/payouts', { headers: technician.headers });
    expect(payouts.data?.items).toEqual([
      {
        settlementId: settled[0]!.id,
        kind: 'technician',
        dealerId: null,
        technicianId: technician.userId,
        amountPaise: RELEASED.net,
        postedAt: expect.any(String) as string,
      },
    ]);
    const invoices = await t.api.GET('/technician/commission-invoices', {
      headers: technician.headers,
    });
    expect(invoices.data?.items).toEqual([
      expect.objectContaining({
        repairJobId,
        technicianId: technician.userId,
        technicianGstin: null,
        subOrderId: null,
        dealerId: null,
        category: 'repair_service',
        taxableValuePaise: RELEASED.serviceFee,
        // Registered address in Karnataka, as the platform (QUIET_ENV): CGST + SGST.
        supply: 'intra_state',
        cgstPaise: RELEASED.gstOnFee / 2,
        sgstPaise: RELEASED.gstOnFee / 2,
        igstPaise: 0,
        totalPaise: RELEASED.serviceFee + RELEASED.gstOnFee,
      }),
    ]);
    const byTechnician = await t.api.GET('/admin/commission-invoices', {
      params: { query: { technicianId: technician.userId } },
      headers: finance.headers,
    });
    expect(byTechnician.data?.items.map((i) => i.repairJobId)).toEqual([repairJobId]);
  });

  it('takes the technician’s transfer on hold back before refunding a paid job its technician cancels', async () => {
    const customer = await signInAs(t, 'customer');
    const { technician } = await activeRouteTechnician(t, sandbox, admin);
    const { repairJobId } = await approvedRepairJob(t, { customer, admin, technician }, PAID);
    const { paymentId, gatewayPaymentId } = await payRepairJob(t, sandbox, customer, repairJobId);
    expect(await transfers.transferHolds({ paymentId })).toEqual({ [repairJobId]: 'on_hold' });
    const hold = await holdOf(repairJobId);

    const cancelled = await t.api.POST('/technician/repairs/{repairJobId}/cancel', {
      params: { path: { repairJobId } },
      body: { reason: 'The board is beyond repair' },
      headers: technician.headers,
    });
    expect(cancelled.data).toMatchObject({ status: 'cancelled' });
    expect(await t.app.get(RefundsService).processDue()).toBe(1);

    // The whole transfer came back from the technician's held balance, then the customer was paid back.
    const transfer = await gateway.fetchTransfer(hold.transfer_id!);
    expect(transfer).toMatchObject({ amountPaise: PAID, amountReversedPaise: PAID });
    const [refund] = await sql<{ kind: string; status: string; amount_paise: string }>(
      `SELECT kind, status, amount_paise::text AS amount_paise FROM refunds WHERE repair_job_id = $1`,
      [repairJobId],
    );
    expect(refund).toEqual({
      kind: 'cancellation',
      status: 'processed',
      amount_paise: String(PAID),
    });
    expect((await gateway.fetchPayment(gatewayPaymentId)).amountRefundedPaise).toBe(PAID);
    expect(sandbox.control.settle().linkedAccounts).toEqual([]);
  });

  it('keeps the job of a technician without an activated linked account waiting, then pays it once activated', async () => {
    const customer = await signInAs(t, 'customer');
    const { technician, accountId } = await onboardedTechnician(t, admin);
    const { repairJobId } = await approvedRepairJob(t, { customer, admin, technician }, PAID);
    const { paymentId } = await payRepairJob(t, sandbox, customer, repairJobId);
    // Not activated: nothing to transfer, the hold waits (`none`), shown to staff as waiting.
    expect(await transfers.transferHolds({ paymentId })).toEqual({});
    expect(await holdOf(repairJobId)).toMatchObject({ status: 'held', transfer_status: 'none' });
    const waiting = await t.api.GET('/admin/payments/route-accounts', {
      params: { query: { status: 'product_configured', limit: 100 } },
      headers: finance.headers,
    });
    expect(waiting.data?.items.find((a) => a.payeeId === technician.userId)).toMatchObject({
      payeeKind: 'technician',
      waitingHolds: 1,
      waitingPaise: PAID,
    });
    const holds = await t.api.GET('/admin/escrow/holds', {
      params: { query: { technicianId: technician.userId } },
      headers: finance.headers,
    });
    expect(holds.data?.items).toEqual([
      expect.objectContaining({
        subOrderId: null,
        orderId: null,
        subOrderStatus: null,
        repairJobId,
        payeeType: 'technician',
        payeeId: technician.userId,
        dealerId: null,
        status: 'held',
        amountPaise: PAID,
        transferStatus: 'none',
        transferId: null,
      }),
    ]);
    // Released meanwhile: the books close; the lift has no transfer to lift yet.
    expect((await step(technician, repairJobId, 'finish')).response.status).toBe(200);
    expect((await confirm(customer, repairJobId)).response.status).toBe(200);
    expect(await t.app.get(EscrowReleaseService).releaseDue()).toBe(1);
    const hold = await holdOf(repairJobId);
    expect(await transfers.releaseTransfer({ holdId: hold.id })).toBe('skipped');
    await expectJobBooks(t, finance, {
      repairJobId,
      technicianId: technician.userId,
      released: true,
    });

    // Activated: the activation queues the technician's waiting holds; the transfer is created on
    // hold and, the escrow being released, lifted at once down to the net.
    await activateAt(t, sandbox, accountId);
    expect((await routeAccountOf(t, technician.userId)).status).toBe('activated');
    expect(await jobsOf(HOLD_TRANSFER_JOBS.transfers, 'payeeId', technician.userId)).toBe(1);
    expect(await transfers.transferHolds({ payeeId: technician.userId })).toEqual({
      [repairJobId]: 'on_hold',
    });
    expect(await jobsOf(HOLD_TRANSFER_JOBS.release, 'holdId', hold.id)).toBe(2);
    expect(await transfers.releaseTransfer({ holdId: hold.id })).toBe('released');
    const lifted = await holdOf(repairJobId);
    expect(lifted).toMatchObject({ transfer_status: 'released' });
    expect(await gateway.fetchTransfer(lifted.transfer_id!)).toMatchObject({
      onHold: false,
      amountPaise: PAID,
      amountReversedPaise: PAID - RELEASED.net,
    });
    await expectJobBooks(t, finance, {
      repairJobId,
      technicianId: technician.userId,
      released: true,
    });
  });

  it('lets staff retry a technician’s failed transfer (audited), and shows each technician only its own earnings', async () => {
    const customer = await signInAs(t, 'customer');
    const { technician } = await activeRouteTechnician(t, sandbox, admin);
    const other = await signInAs(t, 'technician', { technicianKind: 'software' });
    const { repairJobId } = await approvedRepairJob(t, { customer, admin, technician }, PAID);
    const { paymentId } = await payRepairJob(t, sandbox, customer, repairJobId);
    expect(await transfers.transferHolds({ paymentId })).toEqual({ [repairJobId]: 'on_hold' });
    expect((await step(technician, repairJobId, 'finish')).response.status).toBe(200);
    expect((await confirm(customer, repairJobId)).response.status).toBe(200);
    expect(await t.app.get(EscrowReleaseService).releaseDue()).toBe(1);
    const hold = await holdOf(repairJobId);
    // Lifting the hold refused by the gateway: failed, for staff.
    await sql(
      `UPDATE escrow_holds SET transfer_status = 'failed', transfer_error = 'lifting the hold: 400 refused'
       WHERE id = $1`,
      [hold.id],
    );
    const path = { params: { path: { repairJobId } } };
    const retried = await t.api.POST('/admin/escrow/repair-jobs/{repairJobId}/retry-transfer', {
      ...path,
      body: { reason: 'Razorpay support fixed the account' },
      headers: finance.headers,
    });
    expect(retried.data).toEqual({
      holdId: hold.id,
      subOrderId: null,
      orderId: null,
      repairJobId,
      payeeType: 'technician',
      payeeId: technician.userId,
      dealerId: null,
      holdStatus: 'released',
      transferStatus: 'on_hold',
      transferId: hold.transfer_id,
      job: 'payments.route-release',
      previousError: 'lifting the hold: 400 refused',
    });
    expect(
      await sql(
        `SELECT action, target_id::text AS target_id FROM audit_events
         WHERE action = 'payments.route_transfer.retry' AND target_id = $1`,
        [repairJobId],
      ),
    ).toEqual([{ action: 'payments.route_transfer.retry', target_id: repairJobId }]);
    expect(await transfers.releaseTransfer({ holdId: hold.id })).toBe('released');
    const again = await t.api.POST('/admin/escrow/repair-jobs/{repairJobId}/retry-transfer', {
      ...path,
      body: { reason: 'again' },
      headers: finance.headers,
    });
    expect(again.response.status).toBe(409);
    expect(again.error).toMatchObject({ code: 'route-transfer/not-failed' });
    await expectJobBooks(t, finance, {
      repairJobId,
      technicianId: technician.userId,
      released: true,
    });

    // Each technician sees only its own: the other has none; a customer is refused.
    expect((await earnings(technician)).data?.items.map((i) => i.repairJobId)).toEqual([
      repairJobId,
    ]);
    expect((await earnings(other)).data).toMatchObject({
      held: { count: 0 },
      released: { count: 0 },
      items: [],
    });
    expect(
      (await t.api.GET('/technician/commission-invoices', { headers: other.headers })).data?.items,
    ).toEqual([]);
    expect((await earnings(customer)).response.status).toBe(403);
    // The period: a window before the job shows nothing; `to` before `from` is refused.
    const before = await earnings(technician, {
      from: '2020-01-01T00:00:00+05:30',
      to: '2020-02-01T00:00:00+05:30',
    });
    expect(before.data).toMatchObject({ held: { count: 0 }, released: { count: 0 }, items: [] });
    const backwards = await earnings(technician, {
      from: '2026-02-01T00:00:00+05:30',
      to: '2026-01-01T00:00:00+05:30',
    });
    expect(backwards.response.status).toBe(400);
    expect(backwards.error).toMatchObject({ code: 'request/invalid-period' });
  });
});
