/**
 * The daily ledger-to-gateway reconciliation against the local Razorpay sandbox over HTTP, on real
 * PostgreSQL: a consistent day matches every payment, fee, refund, Route transfer, settlement and
 * dealer payout; then discrepancies are made the way they happen (a capture nobody reported, a
 * refund made at the gateway's dashboard, a transfer's hold lifted at the gateway while the escrow is
 * held, a release whose Route hold was never lifted, settlements whose webhooks were lost, a ledger
 * capture the gateway does not know, a manual adjustment of the gateway receivable) and each is
 * listed once with its amounts; finance resolves one (audited), a rerun after the fix clears what
 * was fixed and keeps the rest. Job handlers are called directly (no workers run).
 */
import { randomUUID } from 'node:crypto';
import type { RazorpaySandbox } from '../scripts/razorpay-sandbox/sandbox.js';
import { Accounts } from '../src/ledger/domain/account.js';
import { credit, debit } from '../src/ledger/domain/journal.js';
import { escrowAccount } from '../src/ledger/domain/recipes.js';
import { LedgerService } from '../src/ledger/persistence/ledger.service.js';
import { EscrowReleaseService } from '../src/escrow/escrow-release.service.js';
import { PAYMENT_GATEWAY, type PaymentGateway } from '../src/gateway/payment-gateway.js';
import { businessDayOf } from '../src/escrow/views/business-day.js';
import { DailyReconciliationReport } from '../src/reconciliation/daily-reconciliation-report.service.js';
import { StuckPaymentPoller } from '../src/reconciliation/stuck-payment-poller.service.js';
import { RefundsService } from '../src/payments/refunds.service.js';
import { RouteTransfersService } from '../src/payouts/route/route-transfers.service.js';
import { WebhookProcessor } from '../src/gateway/webhooks/webhook-jobs.js';
import { signInAs, type SignedIn } from './support/accounts.js';
import { expectMoneyIdentity, orderNets } from './support/books.js';
import type { components } from './support/api-types.js';
import { activeListing, checkout, putInCart, type Order } from './support/orders.js';
import { payThroughSandbox, startSandboxApp, type SandboxApp } from './support/payments.js';
import { activeRouteDealer } from './support/route.js';
import type { TestApp } from './support/test-app.js';
import { withClient } from './support/test-database.js';

type Run = components['schemas']['ReconciliationRunDto'];
type Exception = components['schemas']['ReconciliationExceptionDto'];

const IST_MIDNIGHT_MARGIN_MS = 5 * 60_000;

