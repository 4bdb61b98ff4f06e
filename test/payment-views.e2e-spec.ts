/**
 * Finance and dealer views of payments and escrow, on real PostgreSQL with payments made through the
 * Razorpay sandbox (so the journal holds the real postings): every payment with filters and keyset
 * paging, escrow aging buckets, holds, releases due, period totals reconciled with the ledger, and a
 * dealer's own escrow statement. Timestamps are moved with SQL as the owner. Then, on an app of its
 * own with two dealers onboarded to Route: every refund (cancellation, after release) and the money
 * that left Razorpay (the dealers' Route settlements and the platform's, settled by the sandbox and
 * posted by its webhooks).
 */
import type { RazorpaySandbox } from '../scripts/razorpay-sandbox/sandbox.js';
import { EscrowReleaseService } from '../src/escrow/escrow-release.service.js';
import { PAYMENT_GATEWAY, type PaymentGateway } from '../src/gateway/payment-gateway.js';
import { RefundsService } from '../src/payments/refunds.service.js';
import { RouteTransfersService } from '../src/payouts/route/route-transfers.service.js';
import { WebhookProcessor } from '../src/gateway/webhooks/webhook-jobs.js';
import { signInAs, type SignedIn } from './support/accounts.js';
import { activeListing, checkout, putInCart, type Order } from './support/orders.js';
import type { TestApp } from './support/test-app.js';
import { withClient } from './support/test-database.js';
import {
  completeAtSandbox,
  payThroughSandbox,
  startSandboxApp,
  type SandboxApp,
} from './support/payments.js';
import { activeRouteDealer } from './support/route.js';

