/**
 * The Razorpay adapter through the real `razorpay` SDK, its axios instance pointed at the local
 * sandbox (scripts/razorpay-sandbox) started in-process: Orders, checkout signature, capture, Route
 * transfers with holds and reversals, refunds with the idempotency header, linked accounts and
 * settlements, Route's rules as the sandbox enforces them, signed webhooks (verified here with
 * node:crypto against the raw body) and injected faults.
 */
import { createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { buffer } from 'node:stream/consumers';
import { GatewayError } from '../src/payments/gateway/payment-gateway.js';
import { RazorpayGateway } from '../src/payments/gateway/razorpay.gateway.js';
import { startRazorpaySandbox, type RazorpaySandbox } from '../scripts/razorpay-sandbox/sandbox.js';

const KEY_ID = 'rzp_test_gatewayspec01';
const KEY_SECRET = 'gateway-spec-key-secret';
const WEBHOOK_SECRET = 'gateway-spec-webhook-secret';

interface Received {
  headers: IncomingHttpHeaders;
  body: string;
}

/** A webhook receiver that records raw bodies and can answer 500 to the next n deliveries. */
class Receiver {
  readonly received: Received[] = [];
  failNext = 0;
  private server!: Server;
  url = '';

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      void buffer(req).then((raw) => {
        this.received.push({ headers: req.headers, body: raw.toString('utf8') });
        if (this.failNext > 0) {
          this.failNext -= 1;
          res.writeHead(500).end();
        } else res.writeHead(200).end('ok');
      });
    });
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/webhooks/razorpay`;
  }

  stop(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((r) => this.server.close(() => r()));
  }

  events(): { id: string; event: string; body: Record<string, unknown> }[] {
    return this.received.map((r) => ({
      id: String(r.headers['x-razorpay-event-id']),
      event: (JSON.parse(r.body) as { event: string }).event,
      body: JSON.parse(r.body) as Record<string, unknown>,
    }));
  }
}

let sandbox: RazorpaySandbox;
let receiver: Receiver;
let gateway: RazorpayGateway;

async function control<T>(method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${sandbox.url}/__sandbox${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = (await res.json()) as T;
  if (!res.ok) throw new Error(`control ${path}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

interface Checkout {
  razorpay_order_id: string;
  razorpay_payment_id: string;
  razorpay_signature: string;
}

const pay = (orderId: string, outcome: 'captured' | 'authorized' | 'failed' = 'captured') =>
  control<Checkout & { error?: { code: string; metadata: { payment_id: string } } }>(
    'POST',
    `/orders/${orderId}/pay`,
    { outcome },
  );

async function gatewayError(p: Promise<unknown>): Promise<GatewayError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(GatewayError);
    return err as GatewayError;
  }
  throw new Error('expected a GatewayError');
}

async function activeAccount(name: string): Promise<string> {
  const acc = await gateway.createLinkedAccount({
    referenceId: `dlr-${name}`.slice(0, 20),
    email: `${name}@dealers.example.in`,
    phone: '9000090000',
    legalBusinessName: `${name} Mobile Parts`,
    contactName: `${name} Owner`,
  });
  await control('POST', `/accounts/${acc.id}/activate`);
  return acc.id;
}

beforeAll(async () => {
  receiver = new Receiver();
  await receiver.start();
  sandbox = await startRazorpaySandbox({
    port: 0,
    keyId: KEY_ID,
    keySecret: KEY_SECRET,
    webhookSecret: WEBHOOK_SECRET,
    webhookUrl: receiver.url,
  });
  sandbox.control.setFaults({ webhooks: { retryDelaysMs: [20, 50] } });
  gateway = new RazorpayGateway({
    apiUrl: sandbox.url,
    keyId: KEY_ID,
    keySecret: KEY_SECRET,
    webhookSecrets: [WEBHOOK_SECRET],
  });
});

afterAll(async () => {
  await sandbox?.stop();
  await receiver?.stop();
});

afterEach(() => {
  sandbox.control.resetFaults();
  sandbox.control.setFaults({ webhooks: { retryDelaysMs: [20, 50] } });
});

