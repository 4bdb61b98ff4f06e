/**
 * Fraud checks through the real routes on real PostgreSQL, with the Razorpay sandbox where money
 * moves (README "Fraud checks"): each rule fires at its threshold and not below — velocity per
 * buyer, device and IP, new accounts' high-value orders, a dealer buying its own listings, refund
 * abuse — a held order cannot be accepted until cleared, a rejected one is cancelled with its stock
 * back and its payment refunded (books settled), alerts are assigned and resolved with audit
 * events, and the wrong roles are refused.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { RazorpaySandbox } from '../scripts/razorpay-sandbox/sandbox.js';
import { FraudChecks } from '../src/fraud/fraud-checks.service.js';
import { RefundsService } from '../src/payments/refunds.service.js';
import { createAccount, login, signInAs, type SignedIn } from './support/accounts.js';
import {
  ADDRESS,
  activeListing,
  checkout,
  putInCart,
  stockOf,
  type Order,
} from './support/orders.js';
import {
  expectOrderSettled,
  payThroughSandbox,
  startSandboxApp,
  type SandboxApp,
} from './support/payments.js';
import type { paths } from './support/api-types.js';
import type { TestApp } from './support/test-app.js';
import { withClient } from './support/test-database.js';

const FRAUD_ENV = {
  FRAUD_CHECKS: 'on',
  HTTP_TRUST_PROXY: 'true',
  FRAUD_VELOCITY_WINDOW_MINUTES: '60',
  FRAUD_VELOCITY_MAX_ORDERS: '3',
  FRAUD_VELOCITY_MAX_PAISE: '1000000',
  FRAUD_VELOCITY_IP_MULTIPLIER: '2',
  FRAUD_NEW_ACCOUNT_DAYS: '7',
  FRAUD_NEW_ACCOUNT_FIRST_ORDERS: '1',
  FRAUD_NEW_ACCOUNT_ORDER_PAISE: '500000',
  FRAUD_REFUND_MAX_COUNT: '2',
  FRAUD_REFUND_MAX_RATIO_PERCENT: '50',
  FRAUD_REFUND_MIN_ORDERS: '3',
};

let ipSeq = 0;
/** A public test address of its own (TEST-NET-3), so only the orders a test means share an IP. */
const freshIp = () => `203.0.113.${++ipSeq}`;
const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