describe('payment and escrow views', () => {
  let sandbox: RazorpaySandbox;
  let t: TestApp;
  let started: SandboxApp | undefined;
  let dealerA: SignedIn;
  let dealerB: SignedIn;
  let finance: SignedIn;
  let buyer: SignedIn;
  let startedAt: string;
  /** o1: A + B paid; o2: A paid, completed, released; o3: B paid; o4: B opened, unpaid. */
  let o1: Order, o2: Order, o3: Order, o4: Order;
  const paymentIds: Record<string, string> = {};

  const sql = <T extends Record<string, unknown>>(text: string, params: unknown[] = []) =>
    withClient(t.db.ownerUrl, async (c) => (await c.query<T>(text, params)).rows);
  const placeOrder = async (parts: [SignedIn, number][]): Promise<Order> => {
    for (const [dealer, price] of parts)
      await putInCart(t, buyer, await activeListing(t, dealer.userId, { b2cPricePaise: price }), 1);
    const placed = await checkout(t, buyer);
    expect(placed.status).toBe(201);
    return placed.order!;
  };
  const openPayment = async (order: Order) => {
    const res = await t.api.POST('/orders/{orderId}/payments', {
      params: { path: { orderId: order.id } },
      headers: buyer.headers,
    });
    expect(res.response.status).toBe(201);
    paymentIds[order.id] = res.data!.id;
    return res.data!;
  };
  const pay = async (order: Order) =>
    completeAtSandbox(t, sandbox, buyer, order.id, (await openPayment(order)).gatewayOrderId!);
  const sub = (order: Order, dealer: SignedIn) =>
    order.subOrders.find((s) => s.dealerId === dealer.userId)!;
  const setSubOrder = (id: string, status: string, deliveredDaysAgo: number | null) =>
    sql(
      `UPDATE sub_orders SET status = $2, carrier = 'Delhivery', tracking_number = 'DLV-T',
         delivered_at = CASE WHEN $3::int IS NULL THEN NULL ELSE now() - make_interval(days => $3::int) END
       WHERE id = $1`,
      [id, status, deliveredDaysAgo],
    );

  beforeAll(async () => {
    started = await startSandboxApp();
    ({ sandbox, t } = started);
    [dealerA, dealerB, finance, buyer] = await Promise.all([
      signInAs(t, 'dealer'),
      signInAs(t, 'dealer'),
      signInAs(t, 'finance'),
      signInAs(t, 'customer'),
    ]);
    startedAt = (
      await sql<{ now: Date }>(`SELECT now() - interval '1 minute' AS now`)
    )[0]!.now.toISOString();
    o1 = await placeOrder([
      [dealerA, 60_000],
      [dealerB, 118_000],
    ]);
    await pay(o1);
    o2 = await placeOrder([[dealerA, 118_000]]);
    await pay(o2);
    o3 = await placeOrder([[dealerB, 90_000]]);
    await pay(o3);
    o4 = await placeOrder([[dealerB, 70_000]]);
    await openPayment(o4);
    // o2 completes and is released (ledger-spec vector 02's figures).
    await setSubOrder(sub(o2, dealerA).id, 'completed', 8);
    expect(await t.app.get(EscrowReleaseService).releaseDue()).toBe(1);
    // Ages since capture: o1/A 10 days, o1/B 40 days, o3/B today.
    await sql(
      `UPDATE escrow_holds SET created_at = now() - interval '10 days' WHERE sub_order_id = $1`,
      [sub(o1, dealerA).id],
    );
    await sql(
      `UPDATE escrow_holds SET created_at = now() - interval '40 days' WHERE sub_order_id = $1`,
      [sub(o1, dealerB).id],
    );
    // o1/A delivered 2 days ago (completes in 5 days); o1/B completed (delivered 8 days ago), not yet released.
    await setSubOrder(sub(o1, dealerA).id, 'delivered', 2);
    await setSubOrder(sub(o1, dealerB).id, 'completed', 8);
  }, 120_000);
  afterAll(() => started?.close());

  it('lists every payment with filters and keyset paging; staff only', async () => {
    const all = await t.api.GET('/admin/payments', { headers: finance.headers });
    expect(all.data!.items.map((p) => p.id)).toEqual([o4, o3, o2, o1].map((o) => paymentIds[o.id]));
    expect(all.data!.items[0]).toMatchObject({
      orderId: o4.id,
      buyerId: buyer.userId,
      status: 'created',
      amountPaise: o4.totalPaise,
      unpayable: false,
      capturedAt: null,
    });
    expect(all.data!.items[1]!.feePaise).toBeGreaterThan(0);
    const captured = await t.api.GET('/admin/payments', {
      params: { query: { status: 'captured' } },
      headers: finance.headers,
    });
    expect(captured.data!.items.map((p) => p.orderId)).toEqual([o3.id, o2.id, o1.id]);
    const one = await t.api.GET('/admin/payments', {
      params: { query: { orderId: o2.id, buyerId: buyer.userId } },
      headers: finance.headers,
    });
    expect(one.data!.items.map((p) => p.id)).toEqual([paymentIds[o2.id]]);
    const unpayable = await t.api.GET('/admin/payments', {
      params: { query: { unpayable: true } },
      headers: finance.headers,
    });
    expect(unpayable.data!.items).toEqual([]);
    const future = await t.api.GET('/admin/payments', {
      params: { query: { from: '2100-01-01T00:00:00Z' } },
      headers: finance.headers,
    });
    expect(future.data!.items).toEqual([]);
    // Pages of 3: the four payments exactly once, newest first.
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await t.api.GET('/admin/payments', {
        params: { query: { limit: 3, ...(cursor ? { cursor } : {}) } },
        headers: finance.headers,
      });
      seen.push(...page.data!.items.map((p) => p.id));
      cursor = page.data!.nextCursor;
    } while (cursor);
    expect(seen).toEqual(all.data!.items.map((p) => p.id));
    const bad = await t.api.GET('/admin/payments', {
      params: { query: { cursor: 'not-a-cursor' } },
      headers: finance.headers,
    });
    expect(bad.response.status).toBe(400);
    expect((await t.api.GET('/admin/payments', { headers: dealerA.headers })).response.status).toBe(
      403,
    );
  });

  it('buckets held escrow by days since capture', async () => {
    const { data } = await t.api.GET('/admin/escrow/aging', { headers: finance.headers });
    const a1 = sub(o1, dealerA).totalPaise;
    const b1 = sub(o1, dealerB).totalPaise;
    const b3 = sub(o3, dealerB).totalPaise;
    expect(data!.buckets).toEqual([
      { bucket: '0-7', minDays: 0, maxDays: 7, count: 1, amountPaise: b3 },
      { bucket: '8-14', minDays: 8, maxDays: 14, count: 1, amountPaise: a1 },
      { bucket: '15-30', minDays: 15, maxDays: 30, count: 0, amountPaise: 0 },
      { bucket: '31+', minDays: 31, maxDays: null, count: 1, amountPaise: b1 },
    ]);
    expect(data!.total).toEqual({ count: 3, amountPaise: a1 + b1 + b3 });
  });

  it('lists escrow holds by status and dealer, with release deductions, paged', async () => {
    const held = await t.api.GET('/admin/escrow/holds', {
      params: { query: { status: 'held' } },
      headers: finance.headers,
    });
    expect(held.data!.items.map((h) => h.subOrderId).sort()).toEqual(
      [sub(o1, dealerA).id, sub(o1, dealerB).id, sub(o3, dealerB).id].sort(),
    );
    const oldB = held.data!.items.find((h) => h.subOrderId === sub(o1, dealerB).id)!;
    expect(oldB).toMatchObject({ ageDays: 40, subOrderStatus: 'completed', deductions: null });
    // These dealers have no activated Route account: nothing transferred yet.
    expect(oldB).toMatchObject({ transferStatus: 'none', transferId: null });
    const released = await t.api.GET('/admin/escrow/holds', {
      params: { query: { status: 'released' } },
      headers: finance.headers,
    });
    expect(released.data!.items).toEqual([
      expect.objectContaining({
        subOrderId: sub(o2, dealerA).id,
        orderId: o2.id,
        paymentId: paymentIds[o2.id],
        dealerId: dealerA.userId,
        amountPaise: 118_000,
        deductions: {
          commissionPaise: 9440,
          gstOnCommissionPaise: 1699,
          tcsPaise: 500,
          tdsPaise: 118,
        },
        dealerNetPaise: 106_243,
      }),
    ]);
    const ofA = await t.api.GET('/admin/escrow/holds', {
      params: { query: { dealerId: dealerA.userId, limit: 1 } },
      headers: finance.headers,
    });
    expect(ofA.data!.items).toHaveLength(1);
    const next = await t.api.GET('/admin/escrow/holds', {
      params: { query: { dealerId: dealerA.userId, limit: 1, cursor: ofA.data!.nextCursor! } },
      headers: finance.headers,
    });
    expect(next.data!.nextCursor).toBeUndefined();
    // Newest hold first: o2/A (captured now) before o1/A (moved 10 days back).
    expect([...ofA.data!.items, ...next.data!.items].map((h) => h.subOrderId)).toEqual([
      sub(o2, dealerA).id,
      sub(o1, dealerA).id,
    ]);
  });

  it('lists the holds whose Route transfer failed, with the attempts and the error', async () => {
    const b3 = sub(o3, dealerB).id;
    const failed = () =>
      t.api.GET('/admin/escrow/holds', {
        params: { query: { transferStatus: 'failed' } },
        headers: finance.headers,
      });
    expect((await failed()).data!.items).toEqual([]);
    await sql(
      `UPDATE escrow_holds SET transfer_status = 'failed', transfer_attempts = 5,
         transfer_error = 'create transfer: 400 account not activated' WHERE sub_order_id = $1`,
      [b3],
    );
    try {
      const { data } = await failed();
      expect(data!.items).toEqual([
        expect.objectContaining({
          subOrderId: b3,
          status: 'held',
          transferStatus: 'failed',
          transferAttempts: 5,
          transferError: 'create transfer: 400 account not activated',
        }),
      ]);
      const none = await t.api.GET('/admin/escrow/holds', {
        params: { query: { transferStatus: 'none', dealerId: dealerB.userId } },
        headers: finance.headers,
      });
      expect(none.data!.items.map((h) => h.subOrderId)).toEqual([sub(o1, dealerB).id]);
      expect(none.data!.items[0]).toMatchObject({ transferAttempts: 0, transferError: null });
      const bad = await t.api.GET('/admin/escrow/holds', {
        params: { query: { transferStatus: 'lost' as 'failed' } },
        headers: finance.headers,
      });
      expect(bad.response.status).toBe(400);
    } finally {
      await sql(
        `UPDATE escrow_holds SET transfer_status = 'none', transfer_attempts = 0, transfer_error = NULL
         WHERE sub_order_id = $1`,
        [b3],
      );
    }
  });

  it('shows releases due: completed (releasable) and delivered (with expected completion)', async () => {
    const { data } = await t.api.GET('/admin/escrow/releases-due', { headers: finance.headers });
    const a1 = sub(o1, dealerA);
    const b1 = sub(o1, dealerB);
    expect(data!.releasable).toEqual({ count: 1, amountPaise: b1.totalPaise });
    expect(data!.upcoming).toEqual({ count: 1, amountPaise: a1.totalPaise });
    expect(data!.items.map((i) => [i.subOrderId, i.subOrderStatus, i.releasable])).toEqual([
      [b1.id, 'completed', true],
      [a1.id, 'delivered', false],
    ]);
    const delivered = data!.items[1]!;
    expect(Date.parse(delivered.expectedCompletionAt!) - Date.parse(delivered.deliveredAt!)).toBe(
      t.config.orders.autoCompleteSeconds * 1000,
    );
    const paged = await t.api.GET('/admin/escrow/releases-due', {
      params: { query: { limit: 1 } },
      headers: finance.headers,
    });
    expect(paged.data!.items.map((i) => i.subOrderId)).toEqual([b1.id]);
    const rest = await t.api.GET('/admin/escrow/releases-due', {
      params: { query: { limit: 1, cursor: paged.data!.nextCursor! } },
      headers: finance.headers,
    });
    expect(rest.data!.items.map((i) => i.subOrderId)).toEqual([a1.id]);
    expect(rest.data!.nextCursor).toBeUndefined();
  });

  it('totals a period from the tables and reconciles them with the ledger', async () => {
    const to = new Date(Date.now() + 60_000).toISOString();
    const { data } = await t.api.GET('/admin/payments/totals', {
      params: { query: { from: startedAt, to } },
      headers: finance.headers,
    });
    const expected = {
      capturedPaise: o1.totalPaise + o2.totalPaise + o3.totalPaise,
      refundedPaise: 0,
      releasedGrossPaise: 118_000,
      commissionPaise: 9440,
      gstOnCommissionPaise: 1699,
      tcsPaise: 500,
      tdsPaise: 118,
      dealerNetReleasedPaise: 106_243,
    };
    expect(data).toMatchObject({
      capturedCount: 3,
      releasedCount: 1,
      totals: expected,
      ledger: expected,
      reconciled: true,
      mismatches: [],
    });
    // Before anything happened: all zero, still reconciled.
    const empty = await t.api.GET('/admin/payments/totals', {
      params: { query: { from: '2020-01-01T00:00:00Z', to: startedAt } },
      headers: finance.headers,
    });
    expect(empty.data).toMatchObject({ capturedCount: 0, releasedCount: 0, reconciled: true });
    expect(empty.data!.totals.capturedPaise).toBe(0);
    // A table that disagrees with the journal is named.
    await sql(
      `UPDATE escrow_holds SET commission_paise = commission_paise + 1 WHERE sub_order_id = $1`,
      [sub(o2, dealerA).id],
    );
    try {
      const off = await t.api.GET('/admin/payments/totals', {
        params: { query: { from: startedAt, to } },
        headers: finance.headers,
      });
      expect(off.data).toMatchObject({
        reconciled: false,
        mismatches: ['releasedGrossPaise', 'commissionPaise'],
      });
    } finally {
      await sql(
        `UPDATE escrow_holds SET commission_paise = commission_paise - 1 WHERE sub_order_id = $1`,
        [sub(o2, dealerA).id],
      );
    }
    const backwards = await t.api.GET('/admin/payments/totals', {
      params: { query: { from: to, to: startedAt } },
      headers: finance.headers,
    });
    expect(backwards.response.status).toBe(400);
  });

  it('totals today (IST) when no period is given', async () => {
    const istNow = new Date(Date.now() + 330 * 60_000);
    const from = new Date(
      Date.UTC(istNow.getUTCFullYear(), istNow.getUTCMonth(), istNow.getUTCDate()) - 330 * 60_000,
    );
    const today = { from: from.toISOString(), to: new Date(+from + 86_400_000).toISOString() };
    expect(today.from).toMatch(/T18:30:00\.000Z$/);
    const byDefault = await t.api.GET('/admin/payments/totals', { headers: finance.headers });
    expect(byDefault.response.status).toBe(200);
    const explicit = await t.api.GET('/admin/payments/totals', {
      params: { query: today },
      headers: finance.headers,
    });
    expect(byDefault.data).toEqual(explicit.data);
    expect(byDefault.data).toMatchObject({ ...today, reconciled: true });
    // One bound given: the other is today's.
    const since = await t.api.GET('/admin/payments/totals', {
      params: { query: { from: '2020-01-01T00:00:00Z' } },
      headers: finance.headers,
    });
    expect(since.data).toMatchObject({ from: '2020-01-01T00:00:00.000Z', to: today.to });
    const untilThen = await t.api.GET('/admin/payments/totals', {
      params: { query: { to: '2020-01-01T00:00:00Z' } },
      headers: finance.headers,
    });
    expect(untilThen.response.status).toBe(400);
    expect(untilThen.error).toMatchObject({ code: 'request/invalid-period' });
  });

  it('shows a dealer its own escrow only: held, releasable, released with deductions, per sub-order', async () => {
    const a = (await t.api.GET('/dealer/escrow', { headers: dealerA.headers })).data!;
    expect(a.held).toEqual({ count: 1, amountPaise: sub(o1, dealerA).totalPaise });
    expect(a.releasable).toEqual({ count: 0, amountPaise: 0 });
    expect(a.released).toEqual({
      count: 1,
      grossPaise: 118_000,
      commissionPaise: 9440,
      gstOnCommissionPaise: 1699,
      tcsPaise: 500,
      tdsPaise: 118,
      netPaise: 106_243,
    });
    expect(a.refunded).toEqual({ count: 0, amountPaise: 0 });
    expect(a.items.map((i) => [i.subOrderId, i.state])).toEqual([
      [sub(o2, dealerA).id, 'released'],
      [sub(o1, dealerA).id, 'held'],
    ]);
    expect(a.items[0]).toMatchObject({
      netPaise: 106_243,
      deductions: {
        commissionPaise: 9440,
        gstOnCommissionPaise: 1699,
        tcsPaise: 500,
        tdsPaise: 118,
      },
    });
    expect(JSON.stringify(a)).not.toContain(dealerB.userId);
    expect(JSON.stringify(a)).not.toContain(sub(o1, dealerB).id);

    const b = (
      await t.api.GET('/dealer/escrow', {
        params: { query: { limit: 1 } },
        headers: dealerB.headers,
      })
    ).data!;
    expect(b.held).toEqual({
      count: 2,
      amountPaise: sub(o1, dealerB).totalPaise + sub(o3, dealerB).totalPaise,
    });
    expect(b.releasable).toEqual({ count: 1, amountPaise: sub(o1, dealerB).totalPaise });
    expect(b.released.count).toBe(0);
    expect(b.items.map((i) => [i.subOrderId, i.state])).toEqual([[sub(o3, dealerB).id, 'held']]);
    const b2 = (
      await t.api.GET('/dealer/escrow', {
        params: { query: { limit: 1, cursor: b.nextCursor! } },
        headers: dealerB.headers,
      })
    ).data!;
    expect(b2.items.map((i) => [i.subOrderId, i.state])).toEqual([
      [sub(o1, dealerB).id, 'releasable'],
    ]);
    expect(b2.nextCursor).toBeUndefined();
    const onlyReleased = (
      await t.api.GET('/dealer/escrow', {
        params: { query: { status: 'released' } },
        headers: dealerB.headers,
      })
    ).data!;
    expect(onlyReleased.items).toEqual([]);
    expect((await t.api.GET('/dealer/escrow', { headers: finance.headers })).response.status).toBe(
      403,
    );
    expect((await t.api.GET('/dealer/escrow', { headers: buyer.headers })).response.status).toBe(
      403,
    );
  });
});