describe('orders, checkout and payments', () => {
  it('creates an order in paise and reads it back; empty notes come back as {}', async () => {
    const order = await gateway.createOrder({
      amountPaise: 150000,
      receipt: 'FB-ORD-1',
      notes: { fixbazaarOrderId: 'ord-1' },
    });
    expect(order).toEqual({
      id: expect.stringMatching(/^order_[A-Za-z0-9]{14}$/),
      amountPaise: 150000,
      amountPaidPaise: 0,
      currency: 'INR',
      receipt: 'FB-ORD-1',
      status: 'created',
      notes: { fixbazaarOrderId: 'ord-1' },
    });
    expect(await gateway.fetchOrder(order.id)).toEqual(order);

    const bare = await gateway.createOrder({ amountPaise: 100, receipt: 'FB-ORD-2', notes: {} });
    expect(bare.notes).toEqual({});

    const tooSmall = await gatewayError(
      gateway.createOrder({ amountPaise: 99, receipt: 'FB-ORD-3', notes: {} }),
    );
    expect(tooSmall).toMatchObject({
      statusCode: 400,
      code: 'BAD_REQUEST_ERROR',
      retryable: false,
    });
  });

  it('a captured checkout: signature verifies (and wrong or tampered ones do not); fee and GST reported', async () => {
    const order = await gateway.createOrder({
      amountPaise: 150000,
      receipt: 'FB-ORD-4',
      notes: {},
    });
    const other = await gateway.createOrder({
      amountPaise: 150000,
      receipt: 'FB-ORD-5',
      notes: {},
    });
    const checkout = await pay(order.id);
    expect(checkout.razorpay_order_id).toBe(order.id);
    expect(checkout.razorpay_signature).toBe(
      createHmac('sha256', KEY_SECRET)
        .update(`${order.id}|${checkout.razorpay_payment_id}`)
        .digest('hex'),
    );

    const ok = {
      orderId: order.id,
      paymentId: checkout.razorpay_payment_id,
      signature: checkout.razorpay_signature,
    };
    expect(gateway.verifyCheckoutSignature(ok)).toBe(true);
    const flipped = (ok.signature[0] === 'a' ? 'b' : 'a') + ok.signature.slice(1);
    expect(gateway.verifyCheckoutSignature({ ...ok, signature: flipped })).toBe(false);
    expect(gateway.verifyCheckoutSignature({ ...ok, orderId: other.id })).toBe(false);
    expect(gateway.verifyCheckoutSignature({ ...ok, signature: 'not-hex' })).toBe(false);
    expect(gateway.verifyCheckoutSignature({ ...ok, signature: ok.signature.slice(2) })).toBe(
      false,
    );

    const payment = await gateway.fetchPayment(checkout.razorpay_payment_id);
    // 2% of ₹1,500 = ₹30.00 (3000 paise) + 18% GST on it (540) = 3540.
    expect(payment).toEqual({
      id: checkout.razorpay_payment_id,
      orderId: order.id,
      amountPaise: 150000,
      currency: 'INR',
      status: 'captured',
      method: 'upi',
      feePaise: 3540,
      feeTaxPaise: 540,
      amountRefundedPaise: 0,
      errorCode: null,
      errorDescription: null,
      createdAt: expect.any(Number),
    });
    expect(await gateway.paymentsOfOrder(order.id)).toEqual([payment]);
    expect(await gateway.fetchOrder(order.id)).toMatchObject({
      status: 'paid',
      amountPaidPaise: 150000,
    });
    expect(await gateway.paymentsOfOrder(other.id)).toEqual([]);
  });

  it('a failed checkout leaves a failed payment with its error and the order attempted', async () => {
    const order = await gateway.createOrder({ amountPaise: 20000, receipt: 'FB-ORD-6', notes: {} });
    const checkout = await pay(order.id, 'failed');
    expect(checkout.error?.code).toBe('BAD_REQUEST_ERROR');
    const [payment] = await gateway.paymentsOfOrder(order.id);
    expect(payment).toMatchObject({
      id: checkout.error?.metadata.payment_id,
      status: 'failed',
      errorCode: 'BAD_REQUEST_ERROR',
      feePaise: null,
    });
    expect(await gateway.fetchOrder(order.id)).toMatchObject({
      status: 'attempted',
      amountPaidPaise: 0,
    });
  });
});

