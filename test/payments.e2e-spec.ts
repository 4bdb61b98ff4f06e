/**
 * Paying an order through the Razorpay adapter (the official SDK) against the local sandbox over
 * HTTP, on real PostgreSQL: opening a payment, Checkout's signature, capture (and capture of an
 * authorized payment), the escrow postings per sub-order, a failed attempt, replays, money captured
 * for an expired order, and the release to the dealer after the return window with commission and
 * taxes withheld — after which the order's money identity holds and the trial balance is zero.
 */
import { createHmac } from 'node:crypto';
import type { RazorpaySandbox } from '../scripts/razorpay-sandbox/sandbox.js';
import { SANDBOX_RAZORPAY } from '../src/config/app-config.js';
import { Accounts } from '../src/ledger/domain/account.js';
import { LedgerIntegrityService } from '../src/ledger/integrity/ledger-integrity.service.js';
import { LedgerService } from '../src/ledger/persistence/ledger.service.js';
import { OrderCommands } from '../src/orders/order-commands.service.js';
import { EscrowReleaseService } from '../src/escrow/escrow-release.service.js';
import { PAYMENT_GATEWAY, type PaymentGateway } from '../src/gateway/payment-gateway.js';
import { StuckPaymentPoller } from '../src/reconciliation/stuck-payment-poller.service.js';
import { RefundsService } from '../src/payments/refunds.service.js';
import { WebhookProcessor } from '../src/gateway/webhooks/webhook-jobs.js';
import { signInAs, type SignedIn } from './support/accounts.js';
import { activeListing, checkout, putInCart, type Order } from './support/orders.js';
import { startSandboxApp, type SandboxApp } from './support/payments.js';
import type { TestApp } from './support/test-app.js';
import { withClient } from './support/test-database.js';

