/**
 * A buyer cancels lines of one sub-order before it ships (`POST
 * /orders/{orderId}/sub-orders/{subOrderId}/lines/cancel`), over HTTP against the Razorpay sandbox on
 * real PostgreSQL: the refund of a paid sub-order's cancelled lines (exact, out of its escrow hold,
 * sent to the gateway), stock back, totals and tax, the lines marked, history and audit, the
 * minimum-order policy on what remains, the refusals, idempotent replays, an unpaid order, and the
 * books once the rest is shipped, delivered and released. With the escrow transferred on hold to the
 * dealer's Route account: the transfer reversed by exactly the lines before their refund (once, even
 * when the refund's processing is cut short and run again; waiting while the transfer is being
 * created), the Route release reversing the rest of the platform's part, a refund after release, a
 * full cancellation after a line cancellation, and the day's reconciliation.
 */
import { randomUUID } from 'node:crypto';
import type { RazorpaySandbox } from '../scripts/razorpay-sandbox/sandbox.js';
import { Accounts } from '../src/ledger/domain/account.js';
import { LedgerService } from '../src/ledger/persistence/ledger.service.js';
import { OrderCommands } from '../src/orders/order-commands.service.js';
import { EscrowReleaseService } from '../src/escrow/escrow-release.service.js';
import { PAYMENT_GATEWAY, type PaymentGateway } from '../src/gateway/payment-gateway.js';
import { businessDayOf } from '../src/escrow/views/business-day.js';
import { DailyReconciliationReport } from '../src/reconciliation/daily-reconciliation-report.service.js';
import { RefundsService } from '../src/payments/refunds.service.js';
import { RouteTransfersService } from '../src/payouts/route/route-transfers.service.js';
import { signInAs, type SignedIn } from './support/accounts.js';
import { activeListing, checkout, putInCart, stockOf, type Order } from './support/orders.js';
import {
  expectOrderSettled,
  payThroughSandbox,
  startSandboxApp,
  type SandboxApp,
} from './support/payments.js';
import { activeRouteDealer } from './support/route.js';
import type { TestApp } from './support/test-app.js';
import { withClient } from './support/test-database.js';