describe('Route: capture, transfers on hold, release, reversal, refunds, settlement', () => {
  let paymentId: string;
  let dealerA: string;
  let dealerB: string;
  let transferA: string;
  let transferB: string;

  it('refuses transfers before capture, captures the authorized amount, then transfers on hold', async () => {
    dealerA = await activeAccount('alpha');
    dealerB = await activeAccount('bravo');
    const order = await gateway.createOrder({
      amountPaise: 200000,
      receipt: 'FB-ORD-7',
      notes: {},
    });
    const checkout = await pay(order.id, 'authorized');
    paymentId = checkout.razorpay_payment_id;
    expect(await gateway.fetchPayment(paymentId)).toMatchObject({
      status: 'authorized',
      feePaise: null,
    });

    const early = await gatewayError(
      gateway.transferFromPayment(paymentId, [
        { accountId: dealerA, amountPaise: 1000, onHold: true, notes: {} },
      ]),
    );
    expect(early).toMatchObject({ statusCode: 400, code: 'BAD_REQUEST_ERROR', retryable: false });
    expect(early.message).toMatch(/not captured/);

    const wrongAmount = await gatewayError(gateway.capturePayment(paymentId, 199999));
    expect(wrongAmount.statusCode).toBe(400);
    const captured = await gateway.capturePayment(paymentId, 200000);
    expect(captured).toMatchObject({ status: 'captured', feePaise: 4720, feeTaxPaise: 720 });
    expect((await gatewayError(gateway.capturePayment(paymentId, 200000))).message).toMatch(
      /already been captured/,
    );

    const tooMuch = await gatewayError(
      gateway.transferFromPayment(paymentId, [
        { accountId: dealerA, amountPaise: 150000, onHold: true, notes: {} },
        { accountId: dealerB, amountPaise: 50001, onHold: true, notes: {} },
      ]),
    );
    expect(tooMuch.message).toMatch(/greater than the captured amount/);

    const unactivated = await gateway.createLinkedAccount({
      referenceId: 'dlr-charlie',
      email: 'charlie@dealers.example.in',
      phone: null,
      legalBusinessName: 'Charlie Mobile Parts',
      contactName: 'Charlie Owner',
    });
    expect(unactivated).toMatchObject({ status: 'created', referenceId: 'dlr-charlie' });
    expect(
      (
        await gatewayError(
          gateway.transferFromPayment(paymentId, [
            { accountId: unactivated.id, amountPaise: 100, onHold: true, notes: {} },
          ]),
        )
      ).message,
    ).toMatch(/activated/);

    const transfers = await gateway.transferFromPayment(paymentId, [
      { accountId: dealerA, amountPaise: 60000, onHold: true, notes: { subOrder: 'so-a' } },
      { accountId: dealerB, amountPaise: 40000, onHold: true, notes: { subOrder: 'so-b' } },
    ]);
    expect(transfers).toEqual([
      {
        id: expect.stringMatching(/^trf_/),
        sourcePaymentId: paymentId,
        recipientAccountId: dealerA,
        amountPaise: 60000,
        amountReversedPaise: 0,
        onHold: true,
        status: 'pending',
        settlementStatus: 'on_hold',
        notes: { subOrder: 'so-a' },
      },
      expect.objectContaining({ recipientAccountId: dealerB, amountPaise: 40000, onHold: true }),
    ]);
    [transferA, transferB] = transfers.map((t) => t.id) as [string, string];
    expect(await gateway.fetchTransfer(transferA)).toMatchObject({
      status: 'processed',
      onHold: true,
      settlementStatus: 'on_hold',
    });

    // 100000 of 200000 transferred: another 100001 would exceed the captured amount.
    const cumulative = await gatewayError(
      gateway.transferFromPayment(paymentId, [
        { accountId: dealerA, amountPaise: 100001, onHold: true, notes: {} },
      ]),
    );
    expect(cumulative.message).toMatch(/greater than the captured amount/);
  });

  it('held transfers are not settled; lifting the hold lets them settle; reversals are bounded', async () => {
    const first = sandbox.control.settle();
    expect(first.linkedAccounts).toEqual([]);
    // 200000 − fee 4720 − transfers 100000 (the other captured payments in this file add theirs).
    expect(first.merchant).not.toBeNull();
    const merchant = await gateway.fetchSettlement(first.merchant!.id);
    expect(merchant).toEqual({
      id: first.merchant!.id,
      amountPaise: first.merchant!.amount,
      feesPaise: first.merchant!.fees,
      taxPaise: first.merchant!.tax,
      status: 'processed',
      utr: expect.any(String),
      createdAt: expect.any(Number),
    });
    expect(merchant.feesPaise).toBeGreaterThanOrEqual(4720);

    const lifted = await gateway.setTransferHold(transferA, false);
    expect(lifted).toMatchObject({ id: transferA, onHold: false, settlementStatus: 'pending' });

    const reversal = await gateway.reverseTransfer(transferB, 10000);
    expect(reversal).toEqual({ id: expect.stringMatching(/^rvrsl_/), amountPaise: 10000 });
    expect(await gateway.fetchTransfer(transferB)).toMatchObject({
      amountReversedPaise: 10000,
      status: 'partially_reversed',
      onHold: true,
    });
    expect((await gatewayError(gateway.reverseTransfer(transferB, 30001))).statusCode).toBe(400);

    const second = await control<{ linkedAccounts: { id: string; amount: number }[] }>(
      'POST',
      '/settlements',
    );
    expect(second.linkedAccounts).toHaveLength(1);
    expect(second.linkedAccounts[0]!.amount).toBe(60000);
    expect(await gateway.fetchTransfer(transferA)).toMatchObject({ settlementStatus: 'settled' });
    expect(await gateway.fetchTransfer(transferB)).toMatchObject({ settlementStatus: 'on_hold' });
    expect(await gateway.fetchSettlement(second.linkedAccounts[0]!.id)).toMatchObject({
      amountPaise: 60000,
      status: 'processed',
    });
    expect((await gatewayError(gateway.setTransferHold(transferA, true))).message).toMatch(
      /settled/,
    );
  });

  it('refunds: same idempotency key → same refund; reverse_all; bounded; no new transfer afterwards', async () => {
    const input = {
      amountPaise: 50000,
      idempotencyKey: 'refund-key-0001',
      reverseAll: true,
      notes: { why: 'return' },
    };
    const refund = await gateway.refundPayment(paymentId, input);
    expect(refund).toEqual({
      id: expect.stringMatching(/^rfnd_/),
      paymentId,
      amountPaise: 50000,
      status: 'processed',
      notes: { why: 'return' },
    });
    expect(await gateway.refundPayment(paymentId, input)).toEqual(refund);
    expect(await gateway.fetchRefund(refund.id)).toEqual(refund);
    expect(await gateway.fetchPayment(paymentId)).toMatchObject({
      status: 'captured',
      amountRefundedPaise: 50000,
    });
    // Same key, different body: refused.
    expect(
      (await gatewayError(gateway.refundPayment(paymentId, { ...input, amountPaise: 40000 })))
        .statusCode,
    ).toBe(400);
    // reverse_all reversed what was left of both transfers.
    expect(await gateway.fetchTransfer(transferA)).toMatchObject({
      amountReversedPaise: 60000,
      status: 'reversed',
    });
    expect(await gateway.fetchTransfer(transferB)).toMatchObject({
      amountReversedPaise: 40000,
      status: 'reversed',
    });

    const above = await gatewayError(
      gateway.refundPayment(paymentId, {
        ...input,
        idempotencyKey: 'refund-key-0002',
        amountPaise: 150001,
      }),
    );
    expect(above).toMatchObject({ statusCode: 400, retryable: false });
    expect(above.message).toMatch(/greater than amount captured/);

    const after = await gatewayError(
      gateway.transferFromPayment(paymentId, [
        { accountId: dealerA, amountPaise: 100, onHold: true, notes: {} },
      ]),
    );
    expect(after.message).toMatch(/refund has been initiated/);
  });

  it('a refund answered with a 5xx after it was made is not duplicated when retried with the same key', async () => {
    sandbox.control.setFaults({ api: { failAfterNext: 1 } });
    const input = {
      amountPaise: 150000,
      idempotencyKey: 'refund-key-0003',
      reverseAll: false,
      notes: {},
    };
    const lost = await gatewayError(gateway.refundPayment(paymentId, input));
    expect(lost).toMatchObject({ statusCode: 502, retryable: true });
    const retried = await gateway.refundPayment(paymentId, input);
    expect(retried.amountPaise).toBe(150000);
    expect(await gateway.fetchPayment(paymentId)).toMatchObject({
      status: 'refunded',
      amountRefundedPaise: 200000,
    });
  });

  it('refuses a refund of an uncaptured payment', async () => {
    const order = await gateway.createOrder({ amountPaise: 5000, receipt: 'FB-ORD-8', notes: {} });
    const checkout = await pay(order.id, 'authorized');
    const err = await gatewayError(
      gateway.refundPayment(checkout.razorpay_payment_id, {
        amountPaise: 5000,
        idempotencyKey: 'refund-key-0004',
        reverseAll: false,
        notes: {},
      }),
    );
    expect(err).toMatchObject({ statusCode: 400, code: 'BAD_REQUEST_ERROR' });
  });
});

