/**
 * Payment SLA alerts and the escrow escalation queue on real PostgreSQL, payments made through the
 * Razorpay sandbox: the scan opens `payment_stuck` and `escrow_sla` alerts past their thresholds
 * (timestamps moved back with SQL), never twice, resolves them when the condition is gone, keeps a
 * staff resolution while the condition persists; assignment and resolution are audited; the gauges
 * show on /metrics. `transfer_failed`: a Route transfer the sandbox refused opens one, staff retry
 * it (audited) through the Route jobs, and it resolves itself; a hold whose lifting failed too.
 */
import type { RazorpaySandbox } from '../scripts/razorpay-sandbox/sandbox.js';
import { PaymentAlerts } from '../src/reconciliation/alerts/payment-alerts.service.js';
import { EscrowReleaseService } from '../src/escrow/escrow-release.service.js';
import { RefundsService } from '../src/payments/refunds.service.js';
import { RouteTransfersService } from '../src/payouts/route/route-transfers.service.js';
import { signInAs, type SignedIn } from './support/accounts.js';
import { scrapeMetrics, TEST_METRICS_TOKEN } from './support/metrics.js';
import { activeListing, checkout, putInCart, type Order } from './support/orders.js';
import { onboardedDealer } from './support/route.js';
import { completeAtSandbox, startSandboxApp, type SandboxApp } from './support/payments.js';
import type { TestApp } from './support/test-app.js';
import { withClient } from './support/test-database.js';