describe('fraud checks', () => {
  let started: SandboxApp | undefined;
  let sandbox: RazorpaySandbox;
  let t: TestApp;
  let dealer: SignedIn;
  let admin: SignedIn;
  let listing: string;

  const sql = <T extends Record<string, unknown>>(text: string, params: unknown[] = []) =>
    withClient(t.db.ownerUrl, async (c) => (await c.query<T>(text, params)).rows);
  /** The buyer's requests as sent from `ip` (and a device, when given). */
  const from = (who: SignedIn, ip: string, device?: string): SignedIn => ({
    ...who,
    headers: {
      ...who.headers,
      'x-forwarded-for': ip,
      ...(device ? { 'x-device-fingerprint': device } : {}),
    } as SignedIn['headers'],
  });
  const buy = async (who: SignedIn, pricePaise: number, listingId?: string) => {
    const id = listingId ?? (await activeListing(t, dealer.userId, { b2cPricePaise: pricePaise }));
    expect((await putInCart(t, who, id, 1)).status).toBe(200);
    return checkout(t, who);
  };
  const placed = async (who: SignedIn, pricePaise: number): Promise<Order> => {
    const res = await buy(who, pricePaise);
    expect(res.status).toBe(201);
    return res.order!;
  };
  const holdOf = async (orderId: string) =>
    (
      await sql<{ status: string }>(`SELECT status FROM fraud_order_holds WHERE order_id = $1`, [
        orderId,
      ])
    )[0]?.status ?? null;
  const alertsOf = async (
    q: NonNullable<paths['/admin/fraud/alerts']['get']['parameters']['query']>,
  ) =>
    (await t.api.GET('/admin/fraud/alerts', { params: { query: q }, headers: admin.headers })).data!
      .items;
  const accept = (subOrderId: string) =>
    t.api.POST('/dealer/orders/{subOrderId}/accept', {
      params: { path: { subOrderId } },
      headers: dealer.headers,
    });
  const customer = async () => from(await signInAs(t, 'customer'), freshIp());

  beforeAll(async () => {
    started = await startSandboxApp({ env: FRAUD_ENV });
    ({ sandbox, t } = started);
    dealer = await signInAs(t, 'dealer');
    admin = await signInAs(t, 'admin');
    listing = await activeListing(t, dealer.userId, { b2cPricePaise: 100_000, stock: 1000 });
  });
  afterAll(() => started?.close());

  describe('order velocity', () => {
    it('holds the order that takes a buyer over the count, not the ones up to it', async () => {
      const buyer = await customer();
      const orders: Order[] = [];
      for (let i = 0; i < 4; i++) orders.push((await buy(buyer, 0, listing)).order!);
      expect(await Promise.all(orders.map((o) => holdOf(o.id)))).toEqual([
        null,
        null,
        null,
        'held',
      ]);
      const [alert] = await alertsOf({ orderId: orders[3]!.id });
      expect(alert).toMatchObject({
        rule: 'order_velocity',
        action: 'held',
        accountId: buyer.userId,
        holdStatus: 'held',
        evidence: {
          hits: [
            { key: 'buyer', value: buyer.userId, orders: 4, amountPaise: 400_000, maxOrders: 3 },
          ],
        },
      });
    });

    it('holds the order that takes a buyer over the amount, not one reaching it', async () => {
      // ₹4,000 + ₹2,000 + ₹4,000 is the ₹10,000 limit itself; ₹4,000.01 for the third is over it.
      const orders: Order[] = [];
      for (const last of [400_000, 400_001]) {
        const buyer = await customer();
        for (const price of [400_000, 200_000, last]) orders.push(await placed(buyer, price));
      }
      expect(await Promise.all(orders.map((o) => holdOf(o.id)))).toEqual([
        ...Array<null>(5).fill(null),
        'held',
      ]);
      const [alert] = await alertsOf({ orderId: orders[5]!.id });
      expect(alert!.evidence.hits).toEqual([
        expect.objectContaining({ key: 'buyer', orders: 3, amountPaise: 1_000_001 }),
      ]);
    });

    it('counts a device across buyers, and an IP at its multiplier', async () => {
      const device = `device-${randomUUID()}`;
      const a = from(await signInAs(t, 'customer'), freshIp(), device);
      const b = from(await signInAs(t, 'customer'), freshIp(), device);
      const onDevice = [
        (await buy(a, 0, listing)).order!,
        (await buy(a, 0, listing)).order!,
        (await buy(b, 0, listing)).order!,
        (await buy(b, 0, listing)).order!,
      ];
      expect(await Promise.all(onDevice.map((o) => holdOf(o.id)))).toEqual([
        null,
        null,
        null,
        'held',
      ]);
      const [byDevice] = await alertsOf({ orderId: onDevice[3]!.id });
      expect(byDevice!.evidence.hits).toEqual([
        expect.objectContaining({ key: 'device', value: sha256(device), orders: 4 }),
      ]);

      // One network: 6 orders (3 × 2) are within its limit, the 7th is over.
      const ip = freshIp();
      const onIp: Order[] = [];
      for (let i = 0; i < 7; i++) {
        const buyer = from(await signInAs(t, 'customer'), ip);
        onIp.push((await buy(buyer, 0, listing)).order!);
      }
      expect(await Promise.all(onIp.map((o) => holdOf(o.id)))).toEqual([
        ...Array<null>(6).fill(null),
        'held',
      ]);
      const [byIp] = await alertsOf({ orderId: onIp[6]!.id });
      expect(byIp!.evidence.hits).toEqual([
        expect.objectContaining({ key: 'ip', value: ip, orders: 7, maxOrders: 6 }),
      ]);
    });
  });

  describe('new accounts', () => {
    it("holds a young account's order from the threshold, not below it", async () => {
      const buyer = await customer();
      const below = await placed(buyer, 499_999);
      const at = await placed(buyer, 500_000);
      expect([await holdOf(below.id), await holdOf(at.id)]).toEqual([null, 'held']);
      const [alert] = await alertsOf({ orderId: at.id });
      expect(alert).toMatchObject({
        rule: 'new_account_high_value',
        evidence: { youngAccount: true, earlyOrder: false, orderNumber: 2, totalPaise: 500_000 },
      });
    });

    it("holds an older account's first high-value order only", async () => {
      const buyer = await customer();
      await sql(`UPDATE users SET created_at = now() - interval '30 days' WHERE id = $1`, [
        buyer.userId,
      ]);
      const first = await placed(buyer, 500_000);
      const second = await placed(buyer, 500_000);
      expect([await holdOf(first.id), await holdOf(second.id)]).toEqual(['held', null]);
      const [alert] = await alertsOf({ orderId: first.id });
      expect(alert!.evidence).toMatchObject({
        youngAccount: false,
        earlyOrder: true,
        orderNumber: 1,
      });
    });
  });

  describe('held orders', () => {
    it('cannot be accepted until staff clear them; clearing resolves their alerts', async () => {
      const buyer = await customer();
      const order = await placed(buyer, 600_000);
      await payThroughSandbox(t, sandbox, buyer, order.id);
      const sub = order.subOrders[0]!;
      const refused = await accept(sub.id);
      expect(refused.response.status).toBe(409);
      expect(refused.error).toMatchObject({ code: 'order/held-for-review', orderId: order.id });

      const held = await t.api.GET('/admin/fraud/holds', {
        params: { query: { status: 'held' } },
        headers: admin.headers,
      });
      expect(held.data!.items.find((h) => h.orderId === order.id)).toMatchObject({
        buyerId: buyer.userId,
        totalPaise: 600_000,
        orderPaymentStatus: 'paid',
        rules: ['new_account_high_value'],
      });

      const cleared = await t.api.POST('/admin/fraud/holds/{orderId}/clear', {
        params: { path: { orderId: order.id } },
        body: { reason: 'Known repair shop, phoned the owner' },
        headers: admin.headers,
      });
      expect(cleared.data).toMatchObject({ status: 'cleared', decidedBy: admin.userId });
      const again = await t.api.POST('/admin/fraud/holds/{orderId}/clear', {
        params: { path: { orderId: order.id } },
        body: { reason: 'twice' },
        headers: admin.headers,
      });
      expect(again.response.status).toBe(409);
      expect(again.error).toMatchObject({ code: 'fraud-hold/decided', holdStatus: 'cleared' });
      // One history row (FRAUD_HOLD_MACHINE): the refused second decision wrote none.
      expect(
        await sql(
          `SELECT event, from_status, to_status, actor, actor_id::text AS actor_id, reason
           FROM fraud_hold_history WHERE order_id = $1 ORDER BY id`,
          [order.id],
        ),
      ).toEqual([
        {
          event: 'clear',
          from_status: 'held',
          to_status: 'cleared',
          actor: 'staff',
          actor_id: admin.userId,
          reason: 'Known repair shop, phoned the owner',
        },
      ]);
      expect((await accept(sub.id)).response.status).toBe(200);
      const [alert] = await alertsOf({ orderId: order.id });
      expect(alert).toMatchObject({
        resolution: 'dismissed',
        resolvedBy: admin.userId,
        holdStatus: 'cleared',
      });
      // Resolved with the hold's decision, through the alert machine (open → resolved by staff).
      expect(
        await sql(
          `SELECT event, from_status, to_status, owner_id::text AS owner_id, reason
           FROM fraud_alert_history WHERE alert_id = $1 ORDER BY id`,
          [alert!.id],
        ),
      ).toEqual([
        {
          event: 'resolve',
          from_status: 'open',
          to_status: 'resolved',
          owner_id: admin.userId,
          reason: 'Known repair shop, phoned the owner',
        },
      ]);
      const audit = await t.api.GET('/audit/events', {
        params: { query: { action: 'fraud_hold.clear', targetId: order.id } },
        headers: admin.headers,
      });
      expect(audit.data!.items).toEqual([
        expect.objectContaining({
          actorId: admin.userId,
          reason: 'Known repair shop, phoned the owner',
        }),
      ]);
    });

    it('rejected after payment: cancelled, restocked, refunded in full, books settled', async () => {
      const buyer = await customer();
      const part = await activeListing(t, dealer.userId, { b2cPricePaise: 700_000, stock: 5 });
      const order = (await buy(buyer, 0, part)).order!;
      expect(await holdOf(order.id)).toBe('held');
      expect(await stockOf(t, part)).toEqual({ onHand: 5, reserved: 1 });
      await payThroughSandbox(t, sandbox, buyer, order.id);
      expect(await stockOf(t, part)).toEqual({ onHand: 4, reserved: 0 });

      const rejected = await t.api.POST('/admin/fraud/holds/{orderId}/reject', {
        params: { path: { orderId: order.id } },
        body: { reason: 'Stolen card reported by the bank' },
        headers: admin.headers,
      });
      expect(rejected.data).toMatchObject({ status: 'rejected' });
      expect(await stockOf(t, part)).toEqual({ onHand: 5, reserved: 0 });
      const seen = await t.api.GET('/orders/{orderId}', {
        params: { path: { orderId: order.id } },
        headers: buyer.headers,
      });
      expect(seen.data!.subOrders.map((s) => s.status)).toEqual(['cancelled']);
      // The refund goes through the refund sweep, like any cancelled paid part.
      expect(await t.app.get(RefundsService).processDue()).toBe(1);
      await expectOrderSettled(t, admin, {
        orderId: order.id,
        paidPaise: order.totalPaise,
        refundedPaise: order.totalPaise,
      });
      const [alert] = await alertsOf({ orderId: order.id });
      expect(alert).toMatchObject({ resolution: 'confirmed', holdStatus: 'rejected' });
      const audit = await t.api.GET('/audit/events', {
        params: { query: { action: 'fraud_hold.reject', targetId: order.id } },
        headers: admin.headers,
      });
      expect(audit.data!.items[0]).toMatchObject({
        actorId: admin.userId,
        after: { status: 'rejected', cancelledSubOrderIds: [order.subOrders[0]!.id] },
      });
    });

    it('rejected before payment: cancelled with its reservation released', async () => {
      const buyer = await customer();
      const part = await activeListing(t, dealer.userId, { b2cPricePaise: 700_000, stock: 5 });
      const order = (await buy(buyer, 0, part)).order!;
      await t.api.POST('/admin/fraud/holds/{orderId}/reject', {
        params: { path: { orderId: order.id } },
        body: { reason: 'Fake address' },
        headers: admin.headers,
      });
      expect(await stockOf(t, part)).toEqual({ onHand: 5, reserved: 0 });
      const pay = await t.api.POST('/orders/{orderId}/payments', {
        params: { path: { orderId: order.id } },
        headers: buyer.headers,
      });
      expect(pay.response.status).toBe(409);
    });
  });

  describe('a dealer buying its own listings', () => {
    it('refuses checkout on a shared device, IP or phone, and alerts; unrelated buyers pass', async () => {
      const device = `phone-${randomUUID()}`;
      const dealerIp = freshIp();
      const account = await createAccount(t, 'dealer');
      const linked = await login(t, account.email, undefined, {
        'x-device-fingerprint': device,
        'x-forwarded-for': dealerIp,
      });
      const part = await activeListing(t, account.userId, { b2cPricePaise: 100_000, stock: 5 });
      const buyer = await signInAs(t, 'customer');
      expect(linked.status).toBe(200);

      // Nothing shared: the order is placed.
      expect((await buy(from(buyer, freshIp(), `other-${randomUUID()}`), 0, part)).status).toBe(
        201,
      );

      for (const [who, field, value] of [
        [from(buyer, freshIp(), device), 'device', sha256(device)],
        [from(buyer, dealerIp), 'ip', dealerIp],
      ] as const) {
        const res = await buy(who, 0, part);
        expect(res.status).toBe(403);
        expect(res.error).toMatchObject({
          code: 'order/self-dealing',
          dealerIds: [account.userId],
        });
        const alerts = await alertsOf({ accountId: buyer.userId, rule: 'self_dealing' });
        expect(alerts[0]).toMatchObject({
          action: 'blocked',
          counterpartyId: account.userId,
          orderId: null,
          evidence: { matches: [{ field, value }], dealerId: account.userId },
        });
      }
      // Delivered to the dealer's phone.
      const dealerPhone = `+9198${String(Date.now()).slice(-8)}`;
      await sql(`UPDATE users SET phone = $2 WHERE id = $1`, [account.userId, dealerPhone]);
      const toDealer = await checkout(t, from(buyer, freshIp()), {
        address: { ...ADDRESS, phone: dealerPhone },
      });
      expect(toDealer.error).toMatchObject({ code: 'order/self-dealing' });
      const [byPhone] = await alertsOf({ accountId: buyer.userId, rule: 'self_dealing' });
      expect(byPhone!.evidence.matches).toEqual([{ field: 'phone', value: dealerPhone }]);
      // Refused checkouts changed nothing: the cart still holds the part, nothing is reserved.
      expect(await stockOf(t, part)).toEqual({ onHand: 5, reserved: 1 });
      const cart = await t.api.GET('/cart', { headers: buyer.headers });
      expect(cart.data!.groups[0]!.lines[0]!.listingId).toBe(part);
    });

    it("refuses a business buyer holding the dealer's GSTIN (its PAN)", async () => {
      const business = await signInAs(t, 'business');
      await sql(`UPDATE users SET gstin = $2 WHERE id = $1`, [business.userId, dealer.gstin]);
      const part = await activeListing(t, dealer.userId, {
        b2cPricePaise: 1_200_000,
        b2bPricePaise: 1_100_000,
      });
      const res = await buy(from(business, freshIp()), 0, part);
      expect(res.status).toBe(403);
      const [alert] = await alertsOf({ accountId: business.userId, rule: 'self_dealing' });
      expect(alert!.evidence.matches).toEqual([
        { field: 'pan', value: dealer.gstin!.slice(2, 12) },
        { field: 'gstin', value: dealer.gstin },
      ]);
    });
  });

  describe('refund abuse', () => {
    it('alerts once a buyer refunds over the ratio, not below; assign and resolve are audited', async () => {
      const buyer = await customer();
      const orders: Order[] = [];
      for (let i = 0; i < 3; i++) {
        const o = (await buy(buyer, 0, listing)).order!;
        await payThroughSandbox(t, sandbox, buyer, o.id);
        orders.push(o);
      }
      const cancel = async (o: Order) => {
        const res = await t.api.POST('/orders/{orderId}/cancel', {
          params: { path: { orderId: o.id } },
          body: {},
          headers: buyer.headers,
        });
        expect(res.response.status).toBe(200);
        await t.app.get(RefundsService).processDue();
      };
      const scan = () => t.app.get(FraudChecks).scanRefunds();
      await cancel(orders[0]!);
      expect(await scan()).toBe(0); // 1 of 3 paid orders refunded: 33 %
      await cancel(orders[1]!);
      expect(await scan()).toBe(1); // 2 of 3: 67 % > 50 %
      expect(await scan()).toBe(0); // one open alert per buyer
      const [alert] = await alertsOf({ accountId: buyer.userId, rule: 'refund_abuse' });
      expect(alert).toMatchObject({
        action: 'alerted',
        evidence: { byCount: false, byRatio: true, refunds: 2, refundedOrders: 2, paidOrders: 3 },
      });

      const finance = await signInAs(t, 'finance');
      const notStaff = await t.api.POST('/admin/fraud/alerts/{id}/assign', {
        params: { path: { id: alert!.id } },
        body: { ownerId: buyer.userId },
        headers: admin.headers,
      });
      expect(notStaff.error).toMatchObject({ code: 'fraud-alert/owner-not-staff' });
      const assigned = await t.api.POST('/admin/fraud/alerts/{id}/assign', {
        params: { path: { id: alert!.id } },
        body: { ownerId: finance.userId },
        headers: admin.headers,
      });
      expect(assigned.data).toMatchObject({ ownerId: finance.userId, ownerName: 'Test finance' });
      const resolved = await t.api.POST('/admin/fraud/alerts/{id}/resolve', {
        params: { path: { id: alert!.id } },
        body: { resolution: 'confirmed', note: 'Serial returner; account suspended' },
        headers: finance.headers,
      });
      expect(resolved.data).toMatchObject({ resolution: 'confirmed', resolvedBy: finance.userId });
      const twice = await t.api.POST('/admin/fraud/alerts/{id}/resolve', {
        params: { path: { id: alert!.id } },
        body: { resolution: 'dismissed', note: 'again' },
        headers: finance.headers,
      });
      expect(twice.error).toMatchObject({ code: 'fraud-alert/resolved' });
      expect(twice.response.status).toBe(409);
      // Each move is a fraud_alert_history row (the shared alert machine); the refusal wrote none.
      expect(
        await sql(
          `SELECT event, from_status, to_status, owner_id::text AS owner_id, actor_id::text AS actor_id, reason
           FROM fraud_alert_history WHERE alert_id = $1 ORDER BY id`,
          [alert!.id],
        ),
      ).toEqual([
        {
          event: 'assign',
          from_status: 'open',
          to_status: 'acknowledged',
          owner_id: finance.userId,
          actor_id: admin.userId,
          reason: null,
        },
        {
          event: 'resolve',
          from_status: 'acknowledged',
          to_status: 'resolved',
          owner_id: finance.userId,
          actor_id: finance.userId,
          reason: 'Serial returner; account suspended',
        },
      ]);
      for (const [action, actorId] of [
        ['fraud_alert.assign', admin.userId],
        ['fraud_alert.resolve', finance.userId],
      ] as const) {
        const audit = await t.api.GET('/audit/events', {
          params: { query: { action, targetId: alert!.id } },
          headers: admin.headers,
        });
        expect(audit.data!.items).toEqual([expect.objectContaining({ actorId })]);
      }
      // The refunds already judged do not raise it again.
      expect(await scan()).toBe(0);
    });
  });

  it('alerts on the refund count above its limit, not at it', async () => {
    const buyer = await customer();
    const orders: Order[] = [];
    for (let i = 0; i < 6; i++) {
      const o = (await buy(buyer, 0, listing)).order!;
      await payThroughSandbox(t, sandbox, buyer, o.id);
      orders.push(o);
    }
    const scan = () => t.app.get(FraudChecks).scanRefunds();
    for (const [i, expected] of [
      [0, 0],
      [1, 0],
      [2, 1], // 3 refunds > 2; 3 of 6 orders is 50 %, not over the ratio
    ] as const) {
      const res = await t.api.POST('/orders/{orderId}/cancel', {
        params: { path: { orderId: orders[i]!.id } },
        body: {},
        headers: buyer.headers,
      });
      expect(res.response.status).toBe(200);
      await t.app.get(RefundsService).processDue();
      expect(await scan()).toBe(expected);
    }
    const [alert] = await alertsOf({ accountId: buyer.userId, rule: 'refund_abuse' });
    expect(alert!.evidence).toMatchObject({
      byCount: true,
      byRatio: false,
      refunds: 3,
      paidOrders: 6,
    });
  });

  it('refuses the wrong roles', async () => {
    const [compliance, finance, buyer] = await Promise.all([
      signInAs(t, 'compliance'),
      signInAs(t, 'finance'),
      signInAs(t, 'customer'),
    ]);
    expect(
      (await t.api.GET('/admin/fraud/alerts', { headers: compliance.headers })).response.status,
    ).toBe(200);
    expect(
      (await t.api.GET('/admin/fraud/alerts', { headers: buyer.headers })).response.status,
    ).toBe(403);
    expect(
      (await t.api.GET('/admin/fraud/holds', { headers: dealer.headers })).response.status,
    ).toBe(403);
    const anyId = randomUUID();
    const assign = await t.api.POST('/admin/fraud/alerts/{id}/assign', {
      params: { path: { id: anyId } },
      body: {},
      headers: compliance.headers,
    });
    expect(assign.response.status).toBe(403);
    const clear = await t.api.POST('/admin/fraud/holds/{orderId}/clear', {
      params: { path: { orderId: anyId } },
      body: { reason: 'not mine to clear' },
      headers: finance.headers,
    });
    expect(clear.error).toMatchObject({ code: 'auth/forbidden' });
  });
});