describe('linked accounts', () => {
  it('creates, fetches and activates a Route linked account; validates like Razorpay', async () => {
    const acc = await gateway.createLinkedAccount({
      referenceId: 'dlr-delta',
      email: 'delta@dealers.example.in',
      phone: '9000090001',
      legalBusinessName: 'Delta Spares',
      contactName: 'Delta Owner',
    });
    expect(acc).toEqual({
      id: expect.stringMatching(/^acc_/),
      status: 'created',
      referenceId: 'dlr-delta',
    });
    expect(await gateway.fetchLinkedAccount(acc.id)).toEqual(acc);
    await control('POST', `/accounts/${acc.id}/activate`);
    expect(await gateway.fetchLinkedAccount(acc.id)).toMatchObject({ status: 'activated' });
    await sandbox.control.flushWebhooks();
    const activated = receiver
      .events()
      .filter((e) => e.event === 'account.activated' && e.body.account_id === acc.id);
    expect(activated).toHaveLength(1);

    const bad = await gatewayError(
      gateway.createLinkedAccount({
        referenceId: 'this-reference-is-far-too-long',
        email: 'echo@dealers.example.in',
        phone: null,
        legalBusinessName: 'Echo Spares',
        contactName: 'Echo Owner',
      }),
    );
    expect(bad).toMatchObject({ statusCode: 400, code: 'BAD_REQUEST_ERROR', retryable: false });
    expect((await gatewayError(gateway.fetchLinkedAccount('acc_DoesNotExist00'))).statusCode).toBe(
      400,
    );
  });
});