describe('payment alerts and escrow escalations', () => {
  let sandbox: RazorpaySandbox;
  let t: TestApp;
  let started: SandboxApp | undefined;
  let dealer: SignedIn;
  let buyer: SignedIn;
  let finance: SignedIn;
  let compliance: SignedIn;
  let alerts: PaymentAlerts;

  const sql = <T extends Record<string, unknown>>(text: string, params: unknown[] = []) =>
    withClient(t.db.ownerUrl, async (c) => (await c.query<T>(text, params)).rows);
  const placeOrder = async (price: number): Promise<Order> => {
    await putInCart(t, buyer, await activeListing(t, dealer.userId, { b2cPricePaise: price }), 1);
    const placed = await checkout(t, buyer);
    expect(placed.status).toBe(201);
    return placed.order!;
  };
  const open = async (order: Order) =>
    (
      await t.api.POST('/orders/{orderId}/payments', {
        params: { path: { orderId: order.id } },
        headers: buyer.headers,
      })
    ).data!;
  const complete = (order: Order, gatewayOrderId: string) =>
    completeAtSandbox(t, sandbox, buyer, order.id, gatewayOrderId);
  const list = (query: Record<string, string | number> = {}, who: SignedIn = finance) =>
    t.api.GET('/admin/payment-alerts', { params: { query }, headers: who.headers });
  const metric = async (line: RegExp): Promise<number> => {
    const text = await scrapeMetrics(t);
    const m = text.split('\n').find((l) => line.test(l));
    if (m === undefined) throw new Error(`no metric matching ${line}`);
    return Number(m.split(' ').pop());
  };
  const audited = (action: string, id: string) =>
    sql<{ actor_id: string; reason: string | null }>(
      `SELECT actor_id::text AS actor_id, reason FROM audit_events WHERE action = $1 AND target_id = $2`,
      [action, id],
    );

  beforeAll(async () => {
    started = await startSandboxApp({ env: { METRICS_TOKEN: TEST_METRICS_TOKEN } });
    ({ sandbox, t } = started);
    [dealer, buyer, finance, compliance] = await Promise.all([
      signInAs(t, 'dealer'),
      signInAs(t, 'customer'),
      signInAs(t, 'finance'),
      signInAs(t, 'compliance'),
    ]);
    alerts = t.app.get(PaymentAlerts);
  }, 60_000);
  afterAll(() => started?.close());

  it('opens alerts past their thresholds once, resolves them, keeps a staff resolution, audits, and exports gauges', async () => {
    // P: a payment opened (created) but never completed. Q: paid, not shipped. R: paid, delivered.
    const p = await placeOrder(60_000);
    const pPayment = await open(p);
    const q = await placeOrder(70_000);
    await complete(q, (await open(q)).gatewayOrderId!);
    const r = await placeOrder(80_000);
    await complete(r, (await open(r)).gatewayOrderId!);
    const qSub = q.subOrders[0]!;
    const rSub = r.subOrders[0]!;

    // Nothing is overdue yet.
    expect(await alerts.scan()).toMatchObject({ opened: 0, resolved: 0 });
    expect(await metric(/^escrow_held_paise /)).toBe(qSub.totalPaise + rSub.totalPaise);

    // Just under each threshold: still nothing.
    await sql(`UPDATE payments SET created_at = now() - interval '119 minutes' WHERE id = $1`, [
      pPayment.id,
    ]);
    await sql(
      `UPDATE escrow_holds SET created_at = now() - interval '71 hours' WHERE sub_order_id = $1`,
      [qSub.id],
    );
    await sql(
      `UPDATE sub_orders SET status = 'delivered', carrier = 'Delhivery', tracking_number = 'DLV-R',
         delivered_at = now() - interval '9 days 23 hours' WHERE id = $1`,
      [rSub.id],
    );
    expect((await alerts.scan()).opened).toBe(0);

    // Past them: one alert each, and only one however often the scan runs.
    await sql(`UPDATE payments SET created_at = now() - interval '121 minutes' WHERE id = $1`, [
      pPayment.id,
    ]);
    await sql(
      `UPDATE escrow_holds SET created_at = now() - interval '73 hours' WHERE sub_order_id = $1`,
      [qSub.id],
    );
    await sql(
      `UPDATE sub_orders SET delivered_at = now() - interval '10 days 1 hour' WHERE id = $1`,
      [rSub.id],
    );
    expect(await alerts.scan()).toMatchObject({
      opened: 3,
      resolved: 0,
      open: { payment_stuck: 1, escrow_sla: 2 },
    });
    expect(await alerts.scan()).toMatchObject({ opened: 0, resolved: 0 });
    expect(await metric(/^payment_alerts_open\{kind="payment_stuck"\}/)).toBe(1);
    expect(await metric(/^payment_alerts_open\{kind="escrow_sla"\}/)).toBe(2);

    const queue = (await list({ kind: 'escrow_sla', state: 'open' }, compliance)).data!;
    expect(queue.items.map((a) => [a.subjectId, a.reason, a.dealerId, a.amountPaise])).toEqual(
      expect.arrayContaining([
        [qSub.id, 'not_shipped', dealer.userId, qSub.totalPaise],
        [rSub.id, 'not_released', dealer.userId, rSub.totalPaise],
      ]),
    );
    expect(queue.items).toHaveLength(2);
    const stuck = (await list({ kind: 'payment_stuck' })).data!.items;
    expect(stuck).toEqual([
      expect.objectContaining({
        subjectId: pPayment.id,
        reason: 'created',
        orderId: p.id,
        amountPaise: p.totalPaise,
        ownerId: null,
        resolvedAt: null,
      }),
    ]);
    // Age counts from when the alert opened.
    await sql(`UPDATE payment_alerts SET opened_at = now() - interval '30 minutes' WHERE id = $1`, [
      stuck[0]!.id,
    ]);
    const aged = (await list({ kind: 'payment_stuck' })).data!.items[0]!;
    expect(aged.ageSeconds).toBeGreaterThanOrEqual(1800);
    expect(aged.ageSeconds).toBeLessThan(1900);

    // Taking an alert: finance yes (audited), compliance may only read.
    const qAlert = queue.items.find((a) => a.subjectId === qSub.id)!;
    const rAlert = queue.items.find((a) => a.subjectId === rSub.id)!;
    const refused = await t.api.POST('/admin/payment-alerts/{id}/assign', {
      params: { path: { id: qAlert.id } },
      headers: compliance.headers,
    });
    expect(refused.response.status).toBe(403);
    const taken = await t.api.POST('/admin/payment-alerts/{id}/assign', {
      params: { path: { id: qAlert.id } },
      headers: finance.headers,
    });
    expect(taken.data).toMatchObject({ ownerId: finance.userId, resolvedAt: null });
    expect(taken.data!.acknowledgedAt).not.toBeNull();
    expect(await audited('payment_alert.assign', qAlert.id)).toEqual([
      { actor_id: finance.userId, reason: null },
    ]);
    expect((await list({ ownerId: finance.userId })).data!.items.map((a) => a.id)).toEqual([
      qAlert.id,
    ]);

    // The conditions go away: P is paid, Q ships. Both resolve themselves.
    await complete(p, pPayment.gatewayOrderId!);
    await sql(
      `UPDATE sub_orders SET status = 'shipped', carrier = 'Delhivery', tracking_number = 'DLV-Q' WHERE id = $1`,
      [qSub.id],
    );
    expect(await alerts.scan()).toMatchObject({
      opened: 0,
      resolved: 2,
      open: { payment_stuck: 0, escrow_sla: 1 },
    });
    const resolved = (await list({ state: 'resolved' })).data!.items;
    expect(resolved.map((a) => [a.subjectId, a.resolution]).sort()).toEqual(
      [
        [pPayment.id, 'auto'],
        [qSub.id, 'auto'],
      ].sort(),
    );
    const closed = await t.api.POST('/admin/payment-alerts/{id}/assign', {
      params: { path: { id: qAlert.id } },
      headers: finance.headers,
    });
    expect(closed.error).toMatchObject({ code: 'payment-alert/resolved' });
    // Each move is a payment_alert_history row (the shared alert machine); the refusal wrote none.
    const history = (id: string) =>
      sql(
        `SELECT event, from_status, to_status, owner_id::text AS owner_id, actor_id::text AS actor_id,
                actor_role, reason
         FROM payment_alert_history WHERE alert_id = $1 ORDER BY id`,
        [id],
      );
    expect(await history(qAlert.id)).toEqual([
      {
        event: 'assign',
        from_status: 'open',
        to_status: 'acknowledged',
        owner_id: finance.userId,
        actor_id: finance.userId,
        actor_role: 'finance',
        reason: null,
      },
      {
        event: 'resolve',
        from_status: 'acknowledged',
        to_status: 'resolved',
        owner_id: finance.userId,
        actor_id: null,
        actor_role: 'system',
        reason: null,
      },
    ]);

    // R's escrow is still held past its SLA: staff resolve it with a note; the scan leaves it be.
    const noNote = await t.api.POST('/admin/payment-alerts/{id}/resolve', {
      params: { path: { id: rAlert.id } },
      body: { note: '  ' },
      headers: finance.headers,
    });
    expect(noNote.response.status).toBe(400);
    const done = await t.api.POST('/admin/payment-alerts/{id}/resolve', {
      params: { path: { id: rAlert.id } },
      body: { note: 'Return under review with the dealer; release after inspection' },
      headers: finance.headers,
    });
    expect(done.data).toMatchObject({
      resolution: 'manual',
      resolvedBy: finance.userId,
      ownerId: finance.userId,
      note: 'Return under review with the dealer; release after inspection',
    });
    expect(await audited('payment_alert.resolve', rAlert.id)).toEqual([
      {
        actor_id: finance.userId,
        reason: 'Return under review with the dealer; release after inspection',
      },
    ]);
    const again = await t.api.POST('/admin/payment-alerts/{id}/resolve', {
      params: { path: { id: rAlert.id } },
      body: { note: 'twice' },
      headers: finance.headers,
    });
    expect(again.response.status).toBe(409);
    expect(again.error).toMatchObject({ code: 'payment-alert/resolved' });
    expect(await history(rAlert.id)).toEqual([
      {
        event: 'resolve',
        from_status: 'open',
        to_status: 'resolved',
        owner_id: finance.userId,
        actor_id: finance.userId,
        actor_role: 'finance',
        reason: 'Return under review with the dealer; release after inspection',
      },
    ]);
    expect(await alerts.scan()).toMatchObject({
      opened: 0,
      open: { payment_stuck: 0, escrow_sla: 0 },
    });
    expect(await metric(/^payment_alerts_open\{kind="escrow_sla"\}/)).toBe(0);

    // A condition that comes back after an automatic resolution opens a new alert: Q unshipped again.
    await sql(`UPDATE sub_orders SET status = 'packed' WHERE id = $1`, [qSub.id]);
    expect(await alerts.scan()).toMatchObject({ opened: 1, open: { escrow_sla: 1 } });

    // Paging: every alert once, newest first.
    const all = (await list()).data!.items;
    expect(all).toHaveLength(4);
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = (await list({ limit: 3, ...(cursor ? { cursor } : {}) })).data!;
      seen.push(...page.items.map((a) => a.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual(all.map((a) => a.id));
    const missing = await t.api.POST('/admin/payment-alerts/{id}/assign', {
      params: { path: { id: '00000000-0000-4000-8000-000000000000' } },
      headers: finance.headers,
    });
    expect(missing.response.status).toBe(404);
  });

  it('opens transfer_failed for a refused Route transfer, lets staff retry it (audited), and resolves itself', async () => {
    const admin = await signInAs(t, 'admin');
    const transfers = t.app.get(RouteTransfersService);
    const holdOf = async (subOrderId: string) =>
      (
        await sql<{ status: string; transfer_status: string; transfer_id: string | null }>(
          `SELECT status, transfer_status, transfer_id FROM escrow_holds WHERE sub_order_id = $1`,
          [subOrderId],
        )
      )[0]!;
    const jobs = async (name: string, key: string, value: string) =>
      (
        await sql<{ n: number }>(
          `SELECT count(*)::int AS n FROM pgboss.job WHERE name = $1 AND data->>$2 = $3`,
          [name, key, value],
        )
      )[0]!.n;
    const retry = (subOrderId: string, who: SignedIn) =>
      t.api.POST('/admin/escrow/holds/{subOrderId}/retry-transfer', {
        params: { path: { subOrderId } },
        body: { reason: 'Razorpay activated the linked account' },
        headers: who.headers,
      });
    const failedAlerts = async (state?: 'open' | 'resolved') =>
      (await list({ kind: 'transfer_failed', ...(state ? { state } : {}) })).data!.items;

    // A dealer approved by staff and onboarded to Route: Razorpay has not activated its account,
    // but our row says activated (its activation recorded too early), so the transfer is tried.
    const { dealer: routeDealer, accountId } = await onboardedDealer(t, admin);
    const { userId } = routeDealer;
    await sql(
      `UPDATE payee_route_accounts SET status = 'activated', activated_at = now()
       WHERE payee_kind = 'dealer' AND payee_id = $1`,
      [userId],
    );
    await putInCart(t, buyer, await activeListing(t, userId, { b2cPricePaise: 90_000 }), 1);
    const order = (await checkout(t, buyer)).order!;
    const sub = order.subOrders[0]!;
    const payment = await open(order);
    await complete(order, payment.gatewayOrderId!);

    // Razorpay refuses the transfer to an account it has not activated: failed at once.
    expect(await transfers.transferHolds({ paymentId: payment.id })).toEqual({
      [sub.id]: 'failed',
    });
    expect(await holdOf(sub.id)).toMatchObject({ status: 'held', transfer_status: 'failed' });
    const scanned = await alerts.scan();
    expect(scanned).toMatchObject({ opened: 1, open: { transfer_failed: 1 } });
    expect(await metric(/^payment_alerts_open\{kind="transfer_failed"\}/)).toBe(1);
    expect(await alerts.scan()).toMatchObject({ opened: 0, open: { transfer_failed: 1 } });
    const [alert] = await failedAlerts('open');
    expect(alert).toMatchObject({
      kind: 'transfer_failed',
      subjectId: sub.id,
      reason: 'transfer',
      orderId: order.id,
      dealerId: userId,
      amountPaise: sub.totalPaise,
      resolvedAt: null,
    });
    expect(await failedAlerts()).toHaveLength(1);
    expect(
      (await list({ kind: 'transfer_failed' }, compliance)).data!.items.map((a) => a.id),
    ).toEqual([alert!.id]);
    expect((await list({ kind: 'transfer_failed' }, routeDealer)).response.status).toBe(403);

    // Razorpay activates the account; staff retry (compliance may not; a bad reason is 400).
    sandbox.control.activateAccount(accountId);
    expect((await retry(sub.id, compliance)).response.status).toBe(403);
    const blank = await t.api.POST('/admin/escrow/holds/{subOrderId}/retry-transfer', {
      params: { path: { subOrderId: sub.id } },
      body: { reason: '   ' },
      headers: finance.headers,
    });
    expect(blank.response.status).toBe(400);
    const jobsBefore = await jobs('payments.route-transfers', 'paymentId', payment.id);
    const retried = await retry(sub.id, finance);
    expect(retried.response.status).toBe(200);
    expect(retried.data).toMatchObject({
      subOrderId: sub.id,
      orderId: order.id,
      dealerId: userId,
      holdStatus: 'held',
      transferStatus: 'pending',
      transferId: null,
      job: 'payments.route-transfers',
    });
    expect(retried.data!.previousError).toMatch(/400/);
    expect(await jobs('payments.route-transfers', 'paymentId', payment.id)).toBe(jobsBefore + 1);
    expect(await audited('payments.route_transfer.retry', sub.id)).toEqual([
      { actor_id: finance.userId, reason: 'Razorpay activated the linked account' },
    ]);
    // Only a failed transfer is retried.
    expect((await retry(sub.id, finance)).error).toMatchObject({
      code: 'route-transfer/not-failed',
      transferStatus: 'pending',
    });
    expect((await retry('00000000-0000-4000-8000-000000000000', admin)).response.status).toBe(404);
    // No longer failed: the alert resolves itself; the job (run here) creates the transfer on hold.
    expect(await alerts.scan()).toMatchObject({ resolved: 1, open: { transfer_failed: 0 } });
    expect(await metric(/^payment_alerts_open\{kind="transfer_failed"\}/)).toBe(0);
    expect(await failedAlerts('resolved')).toEqual([
      expect.objectContaining({ id: alert!.id, resolution: 'auto' }),
    ]);
    expect(await transfers.transferHolds({ paymentId: payment.id })).toEqual({
      [sub.id]: 'on_hold',
    });
    const onHold = await holdOf(sub.id);
    expect(onHold.transfer_id).not.toBeNull();

    // Released, but lifting the transfer's hold was refused (recorded as the release job does).
    await sql(
      `UPDATE sub_orders SET status = 'completed', carrier = 'Delhivery', tracking_number = 'DLV-T' WHERE id = $1`,
      [sub.id],
    );
    expect(await t.app.get(EscrowReleaseService).releaseDue()).toBe(1);
    await sql(
      `UPDATE escrow_holds SET transfer_status = 'failed', transfer_error = 'lifting the hold: 400 refused',
         updated_at = now() WHERE sub_order_id = $1`,
      [sub.id],
    );
    expect(await alerts.scan()).toMatchObject({ opened: 1, open: { transfer_failed: 1 } });
    const [lift] = await failedAlerts('open');
    expect(lift).toMatchObject({ subjectId: sub.id, reason: 'lift_hold' });
    // Staff resolve it by hand: not reopened while the same failure persists.
    const resolved = await t.api.POST('/admin/payment-alerts/{id}/resolve', {
      params: { path: { id: lift!.id } },
      body: { note: 'Asked Razorpay support about the transfer' },
      headers: finance.headers,
    });
    expect(resolved.data).toMatchObject({ resolution: 'manual' });
    expect(await alerts.scan()).toMatchObject({ opened: 0, open: { transfer_failed: 0 } });

    // The retry lifts the hold through the release job (reverse what the platform keeps, lift).
    const relift = await retry(sub.id, admin);
    expect(relift.data).toMatchObject({
      holdStatus: 'released',
      transferStatus: 'on_hold',
      transferId: onHold.transfer_id,
      job: 'payments.route-release',
      previousError: 'lifting the hold: 400 refused',
    });
    expect(await jobs('payments.route-release', 'holdId', relift.data!.holdId)).toBe(2);
    expect(await transfers.releaseTransfer({ subOrderId: sub.id })).toBe('released');
    expect(await holdOf(sub.id)).toMatchObject({ status: 'released', transfer_status: 'released' });
    expect(await alerts.scan()).toMatchObject({ opened: 0, open: { transfer_failed: 0 } });
    // A failure after the staff resolution is a new one: the alert opens again.
    await sql(
      `UPDATE escrow_holds SET transfer_status = 'failed', updated_at = now()
       WHERE sub_order_id = $1`,
      [sub.id],
    );
    expect(await alerts.scan()).toMatchObject({ opened: 1, open: { transfer_failed: 1 } });
    await sql(`UPDATE escrow_holds SET transfer_status = 'released' WHERE sub_order_id = $1`, [
      sub.id,
    ]);
    expect(await alerts.scan()).toMatchObject({ resolved: 1, open: { transfer_failed: 0 } });

    // A refunded hold has nothing left to transfer: no alert, and nothing to retry.
    const cancelled = await placeOrder(55_000);
    await complete(cancelled, (await open(cancelled)).gatewayOrderId!);
    const gone = cancelled.subOrders[0]!;
    const cancel = await t.api.POST('/dealer/orders/{subOrderId}/cancel', {
      params: { path: { subOrderId: gone.id } },
      body: { reason: 'cannot source the part' },
      headers: dealer.headers,
    });
    expect(cancel.response.status).toBe(200);
    expect(await t.app.get(RefundsService).processDue()).toBe(1);
    await sql(
      `UPDATE escrow_holds SET transfer_status = 'failed', transfer_error = 'refused' WHERE sub_order_id = $1`,
      [gone.id],
    );
    expect(await holdOf(gone.id)).toMatchObject({ status: 'refunded', transfer_status: 'failed' });
    expect(await alerts.scan()).toMatchObject({ opened: 0, open: { transfer_failed: 0 } });
    expect((await retry(gone.id, finance)).error).toMatchObject({
      code: 'route-transfer/not-retryable',
      holdStatus: 'refunded',
    });
  });
});