describe('daily ledger-to-gateway reconciliation (Razorpay sandbox over HTTP)', () => {
  let sandbox: RazorpaySandbox;
  let t: TestApp;
  let started: SandboxApp | undefined;
  let admin: SignedIn;
  let finance: SignedIn;
  let dealer: SignedIn;
  let gateway: PaymentGateway;
  let report: DailyReconciliationReport;
  let today: string;

  const sql = <T extends Record<string, unknown>>(text: string, params: unknown[] = []) =>
    withClient(t.db.ownerUrl, async (c) => (await c.query<T>(text, params)).rows);
  const holdOf = async (subOrderId: string) =>
    (
      await sql<{ transfer_id: string; status: string; dealer_net_paise: string | null }>(
        `SELECT transfer_id, status, dealer_net_paise::text AS dealer_net_paise
         FROM escrow_holds WHERE sub_order_id = $1`,
        [subOrderId],
      )
    )[0]!;
  const deliverWebhooks = async () => {
    await sandbox.control.flushWebhooks();
    await t.app.get(WebhookProcessor).drain();
  };
  const placeOrder = async (
    price: number,
    seller = dealer,
  ): Promise<{ order: Order; buyer: SignedIn }> => {
    const buyer = await signInAs(t, 'customer');
    await putInCart(t, buyer, await activeListing(t, seller.userId, { b2cPricePaise: price }), 1);
    const placed = await checkout(t, buyer);
    expect(placed.status).toBe(201);
    return { order: placed.order!, buyer };
  };
  /** Paid, with its escrow transferred on hold to the dealer's Route account. */
  const paidOrder = async (price: number, seller = dealer) => {
    const { order, buyer } = await placeOrder(price, seller);
    const payment = await payThroughSandbox(t, sandbox, buyer, order.id);
    await t.app.get(RouteTransfersService).transferHolds({ paymentId: payment.id });
    return { order, buyer, sub: order.subOrders[0]!, gatewayPaymentId: payment.gatewayPaymentId! };
  };
  const release = async (subOrderId: string, liftRouteHold: boolean) => {
    await sql(
      `UPDATE sub_orders SET status = 'completed', carrier = 'Delhivery', tracking_number = 'DLV-R' WHERE id = $1`,
      [subOrderId],
    );
    expect(await t.app.get(EscrowReleaseService).releaseDue()).toBe(1);
    if (liftRouteHold)
      expect(
        await t.app.get(RouteTransfersService).releaseTransfer({ subOrderId: subOrderId }),
      ).toBe('released');
  };
  /** Queues a run of `date` through the API and runs its job. */
  const reconcile = async (date = today): Promise<Run> => {
    const queued = await t.api.POST('/admin/reconciliation/runs', {
      body: { date },
      headers: finance.headers,
    });
    expect(queued.response.status).toBe(202);
    expect(queued.data).toMatchObject({ businessDate: date, status: 'queued', summary: null });
    expect(await report.execute(queued.data!.id)).toBe('completed');
    // RECONCILIATION_RUN_MACHINE: a completed run is not started again; each move has its history row.
    expect(await report.execute(queued.data!.id)).toBe('skipped');
    expect(
      await sql(
        `SELECT event, from_status, to_status, actor FROM reconciliation_run_history
         WHERE run_id = $1 ORDER BY id`,
        [queued.data!.id],
      ),
    ).toEqual([
      { event: 'start', from_status: 'queued', to_status: 'running', actor: 'system' },
      { event: 'complete', from_status: 'running', to_status: 'completed', actor: 'system' },
    ]);
    const run = await t.api.GET('/admin/reconciliation/runs/{runId}', {
      params: { path: { runId: queued.data!.id } },
      headers: finance.headers,
    });
    expect(run.data!.status).toBe('completed');
    return run.data!;
  };
  const exceptions = async (
    query: { status?: 'open' | 'cleared' | 'resolved'; date?: string } = {},
  ) => {
    const res = await t.api.GET('/admin/reconciliation/exceptions', {
      params: { query: { limit: 100, date: today, ...query } },
      headers: finance.headers,
    });
    expect(res.response.status).toBe(200);
    return res.data!.items;
  };
  const byKind = (items: Exception[]) =>
    items
      .map((x) => [x.kind, x.subject, x.gatewayPaise, x.ledgerPaise, x.orderId])
      .sort((a, b) => `${a[0]}${a[1]}`.localeCompare(`${b[0]}${b[1]}`));

  beforeAll(async () => {
    // The data of this suite must fall in one business day (IST).
    const msToIstMidnight = 86_400_000 - ((Date.now() + 330 * 60_000) % 86_400_000);
    if (msToIstMidnight < IST_MIDNIGHT_MARGIN_MS)
      await new Promise((r) => setTimeout(r, msToIstMidnight + 1000));
    started = await startSandboxApp({ webhooks: true });
    ({ sandbox, t } = started);
    [admin, finance] = await Promise.all([signInAs(t, 'admin'), signInAs(t, 'finance')]);
    gateway = t.app.get<PaymentGateway>(PAYMENT_GATEWAY);
    report = t.app.get(DailyReconciliationReport);
    today = businessDayOf(new Date());
    // A dealer approved, onboarded to Route and activated.
    dealer = (await activeRouteDealer(t, sandbox, admin)).dealer;
  }, 120_000);
  afterAll(() => started?.close());

  it('matches a consistent day: payments, fees, refunds, transfers, settlements and payouts', async () => {
    // o1 released and settled to the dealer; o2 cancelled and refunded; o3 held.
    const o1 = await paidOrder(118_000);
    await release(o1.sub.id, true);
    const o2 = await paidOrder(60_000);
    const cancelled = await t.api.POST('/dealer/orders/{subOrderId}/cancel', {
      params: { path: { subOrderId: o2.sub.id } },
      body: { reason: 'cannot source the part' },
      headers: dealer.headers,
    });
    expect(cancelled.response.status).toBe(200);
    expect(await t.app.get(RefundsService).processDue()).toBe(1);
    const o3 = await paidOrder(90_000);
    const settled = sandbox.control.settle();
    expect(settled.merchant).not.toBeNull();
    expect(settled.linkedAccounts).toHaveLength(1);
    await deliverWebhooks();

    const run = await reconcile();
    expect(run.exceptionsFound).toBe(0);
    expect(await exceptions()).toEqual([]);
    const s = run.summary!;
    const paid = [o1, o2, o3].map((o) => o.sub.totalPaise);
    const captured = paid.reduce((a, b) => a + b, 0);
    expect(s.payments).toEqual({
      gateway: { count: 3, paise: captured },
      ledger: { count: 3, paise: captured },
      matched: 3,
      inTransit: 0,
      exceptions: 0,
    });
    expect(s.fees.gateway.count).toBe(3);
    expect(s.fees.ledger).toEqual(s.fees.gateway);
    expect(s.refunds).toMatchObject({
      gateway: { count: 1, paise: o2.sub.totalPaise },
      ledger: { count: 1, paise: o2.sub.totalPaise },
      matched: 1,
      exceptions: 0,
    });
    expect(s.transfers).toMatchObject({ gateway: { count: 3, paise: captured }, matched: 3 });
    expect(s.settlements).toMatchObject({
      gateway: { count: 1, paise: settled.merchant!.amount },
      ledger: { count: 1, paise: settled.merchant!.amount },
      matched: 1,
    });
    const net = Number((await holdOf(o1.sub.id)).dealer_net_paise);
    expect(settled.linkedAccounts[0]!.amount).toBe(net);
    expect(s.payouts).toMatchObject({
      gateway: { count: 1, paise: net },
      ledger: { count: 1, paise: net },
      matched: 1,
    });
    expect(s.other).toMatchObject({ ledger: { count: 0 }, exceptions: 0 });
    // Net movement of the gateway receivable: captures − fees − refund − both settlements.
    const receivable = (await t.app.get(LedgerService).account(Accounts.gatewayReceivable))!;
    // What is left is o3's escrow, still on hold in the dealer's Route account.
    expect(receivable.debitsPosted - receivable.creditsPosted).toBe(BigInt(o3.sub.totalPaise));
    expect(s.ledgerNetPaise).toBe(o3.sub.totalPaise);
  });

  it('lists each discrepancy once with its amounts; finance resolves one; a rerun clears what was fixed', async () => {
    // (a) captured at the gateway, never reported (no Checkout verification, no webhook).
    sandbox.control.setWebhookUrl(null);
    const lost = await placeOrder(70_000);
    const opened = await t.api.POST('/orders/{orderId}/payments', {
      params: { path: { orderId: lost.order.id } },
      headers: lost.buyer.headers,
    });
    const paidLost = sandbox.control.pay(opened.data!.gatewayOrderId!, { outcome: 'captured' });
    const lostPayment = paidLost.payment;
    // (b) a refund made at the gateway's dashboard, which the platform never asked for.
    const o4 = await paidOrder(80_000);
    const dashboardRefund = await gateway.refundPayment(o4.gatewayPaymentId, {
      amountPaise: 5_000,
      idempotencyKey: `dashboard-${randomUUID()}`,
      reverseAll: false,
      notes: {},
    });
    // (c) a held escrow whose Route transfer's hold was lifted at the gateway.
    const o5 = await paidOrder(50_000);
    const o5Transfer = (await holdOf(o5.sub.id)).transfer_id;
    await gateway.setTransferHold(o5Transfer, false);
    // (d) released two hours ago; the Route hold was never lifted.
    const o6 = await paidOrder(64_000);
    await release(o6.sub.id, false);
    await sql(
      `UPDATE escrow_holds SET released_at = now() - interval '2 hours' WHERE sub_order_id = $1`,
      [o6.sub.id],
    );
    // (e) settlements whose webhooks were lost (the platform's, and the dealer's for o5's transfer).
    const settled = sandbox.control.settle();
    expect(settled.linkedAccounts).toHaveLength(1);
    // (f) a capture in the ledger the gateway does not know, (g) a manual adjustment of the receivable.
    const ledger = t.app.get(LedgerService);
    const suspense = escrowAccount('order', randomUUID());
    expect((await ledger.execute({ type: 'open_account', code: suspense })).code).toBe('ok');
    expect(
      (
        await ledger.execute({
          type: 'post',
          key: 'capture:pay_NotAtTheGateway1',
          lines: [debit(Accounts.gatewayReceivable, 12_300n), credit(suspense, 12_300n)],
          meta: { eventType: 'payment_captured', reference: 'test', actor: 'test' },
        })
      ).code,
    ).toBe('ok');
    const adjustment = `adjustment:${randomUUID()}`;
    expect(
      (
        await ledger.execute({
          type: 'post',
          key: adjustment,
          lines: [debit(suspense, 4_500n), credit(Accounts.gatewayReceivable, 4_500n)],
          meta: { eventType: 'manual_adjustment', reference: 'test', actor: 'test' },
        })
      ).code,
    ).toBe('ok');

    const run = await reconcile();
    const found = await exceptions({ status: 'open' });
    expect(byKind(found)).toEqual(
      byKind([
        {
          kind: 'ledger_entry_unmatched',
          subject: adjustment,
          gatewayPaise: null,
          ledgerPaise: -4_500,
          orderId: null,
        },
        {
          kind: 'payment_missing_in_ledger',
          subject: lostPayment.id,
          gatewayPaise: lost.order.totalPaise,
          ledgerPaise: null,
          orderId: lost.order.id,
        },
        {
          kind: 'payment_not_captured_at_gateway',
          subject: 'pay_NotAtTheGateway1',
          gatewayPaise: null,
          ledgerPaise: 12_300,
          orderId: null,
        },
        {
          kind: 'payout_missing_in_ledger',
          subject: settled.linkedAccounts[0]!.id,
          gatewayPaise: o5.sub.totalPaise,
          ledgerPaise: null,
          orderId: o5.order.id,
        },
        {
          kind: 'refund_missing_in_ledger',
          subject: dashboardRefund.id,
          gatewayPaise: 5_000,
          ledgerPaise: null,
          orderId: o4.order.id,
        },
        {
          kind: 'settlement_missing_in_ledger',
          subject: settled.merchant!.id,
          gatewayPaise: settled.merchant!.amount,
          ledgerPaise: null,
          orderId: null,
        },
        {
          kind: 'transfer_hold_not_lifted',
          subject: (await holdOf(o6.sub.id)).transfer_id,
          gatewayPaise: o6.sub.totalPaise,
          ledgerPaise: Number((await holdOf(o6.sub.id)).dealer_net_paise),
          orderId: o6.order.id,
        },
        {
          kind: 'transfer_released_while_held',
          subject: o5Transfer,
          gatewayPaise: o5.sub.totalPaise,
          ledgerPaise: o5.sub.totalPaise,
          orderId: o5.order.id,
        },
      ] as Exception[]),
    );
    expect(run.exceptionsFound).toBe(found.length);
    expect(found.every((x) => x.firstRunId === run.id && x.lastRunId === run.id)).toBe(true);
    expect(found.find((x) => x.kind === 'refund_missing_in_ledger')!.detail).toMatch(
      /no refund of ours/,
    );

    // Finance resolves the dashboard refund with a note (audited); resolving again is refused.
    const refundException = found.find((x) => x.kind === 'refund_missing_in_ledger')!;
    const resolved = await t.api.POST('/admin/reconciliation/exceptions/{id}/resolve', {
      params: { path: { id: refundException.id } },
      body: { note: '  Refund made at the dashboard by support; adjustment raised  ' },
      headers: finance.headers,
    });
    expect(resolved.response.status).toBe(200);
    expect(resolved.data).toMatchObject({
      status: 'resolved',
      resolvedBy: finance.userId,
      resolution: 'Refund made at the dashboard by support; adjustment raised',
    });
    const again = await t.api.POST('/admin/reconciliation/exceptions/{id}/resolve', {
      params: { path: { id: refundException.id } },
      body: { note: 'again' },
      headers: finance.headers,
    });
    expect(again.response.status).toBe(409);
    expect(again.error).toMatchObject({ code: 'reconciliation/exception-not-open' });
    const history = (id: string) =>
      sql(
        `SELECT event, from_status, to_status, run_id::text AS run_id, actor_id::text AS actor_id,
                actor_role, reason
         FROM reconciliation_exception_history WHERE exception_id = $1 ORDER BY id`,
        [id],
      );
    // One history row for the resolution; none for the refusal.
    expect(await history(refundException.id)).toEqual([
      {
        event: 'resolve',
        from_status: 'open',
        to_status: 'resolved',
        run_id: null,
        actor_id: finance.userId,
        actor_role: 'finance',
        reason: 'Refund made at the dashboard by support; adjustment raised',
      },
    ]);
    expect(
      await sql(
        `SELECT actor_id::text AS actor, reason FROM audit_events
         WHERE action = 'reconciliation.resolve' AND target_id = $1`,
        [refundException.id],
      ),
    ).toEqual([
      {
        actor: finance.userId,
        reason: 'Refund made at the dashboard by support; adjustment raised',
      },
    ]);

    // Fixes: the stuck-payment poller applies the lost capture; the lost webhooks are delivered.
    expect((await t.app.get(StuckPaymentPoller).reconcile(0)).captured).toBe(1);
    sandbox.control.setWebhookUrl(`${t.baseUrl}/webhooks/razorpay`);
    // The platform's settlement webhook is delivered late. (The dealer's is not: its payout would
    // exceed what the ledger owes the dealer — o5's escrow is still held — which is the point.)
    const merchantSettlement = sandbox.control
      .webhooks()
      .find((w) => w.event === 'settlement.processed' && w.body.includes(settled.merchant!.id))!;
    const late = await fetch(`${t.baseUrl}/webhooks/razorpay`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-razorpay-signature': merchantSettlement.signature,
        'x-razorpay-event-id': merchantSettlement.eventId,
      },
      body: merchantSettlement.body,
    });
    expect(late.status).toBe(200);
    await deliverWebhooks();
    const rerun = await reconcile();
    const open = await exceptions({ status: 'open' });
    expect(open.map((x) => x.kind).sort()).toEqual([
      'ledger_entry_unmatched',
      'payment_not_captured_at_gateway',
      'payout_missing_in_ledger',
      'transfer_hold_not_lifted',
      'transfer_released_while_held',
    ]);
    expect(open.every((x) => x.lastRunId === rerun.id && x.firstRunId === run.id)).toBe(true);
    expect((await exceptions({ status: 'cleared' })).map((x) => x.kind).sort()).toEqual([
      'payment_missing_in_ledger',
      'settlement_missing_in_ledger',
    ]);
    // Found again, a resolved exception stays resolved.
    expect(await exceptions({ status: 'resolved' })).toEqual([
      expect.objectContaining({ id: refundException.id, lastRunId: rerun.id }),
    ]);
    expect(rerun.exceptionsFound).toBe(6);
    // The rerun cleared what was fixed through the exception machine, naming itself.
    for (const x of await exceptions({ status: 'cleared' }))
      expect(await history(x.id)).toEqual([
        {
          event: 'clear',
          from_status: 'open',
          to_status: 'cleared',
          run_id: rerun.id,
          actor_id: null,
          actor_role: 'system',
          reason: null,
        },
      ]);
    expect(await history(open[0]!.id)).toEqual([]);
    // A cleared exception that a later run finds again reopens (set up here as cleared by hand).
    const unmatched = open.find((x) => x.kind === 'ledger_entry_unmatched')!;
    await sql(
      `UPDATE reconciliation_exceptions SET status = 'cleared', cleared_at = now() WHERE id = $1`,
      [unmatched.id],
    );
    const third = await reconcile();
    expect(await history(unmatched.id)).toEqual([
      {
        event: 'reopen',
        from_status: 'cleared',
        to_status: 'open',
        run_id: third.id,
        actor_id: null,
        actor_role: 'system',
        reason: null,
      },
    ]);
    expect(await exceptions({ status: 'open' })).toContainEqual(
      expect.objectContaining({ id: unmatched.id, clearedAt: null, lastRunId: third.id }),
    );
  });

  it('a refund after release made after the payout: the payout matches what its settlement paid then; the later reversal is the dealer receivable', async () => {
    // A dealer of its own, so that its payable holds this sale only.
    const seller = (await activeRouteDealer(t, sandbox, admin)).dealer;
    const sale = await paidOrder(118_000, seller);
    await release(sale.sub.id, true);
    const hold = await holdOf(sale.sub.id);
    const net = Number(hold.dealer_net_paise);
    // Route settles the dealer's net to its bank: the payout is posted from its webhook.
    const settled = sandbox.control.settle();
    const settlementId = (await gateway.fetchTransfer(hold.transfer_id)).recipientSettlementId;
    const payout = settled.linkedAccounts.find((s) => s.id === settlementId);
    expect(payout?.amount).toBe(net);
    await deliverWebhooks();
    const payable = async () =>
      (await t.app.get(LedgerService).account(Accounts.dealerPayable(seller.userId)))!;
    expect((await payable()).creditsPosted - (await payable()).debitsPosted).toBe(0n);

    // Razorpay's times are whole seconds: the refund comes in a second after the settlement's.
    await new Promise((r) => setTimeout(r, 1_010 - (Date.now() % 1_000)));
    const refund = await t.api.POST('/admin/escrow/holds/{subOrderId}/refund-after-release', {
      params: { path: { subOrderId: sale.sub.id } },
      body: { amountPaise: 50_000, reason: 'One part returned after the payout' },
      headers: finance.headers,
    });
    expect(refund.response.status).toBe(201);
    expect(await t.app.get(RefundsService).processDue()).toBe(1);
    await deliverWebhooks();
    // The transfer gave back the platform's part at release and the dealer's share of the refund now.
    const transfer = await gateway.fetchTransfer(hold.transfer_id);
    const later = transfer.amountReversedPaise - (118_000 - net);
    expect(later).toBeGreaterThan(0);
    const reversals = await gateway.reversalsOfTransfer(hold.transfer_id);
    expect(reversals.map((r) => r.amountPaise)).toEqual([118_000 - net, later]);
    expect(reversals[1]!.createdAt).toBeGreaterThan(payout!.created_at);

    // The payout's day and the refund's day: no payout error; the later reversal is shown.
    const days = new Set([businessDayOf(new Date(payout!.created_at * 1000)), today]);
    for (const date of days) {
      const run = await reconcile(date);
      expect(run.summary!.reversedAfterPayout).toEqual({ count: 1, paise: later });
      const found = await exceptions({ date, status: 'open' });
      expect(found.filter((x) => x.kind === 'payout_mismatch')).toEqual([]);
      expect(found.filter((x) => x.orderId === sale.order.id)).toEqual([]);
    }

    // The books: the dealer owes the later reversal back (its receivable), its payable is empty.
    const receivable = (await t.app
      .get(LedgerService)
      .account(Accounts.dealerReceivable(seller.userId)))!;
    expect(receivable.debitsPosted - receivable.creditsPosted).toBe(BigInt(later));
    expect((await payable()).creditsPosted - (await payable()).debitsPosted).toBe(0n);
    expect(await orderNets(t, sale.order.id, seller.userId)).toMatchObject({
      escrow: 0n,
      payable: BigInt(net),
      receivable: -BigInt(later),
    });
    await expectMoneyIdentity(t, sale.order, seller.userId);
  });

  it('queues runs: one at a time per day, days that exist and have started only; the daily schedule queues yesterday', async () => {
    const bad = async (date: string, status: number) => {
      const res = await t.api.POST('/admin/reconciliation/runs', {
        body: { date },
        headers: finance.headers,
      });
      expect(res.response.status).toBe(status);
      return res.error as { code?: string } | undefined;
    };
    expect((await bad('2026-02-30', 422))?.code).toBe('reconciliation/invalid-date');
    expect((await bad('2019-12-31', 422))?.code).toBe('reconciliation/invalid-date');
    expect((await bad('3000-01-01', 422))?.code).toBe('reconciliation/future-date');
    await bad('26-11-2026', 400);
    const first = await t.api.POST('/admin/reconciliation/runs', {
      body: { date: '2026-01-15' },
      headers: finance.headers,
    });
    expect(first.response.status).toBe(202);
    expect((await bad('2026-01-15', 409))?.code).toBe('reconciliation/run-in-progress');
    // A run of a day with nothing in it completes with nothing found.
    expect(await report.execute(first.data!.id)).toBe('completed');
    expect(await report.execute(first.data!.id)).toBe('skipped');
    const done = await t.api.GET('/admin/reconciliation/runs/{runId}', {
      params: { path: { runId: first.data!.id } },
      headers: finance.headers,
    });
    expect(done.data).toMatchObject({
      businessDate: '2026-01-15',
      windowFrom: '2026-01-14T18:30:00.000Z',
      windowTo: '2026-01-15T18:30:00.000Z',
      status: 'completed',
      exceptionsFound: 0,
      requestedBy: finance.userId,
    });
    expect(done.data!.summary!.payments.gateway.count).toBe(0);
    // A gateway failure fails the run with its reason and changes no exception.
    const before = await exceptions();
    const failing = await t.api.POST('/admin/reconciliation/runs', {
      body: { date: today },
      headers: finance.headers,
    });
    sandbox.control.setFaults({ api: { failNext: 1 } });
    expect(await report.execute(failing.data!.id)).toBe('failed');
    sandbox.control.resetFaults();
    const failed = await t.api.GET('/admin/reconciliation/runs/{runId}', {
      params: { path: { runId: failing.data!.id } },
      headers: finance.headers,
    });
    expect(failed.data).toMatchObject({ status: 'failed', summary: null });
    expect(failed.data!.error).toMatch(/^gateway: /);
    expect(await exceptions()).toEqual(before);
    // The schedule queues yesterday's run once.
    const yesterday = businessDayOf(new Date(Date.now() - 86_400_000));
    const scheduled = await report.schedule(yesterday);
    expect(scheduled).not.toBeNull();
    expect(await report.schedule(yesterday)).toBeNull();
    const list = await t.api.GET('/admin/reconciliation/runs', {
      params: { query: { date: yesterday } },
      headers: finance.headers,
    });
    expect(list.data!.items).toEqual([
      expect.objectContaining({ id: scheduled, status: 'queued', requestedBy: null }),
    ]);
    const jobs = await sql<{ n: number }>(
      `SELECT count(*)::int AS n FROM pgboss.job WHERE name = 'payments.reconciliation-run' AND data->>'runId' = $1`,
      [scheduled],
    );
    expect(jobs).toEqual([{ n: 1 }]);
    // Runs are listed newest first, with keyset paging.
    const page1 = await t.api.GET('/admin/reconciliation/runs', {
      params: { query: { limit: 2 } },
      headers: finance.headers,
    });
    const page2 = await t.api.GET('/admin/reconciliation/runs', {
      params: { query: { limit: 2, cursor: page1.data!.nextCursor } },
      headers: finance.headers,
    });
    const all = await t.api.GET('/admin/reconciliation/runs', {
      params: { query: { limit: 100 } },
      headers: finance.headers,
    });
    expect([...page1.data!.items, ...page2.data!.items].map((r) => r.id)).toEqual(
      all.data!.items.slice(0, 4).map((r) => r.id),
    );
  });
});