describe('webhooks', () => {
  const verify = (r: Received) =>
    createHmac('sha256', WEBHOOK_SECRET).update(r.body).digest('hex') ===
    r.headers['x-razorpay-signature'];

  it('are signed over the raw body and carry the documented envelope', async () => {
    await sandbox.control.flushWebhooks();
    const before = receiver.received.length;
    const order = await gateway.createOrder({ amountPaise: 30000, receipt: 'FB-ORD-9', notes: {} });
    const checkout = await pay(order.id);
    await sandbox.control.flushWebhooks();
    const fresh = receiver.received.slice(before);
    expect(fresh.map((r) => JSON.parse(r.body).event)).toEqual([
      'payment.authorized',
      'payment.captured',
      'order.paid',
    ]);
    for (const r of fresh) {
      expect(verify(r)).toBe(true);
      expect(r.headers['x-razorpay-event-id']).toMatch(/^evt_/);
      expect(r.headers['content-type']).toBe('application/json');
      const tampered = { ...r, body: r.body.replace('30000', '30001') };
      expect(verify(tampered)).toBe(false);
    }
    const paid = JSON.parse(fresh[2]!.body) as Record<string, unknown>;
    expect(paid).toEqual({
      entity: 'event',
      account_id: expect.stringMatching(/^acc_/),
      event: 'order.paid',
      contains: ['payment', 'order'],
      payload: {
        payment: {
          entity: expect.objectContaining({
            id: checkout.razorpay_payment_id,
            status: 'captured',
            amount: 30000,
          }),
        },
        order: {
          entity: expect.objectContaining({ id: order.id, status: 'paid', amount_paid: 30000 }),
        },
      },
      created_at: expect.any(Number),
    });
    // The log keeps exactly what was sent.
    const logged = sandbox.control.webhooks().find((w) => w.body === fresh[2]!.body);
    expect(logged?.delivered).toBe(true);
  });

  it('fault injection: duplicates keep the event id, a reorder window reverses, failures are redelivered', async () => {
    await sandbox.control.flushWebhooks();
    sandbox.control.setFaults({ webhooks: { duplicateRate: 1 } });
    let before = receiver.received.length;
    const o1 = await gateway.createOrder({ amountPaise: 1000, receipt: 'FB-ORD-10', notes: {} });
    await pay(o1.id, 'failed');
    await sandbox.control.flushWebhooks();
    let fresh = receiver.received.slice(before);
    expect(fresh).toHaveLength(2);
    expect(fresh[0]!.headers['x-razorpay-event-id']).toBe(fresh[1]!.headers['x-razorpay-event-id']);
    expect(fresh[0]!.body).toBe(fresh[1]!.body);
    expect(JSON.parse(fresh[0]!.body).event).toBe('payment.failed');

    await control('POST', '/faults', { webhooks: { duplicateRate: 0, reorderWindow: 3 } });
    before = receiver.received.length;
    const o2 = await gateway.createOrder({ amountPaise: 1000, receipt: 'FB-ORD-11', notes: {} });
    await pay(o2.id);
    await control('POST', '/webhooks/flush');
    fresh = receiver.received.slice(before);
    expect(fresh.map((r) => JSON.parse(r.body).event)).toEqual([
      'order.paid',
      'payment.captured',
      'payment.authorized',
    ]);
    expect(fresh.every(verify)).toBe(true);

    sandbox.control.setFaults({ webhooks: { reorderWindow: 1 } });
    receiver.failNext = 2;
    before = receiver.received.length;
    const o3 = await gateway.createOrder({ amountPaise: 1000, receipt: 'FB-ORD-12', notes: {} });
    await pay(o3.id, 'failed');
    await sandbox.control.flushWebhooks();
    fresh = receiver.received.slice(before);
    expect(fresh).toHaveLength(3);
    expect(new Set(fresh.map((r) => r.body)).size).toBe(1);
    const log = await control<{
      items: { eventId: string; attempts: { status: number }[]; delivered: boolean }[];
    }>('GET', '/webhooks');
    const record = log.items.find((w) => w.eventId === fresh[0]!.headers['x-razorpay-event-id']);
    expect(record?.attempts.map((a) => a.status)).toEqual([500, 500, 200]);
    expect(record?.delivered).toBe(true);
  });
});

