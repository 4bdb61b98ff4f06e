/**
 * Forged-but-signed webhooks (whoever holds the webhook secret can sign anything): every event kind
 * the app handles is confirmed with the gateway (the local Razorpay sandbox over HTTP) before it moves
 * money or state. For each kind, a signed event naming an object the gateway does not know, and a
 * genuine event with a tampered claim (amount, fee, order, status, account), is kept as `rejected`
 * with a `webhook_rejected` alert, and nothing changes: no ledger entry, the order, its sub-orders,
 * its payment and its stock as before. The genuine events then apply what the gateway says, and the
 * books balance. A gateway that cannot be reached makes the event wait and retry, not rejected.
 */
import type { RazorpaySandbox } from '../scripts/razorpay-sandbox/sandbox.js';
import type { WebhookRecord } from '../scripts/razorpay-sandbox/webhooks.js';
import { SANDBOX_RAZORPAY } from '../src/config/app-config.js';
import { Accounts } from '../src/ledger/domain/account.js';
import { LedgerIntegrityService } from '../src/ledger/integrity/ledger-integrity.service.js';
import { LedgerService } from '../src/ledger/persistence/ledger.service.js';
import { PAYMENT_GATEWAY, type PaymentGateway } from '../src/gateway/payment-gateway.js';
import { RefundsService } from '../src/payments/refunds.service.js';
import { webhookSignature } from '../src/gateway/webhooks/signature.js';
import { WebhookProcessor } from '../src/gateway/webhooks/webhook-jobs.js';
import { signInAs, type SignedIn } from './support/accounts.js';
import { activeListing, checkout, putInCart, stockOf, type Order } from './support/orders.js';
import { completeAtSandbox, startSandboxApp, type SandboxApp } from './support/payments.js';
import { onboardedDealer } from './support/route.js';
import type { TestApp } from './support/test-app.js';
import { withClient } from './support/test-database.js';

type Json = Record<string, unknown>;

const MERCHANT_ACCOUNT = 'acc_FixBazaarSandbx';