describe('cancelling lines of a sub-order (Razorpay sandbox over HTTP)', () => {
  let sandbox: RazorpaySandbox;
  let t: TestApp;
  let started: SandboxApp | undefined;
  let dealer: SignedIn;
  let finance: SignedIn;

  const sql = <T extends Record<string, unknown>>(text: string, params: unknown[] = []) =>
    withClient(t.db.ownerUrl, async (c) => (await c.query<T>(text, params)).rows);

  /**
   * A B2C order of one dealer with three lines: ₹400 × 1 (GST 18%), ₹120 × 2 (GST 12%) and ₹200 × 1
   * (GST 18%): items 84,000 paise, below free delivery, so 4,900 delivery; total 88,900.
   */
  const placeOrder = async (buyer: SignedIn, seller: SignedIn = dealer) => {
    const listings = [
      await activeListing(t, seller.userId, { b2cPricePaise: 40_000, stock: 5 }),
      await activeListing(t, seller.userId, { b2cPricePaise: 12_000, stock: 5, gstRateBps: 1200 }),
      await activeListing(t, seller.userId, { b2cPricePaise: 20_000, stock: 5 }),
    ];
    for (const [i, id] of listings.entries()) await putInCart(t, buyer, id, i === 1 ? 2 : 1);
    const placed = await checkout(t, buyer);
    expect(placed.status).toBe(201);
    const order = placed.order!;
    expect(order).toMatchObject({ itemsPaise: 84_000, deliveryPaise: 4_900, totalPaise: 88_900 });
    const sub = order.subOrders[0]!;
    const line = (listingId: string) => sub.lines.find((l) => l.listingId === listingId)!;
    return { order, sub, listings, lineNos: listings.map((id) => line(id).lineNo), line };
  };

  const cancelLines = (
    buyer: SignedIn,
    order: Order,
    body: { lineNos: unknown[]; reason?: string },
    key: string | null = randomUUID(),
  ) =>
    t.api.POST('/orders/{orderId}/sub-orders/{subOrderId}/lines/cancel', {
      params: {
        path: { orderId: order.id, subOrderId: order.subOrders[0]!.id },
        header: (key === null ? {} : { 'Idempotency-Key': key }) as { 'Idempotency-Key': string },
      },
      body: body as { lineNos: number[] },
      headers: buyer.headers,
    });

  beforeAll(async () => {
    started = await startSandboxApp();
    ({ sandbox, t } = started);
    [dealer, finance] = await Promise.all([signInAs(t, 'dealer'), signInAs(t, 'finance')]);
  });
  afterAll(() => started?.close());

  it('refunds exactly the cancelled line of a paid order, restocks it, updates the totals; the books balance after release', async () => {
    const buyer = await signInAs(t, 'customer');
    const { order, sub, listings, lineNos, line } = await placeOrder(buyer);
    await payThroughSandbox(t, sandbox, buyer, order.id);
    const onHandBefore = await stockOf(t, listings[1]!);
    const cancelledLine = line(listings[1]!);
    expect(cancelledLine).toMatchObject({ quantity: 2, lineTotalPaise: 24_000, status: 'active' });
    const cancelledTax =
      cancelledLine.cgstPaise + cancelledLine.sgstPaise + cancelledLine.igstPaise;
    // Its delivery share: 4,900 × 21,429 / 72,276 (the lines' item taxable values 33,898 + 21,429 +
    // 16,949) = 1,452.79 → 1,453 by largest remainder; taxable = round(25,453 × 10000 / 11200) = 22,726.
    expect(cancelledLine.deliverySharePaise).toBe(1_453);
    expect(cancelledTax).toBe(25_453 - 22_726);

    const key = randomUUID();
    const body = { lineNos: [lineNos[1]!], reason: 'Ordered one too many' };
    const res = await cancelLines(buyer, order, body, key);
    expect(res.response.status).toBe(200);
    expect(res.response.headers.get('idempotent-replayed')).toBeNull();
    const after = res.data!;
    const afterSub = after.subOrders[0]!;
    // Items and total drop by the line (delivery stays as placed); the tax by the line's tax.
    expect(after).toMatchObject({ itemsPaise: 60_000, deliveryPaise: 4_900, totalPaise: 64_900 });
    expect(afterSub).toMatchObject({
      status: 'paid',
      itemsPaise: 60_000,
      deliveryPaise: 4_900,
      totalPaise: 64_900,
      taxPaise: sub.taxPaise - cancelledTax,
    });
    expect(afterSub.lines.map((l) => [l.lineNo, l.status])).toEqual(
      sub.lines.map((l) => [l.lineNo, l.lineNo === lineNos[1] ? 'cancelled' : 'active']),
    );
    const marked = afterSub.lines.find((l) => l.lineNo === lineNos[1])!;
    expect(marked).toMatchObject({ quantity: 2, lineTotalPaise: 24_000 }); // the snapshot stays
    expect(Date.now() - Date.parse(marked.cancelledAt!)).toBeLessThan(60_000);
    expect(afterSub.history!.at(-1)).toMatchObject({
      event: 'cancel_lines',
      fromStatus: 'paid',
      toStatus: 'paid',
      actor: 'buyer',
      reason: 'Ordered one too many',
    });
    // The line row says who and when; the audit event too.
    expect(
      await sql(
        `SELECT status, cancelled_by::text AS by FROM order_lines WHERE sub_order_id = $1 ORDER BY line_no`,
        [sub.id],
      ),
    ).toEqual(
      sub.lines.map((l) =>
        l.lineNo === lineNos[1]
          ? { status: 'cancelled', by: buyer.userId }
          : { status: 'active', by: null },
      ),
    );
    const [audit] = await sql<{ actor_id: string; after: Record<string, unknown> }>(
      `SELECT actor_id::text AS actor_id, after FROM audit_events
       WHERE action = 'order.cancel_lines' AND target_id = $1`,
      [sub.id],
    );
    expect(audit).toMatchObject({
      actor_id: buyer.userId,
      after: { lineNos: [lineNos[1]], cancelledItemsPaise: 24_000, totalPaise: 64_900 },
    });
    // The snapshot stays immutable: only active → cancelled goes through, once.
    for (const change of [
      `SET unit_price_paise = 1`,
      `SET status = 'active', cancelled_at = NULL, cancelled_by = NULL`,
    ])
      await expect(
        sql(`UPDATE order_lines ${change} WHERE sub_order_id = $1 AND line_no = $2`, [
          sub.id,
          lineNos[1],
        ]),
      ).rejects.toThrow(/append-only/);
    // Stock: sold at payment, back on hand now (restock); the other lines untouched.
    expect(await stockOf(t, listings[1]!)).toEqual({
      onHand: onHandBefore.onHand + 2,
      reserved: 0,
    });
    expect(await stockOf(t, listings[0]!)).toEqual({ onHand: 4, reserved: 0 });
    // The escrow hold is cut at once; the refund is exact and goes through the gateway.
    expect(
      await sql(
        `SELECT amount_paise::int AS amount, status FROM escrow_holds WHERE sub_order_id = $1`,
        [sub.id],
      ),
    ).toEqual([{ amount: 64_900, status: 'held' }]);
    await t.app.get(RefundsService).processDue();
    const refunds = await t.api.GET('/orders/{orderId}/payments/refunds', {
      params: { path: { orderId: order.id } },
      headers: buyer.headers,
    });
    expect(refunds.data).toEqual([
      expect.objectContaining({
        subOrderId: sub.id,
        kind: 'line_cancellation',
        amountPaise: 24_000,
        status: 'processed',
      }),
    ]);

    // Replays: same key and body → the first answer; same key, another body → 422.
    const replay = await cancelLines(buyer, order, body, key);
    expect(replay.response.status).toBe(200);
    expect(replay.response.headers.get('idempotent-replayed')).toBe('true');
    expect(replay.data).toEqual(after);
    const reused = await cancelLines(buyer, order, { lineNos: [lineNos[2]!] }, key);
    expect(reused.response.status).toBe(422);
    expect(reused.error).toMatchObject({ code: 'idempotency/key-reused' });
    expect(await sql(`SELECT 1 FROM refunds WHERE order_id = $1`, [order.id])).toHaveLength(1);

    // Shipped: no more line cancellations.
    const asDealer = { params: { path: { subOrderId: sub.id } }, headers: dealer.headers };
    await t.api.POST('/dealer/orders/{subOrderId}/accept', asDealer);
    await t.api.POST('/dealer/orders/{subOrderId}/pack', asDealer);
    const shipped = await t.api.POST('/dealer/orders/{subOrderId}/ship', {
      ...asDealer,
      body: { carrier: 'BlueDart', trackingNumber: 'BD-7654321' },
    });
    expect(shipped.data?.status).toBe('shipped');
    const late = await cancelLines(buyer, order, { lineNos: [lineNos[2]!] });
    expect(late.response.status).toBe(409);
    expect(late.error).toMatchObject({
      code: 'order/invalid-transition',
      subOrderStatus: 'shipped',
    });

    // Delivered, completed, released: the dealer is paid on what remains, the books balance.
    const delivered = await t.api.POST(
      '/orders/{orderId}/sub-orders/{subOrderId}/confirm-delivery',
      {
        params: { path: { orderId: order.id, subOrderId: sub.id } },
        headers: buyer.headers,
      },
    );
    expect(delivered.data?.subOrders[0]?.status).toBe('delivered');
    await t.app.get(OrderCommands).completeDelivered(0);
    expect(await t.app.get(EscrowReleaseService).releaseDue()).toBe(1);
    await t.app.get(RefundsService).processDue();
    const [hold] = await sql<{ status: string; released: number }>(
      `SELECT status, (commission_paise + gst_on_commission_paise + tcs_paise + tds_paise
                       + dealer_net_paise)::int AS released
       FROM escrow_holds WHERE sub_order_id = $1`,
      [sub.id],
    );
    expect(hold).toEqual({ status: 'released', released: 64_900 });
    await expectOrderSettled(t, finance, {
      orderId: order.id,
      paidPaise: 88_900,
      refundedPaise: 24_000,
    });
  });

  it('refuses what would leave the order below its minimum, all remaining lines, and bad requests; changes nothing', async () => {
    const buyer = await signInAs(t, 'customer');
    const { order, sub, listings, lineNos } = await placeOrder(buyer);
    await payThroughSandbox(t, sandbox, buyer, order.id);
    const stockBefore = await Promise.all(listings.map((id) => stockOf(t, id)));

    // ₹400 cancelled would leave ₹440 of items, below the ₹500 minimum: the shortfall is told.
    const below = await cancelLines(buyer, order, { lineNos: [lineNos[0]!] });
    expect(below.response.status).toBe(409);
    expect(below.error).toMatchObject({
      code: 'order/cancel-below-minimum',
      remainingItemsPaise: 44_000,
      minimumPaise: 50_000,
      shortfallPaise: 6_000,
    });
    expect((below.error as { detail: string }).detail).toMatch(/cancel this whole part/);
    // Every line: cancel the sub-order instead.
    const all = await cancelLines(buyer, order, { lineNos: [...lineNos] });
    expect(all.response.status).toBe(409);
    expect(all.error).toMatchObject({ code: 'order/cancel-sub-order-instead' });
    // No such line.
    const unknown = await cancelLines(buyer, order, { lineNos: [lineNos[2]!, 99] });
    expect(unknown.response.status).toBe(422);
    expect(unknown.error).toMatchObject({ code: 'order/unknown-lines', lineNos: [99] });
    // Another buyer's order, or a sub-order of another order: 404.
    const stranger = await signInAs(t, 'customer');
    expect((await cancelLines(stranger, order, { lineNos: [lineNos[2]!] })).response.status).toBe(
      404,
    );
    const elsewhere = await t.api.POST('/orders/{orderId}/sub-orders/{subOrderId}/lines/cancel', {
      params: {
        path: { orderId: order.id, subOrderId: randomUUID() },
        header: { 'Idempotency-Key': randomUUID() },
      },
      body: { lineNos: [1] },
      headers: buyer.headers,
    });
    expect(elsewhere.response.status).toBe(404);
    expect(elsewhere.error).toMatchObject({ code: 'order/not-found' });
    // Validation: each field named; the key is required.
    for (const bad of [
      { lineNos: [] },
      { lineNos: [lineNos[2], lineNos[2]] },
      { lineNos: [0] },
      { lineNos: ['one'] },
      { lineNos: [lineNos[2]], reason: ' ' },
      { lineNos: [lineNos[2]], quantity: 1 },
    ]) {
      const res = await cancelLines(buyer, order, bad);
      expect(res.response.status).toBe(400);
      expect(res.error).toMatchObject({ code: 'request/validation-failed' });
    }
    const noKey = await cancelLines(buyer, order, { lineNos: [lineNos[2]!] }, null);
    expect(noKey.response.status).toBe(400);
    expect(noKey.error).toMatchObject({ code: 'idempotency/key-required' });

    // Nothing changed: lines, totals, stock, escrow, refunds, idempotency keys.
    const now = await t.api.GET('/orders/{orderId}', {
      params: { path: { orderId: order.id } },
      headers: buyer.headers,
    });
    expect(now.data).toMatchObject({ itemsPaise: 84_000, totalPaise: 88_900 });
    expect(now.data!.subOrders[0]!.lines.every((l) => l.status === 'active')).toBe(true);
    expect(await Promise.all(listings.map((id) => stockOf(t, id)))).toEqual(stockBefore);
    expect(
      await sql(`SELECT amount_paise::int AS amount FROM escrow_holds WHERE sub_order_id = $1`, [
        sub.id,
      ]),
    ).toEqual([{ amount: 88_900 }]);
    expect(await sql(`SELECT 1 FROM refunds WHERE order_id = $1`, [order.id])).toEqual([]);
    expect(
      await sql(
        `SELECT 1 FROM idempotency_keys WHERE scope = 'order.cancel_lines' AND owner_id = $1`,
        [buyer.userId],
      ),
    ).toEqual([]);
  });

  it('on an unpaid order releases the reservation and lowers what is payable; paying sells only the rest', async () => {
    const buyer = await signInAs(t, 'customer');
    const { order, sub, listings, lineNos } = await placeOrder(buyer);
    expect(await stockOf(t, listings[2]!)).toEqual({ onHand: 5, reserved: 1 });
    const res = await cancelLines(buyer, order, { lineNos: [lineNos[2]!] });
    expect(res.response.status).toBe(200);
    expect(res.data).toMatchObject({
      paymentStatus: 'awaiting_payment',
      itemsPaise: 64_000,
      totalPaise: 68_900,
      payablePaise: 68_900,
    });
    expect(res.data!.subOrders[0]).toMatchObject({
      status: 'awaiting_payment',
      totalPaise: 68_900,
    });
    expect(await stockOf(t, listings[2]!)).toEqual({ onHand: 5, reserved: 0 });
    expect(await sql(`SELECT 1 FROM refunds WHERE order_id = $1`, [order.id])).toEqual([]);

    const payment = await payThroughSandbox(t, sandbox, buyer, order.id);
    expect(payment.amountPaise).toBe(68_900);
    expect(await stockOf(t, listings[2]!)).toEqual({ onHand: 5, reserved: 0 });
    expect(await stockOf(t, listings[1]!)).toEqual({ onHand: 3, reserved: 0 });
    expect(
      await sql(`SELECT amount_paise::int AS amount FROM escrow_holds WHERE sub_order_id = $1`, [
        sub.id,
      ]),
    ).toEqual([{ amount: 68_900 }]);
  });

  describe("with the escrow transferred on hold to the dealer's Route account", () => {
    let routeDealer: SignedIn;
    let gateway: PaymentGateway;

    const holdOf = async (subOrderId: string) =>
      (
        await sql<{
          amount: number;
          status: string;
          transfer_id: string;
          transfer_amount: number | null;
          transfer_status: string;
          dealer_net: number | null;
        }>(
          `SELECT amount_paise::int AS amount, status, transfer_id,
                  transfer_amount_paise::int AS transfer_amount, transfer_status,
                  dealer_net_paise::int AS dealer_net
           FROM escrow_holds WHERE sub_order_id = $1`,
          [subOrderId],
        )
      )[0]!;
    /** A paid order of the Route dealer whose escrow hold is transferred on hold (88,900). */
    const transferredOrder = async (buyer: SignedIn) => {
      const placed = await placeOrder(buyer, routeDealer);
      const payment = await payThroughSandbox(t, sandbox, buyer, placed.order.id);
      expect(
        await t.app.get(RouteTransfersService).transferHolds({ paymentId: payment.id }),
      ).toEqual({ [placed.sub.id]: 'on_hold' });
      const hold = await holdOf(placed.sub.id);
      expect(hold).toMatchObject({
        amount: 88_900,
        transfer_amount: 88_900,
        transfer_status: 'on_hold',
      });
      expect(await gateway.fetchTransfer(hold.transfer_id)).toMatchObject({
        amountPaise: 88_900,
        amountReversedPaise: 0,
        onHold: true,
      });
      return {
        ...placed,
        transferId: hold.transfer_id,
        gatewayPaymentId: payment.gatewayPaymentId!,
      };
    };
    /** Ships, delivers, completes and releases the sub-order, and runs its Route release. */
    const shipAndRelease = async (buyer: SignedIn, order: Order) => {
      const sub = order.subOrders[0]!;
      const asDealer = { params: { path: { subOrderId: sub.id } }, headers: routeDealer.headers };
      await t.api.POST('/dealer/orders/{subOrderId}/accept', asDealer);
      await t.api.POST('/dealer/orders/{subOrderId}/pack', asDealer);
      const shipped = await t.api.POST('/dealer/orders/{subOrderId}/ship', {
        ...asDealer,
        body: { carrier: 'BlueDart', trackingNumber: 'BD-1234567' },
      });
      expect(shipped.data?.status).toBe('shipped');
      const delivered = await t.api.POST(
        '/orders/{orderId}/sub-orders/{subOrderId}/confirm-delivery',
        { params: { path: { orderId: order.id, subOrderId: sub.id } }, headers: buyer.headers },
      );
      expect(delivered.data?.subOrders[0]?.status).toBe('delivered');
      await t.app.get(OrderCommands).completeDelivered(0);
      expect(await t.app.get(EscrowReleaseService).releaseDue()).toBe(1);
      expect(await t.app.get(RouteTransfersService).releaseTransfer({ subOrderId: sub.id })).toBe(
        'released',
      );
    };
    /** A reconciliation run of `day` (queued by finance): no transfer exception, none of the order. */
    const expectDayReconciled = async (day: string, orderId: string) => {
      const queued = await t.api.POST('/admin/reconciliation/runs', {
        body: { date: day },
        headers: finance.headers,
      });
      expect(queued.response.status).toBe(202);
      expect(await t.app.get(DailyReconciliationReport).execute(queued.data!.id)).toBe('completed');
      const run = await t.api.GET('/admin/reconciliation/runs/{runId}', {
        params: { path: { runId: queued.data!.id } },
        headers: finance.headers,
      });
      expect(run.data!.summary!.transfers).toMatchObject({ exceptions: 0, inTransit: 0 });
      expect(run.data!.summary!.transfers.matched).toBeGreaterThanOrEqual(1);
      for (const query of [{ category: 'transfers' as const }, { orderId }]) {
        const found = await t.api.GET('/admin/reconciliation/exceptions', {
          params: { query: { date: day, limit: 100, ...query } },
          headers: finance.headers,
        });
        expect(found.data!.items).toEqual([]);
      }
    };

    beforeAll(async () => {
      sandbox.control.setWebhookUrl(`${t.baseUrl}/webhooks/razorpay`);
      const admin = await signInAs(t, 'admin');
      ({ dealer: routeDealer } = await activeRouteDealer(t, sandbox, admin));
      gateway = t.app.get<PaymentGateway>(PAYMENT_GATEWAY);
    }, 60_000);

    it('reverses exactly the lines out of the transfer before refunding them; the Route release reverses the rest of the platform part; the books and the day reconcile', async () => {
      const buyer = await signInAs(t, 'customer');
      const { order, sub, lineNos, transferId, gatewayPaymentId } = await transferredOrder(buyer);
      const day = businessDayOf(new Date());

      const res = await cancelLines(buyer, order, { lineNos: [lineNos[1]!] });
      expect(res.response.status).toBe(200);
      expect(res.data).toMatchObject({ itemsPaise: 60_000, totalPaise: 64_900 });
      // The hold is cut at once; the transfer keeps its amount until the refund goes out.
      expect(await holdOf(sub.id)).toMatchObject({
        amount: 64_900,
        status: 'held',
        transfer_amount: 88_900,
        transfer_status: 'on_hold',
      });
      expect((await gateway.fetchTransfer(transferId)).amountReversedPaise).toBe(0);

      expect(await t.app.get(RefundsService).processDue()).toBe(1);
      // Reversed by exactly the lines, still on hold; refunded exactly the lines.
      expect(await gateway.fetchTransfer(transferId)).toMatchObject({
        amountPaise: 88_900,
        amountReversedPaise: 24_000,
        onHold: true,
      });
      expect((await gateway.fetchPayment(gatewayPaymentId)).amountRefundedPaise).toBe(24_000);
      expect(
        await sql(
          `SELECT kind, amount_paise::int AS amount, status FROM refunds WHERE order_id = $1`,
          [order.id],
        ),
      ).toEqual([{ kind: 'line_cancellation', amount: 24_000, status: 'processed' }]);
      // Nothing more on a later pass.
      expect(await t.app.get(RefundsService).processDue()).toBe(0);
      expect((await gateway.fetchTransfer(transferId)).amountReversedPaise).toBe(24_000);

      // Shipped, delivered, completed, released; the Route release run.
      await shipAndRelease(buyer, order);

      // The Route release reverses the platform's part of the 64,900 released (hold − dealer net)
      // on top of the lines, and lifts the hold: the dealer keeps exactly its net.
      const released = await holdOf(sub.id);
      expect(released).toMatchObject({ status: 'released', transfer_status: 'released' });
      const net = released.dealer_net!;
      expect(net).toBeGreaterThan(0);
      expect(net).toBeLessThan(64_900);
      expect(await gateway.fetchTransfer(transferId)).toMatchObject({
        amountPaise: 88_900,
        amountReversedPaise: 24_000 + (64_900 - net),
        onHold: false,
      });
      // A retry of the Route release reverses nothing more.
      await t.app.get(RouteTransfersService).releaseTransfer({ subOrderId: sub.id });
      expect((await gateway.fetchTransfer(transferId)).amountReversedPaise).toBe(88_900 - net);
      await expectOrderSettled(t, finance, {
        orderId: order.id,
        paidPaise: 88_900,
        refundedPaise: 24_000,
      });

      // The day's reconciliation: the transfer (88,900) matches, the dealer keeping its net.
      await expectDayReconciled(day, order.id);
    });

    it('a refund after release reverses the transfer down to what the dealer keeps, counted from the transfer amount', async () => {
      const buyer = await signInAs(t, 'customer');
      const { order, sub, lineNos, transferId } = await transferredOrder(buyer);
      const day = businessDayOf(new Date());
      expect((await cancelLines(buyer, order, { lineNos: [lineNos[1]!] })).response.status).toBe(
        200,
      );
      expect(await t.app.get(RefundsService).processDue()).toBe(1);
      await shipAndRelease(buyer, order);
      const kept = async () => {
        const tr = await gateway.fetchTransfer(transferId);
        return tr.amountPaise - tr.amountReversedPaise;
      };
      const payable = async () => {
        const a = await t.app
          .get(LedgerService)
          .account(Accounts.dealerPayable(routeDealer.userId));
        return Number(a!.creditsPosted - a!.debitsPosted);
      };
      expect(await kept()).toBe((await holdOf(sub.id)).dealer_net);
      const payableBefore = await payable();

      // Finance refunds ₹200 of the 64,900 released: the dealer's payable gives back its share, and
      // the transfer is reversed by exactly that share (what the dealer keeps at Route drops with it).
      const refunded = await t.api.POST('/admin/escrow/holds/{subOrderId}/refund-after-release', {
        params: { path: { subOrderId: sub.id } },
        body: { amountPaise: 20_000, reason: 'One unit came back damaged' },
        headers: finance.headers,
      });
      expect(refunded.response.status).toBe(201);
      const keptBefore = await kept();
      expect(await t.app.get(RefundsService).processDue()).toBe(1);
      const share = payableBefore - (await payable());
      expect(share).toBeGreaterThan(0);
      expect(share).toBeLessThan(20_000);
      expect(await kept()).toBe(keptBefore - share);
      await expectOrderSettled(t, finance, {
        orderId: order.id,
        paidPaise: 88_900,
        refundedPaise: 24_000 + 20_000,
      });
      await expectDayReconciled(day, order.id);
    });

    it('a line refund waits while the transfer is being created, then reverses the lines out of the transfer an earlier attempt made', async () => {
      const buyer = await signInAs(t, 'customer');
      const { order, sub, lineNos } = await placeOrder(buyer, routeDealer);
      const payment = await payThroughSandbox(t, sandbox, buyer, order.id);
      // The transfer of 88,900 is made at the gateway but its answer is lost (502): still pending.
      sandbox.control.setFaults({ api: { failAfterNext: 1 } });
      const transfers = t.app.get(RouteTransfersService);
      expect(await transfers.transferHolds({ paymentId: payment.id })).toEqual({
        [sub.id]: 'retrying',
      });
      expect((await cancelLines(buyer, order, { lineNos: [lineNos[1]!] })).response.status).toBe(
        200,
      );
      expect(await holdOf(sub.id)).toMatchObject({
        amount: 64_900,
        transfer_id: null,
        transfer_status: 'pending',
      });

      // The refund waits: nothing sent, no attempt counted.
      expect(await t.app.get(RefundsService).processDue()).toBe(0);
      expect(
        await sql(`SELECT status, attempts FROM refunds WHERE order_id = $1`, [order.id]),
      ).toEqual([{ status: 'requested', attempts: 0 }]);
      expect((await gateway.fetchPayment(payment.gatewayPaymentId!)).amountRefundedPaise).toBe(0);

      // The retry adopts the transfer the first attempt made (88,900, more than the hold now).
      expect(await transfers.transferHolds({ paymentId: payment.id })).toEqual({
        [sub.id]: 'on_hold',
      });
      const hold = await holdOf(sub.id);
      expect(hold).toMatchObject({ amount: 64_900, transfer_amount: 88_900 });
      expect(await t.app.get(RefundsService).processDue()).toBe(1);
      expect(await gateway.fetchTransfer(hold.transfer_id)).toMatchObject({
        amountPaise: 88_900,
        amountReversedPaise: 24_000,
        onHold: true,
      });
      expect((await gateway.fetchPayment(payment.gatewayPaymentId!)).amountRefundedPaise).toBe(
        24_000,
      );

      await shipAndRelease(buyer, order);
      const net = (await holdOf(sub.id)).dealer_net!;
      expect(await gateway.fetchTransfer(hold.transfer_id)).toMatchObject({
        amountReversedPaise: 88_900 - net,
        onHold: false,
      });
      await expectOrderSettled(t, finance, {
        orderId: order.id,
        paidPaise: 88_900,
        refundedPaise: 24_000,
      });
    });

    it('a retry after the refund call was cut short reverses once; cancelling the rest of the part then reverses the remainder', async () => {
      const buyer = await signInAs(t, 'customer');
      const { order, sub, lineNos, transferId, gatewayPaymentId } = await transferredOrder(buyer);
      expect((await cancelLines(buyer, order, { lineNos: [lineNos[1]!] })).response.status).toBe(
        200,
      );

      // The transfer is reversed, then the refund call does its work at the gateway but its answer
      // is lost (502): nothing of it is recorded, as after a crash at that point.
      const refundPayment = gateway.refundPayment.bind(gateway);
      gateway.refundPayment = (...args) => {
        sandbox.control.setFaults({ api: { failAfterNext: 1 } });
        return refundPayment(...args);
      };
      try {
        expect(await t.app.get(RefundsService).processDue()).toBe(0);
      } finally {
        gateway.refundPayment = refundPayment;
      }
      expect((await gateway.fetchTransfer(transferId)).amountReversedPaise).toBe(24_000);
      expect(
        await sql(`SELECT status, gateway_refund_id, attempts FROM refunds WHERE order_id = $1`, [
          order.id,
        ]),
      ).toEqual([{ status: 'requested', gateway_refund_id: null, attempts: 1 }]);

      // Run again: the reversal's target is met (nothing reversed twice) and the gateway answers
      // with the refund it made (same idempotency key): one refund of the lines.
      expect(await t.app.get(RefundsService).processDue()).toBe(1);
      expect(await gateway.fetchTransfer(transferId)).toMatchObject({
        amountReversedPaise: 24_000,
        onHold: true,
      });
      expect((await gateway.fetchPayment(gatewayPaymentId)).amountRefundedPaise).toBe(24_000);

      // The buyer cancels the rest of the part: its refund reverses what is left of the transfer.
      const cancelled = await t.api.POST('/orders/{orderId}/sub-orders/{subOrderId}/cancel', {
        params: { path: { orderId: order.id, subOrderId: sub.id } },
        body: { reason: 'found it cheaper' },
        headers: buyer.headers,
      });
      expect(cancelled.response.status).toBe(200);
      expect(await t.app.get(RefundsService).processDue()).toBe(1);
      expect(await gateway.fetchTransfer(transferId)).toMatchObject({
        amountPaise: 88_900,
        amountReversedPaise: 88_900,
      });
      expect(await holdOf(sub.id)).toMatchObject({ amount: 64_900, status: 'refunded' });
      await expectOrderSettled(t, finance, {
        orderId: order.id,
        paidPaise: 88_900,
        refundedPaise: 88_900,
      });
    });
  });
});