describe('API faults become GatewayErrors', () => {
  it('5xx, dropped connections, timeouts and refused connections are retryable; bad keys are not', async () => {
    const order = await gateway.createOrder({ amountPaise: 1000, receipt: 'FB-ORD-13', notes: {} });

    sandbox.control.setFaults({ api: { failNext: 1 } });
    const unavailable = await gatewayError(gateway.fetchOrder(order.id));
    expect(unavailable).toMatchObject({ statusCode: 503, code: 'SERVER_ERROR', retryable: true });
    expect((await gateway.fetchOrder(order.id)).id).toBe(order.id);

    await control('POST', '/faults', { api: { fail5xxRate: 1 } });
    expect((await gatewayError(gateway.fetchPayment('pay_Whatever000000'))).retryable).toBe(true);
    sandbox.control.resetFaults();

    sandbox.control.setFaults({ api: { dropNext: 1 } });
    const dropped = await gatewayError(gateway.fetchOrder(order.id));
    expect(dropped).toMatchObject({ statusCode: null, retryable: true });

    sandbox.control.setFaults({ api: { delayMs: 300 } });
    const impatient = new RazorpayGateway(
      { apiUrl: sandbox.url, keyId: KEY_ID, keySecret: KEY_SECRET, webhookSecrets: [] },
      { timeoutMs: 50 },
    );
    const timedOut = await gatewayError(impatient.fetchOrder(order.id));
    expect(timedOut).toMatchObject({ statusCode: null, retryable: true });
    sandbox.control.resetFaults();

    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const closedPort = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const nowhere = new RazorpayGateway({
      apiUrl: `http://127.0.0.1:${closedPort}`,
      keyId: KEY_ID,
      keySecret: KEY_SECRET,
      webhookSecrets: [],
    });
    const refused = await gatewayError(nowhere.fetchOrder(order.id));
    expect(refused).toMatchObject({ statusCode: null, retryable: true });
    const refusedRefund = await gatewayError(
      nowhere.refundPayment('pay_Whatever000000', {
        amountPaise: 100,
        idempotencyKey: 'refund-key-0005',
        reverseAll: false,
        notes: {},
      }),
    );
    expect(refusedRefund.retryable).toBe(true);

    const wrongKey = new RazorpayGateway({
      apiUrl: sandbox.url,
      keyId: KEY_ID,
      keySecret: 'not-the-secret',
      webhookSecrets: [],
    });
    const denied = await gatewayError(wrongKey.fetchOrder(order.id));
    expect(denied).toMatchObject({ statusCode: 401, code: 'BAD_REQUEST_ERROR', retryable: false });
    expect((await gatewayError(gateway.fetchOrder('order_DoesNotExist00'))).statusCode).toBe(400);
  });
});
