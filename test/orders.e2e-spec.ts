/**
 * Carts, checkout and orders through the typed client against real PostgreSQL: the cart's checks,
 * the minimum order value, delivery charges, B2B pricing and tax breakdown, idempotent checkout, the
 * sub-order state machine with its stock effects and events, the cancellation policy, reservation
 * expiry, a dealer's suspension, and staff views and interventions. Every refusal changes nothing.
 */
import { randomUUID } from 'node:crypto';
import { EventBus } from '@nestjs/cqrs';
import { QUIET_ENV, signInAs, type SignedIn } from './support/accounts.js';
import {
  activeListing,
  ADDRESS,
  checkout,
  putInCart,
  stockOf,
  type Order,
} from './support/orders.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { withClient } from './support/test-database.js';
import { OrderCommands } from '../src/orders/order-commands.service.js';
import { SubOrderTransitioned } from '../src/orders/events/order-events.js';

describe('carts, checkout and orders', () => {
  let t: TestApp;
  let dealerA: SignedIn;
  let dealerB: SignedIn;
  let admin: SignedIn;
  let finance: SignedIn;
  let commands: OrderCommands;
  const events: SubOrderTransitioned[] = [];

  const sql = <T extends Record<string, unknown>>(text: string, params: unknown[] = []) =>
    withClient(t.db.ownerUrl, async (c) => (await c.query<T>(text, params)).rows);
  const count = async (table: string, where = 'true', params: unknown[] = []) =>
    Number(
      (
        await sql<{ n: string }>(`SELECT count(*)::text AS n FROM ${table} WHERE ${where}`, params)
      )[0]!.n,
    );
  const customer = () => signInAs(t, 'customer');
  const cartOf = async (who: SignedIn) =>
    (await t.api.GET('/cart', { headers: who.headers })).data!;
  const pay = (order: Order) =>
    commands.settlePayment(order.id, {
      paid: { reference: `pay_${randomUUID()}`, amountPaise: order.payablePaise },
    });
  const dealerAct = (who: SignedIn, subOrderId: string, action: 'accept' | 'pack') =>
    t.api.POST(`/dealer/orders/{subOrderId}/${action}`, {
      params: { path: { subOrderId } },
      headers: who.headers,
    });
  const orderOf = async (who: SignedIn, orderId: string) =>
    (await t.api.GET('/orders/{orderId}', { params: { path: { orderId } }, headers: who.headers }))
      .data!;

  beforeAll(async () => {
    t = await startTestApp({ env: { ...QUIET_ENV, ORDER_AUTO_COMPLETE_HOURS: '72' } });
    [dealerA, dealerB, admin, finance] = await Promise.all([
      signInAs(t, 'dealer'),
      signInAs(t, 'dealer'),
      signInAs(t, 'admin'),
      signInAs(t, 'finance'),
    ]);
    commands = t.app.get(OrderCommands);
    t.app.get(EventBus).subscribe((e) => {
      if (e instanceof SubOrderTransitioned) events.push(e);
    });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('prices the cart per dealer with delivery charges and shows the minimum-order shortfall', async () => {
    const buyer = await customer();
    const a = await activeListing(t, dealerA.userId, { b2cPricePaise: 20_000 });
    const b = await activeListing(t, dealerB.userId, {
      b2cPricePaise: 55_000,
      b2bPricePaise: 40_000,
    });
    expect((await putInCart(t, buyer, a, 1)).status).toBe(200);
    let cart = await cartOf(buyer);
    expect(cart).toMatchObject({
      channel: 'b2c',
      itemsPaise: 20_000,
      deliveryPaise: 4_900,
      totalPaise: 24_900,
      minimumOrder: { minimumPaise: 50_000, met: false, shortfallPaise: 30_000 },
      readyForCheckout: false,
    });
    // Below the minimum: refused with the shortfall, nothing written, the cart kept.
    const before = await stockOf(t, a);
    const refused = await checkout(t, buyer);
    expect(refused.status).toBe(422);
    expect(refused.error).toMatchObject({
      code: 'order/minimum-not-met',
      minimumPaise: 50_000,
      itemsPaise: 20_000,
      shortfallPaise: 30_000,
    });
    expect(await count('orders', 'buyer_id = $1', [buyer.userId])).toBe(0);
    expect(await count('idempotency_keys', 'owner_id = $1', [buyer.userId])).toBe(0);
    expect(await stockOf(t, a)).toEqual(before);

    // A second dealer: two groups; B's subtotal (₹1,100 ≥ ₹999) ships free.
    await putInCart(t, buyer, b, 2);
    cart = await cartOf(buyer);
    expect(cart.groups.map((g) => [g.dealerId, g.itemsPaise, g.deliveryPaise])).toEqual([
      [dealerA.userId, 20_000, 4_900],
      [dealerB.userId, 110_000, 0],
    ]);
    expect(cart).toMatchObject({
      itemsPaise: 130_000,
      totalPaise: 134_900,
      readyForCheckout: true,
    });
    expect(cart.minimumOrder).toEqual({ minimumPaise: 50_000, met: true, shortfallPaise: 0 });
    // A consumer sees and pays B2C prices only.
    expect(cart.groups[1]!.lines[0]).toMatchObject({
      unitPricePaise: 55_000,
      lineTotalPaise: 110_000,
    });
  });

  it('refuses bad cart input precisely', async () => {
    const buyer = await customer();
    const l = await activeListing(t, dealerA.userId);
    const paused = await activeListing(t, dealerA.userId, { status: 'paused' });
    const put = (id: string, quantity: number, who = buyer) => putInCart(t, who, id, quantity);
    expect((await put(l, 0)).status).toBe(400);
    expect((await put(l, 10_001)).status).toBe(400);
    expect((await put(randomUUID(), 1)).error).toMatchObject({ code: 'listing/not-found' });
    expect((await put(paused, 1)).error).toMatchObject({ code: 'listing/not-found' });
    expect((await put(l, 1, dealerA)).error).toMatchObject({ code: 'cart/own-listing' });
    // Dealers buy from other dealers.
    expect((await put(l, 1, dealerB)).status).toBe(200);
    const pendingBusiness = await signInAs(t, 'business', { status: 'pending' });
    expect((await put(l, 1, pendingBusiness)).status).toBe(403);
    expect((await put(l, 1, admin)).status).toBe(403);
    const removeMissing = await t.api.DELETE('/cart/items/{listingId}', {
      params: { path: { listingId: l } },
      headers: buyer.headers,
    });
    expect(removeMissing.error).toMatchObject({ code: 'cart/item-not-found' });
    expect(await count('cart_items', 'buyer_id = $1', [buyer.userId])).toBe(0);
    // An empty cart cannot be checked out.
    expect((await checkout(t, buyer)).error).toMatchObject({ code: 'cart/empty' });
    // Checkout needs an Idempotency-Key.
    const res = await fetch(`${t.baseUrl}/checkout`, {
      method: 'POST',
      headers: { ...buyer.headers, 'content-type': 'application/json' },
      body: JSON.stringify({ shippingAddress: ADDRESS }),
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ code: 'idempotency/key-required' });
    // A bad address names the field.
    await put(l, 1);
    const bad = await checkout(t, buyer, {
      address: { ...ADDRESS, pincode: '0123', state: 'Atlantis' as 'Goa' },
    });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.error)).toContain('shippingAddress.pincode');
    expect(JSON.stringify(bad.error)).toContain('shippingAddress.state');
  });

  it('checks out one order with a sub-order per dealer, snapshots prices and tax, reserves stock and empties the cart', async () => {
    const buyer = await customer();
    const a = await activeListing(t, dealerA.userId, {
      b2cPricePaise: 30_000,
      stock: 5,
      gstRateBps: 1800,
    });
    const b = await activeListing(t, dealerB.userId, {
      b2cPricePaise: 11_800,
      stock: 5,
      gstRateBps: 1800,
    });
    await putInCart(t, buyer, a, 2);
    await putInCart(t, buyer, b, 1);
    const key = randomUUID();
    const placed = await checkout(t, buyer, { key, expectedTotalPaise: 81_600 });
    expect(placed.status).toBe(201);
    const order = placed.order!;
    expect(order).toMatchObject({
      channel: 'b2c',
      buyerGstin: null,
      itemsPaise: 71_800,
      paymentStatus: 'awaiting_payment',
      minimumOrderPaise: 50_000,
    });
    // A: ₹600 < ₹999 pays ₹49; B: ₹118 pays ₹49.
    expect(
      order.subOrders.map((s) => [s.dealerId, s.itemsPaise, s.deliveryPaise, s.status]),
    ).toEqual(
      expect.arrayContaining([
        [dealerA.userId, 60_000, 4_900, 'awaiting_payment'],
        [dealerB.userId, 11_800, 4_900, 'awaiting_payment'],
      ]),
    );
    expect(order.deliveryPaise).toBe(9_800);
    expect(order.totalPaise).toBe(81_600);
    expect(order.payablePaise).toBe(81_600);
    // ₹118 at 18% GST with the sub-order's ₹49 delivery (its only line carries it all): taxable
    // round(16,700 / 1.18) = 14,153, GST 2,547 → CGST 1,274 + SGST 1,273 (Karnataka dealer and address).
    const lineB = order.subOrders.find((s) => s.dealerId === dealerB.userId)!.lines[0]!;
    expect(lineB).toMatchObject({
      unitPricePaise: 11_800,
      lineTotalPaise: 11_800,
      deliverySharePaise: 4_900,
      taxableValuePaise: 14_153,
      cgstPaise: 1_274,
      sgstPaise: 1_273,
      igstPaise: 0,
    });
    expect(order.subOrders[0]!.supply).toBe('intra_state');
    expect(await stockOf(t, a)).toEqual({ onHand: 5, reserved: 2 });
    expect(await stockOf(t, b)).toEqual({ onHand: 5, reserved: 1 });
    expect(await count('cart_items', 'buyer_id = $1', [buyer.userId])).toBe(0);
    expect(
      await count('stock_movements', `reference = $1 AND kind = 'reserve'`, [`order:${order.id}`]),
    ).toBe(2);

    // The price snapshot: a later price change does not touch the order.
    await sql(`UPDATE listings SET b2c_price_paise = 28000 WHERE id = $1`, [a]);
    expect(
      (await orderOf(buyer, order.id)).subOrders.find((s) => s.dealerId === dealerA.userId)!
        .lines[0]!.unitPricePaise,
    ).toBe(30_000);

    // Same key, same body: the same order, not a second one; same key, another body: 422.
    const replay = await checkout(t, buyer, { key, expectedTotalPaise: 81_601 });
    expect(replay.status).toBe(422);
    expect(replay.error).toMatchObject({ code: 'idempotency/key-reused' });
    const again = await checkout(t, buyer, { key, expectedTotalPaise: 81_600 });
    expect(again.status).toBe(200);
    expect(again.order!.id).toBe(order.id);
    expect(await count('orders', 'buyer_id = $1', [buyer.userId])).toBe(1);
  });

  it('refuses a checkout without a proper shipping address (400, nothing placed)', async () => {
    const buyer = await customer();
    const l = await activeListing(t, dealerA.userId, { b2cPricePaise: 60_000 });
    await putInCart(t, buyer, l, 1);
    for (const body of [{}, { shippingAddress: [ADDRESS] }, { shippingAddress: 'Bengaluru' }]) {
      const res = await fetch(`${t.baseUrl}/checkout`, {
        method: 'POST',
        headers: {
          ...buyer.headers,
          'content-type': 'application/json',
          'idempotency-key': randomUUID(),
        },
        body: JSON.stringify(body),
      });
      expect(res.status).toBe(400);
      expect(JSON.stringify(await res.json())).toContain('shippingAddress');
    }
    expect(await count('orders', 'buyer_id = $1', [buyer.userId])).toBe(0);
    expect(await stockOf(t, l)).toEqual({ onHand: 10, reserved: 0 });
  });

  it('pays what is still payable when a part was cancelled during payment, and reports the excess', async () => {
    const buyer = await customer();
    const a = await activeListing(t, dealerA.userId, { b2cPricePaise: 40_000, stock: 2 });
    const b = await activeListing(t, dealerB.userId, { b2cPricePaise: 40_000, stock: 2 });
    await putInCart(t, buyer, a, 1);
    await putInCart(t, buyer, b, 1);
    const order = (await checkout(t, buyer)).order!;
    const subA = order.subOrders.find((s) => s.dealerId === dealerA.userId)!;
    await t.api.POST('/dealer/orders/{subOrderId}/cancel', {
      params: { path: { subOrderId: subA.id } },
      body: { reason: 'out of stock in the shop' },
      headers: dealerA.headers,
    });
    expect(
      await commands.settlePayment(order.id, {
        paid: { reference: 'pay_short', amountPaise: 44_899 },
      }),
    ).toMatchObject({ code: 'amount_mismatch', payablePaise: 44_900 });
    expect(await pay(order)).toMatchObject({
      code: 'paid',
      amountPaise: 44_900,
      excessPaise: 44_900,
    });
    expect(await stockOf(t, a)).toEqual({ onHand: 2, reserved: 0 });
    expect(await stockOf(t, b)).toEqual({ onHand: 1, reserved: 0 });
  });

  it('refuses a checkout whose total changed since the buyer saw it', async () => {
    const buyer = await customer();
    const l = await activeListing(t, dealerA.userId, { b2cPricePaise: 60_000 });
    await putInCart(t, buyer, l, 1);
    const seen = (await cartOf(buyer)).totalPaise;
    await sql(`UPDATE listings SET b2c_price_paise = 61000, mrp_paise = 61000 WHERE id = $1`, [l]);
    const r = await checkout(t, buyer, { expectedTotalPaise: seen });
    expect(r.status).toBe(409);
    expect(r.error).toMatchObject({
      code: 'order/total-changed',
      expectedTotalPaise: seen,
      totalPaise: 65_900,
    });
    expect(await stockOf(t, l)).toEqual({ onHand: 10, reserved: 0 });
  });

  it('prices business buyers at B2B with tiers and minimum quantities, with GSTIN and IGST across states', async () => {
    // Registered (and billed) in Maharashtra; the Karnataka dealer delivers to Karnataka: the place
    // of supply is the billing state, so the sale is inter-state.
    const business = await signInAs(t, 'business', { state: 'Maharashtra' });
    const l = await activeListing(t, dealerA.userId, {
      b2cPricePaise: 100_000,
      b2bPricePaise: 90_000,
      b2bMinQty: 5,
      tiers: [{ minQty: 20, pricePaise: 80_000 }],
      stock: 100,
      gstRateBps: 1800,
    });
    await putInCart(t, business, l, 2);
    let cart = await cartOf(business);
    expect(cart.channel).toBe('b2b');
    expect(cart.groups[0]!.lines[0]).toMatchObject({
      unitPricePaise: 90_000,
      b2bMinQty: 5,
      problems: [expect.objectContaining({ code: 'below-min-quantity' })],
    });
    expect(cart.minimumOrder).toMatchObject({
      minimumPaise: 1_000_000,
      met: false,
      shortfallPaise: 820_000,
    });
    const refused = await checkout(t, business);
    expect(refused.status).toBe(409);
    expect(refused.error).toMatchObject({
      code: 'order/cart-not-ready',
      lines: [{ listingId: l }],
    });

    await putInCart(t, business, l, 20);
    cart = await cartOf(business);
    expect(cart.groups[0]!.lines[0]).toMatchObject({
      unitPricePaise: 80_000,
      lineTotalPaise: 1_600_000,
      problems: [],
    });
    const placed = await checkout(t, business);
    expect(placed.status).toBe(201);
    const order = placed.order!;
    expect(order).toMatchObject({
      channel: 'b2b',
      buyerGstin: business.gstin,
      buyerBusinessName: 'Test Traders',
    });
    const sub = order.subOrders[0]!;
    expect(sub.supply).toBe('inter_state');
    // ₹16,000 at 18% with the ₹150 delivery: taxable round(1,615,000 × 10000 / 11800) = 1,368,644
    // paise; IGST the rest.
    expect(sub.lines[0]).toMatchObject({
      deliverySharePaise: 15_000,
      taxableValuePaise: 1_368_644,
      igstPaise: 246_356,
      cgstPaise: 0,
      sgstPaise: 0,
    });
    expect(sub.taxPaise).toBe(246_356);
    // ₹16,000 < ₹25,000: the B2B flat ₹150 applies.
    expect(sub.deliveryPaise).toBe(15_000);
  });

  it("takes a business buyer's billing state as the place of supply, not the delivery state", async () => {
    // Karnataka business and dealer, delivery to Maharashtra: intra-state (CGST + SGST).
    const business = await signInAs(t, 'business');
    const l = await activeListing(t, dealerA.userId, {
      b2cPricePaise: 120_000,
      b2bPricePaise: 118_000,
      stock: 20,
      gstRateBps: 1800,
    });
    await putInCart(t, business, l, 10);
    const placed = await checkout(t, business, {
      address: { ...ADDRESS, state: 'Maharashtra', city: 'Mumbai', pincode: '400001' },
    });
    expect(placed.status).toBe(201);
    const sub = placed.order!.subOrders[0]!;
    expect(sub.supply).toBe('intra_state');
    // ₹11,800 at 18% with the ₹150 delivery: taxable round(1,195,000 / 1.18) = 1,012,712, GST
    // 182,288 split evenly.
    expect(sub.lines[0]).toMatchObject({
      taxableValuePaise: 1_012_712,
      cgstPaise: 91_144,
      sgstPaise: 91_144,
      igstPaise: 0,
    });
  });

  it('runs a sub-order through payment, fulfilment and delivery with history rows and events', async () => {
    const buyer = await customer();
    const other = await signInAs(t, 'dealer');
    const l = await activeListing(t, dealerA.userId, { b2cPricePaise: 70_000, stock: 3 });
    await putInCart(t, buyer, l, 2);
    const order = (await checkout(t, buyer)).order!;
    const subId = order.subOrders[0]!.id;
    const path = { params: { path: { subOrderId: subId } } };

    // Unpaid: nothing to accept; the dealer doesn't see the address yet; another dealer sees nothing.
    expect((await dealerAct(dealerA, subId, 'accept')).error).toMatchObject({
      code: 'order/invalid-transition',
    });
    expect(
      (await t.api.GET('/dealer/orders/{subOrderId}', { ...path, headers: dealerA.headers })).data!
        .shippingAddress,
    ).toBeNull();
    expect(
      (await t.api.GET('/dealer/orders/{subOrderId}', { ...path, headers: other.headers })).response
        .status,
    ).toBe(404);

    // The payment port: a wrong amount changes nothing; the right one sells the reserved stock.
    expect(
      await commands.settlePayment(order.id, { paid: { reference: 'pay_x', amountPaise: 1 } }),
    ).toMatchObject({
      code: 'amount_mismatch',
      payablePaise: order.payablePaise,
    });
    // ₹1,400 ≥ ₹999: delivery free.
    expect(await pay(order)).toMatchObject({ code: 'paid', amountPaise: 140_000 });
    // The same gateway payment again is a replay; another payment of a paid order is a duplicate (refunded by payments).
    const reference = (
      await sql<{ payment_reference: string }>(
        `SELECT payment_reference FROM orders WHERE id = $1`,
        [order.id],
      )
    )[0]!.payment_reference;
    expect(
      await commands.settlePayment(order.id, { paid: { reference, amountPaise: 140_000 } }),
    ).toMatchObject({
      code: 'already_paid',
    });
    expect(await pay(order)).toMatchObject({ code: 'duplicate_payment' });
    expect(await stockOf(t, l)).toEqual({ onHand: 1, reserved: 0 });

    expect((await dealerAct(dealerA, subId, 'pack')).error).toMatchObject({
      code: 'order/invalid-transition',
    });
    expect((await dealerAct(dealerA, subId, 'accept')).data!.status).toBe('accepted');
    expect((await dealerAct(dealerA, subId, 'pack')).data!.status).toBe('packed');
    const noTracking = await t.api.POST('/dealer/orders/{subOrderId}/ship', {
      ...path,
      body: { carrier: 'Delhivery' } as { carrier: string; trackingNumber: string },
      headers: dealerA.headers,
    });
    expect(noTracking.response.status).toBe(400);
    const shipped = await t.api.POST('/dealer/orders/{subOrderId}/ship', {
      ...path,
      body: { carrier: 'Delhivery', trackingNumber: 'DLV-12345678' },
      headers: dealerA.headers,
    });
    expect(shipped.data).toMatchObject({
      status: 'shipped',
      carrier: 'Delhivery',
      trackingNumber: 'DLV-12345678',
      shippingAddress: ADDRESS,
      returnWindowEndsAt: null,
    });
    // Shipped: the buyer can no longer cancel.
    const late = await t.api.POST('/orders/{orderId}/sub-orders/{subOrderId}/cancel', {
      params: { path: { orderId: order.id, subOrderId: subId } },
      body: {},
      headers: buyer.headers,
    });
    expect(late.error).toMatchObject({ code: 'order/invalid-transition' });
    const delivered = await t.api.POST(
      '/orders/{orderId}/sub-orders/{subOrderId}/confirm-delivery',
      {
        params: { path: { orderId: order.id, subOrderId: subId } },
        headers: buyer.headers,
      },
    );
    expect(delivered.data!.subOrders[0]!.status).toBe('delivered');
    // The return window shows: delivery + ORDER_AUTO_COMPLETE_HOURS (72 here), for buyer and dealer.
    const window = delivered.data!.subOrders[0]!;
    expect(Date.parse(window.returnWindowEndsAt!) - Date.parse(window.deliveredAt!)).toBe(
      72 * 3_600_000,
    );
    expect(
      (await t.api.GET('/dealer/orders/{subOrderId}', { ...path, headers: dealerA.headers })).data,
    ).toMatchObject({ returnWindowEndsAt: window.returnWindowEndsAt });
    // Paid, nothing refunded.
    expect(delivered.data).toMatchObject({ paymentStatus: 'paid', refundedPaise: 0 });

    // Completion after the return window (ORDER_AUTO_COMPLETE_HOURS; 72 hours here).
    expect(await commands.completeDelivered(72 * 3600)).toBe(0);
    await sql(`UPDATE sub_orders SET delivered_at = now() - interval '73 hours' WHERE id = $1`, [
      subId,
    ]);
    expect(await commands.completeDelivered(72 * 3600)).toBe(1);
    const done = await orderOf(buyer, order.id);
    expect(Date.parse(done.subOrders[0]!.returnWindowEndsAt!)).toBeLessThan(Date.now());
    expect(done.subOrders[0]!.history!.map((h) => [h.event, h.toStatus, h.actor])).toEqual([
      ['place', 'awaiting_payment', 'buyer'],
      ['pay', 'paid', 'payment'],
      ['accept', 'accepted', 'dealer'],
      ['pack', 'packed', 'dealer'],
      ['ship', 'shipped', 'dealer'],
      ['deliver', 'delivered', 'buyer'],
      ['complete', 'completed', 'system'],
    ]);
    expect(events.filter((e) => e.subOrderId === subId).map((e) => e.event)).toEqual([
      'pay',
      'accept',
      'pack',
      'ship',
      'deliver',
      'complete',
    ]);
    // Another buyer's order is not found.
    const stranger = await customer();
    expect(
      (
        await t.api.GET('/orders/{orderId}', {
          params: { path: { orderId: order.id } },
          headers: stranger.headers,
        })
      ).response.status,
    ).toBe(404);
  });

  it('holds buyer cancellations to the minimum order; dealers cancel with a reason; paid stock is restocked', async () => {
    const buyer = await customer();
    const a = await activeListing(t, dealerA.userId, { b2cPricePaise: 40_000, stock: 4 });
    const b = await activeListing(t, dealerB.userId, { b2cPricePaise: 40_000, stock: 4 });
    await putInCart(t, buyer, a, 1);
    await putInCart(t, buyer, b, 1);
    const order = (await checkout(t, buyer)).order!;
    const subA = order.subOrders.find((s) => s.dealerId === dealerA.userId)!.id;
    const subB = order.subOrders.find((s) => s.dealerId === dealerB.userId)!.id;
    const cancelSub = (subOrderId: string) =>
      t.api.POST('/orders/{orderId}/sub-orders/{subOrderId}/cancel', {
        params: { path: { orderId: order.id, subOrderId } },
        body: { reason: 'changed my mind' },
        headers: buyer.headers,
      });
    // ₹400 would remain, below the ₹500 minimum: refused, nothing changes.
    const refused = await cancelSub(subA);
    expect(refused.response.status).toBe(409);
    expect(refused.error).toMatchObject({
      code: 'order/cancel-below-minimum',
      remainingItemsPaise: 40_000,
      minimumPaise: 50_000,
      shortfallPaise: 10_000,
    });
    expect(await stockOf(t, a)).toEqual({ onHand: 4, reserved: 1 });

    await pay(order);
    // The dealer cancels its part (a reason is required); not held to the minimum; paid stock restocks.
    const noReason = await t.api.POST('/dealer/orders/{subOrderId}/cancel', {
      params: { path: { subOrderId: subA } },
      body: {} as { reason: string },
      headers: dealerA.headers,
    });
    expect(noReason.response.status).toBe(400);
    const cancelled = await t.api.POST('/dealer/orders/{subOrderId}/cancel', {
      params: { path: { subOrderId: subA } },
      body: { reason: 'part damaged in storage' },
      headers: dealerA.headers,
    });
    expect(cancelled.data).toMatchObject({
      status: 'cancelled',
      cancelledBy: 'dealer',
      cancelReason: 'part damaged in storage',
    });
    expect(await stockOf(t, a)).toEqual({ onHand: 4, reserved: 0 });
    // What remains (₹400) may now only be cancelled whole: cancelling it leaves nothing, which is allowed.
    const whole = await t.api.POST('/orders/{orderId}/cancel', {
      params: { path: { orderId: order.id } },
      body: {},
      headers: buyer.headers,
    });
    expect(whole.data!.subOrders.map((s) => s.status)).toEqual(['cancelled', 'cancelled']);
    expect(await stockOf(t, b)).toEqual({ onHand: 4, reserved: 0 });
    expect(await count('stock_movements', `listing_id = $1 AND kind = 'restock'`, [b])).toBe(1);
    void subB;
  });

  it('expires unpaid orders, releasing their stock; a late payment is refused', async () => {
    const buyer = await customer();
    const l = await activeListing(t, dealerA.userId, { b2cPricePaise: 50_000, stock: 2 });
    await putInCart(t, buyer, l, 2);
    const order = (await checkout(t, buyer)).order!;
    expect(await commands.expireReservations()).toBe(0);
    await sql(
      `UPDATE orders SET reservation_expires_at = now() - interval '1 second' WHERE id = $1`,
      [order.id],
    );
    expect(await commands.expireReservations()).toBe(1);
    expect(await stockOf(t, l)).toEqual({ onHand: 2, reserved: 0 });
    const after = await orderOf(buyer, order.id);
    expect(after).toMatchObject({ paymentStatus: 'expired', payablePaise: 0 });
    expect(after.subOrders[0]).toMatchObject({ status: 'cancelled', cancelledBy: 'system' });
    expect(await pay(order)).toMatchObject({ code: 'not_payable', paymentStatus: 'expired' });
    expect(await stockOf(t, l)).toEqual({ onHand: 2, reserved: 0 });
  });

  it("suspending a dealer empties its items from carts and releases its unpaid orders' reservations", async () => {
    const dealer = await signInAs(t, 'dealer');
    const buyer = await customer();
    const carter = await customer();
    const l = await activeListing(t, dealer.userId, { b2cPricePaise: 60_000, stock: 5 });
    const kept = await activeListing(t, dealerA.userId, { b2cPricePaise: 60_000, stock: 5 });
    await putInCart(t, buyer, l, 2);
    const order = (await checkout(t, buyer)).order!;
    await putInCart(t, carter, l, 1);
    await putInCart(t, carter, kept, 1);
    const seen = events.length;
    const r = await t.api.POST('/admin/users/{id}/suspend', {
      params: { path: { id: dealer.userId } },
      body: { reason: 'fake invoices reported' },
      headers: admin.headers,
    });
    expect(r.response.status).toBe(200);
    expect(await stockOf(t, l)).toEqual({ onHand: 5, reserved: 0 });
    expect((await cartOf(carter)).groups.flatMap((g) => g.lines.map((x) => x.listingId))).toEqual([
      kept,
    ]);
    const after = await orderOf(buyer, order.id);
    expect(after.paymentStatus).toBe('cancelled');
    expect(after.subOrders[0]).toMatchObject({ status: 'cancelled', cancelledBy: 'system' });
    // Buyers see a neutral reason; staff's reason stays in the audit log.
    expect(after.subOrders[0]!.cancelReason).toBe('seller unavailable');
    expect(JSON.stringify(after)).not.toContain('fake invoices');
    expect(events.slice(seen).map((e) => [e.subOrderId, e.event])).toEqual([
      [order.subOrders[0]!.id, 'cancel'],
    ]);
  });

  it('lets staff monitor orders with filters and intervene with an audited reason', async () => {
    const buyer = await customer();
    const l = await activeListing(t, dealerB.userId, { b2cPricePaise: 90_000, stock: 3 });
    await putInCart(t, buyer, l, 1);
    const order = (await checkout(t, buyer)).order!;
    const list = async (query: Record<string, unknown>, who = admin) =>
      (
        await t.api.GET('/admin/orders', { params: { query }, headers: who.headers })
      ).data!.items.map((o) => o.id);
    expect(await list({ buyerId: buyer.userId })).toEqual([order.id]);
    expect(await list({ buyerId: buyer.userId, dealerId: dealerA.userId })).toEqual([]);
    expect(
      await list({
        buyerId: buyer.userId,
        dealerId: dealerB.userId,
        status: 'awaiting_payment',
        buyerType: 'b2c',
      }),
    ).toEqual([order.id]);
    expect(await list({ buyerId: buyer.userId, minTotalPaise: 94_901 })).toEqual([]);
    expect(
      await list({ buyerId: buyer.userId, maxTotalPaise: 94_900, from: order.createdAt }),
    ).toEqual([order.id]);
    expect(await list({ buyerId: buyer.userId }, finance)).toEqual([order.id]);
    // Keyset pages: every order once.
    const seen = new Set<string>();
    let cursor: string | undefined;
    do {
      const page = (
        await t.api.GET('/admin/orders', {
          params: { query: { limit: 2, ...(cursor ? { cursor } : {}) } },
          headers: admin.headers,
        })
      ).data!;
      for (const o of page.items) {
        expect(seen.has(o.id)).toBe(false);
        seen.add(o.id);
      }
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen.size).toBe(await count('orders'));
    // A cursor none of these lists returned (not base64url JSON, a field missing or added, a
    // position of the wrong shape) is 400 request/invalid-cursor naming the field, on each list.
    const json = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
    const badCursors = [
      'nope',
      json({ at: '2026-11-02T04:30:00.000Z' }),
      json({ at: '2026-11-02T04:30:00.000Z', id: order.id, extra: 1 }),
      json({ at: '2026-11-02 04:30:00+00', id: order.id }),
      json({ at: '2026-11-02T04:30:00.000Z', id: 'not-a-uuid' }),
    ];
    for (const cursor of badCursors)
      for (const [path, who] of [
        ['/admin/orders', admin],
        ['/orders', buyer],
        ['/dealer/orders', dealerB],
      ] as const) {
        const bad = await t.api.GET(path, { params: { query: { cursor } }, headers: who.headers });
        expect([path, cursor, bad.response.status]).toEqual([path, cursor, 400]);
        expect(bad.error).toMatchObject({
          code: 'request/invalid-cursor',
          errors: [{ field: 'cursor', in: 'query' }],
        });
      }
    // Dates PostgreSQL cannot read are a 400, not a 500; an unknown order a 404.
    const week = await t.api.GET('/admin/orders', {
      params: { query: { from: '2024-W01' } },
      headers: admin.headers,
    });
    expect(week.response.status).toBe(400);
    // The period is the shared one (src/common/period.ts): `to` before `from` is refused.
    const backwards = await t.api.GET('/admin/orders', {
      params: { query: { from: order.createdAt, to: '2020-01-01T00:00:00Z' } },
      headers: admin.headers,
    });
    expect(backwards.error).toMatchObject({
      code: 'request/invalid-period',
      errors: [{ field: 'to', in: 'query' }],
    });
    const missing = await t.api.GET('/admin/orders/{orderId}', {
      params: { path: { orderId: randomUUID() } },
      headers: admin.headers,
    });
    expect(missing.error).toMatchObject({ code: 'order/not-found' });

    const subId = order.subOrders[0]!.id;
    const cancel = (who: SignedIn, reason?: string) =>
      t.api.POST('/admin/orders/{orderId}/sub-orders/{subOrderId}/cancel', {
        params: { path: { orderId: order.id, subOrderId: subId } },
        body: (reason === undefined ? {} : { reason }) as { reason: string },
        headers: who.headers,
      });
    expect((await cancel(finance, 'no')).response.status).toBe(403);
    expect((await cancel(admin)).response.status).toBe(400);
    const done = await cancel(admin, 'buyer asked by phone');
    expect(done.data!.subOrders[0]).toMatchObject({ status: 'cancelled', cancelledBy: 'admin' });
    expect(await count('audit_events', `action = 'order.cancel' AND target_id = $1`, [subId])).toBe(
      1,
    );
    expect(await stockOf(t, l)).toEqual({ onHand: 3, reserved: 0 });
  });

  it('lets admins change delivery rules (audited) for new carts while placed orders keep their snapshot', async () => {
    const rules = (await t.api.GET('/delivery-rules', {})).data!;
    expect(rules.map((r) => [r.channel, r.flatFeePaise, r.freeFromPaise])).toEqual([
      ['b2b', 15_000, 2_500_000],
      ['b2c', 4_900, 99_900],
    ]);
    const buyer = await customer();
    const l = await activeListing(t, dealerA.userId, { b2cPricePaise: 60_000 });
    await putInCart(t, buyer, l, 1);
    const placed = (await checkout(t, buyer)).order!;
    const update = (
      body: { flatFeePaise: number; freeFromPaise: number | null; reason: string },
      who = admin,
    ) =>
      t.api.PUT('/admin/delivery-rules/{channel}', {
        params: { path: { channel: 'b2c' } },
        body,
        headers: who.headers,
      });
    expect(
      (await update({ flatFeePaise: -1, freeFromPaise: null, reason: 'test' })).response.status,
    ).toBe(400);
    expect(
      (await update({ flatFeePaise: 0, freeFromPaise: null, reason: 'test' }, finance)).response
        .status,
    ).toBe(403);
    const changed = await update({
      flatFeePaise: 7_900,
      freeFromPaise: null,
      reason: 'courier rates up',
    });
    expect(changed.data).toMatchObject({
      channel: 'b2c',
      flatFeePaise: 7_900,
      freeFromPaise: null,
    });
    expect(await count('audit_events', `action = 'delivery_rule.update'`)).toBe(1);
    await putInCart(t, buyer, l, 1);
    expect((await cartOf(buyer)).deliveryPaise).toBe(7_900);
    expect((await orderOf(buyer, placed.id)).deliveryPaise).toBe(4_900);
    await update({ flatFeePaise: 4_900, freeFromPaise: 99_900, reason: 'restore' });
  });
});