describe('forged but signed webhooks are confirmed with the gateway', () => {
  let sandbox: RazorpaySandbox;
  let t: TestApp;
  let started: SandboxApp | undefined;
  let buyer: SignedIn;
  let dealer: SignedIn;
  let admin: SignedIn;
  let ledger: LedgerService;
  let seq = 0;

  const sql = <T extends Record<string, unknown>>(text: string, params: unknown[] = []) =>
    withClient(t.db.ownerUrl, async (c) => (await c.query<T>(text, params)).rows);
  const drain = () => t.app.get(WebhookProcessor).drain();

  /** An order of one listing, its payment opened (not paid). */
  const openOrder = async (pricePaise: number) => {
    const listingId = await activeListing(t, dealer.userId, { b2cPricePaise: pricePaise });
    await putInCart(t, buyer, listingId, 1);
    const order = (await checkout(t, buyer)).order!;
    const payment = (
      await t.api.POST('/orders/{orderId}/payments', {
        params: { path: { orderId: order.id } },
        headers: buyer.headers,
      })
    ).data!;
    return { order, listingId, paymentId: payment.id, gatewayOrderId: payment.gatewayOrderId! };
  };

  /** Everything a webhook could move for an order: its rows, its stock and the whole ledger. */
  const stateOf = async (o: { order: Order; listingId: string; paymentId: string }) => ({
    payment: await sql(
      `SELECT status, gateway_payment_id, fee_paise::text AS fee FROM payments WHERE id = $1`,
      [o.paymentId],
    ),
    order: await sql(`SELECT payment_status FROM orders WHERE id = $1`, [o.order.id]),
    subOrders: await sql(`SELECT status FROM sub_orders WHERE order_id = $1 ORDER BY id`, [
      o.order.id,
    ]),
    holds: await sql(`SELECT status FROM escrow_holds WHERE order_id = $1`, [o.order.id]),
    refunds: await sql(`SELECT status FROM refunds WHERE order_id = $1 ORDER BY id`, [o.order.id]),
    stock: await stockOf(t, o.listingId),
    ledger: await ledgerState(),
  });
  const ledgerState = async () =>
    (
      await sql<{ entries: number; debits: string; credits: string }>(
        `SELECT (SELECT count(*)::int FROM ledger_entries) AS entries,
                coalesce(sum(amount) FILTER (WHERE side = 'debit'), 0)::text AS debits,
                coalesce(sum(amount) FILTER (WHERE side = 'credit'), 0)::text AS credits
           FROM ledger_lines`,
      )
    )[0]!;

  const deliver = async (body: string, eventId: string) => {
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
  };

  /** A body signed with the real secret but made up here; delivered and processed. Returns its id. */
  const forge = async (
    event: string,
    payload: Record<string, Json>,
    accountId = MERCHANT_ACCOUNT,
  ) => {
    const eventId = `evt_Forged${(seq++).toString().padStart(8, '0')}`;
    const body = JSON.stringify({
      entity: 'event',
      account_id: accountId,
      event,
      contains: Object.keys(payload),
      payload: Object.fromEntries(Object.entries(payload).map(([k, e]) => [k, { entity: e }])),
      created_at: Math.floor(Date.now() / 1000),
    });
    await deliver(body, eventId);
    await drain();
    return eventId;
  };

  /** The sandbox's latest genuine event of that name about `id` (not delivered yet). */
  const genuine = (event: string, id: string): WebhookRecord => {
    const found = sandbox.control
      .webhooks()
      .filter((w) => w.event === event && w.body.includes(`"${id}"`))
      .at(-1);
    if (!found) throw new Error(`no ${event} webhook about ${id}`);
    return found;
  };
  const entityOf = (record: WebhookRecord, name: string): Json =>
    (JSON.parse(record.body) as { payload: Record<string, { entity: Json }> }).payload[name]!
      .entity;
  /** A genuine event's body with a claim changed, signed again, under a new event id (and name). */
  const tampered = (
    record: WebhookRecord,
    change: (payload: Record<string, { entity: Json }>) => void,
    event = record.event,
    accountId?: string,
  ) => {
    const body = JSON.parse(record.body) as {
      payload: Record<string, { entity: Json }>;
      account_id: string;
    };
    change(body.payload);
    return forge(
      event,
      Object.fromEntries(Object.entries(body.payload).map(([k, v]) => [k, v.entity])),
      accountId ?? body.account_id,
    );
  };
  const deliverGenuine = async (record: WebhookRecord) => {
    await deliver(record.body, record.eventId);
    await drain();
    return record.eventId;
  };

  const inbox = async (eventId: string) =>
    (
      await sql<{
        status: string;
        rejection: string | null;
        last_error: string | null;
        failures: number;
      }>(`SELECT status, rejection, last_error, failures FROM webhook_inbox WHERE event_id = $1`, [
        eventId,
      ])
    )[0];

  /** The event is kept as rejected for `why`, with one open alert naming it; returns the alert. */
  const expectRejected = async (
    eventId: string,
    rejection: 'unknown_at_gateway' | 'mismatch',
    detail: RegExp,
  ) => {
    const row = await inbox(eventId);
    expect(row).toMatchObject({ status: 'rejected', rejection });
    expect(row!.last_error).toMatch(detail);
    const alerts = await t.api.GET('/admin/payment-alerts', {
      params: { query: { kind: 'webhook_rejected', state: 'open' } },
      headers: admin.headers,
    });
    const mine = alerts.data!.items.filter((a) => a.detail?.includes(eventId));
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatchObject({ kind: 'webhook_rejected', reason: rejection });
    expect(mine[0]!.detail).toMatch(detail);
    return mine[0]!;
  };

  beforeAll(async () => {
    started = await startSandboxApp();
    ({ sandbox, t } = started);
    ledger = t.app.get(LedgerService);
    [buyer, dealer, admin] = await Promise.all([
      signInAs(t, 'customer'),
      signInAs(t, 'dealer'),
      signInAs(t, 'admin'),
    ]);
  });
  afterAll(() => started?.close());

  it('payment.captured, order.paid, payment.failed: unknown or tampered payments change nothing; the genuine capture applies the gateway’s amounts', async () => {
    const o = await openOrder(70_000);
    const other = await openOrder(80_000);
    const before = await stateOf(o);
    const otherBefore = await stateOf(other);
    expect(before.payment).toEqual([{ status: 'created', gateway_payment_id: null, fee: null }]);

    // A payment id the gateway never created, with the order's real gateway order id.
    const unknown = await forge('payment.captured', {
      payment: {
        id: 'pay_NeverCreated01',
        entity: 'payment',
        order_id: o.gatewayOrderId,
        amount: o.order.totalPaise,
        currency: 'INR',
        status: 'captured',
        fee: 1,
        tax: 0,
        created_at: 1764240000,
      },
    });
    const alert = await expectRejected(
      unknown,
      'unknown_at_gateway',
      /does not know payment pay_NeverCreated01/,
    );
    expect(alert.orderId).toBe(o.order.id);
    expect(await stateOf(o)).toEqual(before);

    // The buyer pays at the gateway; its webhooks are not delivered yet.
    sandbox.control.pay(o.gatewayOrderId, { outcome: 'captured' });
    const captured = genuine('payment.captured', o.gatewayOrderId);
    const paid = genuine('order.paid', o.gatewayOrderId);
    const gp = entityOf(captured, 'payment');
    const forgedIds = [
      await tampered(
        captured,
        (p) => void (p.payment!.entity.amount = o.order.totalPaise + 100_000),
      ),
      await tampered(captured, (p) => void (p.payment!.entity.fee = 1)),
      await tampered(captured, (p) => void (p.payment!.entity.order_id = other.gatewayOrderId)),
      await tampered(paid, (p) => void (p.order!.entity.id = other.gatewayOrderId)),
      await tampered(captured, (p) => void (p.payment!.entity.currency = 'USD')),
    ];
    const details = [
      /amount .*the gateway says/,
      /fee 1, the gateway says/,
      /order_id .*the gateway says/,
      /order id .*the gateway says/,
      /currency "USD"/,
    ];
    for (const [i, id] of forgedIds.entries()) await expectRejected(id, 'mismatch', details[i]!);
    // The captured payment said failed, as a capture or as a failure: the gateway says captured.
    const failedCapture = await tampered(
      captured,
      (p) => void (p.payment!.entity.status = 'failed'),
    );
    await expectRejected(failedCapture, 'mismatch', /status "failed", the gateway says "captured"/);
    const failure = await tampered(
      captured,
      (p) => {
        p.payment!.entity.status = 'failed';
        p.payment!.entity.error_code = 'BAD_REQUEST_ERROR';
      },
      'payment.failed',
    );
    await expectRejected(failure, 'mismatch', /status "failed", the gateway says "captured"/);
    const unknownFailure = await forge('payment.failed', {
      payment: { ...gp, id: 'pay_NeverCreated02', status: 'failed' },
    });
    await expectRejected(unknownFailure, 'unknown_at_gateway', /pay_NeverCreated02/);
    expect(await stateOf(o)).toEqual(before);
    expect(await stateOf(other)).toEqual(otherBefore);

    // The genuine events: captured once, with the gateway's amount and fee.
    await deliverGenuine(captured);
    await deliverGenuine(paid);
    expect(await inbox(captured.eventId)).toMatchObject({ status: 'processed', rejection: null });
    expect(await inbox(paid.eventId)).toMatchObject({ status: 'processed', rejection: null });
    const after = await stateOf(o);
    expect(after.payment).toEqual([
      { status: 'captured', gateway_payment_id: gp.id, fee: String(gp.fee) },
    ]);
    expect(after.order).toEqual([{ payment_status: 'paid' }]);
    const entries = await sql<{ id: string; amount: string }>(
      `SELECT e.id, sum(l.amount) FILTER (WHERE l.side = 'debit')::text AS amount
         FROM ledger_entries e JOIN ledger_lines l ON l.entry_id = e.id
        WHERE e.id IN ($1, $2) GROUP BY e.id ORDER BY e.id`,
      [`capture:${String(gp.id)}`, `gateway_fee:${String(gp.id)}`],
    );
    expect(entries).toEqual([
      { id: `capture:${String(gp.id)}`, amount: String(o.order.totalPaise) },
      { id: `gateway_fee:${String(gp.id)}`, amount: String(gp.fee) },
    ]);
    const escrow = (await ledger.account(Accounts.orderEscrow(o.order.id)))!;
    expect(escrow.creditsPosted - escrow.debitsPosted).toBe(BigInt(o.order.totalPaise));
    expect(escrow.debitsPending).toBe(BigInt(o.order.totalPaise));
    expect((await t.app.get(LedgerIntegrityService).verify()).ok).toBe(true);
  });
  it('refund.processed, refund.failed: unknown, early, stray or tampered refunds post nothing; the genuine one is posted once', async () => {
    const o = await openOrder(65_000);
    await completeAtSandbox(t, sandbox, buyer, o.order.id, o.gatewayOrderId);
    const other = await openOrder(60_000);
    await completeAtSandbox(t, sandbox, buyer, other.order.id, other.gatewayOrderId);
    const cancelled = await t.api.POST('/orders/{orderId}/cancel', {
      params: { path: { orderId: o.order.id } },
      body: {},
      headers: buyer.headers,
    });
    expect(cancelled.response.status).toBe(200);
    sandbox.control.setRefundMode('manual');
    try {
      await t.app.get(RefundsService).processDue();
      const [ours] = await sql<{ id: string; gateway_refund_id: string; amount: number }>(
        `SELECT r.id::text AS id, r.gateway_refund_id, r.amount_paise::int AS amount
           FROM refunds r WHERE r.order_id = $1`,
        [o.order.id],
      );
      const [paid] = await sql<{ id: string }>(
        `SELECT gateway_payment_id AS id FROM payments WHERE id = $1`,
        [o.paymentId],
      );
      const before = await stateOf(o);
      expect(before.refunds).toEqual([{ status: 'processing' }]);
      const claim = {
        entity: 'refund',
        payment_id: paid!.id,
        amount: ours!.amount,
        currency: 'INR',
        status: 'processed',
        notes: { refundId: ours!.id },
        created_at: Math.floor(Date.now() / 1000),
      };

      // A refund the gateway never made, naming ours in its notes.
      const unknown = await forge('refund.processed', {
        refund: { ...claim, id: 'rfnd_NeverCreated1' },
      });
      await expectRejected(
        unknown,
        'unknown_at_gateway',
        /does not know refund rfnd_NeverCreated1/,
      );
      // Ours, still pending at the gateway, said processed.
      const early = await forge('refund.processed', {
        refund: { ...claim, id: ours!.gateway_refund_id },
      });
      await expectRejected(early, 'mismatch', /status "processed", the gateway says "pending"/);
      // A real refund of another payment whose notes name ours: the gateway and the payload agree,
      // our records do not.
      sandbox.control.setRefundMode('instant');
      const [otherPaid] = await sql<{ id: string }>(
        `SELECT gateway_payment_id AS id FROM payments WHERE id = $1`,
        [other.paymentId],
      );
      const stray = await t.app.get<PaymentGateway>(PAYMENT_GATEWAY).refundPayment(otherPaid!.id, {
        amountPaise: 1_000,
        idempotencyKey: `stray-${ours!.id}`,
        reverseAll: false,
        notes: { refundId: ours!.id },
      });
      const strayEvent = await deliverGenuine(genuine('refund.processed', stray.id));
      await expectRejected(
        strayEvent,
        'mismatch',
        /it refunds payment .*; it refunds 1000 paise, ours/,
      );

      // Processed at the gateway: its event, tampered, is still refused.
      sandbox.control.processRefund(ours!.gateway_refund_id, 'processed');
      const real = genuine('refund.processed', ours!.gateway_refund_id);
      const more = await tampered(
        real,
        (p) => void (p.refund!.entity.amount = ours!.amount + 5_000),
      );
      await expectRejected(more, 'mismatch', /amount \d+, the gateway says \d+/);
      const failed = await tampered(
        real,
        (p) => void (p.refund!.entity.status = 'failed'),
        'refund.failed',
      );
      await expectRejected(failed, 'mismatch', /status "failed", the gateway says "processed"/);
      expect(await stateOf(o)).toEqual(before);

      // The genuine event: posted once; the whole payment went back, the escrow is empty.
      await deliverGenuine(real);
      expect(await inbox(real.eventId)).toMatchObject({ status: 'processed' });
      expect((await stateOf(o)).refunds).toEqual([{ status: 'processed' }]);
      expect(ours!.amount).toBe(o.order.totalPaise);
      const escrow = (await ledger.account(Accounts.orderEscrow(o.order.id)))!;
      expect(escrow.creditsPosted - escrow.debitsPosted).toBe(0n);
      expect(escrow.debitsPending).toBe(0n);
      expect((await t.app.get(LedgerIntegrityService).verify()).ok).toBe(true);
    } finally {
      sandbox.control.setRefundMode('instant');
    }
  });

  it('settlement.processed: an unknown, tampered or misattributed settlement posts nothing; the genuine one posts the gateway’s amount', async () => {
    const o = await openOrder(90_000);
    await completeAtSandbox(t, sandbox, buyer, o.order.id, o.gatewayOrderId);
    const { accountId } = await onboardedDealer(t, admin);
    const merchant = sandbox.control.settle().merchant!;
    const before = await ledgerState();

    const unknown = await forge('settlement.processed', {
      settlement: {
        id: 'setl_NeverCreated1',
        entity: 'settlement',
        amount: 500_000,
        status: 'processed',
        fees: 0,
        tax: 0,
        utr: 'UTR0000001',
        created_at: Math.floor(Date.now() / 1000),
      },
    });
    await expectRejected(
      unknown,
      'unknown_at_gateway',
      /settlement setl_NeverCreated1 of the platform/,
    );
    const real = genuine('settlement.processed', merchant.id);
    const more = await tampered(
      real,
      (p) => void (p.settlement!.entity.amount = merchant.amount + 100_000),
    );
    await expectRejected(more, 'mismatch', /amount \d+, the gateway says \d+/);
    // The platform's settlement said to be a dealer's payout: that account has no such settlement.
    const asDealer = await tampered(real, () => undefined, 'settlement.processed', accountId);
    await expectRejected(asDealer, 'unknown_at_gateway', new RegExp(`of account ${accountId}`));
    expect(await ledgerState()).toEqual(before);

    await deliverGenuine(real);
    expect(await inbox(real.eventId)).toMatchObject({ status: 'processed' });
    const [entry] = await sql<{ amount: string }>(
      `SELECT sum(amount) FILTER (WHERE side = 'debit')::text AS amount FROM ledger_lines WHERE entry_id = $1`,
      [`settlement:${merchant.id}`],
    );
    expect(entry).toEqual({ amount: String(merchant.amount) });
    expect((await t.app.get(LedgerIntegrityService).verify()).ok).toBe(true);
  });

  it('account.activated, product.route.activated: an account not activated or unknown stays as it is; a gateway that cannot be reached retries', async () => {
    const { dealer: routeDealer, accountId } = await onboardedDealer(t, admin);
    const routeStatus = () =>
      sql(`SELECT status FROM payee_route_accounts WHERE payee_kind = 'dealer' AND payee_id = $1`, [
        routeDealer.userId,
      ]);
    const notYet = await forge(
      'account.activated',
      { account: { id: accountId, entity: 'account', status: 'activated' } },
      accountId,
    );
    await expectRejected(notYet, 'mismatch', /the gateway says the account is created/);
    const product = await forge(
      'product.route.activated',
      {
        merchant_product: {
          id: 'acc_prd_NeverCreated',
          merchant_id: accountId,
          activation_status: 'activated',
        },
      },
      accountId,
    );
    await expectRejected(product, 'mismatch', /the gateway says the account is created/);
    const unknown = await forge(
      'account.activated',
      { account: { id: 'acc_NeverCreated01', entity: 'account', status: 'activated' } },
      'acc_NeverCreated01',
    );
    await expectRejected(unknown, 'unknown_at_gateway', /linked account acc_NeverCreated01/);
    expect(await routeStatus()).toEqual([{ status: 'product_configured' }]);

    // Activated at the gateway; the gateway fails when the event is processed: it waits, not rejected.
    sandbox.control.activateAccount(accountId);
    const real = genuine('account.activated', accountId);
    sandbox.control.setFaults({ api: { failNext: 1 } });
    try {
      await deliverGenuine(real);
    } finally {
      sandbox.control.resetFaults();
    }
    const waiting = await inbox(real.eventId);
    expect(waiting).toMatchObject({ status: 'deferred', rejection: null, failures: 0 });
    expect(waiting!.last_error).toMatch(/^gateway unavailable: GatewayError: .*503/);
    expect(await routeStatus()).toEqual([{ status: 'product_configured' }]);
    await new Promise((r) => setTimeout(r, 1_200));
    await drain();
    expect(await inbox(real.eventId)).toMatchObject({ status: 'processed', rejection: null });
    expect(await routeStatus()).toEqual([{ status: 'activated' }]);
  });
});