describe('payments and escrow (Razorpay sandbox over HTTP)', () => {
  let sandbox: RazorpaySandbox;
  let t: TestApp;
  let started: SandboxApp | undefined;
  let dealerA: SignedIn;
  let dealerB: SignedIn;
  let ledger: LedgerService;

  const sql = <T extends Record<string, unknown>>(text: string, params: unknown[] = []) =>
    withClient(t.db.ownerUrl, async (c) => (await c.query<T>(text, params)).rows);
  const open = (buyer: SignedIn, orderId: string) =>
    t.api.POST('/orders/{orderId}/payments', {
      params: { path: { orderId } },
      headers: buyer.headers,
    });
  const verify = (
    buyer: SignedIn,
    orderId: string,
    body: { razorpayOrderId: string; razorpayPaymentId: string; razorpaySignature: string },
  ) =>
    t.api.POST('/orders/{orderId}/payments/verify', {
      params: { path: { orderId } },
      body,
      headers: buyer.headers,
    });
  const placeOrder = async (buyer: SignedIn, parts: [SignedIn, number][]): Promise<Order> => {
    for (const [dealer, price] of parts)
      await putInCart(t, buyer, await activeListing(t, dealer.userId, { b2cPricePaise: price }), 1);
    const placed = await checkout(t, buyer);
    expect(placed.status).toBe(201);
    return placed.order!;
  };
  const payOrder = async (buyer: SignedIn, order: Order) => {
    const payment = (await open(buyer, order.id)).data!;
    const paid = sandbox.control.pay(payment.gatewayOrderId!, { outcome: 'captured' });
    if (!('razorpay_payment_id' in paid)) throw new Error('sandbox payment failed');
    const res = await verify(buyer, order.id, {
      razorpayOrderId: paid.razorpay_order_id,
      razorpayPaymentId: paid.razorpay_payment_id,
      razorpaySignature: paid.razorpay_signature,
    });
    expect(res.data!.status).toBe('captured');
    return res.data!;
  };
  const refundsOf = async (buyer: SignedIn, orderId: string) =>
    (
      await t.api.GET('/orders/{orderId}/payments/refunds', {
        params: { path: { orderId } },
        headers: buyer.headers,
      })
    ).data!;
  const counters = async (code: string) => {
    const a = await ledger.account(code);
    if (a === undefined) throw new Error(`no account ${code}`);
    return a;
  };
  const postedBalance = async (code: string, side: 'credit' | 'debit') => {
    const a = await counters(code);
    return side === 'credit' ? a.creditsPosted - a.debitsPosted : a.debitsPosted - a.creditsPosted;
  };

  beforeAll(async () => {
    started = await startSandboxApp();
    ({ sandbox, t } = started);
    [dealerA, dealerB] = await Promise.all([signInAs(t, 'dealer'), signInAs(t, 'dealer')]);
    ledger = t.app.get(LedgerService);
  });
  afterAll(() => started?.close());

  it('opens one payment per order, checks the signature, captures into escrow with a hold per dealer', async () => {
    const buyer = await signInAs(t, 'customer');
    const order = await placeOrder(buyer, [
      [dealerA, 60_000],
      [dealerB, 118_000],
    ]);
    const first = await open(buyer, order.id);
    expect(first.response.status).toBe(201);
    const payment = first.data!;
    expect(payment).toMatchObject({
      orderId: order.id,
      status: 'created',
      amountPaise: order.payablePaise,
      currency: 'INR',
      keyId: SANDBOX_RAZORPAY.keyId,
    });
    expect(payment.gatewayOrderId).toMatch(/^order_/);
    // Again: the same open payment, not a second gateway order.
    expect((await open(buyer, order.id)).data!.id).toBe(payment.id);
    // Another buyer cannot open or see it.
    const stranger = await signInAs(t, 'customer');
    expect((await open(stranger, order.id)).response.status).toBe(404);

    const paid = sandbox.control.pay(payment.gatewayOrderId!, { outcome: 'captured' });
    if (!('razorpay_payment_id' in paid)) throw new Error('sandbox payment failed');
    const answer = {
      razorpayOrderId: paid.razorpay_order_id,
      razorpayPaymentId: paid.razorpay_payment_id,
      razorpaySignature: paid.razorpay_signature,
    };
    // A forged signature (right shape, wrong key) changes nothing.
    const forged = createHmac('sha256', 'not-the-secret')
      .update(`${answer.razorpayOrderId}|${answer.razorpayPaymentId}`)
      .digest('hex');
    const refused = await verify(buyer, order.id, { ...answer, razorpaySignature: forged });
    expect(refused.error).toMatchObject({ code: 'payment/invalid-signature' });
    expect((await sql(`SELECT status FROM payments WHERE id = $1`, [payment.id]))[0]).toEqual({
      status: 'created',
    });

    const ok = await verify(buyer, order.id, answer);
    expect(ok.data).toMatchObject({
      status: 'captured',
      gatewayPaymentId: paid.razorpay_payment_id,
    });
    const after = (
      await t.api.GET('/orders/{orderId}', {
        params: { path: { orderId: order.id } },
        headers: buyer.headers,
      })
    ).data!;
    expect(after.paymentStatus).toBe('paid');
    expect(after.subOrders.map((s) => s.status)).toEqual(['paid', 'paid']);

    // Escrow: the whole payment in, all of it held toward the two dealers.
    const escrow = Accounts.orderEscrow(order.id);
    expect(await postedBalance(escrow, 'credit')).toBe(BigInt(order.totalPaise));
    expect((await counters(escrow)).debitsPending).toBe(BigInt(order.totalPaise));
    for (const s of after.subOrders)
      expect(
        (await counters(Accounts.dealerPayable(s.dealerId))).creditsPending,
      ).toBeGreaterThanOrEqual(BigInt(s.totalPaise));
    expect(
      await sql(`SELECT count(*)::int AS n FROM escrow_holds WHERE order_id = $1`, [order.id]),
    ).toEqual([{ n: 2 }]);
    // The gateway's fee (2 % + 18 % GST in the sandbox) is the platform's expense.
    const fee = await sql<{ fee_paise: string; fee_tax_paise: string }>(
      `SELECT fee_paise::text, fee_tax_paise::text FROM payments WHERE id = $1`,
      [payment.id],
    );
    expect(Number(fee[0]!.fee_paise)).toBeGreaterThan(0);

    // A replay (the app retrying) posts nothing more.
    const entries = async () =>
      (
        await sql<{ n: number }>(
          `SELECT count(*)::int AS n FROM ledger_entries WHERE reference = $1`,
          [`order:${order.id}`],
        )
      )[0]!.n;
    const before = await entries();
    expect((await verify(buyer, order.id, answer)).data!.status).toBe('captured');
    expect(await entries()).toBe(before);
  });

  it('captures an authorized payment through the gateway; a failed attempt leaves the order payable', async () => {
    const buyer = await signInAs(t, 'customer');
    const order = await placeOrder(buyer, [[dealerA, 75_000]]);
    const failedPayment = (await open(buyer, order.id)).data!;
    const failed = sandbox.control.pay(failedPayment.gatewayOrderId!, { outcome: 'failed' });
    expect('error' in failed).toBe(true);
    const attempt = failed.payment;
    // Checkout reports a failure without a signature (webhooks record it); the order stays payable.
    expect(
      (
        await sql<{ payment_status: string }>(`SELECT payment_status FROM orders WHERE id = $1`, [
          order.id,
        ])
      )[0],
    ).toEqual({ payment_status: 'awaiting_payment' });
    expect(attempt.status).toBe('failed');

    const authorized = sandbox.control.pay(failedPayment.gatewayOrderId!, {
      outcome: 'authorized',
    });
    if (!('razorpay_payment_id' in authorized)) throw new Error('sandbox payment failed');
    const res = await verify(buyer, order.id, {
      razorpayOrderId: authorized.razorpay_order_id,
      razorpayPaymentId: authorized.razorpay_payment_id,
      razorpaySignature: authorized.razorpay_signature,
    });
    expect(res.data).toMatchObject({ status: 'captured' });
    expect(
      (
        await sql<{ payment_status: string }>(`SELECT payment_status FROM orders WHERE id = $1`, [
          order.id,
        ])
      )[0],
    ).toEqual({ payment_status: 'paid' });
  });

  it('applies a capture from webhooks alone (every delivery duplicated, after a failed attempt webhook) exactly once', async () => {
    sandbox.control.setWebhookUrl(`${t.baseUrl}/webhooks/razorpay`);
    sandbox.control.setFaults({ webhooks: { duplicateRate: 1 }, seed: 7 });
    try {
      const buyer = await signInAs(t, 'customer');
      const order = await placeOrder(buyer, [[dealerB, 90_000]]);
      const payment = (await open(buyer, order.id)).data!;
      sandbox.control.pay(payment.gatewayOrderId!, { outcome: 'failed' });
      sandbox.control.pay(payment.gatewayOrderId!, { outcome: 'captured' });
      await sandbox.control.flushWebhooks();
      const received = await sql<{ event: string; n: number }>(
        `SELECT event, count(*)::int AS n FROM webhook_inbox GROUP BY event ORDER BY event`,
      );
      expect(received.map((r) => r.event)).toEqual(
        expect.arrayContaining(['order.paid', 'payment.captured', 'payment.failed']),
      );
      await t.app.get(WebhookProcessor).drain();
      const [row] = await sql<{ status: string; gateway_payment_id: string }>(
        `SELECT status, gateway_payment_id FROM payments WHERE id = $1`,
        [payment.id],
      );
      expect(row!.status).toBe('captured');
      expect(
        (
          await sql<{ payment_status: string }>(`SELECT payment_status FROM orders WHERE id = $1`, [
            order.id,
          ])
        )[0],
      ).toEqual({ payment_status: 'paid' });
      // payment.captured and order.paid (each delivered twice) posted one capture and one hold.
      const entries = await sql<{ id: string }>(
        `SELECT id FROM ledger_entries WHERE reference = $1 ORDER BY seq`,
        [`order:${order.id}`],
      );
      expect(entries.map((e) => e.id)).toEqual([
        `capture:${row!.gateway_payment_id}`,
        `hold:order:${order.id}:${order.subOrders[0]!.id}`,
      ]);
      const pending = await sql<{ n: number }>(
        `SELECT count(*)::int AS n FROM webhook_inbox WHERE status <> 'processed'`,
      );
      expect(pending[0]!.n).toBe(0);
    } finally {
      sandbox.control.resetFaults();
      sandbox.control.setWebhookUrl(null);
    }
  });

  it('refunds a cancelled paid part from escrow once, through retries and an ambiguous gateway failure', async () => {
    const buyer = await signInAs(t, 'customer');
    const order = await placeOrder(buyer, [
      [dealerA, 60_000],
      [dealerB, 70_000],
    ]);
    const payment = await payOrder(buyer, order);
    const subB = order.subOrders.find((s) => s.dealerId === dealerB.userId)!;
    // What remains (₹600 + delivery) still reaches the ₹500 minimum: the buyer may cancel B's part.
    const cancelled = await t.api.POST('/orders/{orderId}/sub-orders/{subOrderId}/cancel', {
      params: { path: { orderId: order.id, subOrderId: subB.id } },
      body: {},
      headers: buyer.headers,
    });
    expect(cancelled.response.status).toBe(200);
    const refunds = t.app.get(RefundsService);
    // The gateway does the refund but answers 502, then refuses once: the refund stays requested…
    sandbox.control.setFaults({ api: { failAfterNext: 1 } });
    expect(await refunds.processDue()).toBe(0);
    sandbox.control.setFaults({ api: { failNext: 1 } });
    expect(await refunds.processDue()).toBe(0);
    sandbox.control.resetFaults();
    expect(
      (await refundsOf(buyer, order.id)).map((r) => [r.kind, r.amountPaise, r.status]),
    ).toEqual([['cancellation', subB.totalPaise, 'requested']]);
    // …and the next pass gets the same refund (idempotency key) and posts it once.
    expect(await refunds.processDue()).toBe(1);
    expect(await refunds.processDue()).toBe(0);
    const gateway = t.app.get<PaymentGateway>(PAYMENT_GATEWAY);
    expect((await gateway.fetchPayment(payment.gatewayPaymentId!)).amountRefundedPaise).toBe(
      subB.totalPaise,
    );
    expect((await refundsOf(buyer, order.id))[0]!.status).toBe('processed');
    // Escrow now holds only A's part, all of it still held for A; B's hold is void.
    const escrow = await counters(Accounts.orderEscrow(order.id));
    expect(escrow.creditsPosted - escrow.debitsPosted).toBe(
      BigInt(order.totalPaise - subB.totalPaise),
    );
    expect(escrow.debitsPending).toBe(BigInt(order.totalPaise - subB.totalPaise));
    expect(await sql(`SELECT status FROM escrow_holds WHERE sub_order_id = $1`, [subB.id])).toEqual(
      [{ status: 'refunded' }],
    );
  });

  it('posts a refund the gateway processes later when its webhook arrives', async () => {
    sandbox.control.setWebhookUrl(`${t.baseUrl}/webhooks/razorpay`);
    sandbox.control.setRefundMode('manual');
    try {
      const buyer = await signInAs(t, 'customer');
      const order = await placeOrder(buyer, [[dealerA, 65_000]]);
      await payOrder(buyer, order);
      await t.api.POST('/orders/{orderId}/cancel', {
        params: { path: { orderId: order.id } },
        body: {},
        headers: buyer.headers,
      });
      const refunds = t.app.get(RefundsService);
      await refunds.processDue();
      const [pending] = await sql<{ id: string; gateway_refund_id: string; status: string }>(
        `SELECT id::text, gateway_refund_id, status FROM refunds WHERE order_id = $1`,
        [order.id],
      );
      expect(pending!.status).toBe('processing');
      sandbox.control.processRefund(pending!.gateway_refund_id, 'processed');
      await sandbox.control.flushWebhooks();
      await t.app.get(WebhookProcessor).drain();
      expect((await refundsOf(buyer, order.id))[0]!.status).toBe('processed');
      const escrow = await counters(Accounts.orderEscrow(order.id));
      expect(escrow.creditsPosted - escrow.debitsPosted).toBe(0n);
      expect(escrow.debitsPending).toBe(0n);
    } finally {
      sandbox.control.setRefundMode('instant');
      sandbox.control.setWebhookUrl(null);
    }
  });

  it('reconciles a payment captured at the gateway when neither Checkout nor a webhook came back', async () => {
    const buyer = await signInAs(t, 'customer');
    const order = await placeOrder(buyer, [[dealerB, 52_000]]);
    const payment = (await open(buyer, order.id)).data!;
    // The buyer paid; the app died before verifying and the webhook never arrived.
    sandbox.control.pay(payment.gatewayOrderId!, { outcome: 'captured' });
    const reconciliation = t.app.get(StuckPaymentPoller);
    // Too recent to be looked up yet (Checkout and webhooks usually come first).
    expect((await reconciliation.reconcile()).checked).toBe(0);
    expect(await reconciliation.reconcile(0)).toMatchObject({ captured: 1, errors: 0 });
    expect((await reconciliation.reconcile(0)).checked).toBe(0);
    const [row] = await sql<{ status: string }>(`SELECT status FROM payments WHERE id = $1`, [
      payment.id,
    ]);
    expect(row!.status).toBe('captured');
    expect(
      (
        await sql<{ payment_status: string }>(`SELECT payment_status FROM orders WHERE id = $1`, [
          order.id,
        ])
      )[0],
    ).toEqual({ payment_status: 'paid' });
    expect(
      await sql(
        `SELECT count(*)::int AS n FROM ledger_entries WHERE id LIKE 'capture:%' AND reference = $1`,
        [`order:${order.id}`],
      ),
    ).toEqual([{ n: 1 }]);
  });

  it('keeps money captured for an expired order in escrow, flagged for a refund', async () => {
    const buyer = await signInAs(t, 'customer');
    const order = await placeOrder(buyer, [[dealerB, 80_000]]);
    const payment = (await open(buyer, order.id)).data!;
    await sql(
      `UPDATE orders SET reservation_expires_at = now() - interval '1 second' WHERE id = $1`,
      [order.id],
    );
    expect(await t.app.get(OrderCommands).expireReservations()).toBe(1);
    const paid = sandbox.control.pay(payment.gatewayOrderId!, { outcome: 'captured' });
    if (!('razorpay_payment_id' in paid)) throw new Error('sandbox payment failed');
    const res = await verify(buyer, order.id, {
      razorpayOrderId: paid.razorpay_order_id,
      razorpayPaymentId: paid.razorpay_payment_id,
      razorpaySignature: paid.razorpay_signature,
    });
    expect(res.data).toMatchObject({ status: 'captured', unpayable: true });
    expect(await postedBalance(Accounts.orderEscrow(order.id), 'credit')).toBe(
      BigInt(order.totalPaise),
    );
    expect((await counters(Accounts.orderEscrow(order.id))).debitsPending).toBe(0n);
    // The whole payment goes back; the escrow ends empty.
    await t.app.get(RefundsService).processDue();
    expect(
      (await refundsOf(buyer, order.id)).map((r) => [r.kind, r.amountPaise, r.status]),
    ).toEqual([['unpayable', order.totalPaise, 'processed']]);
    expect(await postedBalance(Accounts.orderEscrow(order.id), 'credit')).toBe(0n);
  });

  it('releases escrow after the return window: commission and taxes withheld, money identity holds, books balance', async () => {
    const buyer = await signInAs(t, 'customer');
    const order = await placeOrder(buyer, [[dealerA, 118_000]]);
    const payment = (await open(buyer, order.id)).data!;
    const paid = sandbox.control.pay(payment.gatewayOrderId!, { outcome: 'captured' });
    if (!('razorpay_payment_id' in paid)) throw new Error('sandbox payment failed');
    await verify(buyer, order.id, {
      razorpayOrderId: paid.razorpay_order_id,
      razorpayPaymentId: paid.razorpay_payment_id,
      razorpaySignature: paid.razorpay_signature,
    });
    const sub = order.subOrders[0]!;
    const escrowRelease = t.app.get(EscrowReleaseService);
    // Not completed yet: nothing is released.
    expect(await escrowRelease.releaseDue()).toBe(0);
    await sql(
      `UPDATE sub_orders SET status = 'completed', carrier = 'Delhivery', tracking_number = 'DLV-1' WHERE id = $1`,
      [sub.id],
    );
    expect(await escrowRelease.releaseDue()).toBe(1);
    expect(await escrowRelease.releaseDue()).toBe(0);
    const [hold] = await sql<Record<string, string>>(
      `SELECT status, commission_paise::text AS commission, gst_on_commission_paise::text AS gst,
              tcs_paise::text AS tcs, tds_paise::text AS tds, dealer_net_paise::text AS net
       FROM escrow_holds WHERE sub_order_id = $1`,
      [sub.id],
    );
    // ₹1,180 + ₹0 delivery (free from ₹999) — ledger-spec vector 02's figures.
    expect(sub.totalPaise).toBe(118_000);
    expect(hold).toEqual({
      status: 'released',
      commission: '9440',
      gst: '1699',
      tcs: '500',
      tds: '118',
      net: '106243',
    });
    // paid = dealer share + commission + GST on commission + TCS + TDS.
    const parts = ['commission', 'gst', 'tcs', 'tds', 'net'].reduce(
      (s, k) => s + Number(hold![k]),
      0,
    );
    expect(parts).toBe(order.totalPaise);
    // The order's escrow is empty; the dealer's payable holds its net among its other sales.
    const escrow = await counters(Accounts.orderEscrow(order.id));
    expect(escrow.creditsPosted - escrow.debitsPosted).toBe(0n);
    expect(escrow.debitsPending).toBe(0n);
    const tb = await t.app.get(LedgerIntegrityService).verify();
    expect(tb.ok).toBe(true);
    const totals = await sql<{ dr: string; cr: string }>(
      `SELECT sum(amount) FILTER (WHERE side = 'debit')::text AS dr, sum(amount) FILTER (WHERE side = 'credit')::text AS cr
       FROM ledger_lines`,
    );
    expect(totals[0]!.dr).toBe(totals[0]!.cr);
  });
});