describe('refunds and payouts views', () => {
  let sandbox: RazorpaySandbox;
  let t: TestApp;
  let started: SandboxApp | undefined;
  let admin: SignedIn;
  let finance: SignedIn;
  let compliance: SignedIn;
  let buyer: SignedIn;
  let dealerA: SignedIn;
  let dealerB: SignedIn;

  const sql = <T extends Record<string, unknown>>(text: string, params: unknown[] = []) =>
    withClient(t.db.ownerUrl, async (c) => (await c.query<T>(text, params)).rows);
  const drainWebhooks = async () => {
    await sandbox.control.flushWebhooks();
    await t.app.get(WebhookProcessor).drain();
  };
  const paidOrder = async (parts: [SignedIn, number][]) => {
    for (const [dealer, price] of parts)
      await putInCart(t, buyer, await activeListing(t, dealer.userId, { b2cPricePaise: price }), 1);
    const order = (await checkout(t, buyer)).order!;
    const payment = await payThroughSandbox(t, sandbox, buyer, order.id);
    return { order, paymentId: payment.id };
  };
  const completeAndRelease = async (subOrderIds: string[]) => {
    for (const id of subOrderIds)
      await sql(
        `UPDATE sub_orders SET status = 'completed', carrier = 'Delhivery', tracking_number = 'DLV-P' WHERE id = $1`,
        [id],
      );
    expect(await t.app.get(EscrowReleaseService).releaseDue()).toBe(subOrderIds.length);
  };
  const refunds = (query: Record<string, string | number> = {}, who: SignedIn = finance) =>
    t.api.GET('/admin/refunds', { params: { query }, headers: who.headers });
  const payouts = (query: Record<string, string | number> = {}, who: SignedIn = finance) =>
    t.api.GET('/admin/payouts', { params: { query }, headers: who.headers });

  beforeAll(async () => {
    started = await startSandboxApp({ webhooks: true });
    ({ sandbox, t } = started);
    [admin, finance, compliance, buyer] = await Promise.all([
      signInAs(t, 'admin'),
      signInAs(t, 'finance'),
      signInAs(t, 'compliance'),
      signInAs(t, 'customer'),
    ]);
    // Approved by staff, onboarded to Route, activated by Razorpay (webhooks processed).
    dealerA = (await activeRouteDealer(t, sandbox, admin)).dealer;
    dealerB = (await activeRouteDealer(t, sandbox, admin)).dealer;
  }, 120_000);
  afterAll(() => started?.close());

  it('lists every refund, newest first, with filters and keyset paging; staff only', async () => {
    // A's part cancelled after payment: refunded by the refunds job (processed by the sandbox).
    const r1 = await paidOrder([[dealerA, 50_000]]);
    const a1 = r1.order.subOrders[0]!;
    const cancelled = await t.api.POST('/dealer/orders/{subOrderId}/cancel', {
      params: { path: { subOrderId: a1.id } },
      body: { reason: 'cannot source the part' },
      headers: dealerA.headers,
    });
    expect(cancelled.response.status).toBe(200);
    expect(await t.app.get(RefundsService).processDue()).toBe(1);
    // B's part released, then partly refunded by finance (requested, not sent yet).
    const r2 = await paidOrder([[dealerB, 118_000]]);
    const b2 = r2.order.subOrders[0]!;
    await completeAndRelease([b2.id]);
    const late = await t.api.POST('/admin/escrow/holds/{subOrderId}/refund-after-release', {
      params: { path: { subOrderId: b2.id } },
      body: { amountPaise: 10_000, reason: 'Return found damaged after release' },
      headers: finance.headers,
    });
    expect(late.response.status).toBe(201);

    const all = (await refunds()).data!;
    expect(all.nextCursor).toBeUndefined();
    expect(all.items).toEqual([
      {
        id: late.data!.id,
        orderId: r2.order.id,
        repairJobId: null,
        subOrderId: b2.id,
        dealerId: dealerB.userId,
        paymentId: r2.paymentId,
        gatewayRefundId: null,
        kind: 'after_release',
        amountPaise: 10_000,
        status: 'requested',
        reason: 'Return found damaged after release',
        requestedBy: finance.userId,
        attempts: 0,
        lastError: null,
        requestedAt: expect.any(String),
        processedAt: null,
      },
      {
        id: expect.any(String),
        orderId: r1.order.id,
        repairJobId: null,
        subOrderId: a1.id,
        dealerId: dealerA.userId,
        paymentId: r1.paymentId,
        gatewayRefundId: expect.stringMatching(/^rfnd_/),
        kind: 'cancellation',
        amountPaise: a1.totalPaise,
        status: 'processed',
        reason: null,
        requestedBy: null,
        attempts: 1,
        lastError: null,
        requestedAt: expect.any(String),
        processedAt: expect.any(String),
      },
    ]);
    const [lateRow, cancelRow] = all.items;
    const ids = async (query: Record<string, string | number>) =>
      (await refunds(query)).data!.items.map((r) => r.id);
    expect(await ids({ status: 'processed' })).toEqual([cancelRow!.id]);
    expect(await ids({ status: 'failed' })).toEqual([]);
    expect(await ids({ kind: 'after_release' })).toEqual([lateRow!.id]);
    expect(await ids({ orderId: r1.order.id })).toEqual([cancelRow!.id]);
    expect(await ids({ dealerId: dealerB.userId })).toEqual([lateRow!.id]);
    expect(await ids({ dealerId: dealerB.userId, kind: 'cancellation' })).toEqual([]);
    expect(await ids({ from: cancelRow!.requestedAt, to: lateRow!.requestedAt })).toEqual([
      cancelRow!.id,
    ]);
    expect(await ids({ from: '2100-01-01T00:00:00Z' })).toEqual([]);
    // Pages of one: each refund once, newest first.
    const first = (await refunds({ limit: 1 })).data!;
    expect(first.items.map((r) => r.id)).toEqual([lateRow!.id]);
    const second = (await refunds({ limit: 1, cursor: first.nextCursor! })).data!;
    expect(second.items.map((r) => r.id)).toEqual([cancelRow!.id]);
    expect(second.nextCursor).toBeUndefined();
    const badCursor = await refunds({ cursor: 'not-a-cursor' });
    expect(badCursor.response.status).toBe(400);
    expect(badCursor.error).toMatchObject({
      code: 'request/invalid-cursor',
      errors: [{ field: 'cursor', in: 'query' }],
    });
    const backwards = await refunds({
      from: '2026-01-02T00:00:00+05:30',
      to: '2026-01-01T00:00:00Z',
    });
    expect([backwards.response.status, backwards.error?.code]).toEqual([
      400,
      'request/invalid-period',
    ]);
    // An empty period is a period: nothing in it.
    const at = '2026-01-01T00:00:00+05:30';
    expect((await refunds({ from: at, to: at })).data!.items).toEqual([]);
    expect((await refunds({ kind: 'gift' })).response.status).toBe(400);
    expect((await refunds({}, compliance)).response.status).toBe(200);
    expect((await refunds({}, dealerA)).response.status).toBe(403);
    expect((await refunds({}, buyer)).response.status).toBe(403);
  });

  it("lists the money that left Razorpay: each dealer's Route settlement and the platform's, from the ledger", async () => {
    expect((await payouts()).data!.items).toEqual([]);
    const { order, paymentId } = await paidOrder([
      [dealerA, 118_000],
      [dealerB, 60_000],
    ]);
    const [sa, sb] = [dealerA, dealerB].map((d) =>
      order.subOrders.find((s) => s.dealerId === d.userId)!,
    );
    expect(await t.app.get(RouteTransfersService).transferHolds({ paymentId })).toEqual({
      [sa!.id]: 'on_hold',
      [sb!.id]: 'on_hold',
    });
    // The escrow-holds view shows each hold's Route transfer, as Razorpay has it.
    const transfersOf = async () =>
      (
        await t.api.GET('/admin/escrow/holds', {
          params: { query: { orderId: order.id } },
          headers: finance.headers,
        })
      ).data!.items.map((h) => [h.subOrderId, h.transferStatus, h.transferId]);
    const onHold = await transfersOf();
    expect(onHold).toHaveLength(2);
    for (const [subOrderId, status, transferId] of onHold) {
      expect(status).toBe('on_hold');
      const transfer = await t.app
        .get<PaymentGateway>(PAYMENT_GATEWAY)
        .fetchTransfer(transferId as string);
      expect(transfer).toMatchObject({ onHold: true });
      expect(transfer.notes).toMatchObject({ subOrderId });
    }
    await completeAndRelease([sa!.id, sb!.id]);
    for (const s of [sa!, sb!])
      expect(await t.app.get(RouteTransfersService).releaseTransfer({ subOrderId: s.id })).toBe(
        'released',
      );
    expect((await transfersOf()).map(([, status]) => status)).toEqual(['released', 'released']);
    const nets = await sql<{ dealer_id: string; net: string }>(
      `SELECT dealer_id::text AS dealer_id, dealer_net_paise::text AS net FROM escrow_holds
       WHERE sub_order_id = ANY($1::uuid[])`,
      [[sa!.id, sb!.id]],
    );
    const netOf = (d: SignedIn) => Number(nets.find((n) => n.dealer_id === d.userId)!.net);

    const before = new Date(Date.now() - 1000).toISOString();
    const settled = sandbox.control.settle();
    await drainWebhooks();
    expect(settled.merchant).not.toBeNull();
    expect(settled.linkedAccounts).toHaveLength(2);
    const all = (await payouts()).data!;
    expect(all.nextCursor).toBeUndefined();
    expect(all.items).toHaveLength(3);
    expect(all.items).toEqual(
      expect.arrayContaining([
        {
          settlementId: settled.merchant!.id,
          kind: 'platform',
          dealerId: null,
          technicianId: null,
          amountPaise: settled.merchant!.amount,
          postedAt: expect.any(String),
        },
        {
          settlementId: expect.stringMatching(/^setl_/),
          kind: 'dealer',
          dealerId: dealerA.userId,
          technicianId: null,
          amountPaise: netOf(dealerA),
          postedAt: expect.any(String),
        },
        {
          settlementId: expect.stringMatching(/^setl_/),
          kind: 'dealer',
          dealerId: dealerB.userId,
          technicianId: null,
          amountPaise: netOf(dealerB),
          postedAt: expect.any(String),
        },
      ]),
    );
    expect(all.items.map((p) => p.settlementId).sort()).toEqual(
      [settled.merchant!.id, ...settled.linkedAccounts.map((s) => s.id)].sort(),
    );
    // Newest first (the order the webhooks were processed in).
    const posted = all.items.map((p) => Date.parse(p.postedAt));
    expect([...posted].sort((x, y) => y - x)).toEqual(posted);
    expect(posted.every((p) => p >= Date.parse(before))).toBe(true);

    const pick = async (query: Record<string, string | number>) =>
      (await payouts(query)).data!.items.map((p) => p.settlementId);
    expect(await pick({ kind: 'platform' })).toEqual([settled.merchant!.id]);
    expect((await pick({ kind: 'dealer' })).sort()).toEqual(
      settled.linkedAccounts.map((s) => s.id).sort(),
    );
    const ofA = (await payouts({ dealerId: dealerA.userId })).data!.items;
    expect(ofA).toEqual([expect.objectContaining({ dealerId: dealerA.userId, kind: 'dealer' })]);
    expect(await pick({ dealerId: dealerA.userId, kind: 'platform' })).toEqual([]);
    expect(await pick({ from: '2100-01-01T00:00:00Z' })).toEqual([]);
    expect(await pick({ from: before })).toHaveLength(3);
    expect(await pick({ to: before })).toEqual([]);
    // Pages of two: all three once, in order.
    const first = (await payouts({ limit: 2 })).data!;
    expect(first.items).toHaveLength(2);
    const rest = (await payouts({ limit: 2, cursor: first.nextCursor! })).data!;
    expect(rest.nextCursor).toBeUndefined();
    expect([...first.items, ...rest.items]).toEqual(all.items);
    expect((await payouts({ cursor: 'not-a-cursor' })).response.status).toBe(400);
    expect((await payouts({ kind: 'bank' })).response.status).toBe(400);
    expect((await payouts({}, compliance)).response.status).toBe(200);
    expect((await payouts({}, dealerA)).response.status).toBe(403);

    // The books agree: each dealer's payable is what was released to it less its payout (B's
    // release of the first test never reached Route: no transfer was made, so it is still owed).
    for (const d of [dealerA, dealerB]) {
      const [row] = await sql<{ released: string; balance: string }>(
        `SELECT (SELECT sum(dealer_net_paise) FROM escrow_holds
                 WHERE dealer_id = $1 AND status = 'released')::text AS released,
                (credits_posted - debits_posted)::text AS balance
         FROM ledger_accounts WHERE code = $2`,
        [d.userId, `liability:dealer_payable:${d.userId}`],
      );
      expect(Number(row!.balance)).toBe(Number(row!.released) - netOf(d));
      // The dealer's own statement: settled once, by its net; what it is still owed.
      const own = await t.api.GET('/dealer/escrow', { headers: d.headers });
      expect(own.data).toMatchObject({
        settled: { count: 1, amountPaise: netOf(d) },
        payableBalancePaise: Number(row!.released) - netOf(d),
      });
      const mine = await t.api.GET('/dealer/escrow/payouts', { headers: d.headers });
      expect(mine.data!.items).toEqual([
        expect.objectContaining({ kind: 'dealer', dealerId: d.userId, amountPaise: netOf(d) }),
      ]);
      expect(
        (
          await t.api.GET('/dealer/escrow/payouts', {
            params: { query: { from: '2100-01-01T00:00:00Z' } },
            headers: d.headers,
          })
        ).data!.items,
      ).toEqual([]);
    }
    expect(
      (await t.api.GET('/dealer/escrow/payouts', { headers: finance.headers })).response.status,
    ).toBe(403);
  });
});
