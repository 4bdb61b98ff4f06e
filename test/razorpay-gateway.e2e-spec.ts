/**
 * The Razorpay adapter through the real `razorpay` SDK, its axios instance pointed at the local
 * sandbox (scripts/razorpay-sandbox) started in-process: Orders, checkout signature, capture, Route
 * transfers with holds and reversals, refunds with the idempotency header, linked accounts and
 * settlements, Route's rules as the sandbox enforces them, linked accounts' business profile and
 * one account per email, the list calls reconciliation uses (paging, inclusive ranges, transfers of
 * a settlement, the platform's own settlements), signed webhooks (verified here with node:crypto
 * against the raw body) and injected faults.
 */
import { createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { buffer } from 'node:stream/consumers';
import {
  GatewayError,
  GatewayLinkedAccountExists,
  notFoundAtGateway,
  type GatewayLinkedAccountInput,
} from '../src/gateway/payment-gateway.js';
import { RazorpayGateway } from '../src/gateway/razorpay.gateway.js';
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

/** A mobile-parts dealer's linked account as Razorpay's v2 accounts API takes it. */
function accountInput(
  name: string,
  over: Partial<GatewayLinkedAccountInput> = {},
): GatewayLinkedAccountInput {
  return {
    referenceId: `dlr-${name}`.slice(0, 20),
    email: `${name}@dealers.example.in`,
    phone: '9000090000',
    legalBusinessName: `${name} Mobile Parts`,
    contactName: `${name} Owner`,
    businessType: 'partnership',
    profile: {
      category: 'ecommerce',
      subcategory: 'telecommunication_equipment_stores',
      registeredAddress: {
        street1: '12 SP Road',
        street2: 'Near Town Hall',
        city: 'Bengaluru',
        state: 'KARNATAKA',
        postalCode: '560002',
        country: 'IN',
      },
    },
    legalInfo: { pan: 'AAAFD1234K', gst: '29AAAFD1234K1Z5' },
    ...over,
  };
}

/** A settlement bank account for a Route product configuration. */
const SETTLEMENTS = {
  accountNumber: '50100123456789',
  ifsc: 'HDFC0000317',
  beneficiaryName: 'Delta Mobile Parts',
};

/** A linked account onboarded as Route needs (stakeholder, product configured) and activated. */
async function activeAccount(name: string, g = gateway, s = () => sandbox): Promise<string> {
  const acc = await g.createLinkedAccount(accountInput(name));
  await g.createStakeholder(acc.id, {
    name: 'Dealer Owner',
    email: `owner.${name}@dealers.example.in`,
    phone: null,
    pan: null,
  });
  const product = await g.requestRouteProduct(acc.id);
  await g.configureRouteProduct(acc.id, product.id, SETTLEMENTS);
  s().control.activateAccount(acc.id);
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

    const unactivated = await gateway.createLinkedAccount(accountInput('charlie', { phone: null }));
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
        recipientSettlementId: null,
        notes: { subOrder: 'so-a' },
        createdAt: expect.any(Number),
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
    // A linked account's settlement is found as that account's (X-Razorpay-Account), not as ours.
    const dealerSettlement = second.linkedAccounts[0]!.id;
    const { recipientAccountId } = await gateway.fetchTransfer(transferA);
    expect(await gateway.fetchSettlement(dealerSettlement, recipientAccountId)).toMatchObject({
      amountPaise: 60000,
      status: 'processed',
    });
    expect((await gatewayError(gateway.fetchSettlement(dealerSettlement))).statusCode).toBe(400);
    expect(
      (await gatewayError(gateway.fetchSettlement(first.merchant!.id, recipientAccountId)))
        .statusCode,
    ).toBe(400);
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
      createdAt: expect.any(Number),
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
  it('creates, fetches and onboards a Route linked account (stakeholder, product configuration), then activates it; validates like Razorpay', async () => {
    const acc = await gateway.createLinkedAccount(accountInput('delta', { phone: '9000090001' }));
    expect(acc).toEqual({
      id: expect.stringMatching(/^acc_/),
      status: 'created',
      referenceId: 'dlr-delta',
    });
    expect(await gateway.fetchLinkedAccount(acc.id)).toEqual(acc);
    // Razorpay activates nothing before the Route onboarding is complete.
    await expect(control('POST', `/accounts/${acc.id}/activate`)).rejects.toThrow(/400/);

    const stakeholder = await gateway.createStakeholder(acc.id, {
      name: 'Delta Owner',
      email: 'owner@delta.example.in',
      phone: '9000090001',
      pan: 'ABCPE1234F',
    });
    expect(stakeholder).toEqual({
      id: expect.stringMatching(/^sth_/),
      email: 'owner@delta.example.in',
    });
    expect(await gateway.stakeholdersOf(acc.id)).toEqual([stakeholder]);
    expect(sandbox.control.stakeholders(acc.id)[0]).toMatchObject({
      name: 'Delta Owner',
      phone: { primary: '9000090001' },
      kyc: { pan: 'ABCPE1234F' },
    });
    const requested = await gateway.requestRouteProduct(acc.id);
    expect(requested).toEqual({
      id: expect.stringMatching(/^acc_prd_/),
      accountId: acc.id,
      activationStatus: 'requested',
      requirements: [
        'settlements.account_number: field_missing',
        'settlements.ifsc_code: field_missing',
        'settlements.beneficiary_name: field_missing',
      ],
    });
    expect(await gateway.requestRouteProduct(acc.id)).toMatchObject({ id: requested.id });
    const configured = await gateway.configureRouteProduct(acc.id, requested.id, SETTLEMENTS);
    expect(configured).toEqual({
      ...requested,
      activationStatus: 'under_review',
      requirements: [],
    });
    expect(sandbox.control.routeProduct(acc.id)).toMatchObject({
      requested_configuration: {
        settlements: {
          account_number: '50100123456789',
          ifsc_code: 'HDFC0000317',
          beneficiary_name: 'Delta Mobile Parts',
        },
      },
      tnc: { accepted: true },
    });
    // What Razorpay refuses: a business PAN as a stakeholder's KYC, a malformed settlement account,
    // an unknown product or account.
    const refusals = [
      await gatewayError(
        gateway.createStakeholder(acc.id, {
          name: 'Delta Firm',
          email: 'firm@delta.example.in',
          phone: null,
          pan: 'AAAFD1234K',
        }),
      ),
      await gatewayError(
        gateway.configureRouteProduct(acc.id, requested.id, {
          ...SETTLEMENTS,
          accountNumber: '1234-5678-90',
        }),
      ),
      await gatewayError(
        gateway.configureRouteProduct(acc.id, requested.id, { ...SETTLEMENTS, ifsc: 'HDFC317' }),
      ),
      await gatewayError(
        gateway.configureRouteProduct(acc.id, 'acc_prd_DoesNotExist0', SETTLEMENTS),
      ),
      await gatewayError(gateway.requestRouteProduct('acc_DoesNotExist00')),
    ];
    expect(refusals.map((e) => [e.statusCode, e.retryable])).toEqual(
      refusals.map(() => [400, false]),
    );
    expect(refusals.map((e) => e.message)).toEqual([
      expect.stringMatching(/pan/),
      expect.stringMatching(/account number/),
      expect.stringMatching(/ifsc/),
      expect.stringMatching(/product config id/),
      expect.stringMatching(/Linked account does not exist/),
    ]);

    await control('POST', `/accounts/${acc.id}/activate`);
    expect(await gateway.fetchLinkedAccount(acc.id)).toMatchObject({ status: 'activated' });
    expect(await gateway.fetchRouteProduct(acc.id, requested.id)).toMatchObject({
      activationStatus: 'activated',
    });
    await sandbox.control.flushWebhooks();
    const activated = receiver
      .events()
      .filter((e) => e.event === 'account.activated' && e.body.account_id === acc.id);
    expect(activated).toHaveLength(1);

    const bad = await gatewayError(
      gateway.createLinkedAccount(
        accountInput('echo', { referenceId: 'this-reference-is-far-too-long' }),
      ),
    );
    expect(bad).toMatchObject({ statusCode: 400, code: 'BAD_REQUEST_ERROR', retryable: false });
    expect((await gatewayError(gateway.fetchLinkedAccount('acc_DoesNotExist00'))).statusCode).toBe(
      400,
    );
  });

  it('sends the business profile and legal info; refuses what Razorpay refuses', async () => {
    const acc = await gateway.createLinkedAccount(accountInput('foxtrot'));
    const stored = sandbox.control.accounts().find((a) => a.id === acc.id)!;
    expect(stored).toMatchObject({
      reference_id: 'dlr-foxtrot',
      business_type: 'partnership',
      profile: {
        category: 'ecommerce',
        subcategory: 'telecommunication_equipment_stores',
        addresses: {
          registered: {
            street1: '12 SP Road',
            street2: 'Near Town Hall',
            city: 'Bengaluru',
            state: 'KARNATAKA',
            postal_code: '560002',
            country: 'IN',
          },
        },
      },
      legal_info: { pan: 'AAAFD1234K', gst: '29AAAFD1234K1Z5' },
    });

    const address = accountInput('x').profile.registeredAddress;
    const refused = async (over: Partial<GatewayLinkedAccountInput>, field: string) => {
      const name = `golf${Math.random().toString(36).slice(2, 8)}`;
      const err = await gatewayError(gateway.createLinkedAccount(accountInput(name, over)));
      expect(err).toMatchObject({ statusCode: 400, code: 'BAD_REQUEST_ERROR', retryable: false });
      expect(err).not.toBeInstanceOf(GatewayLinkedAccountExists);
      return { field, message: err.message };
    };
    const withAddress = (a: Partial<typeof address>) => ({
      profile: { ...accountInput('x').profile, registeredAddress: { ...address, ...a } },
    });
    const cases = [
      await refused(withAddress({ street2: '' }), 'street2'),
      await refused(withAddress({ postalCode: '56002' }), 'postal code'),
      await refused(withAddress({ postalCode: '56OO02' }), 'postal code'),
      await refused(withAddress({ state: 'KA' }), 'state'),
      await refused(withAddress({ state: 'Atlantis' }), 'state'),
      await refused(withAddress({ city: 'Bengaluru (Bangalore)' }), 'city'),
      await refused(withAddress({ country: 'US' as 'IN' }), 'country'),
      await refused(
        { profile: { ...accountInput('x').profile, subcategory: 'clinic' } },
        'subcategory',
      ),
      // A proprietor's personal PAN (4th character P) is not a business PAN.
      await refused({ legalInfo: { pan: 'ABCPE1234F' } }, 'pan'),
      await refused({ legalInfo: { gst: '29AAAFD1234K1Z' } }, 'gst'),
      await refused({ referenceId: 'ab' }, 'code'),
      await refused({ businessType: 'sole_trader' }, 'business type'),
    ];
    for (const c of cases) expect(c.message.toLowerCase()).toContain(c.field);
    // The state's name in any case is accepted.
    expect(
      (
        await gateway.createLinkedAccount(
          accountInput('hotel', withAddress({ state: 'Karnataka' })),
        )
      ).status,
    ).toBe('created');
  });

  it('one linked account per email: a second create is refused naming the first', async () => {
    const first = await gateway.createLinkedAccount(accountInput('india'));
    const again = await gatewayError(
      gateway.createLinkedAccount(accountInput('india', { referenceId: 'dlr-other' })),
    );
    expect(again).toBeInstanceOf(GatewayLinkedAccountExists);
    expect(again).toMatchObject({ statusCode: 400, retryable: false, accountId: first.id });
    expect(again.message).toMatch(/Merchant email already exists for account/);
    expect(
      sandbox.control.accounts().filter((a) => a.email === 'india@dealers.example.in'),
    ).toHaveLength(1);
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

describe('lists for reconciliation (a sandbox of its own, on a clock the test sets)', () => {
  const T0 = 1_760_000_000;
  let clockSec = T0;
  let lists: RazorpaySandbox;
  let gw: RazorpayGateway;
  /** The 230 payments captured at T0 + i, oldest first. */
  const captured: { id: string; createdAt: number }[] = [];
  const at = (sec: number) => {
    clockSec = sec;
  };
  const basic = `Basic ${Buffer.from(`${KEY_ID}:${KEY_SECRET}`).toString('base64')}`;
  const raw = async (path: string) => {
    const res = await fetch(`${lists.url}${path}`, { headers: { authorization: basic } });
    return {
      status: res.status,
      body: (await res.json()) as {
        entity?: string;
        count?: number;
        items?: { id: string; created_at: number }[];
        error?: { code: string; description: string; field?: string };
      },
    };
  };
  /** The SDK's axios instance inside the adapter, to act between two page requests. */
  interface RequestConfig {
    url?: string;
    params?: Record<string, unknown>;
  }
  const requestsOf = (g: RazorpayGateway) =>
    (
      g as unknown as {
        client: {
          api: {
            rq: {
              interceptors: {
                request: {
                  use(f: (c: RequestConfig) => RequestConfig): number;
                  eject(id: number): void;
                };
              };
            };
          };
        };
      }
    ).client.api.rq.interceptors.request;

  beforeAll(async () => {
    lists = await startRazorpaySandbox({
      keyId: KEY_ID,
      keySecret: KEY_SECRET,
      webhookSecret: WEBHOOK_SECRET,
      clock: () => clockSec * 1000,
    });
    gw = new RazorpayGateway({
      apiUrl: lists.url,
      keyId: KEY_ID,
      keySecret: KEY_SECRET,
      webhookSecrets: [],
    });
  });
  afterAll(async () => {
    await lists?.stop();
  });
  afterEach(() => {
    lists.control.resetFaults();
  });

  it('pages through 230 payments newest first, each once, also when payments arrive between pages', async () => {
    const orders: string[] = [];
    for (let i = 0; i < 235; i++) {
      at(T0 + i);
      orders.push(
        (await gw.createOrder({ amountPaise: 10_000 + i, receipt: `L-${i}`, notes: {} })).id,
      );
    }
    for (let i = 0; i < 230; i++) {
      at(T0 + i);
      captured.push({ id: lists.control.pay(orders[i]!).payment.id, createdAt: T0 + i });
    }
    // Five newer payments land right before the second page is asked for: page two then starts
    // with five payments of page one again.
    const pages: number[] = [];
    const hook = requestsOf(gw).use((c) => {
      if (c.url === '/v1/payments') {
        pages.push(Number(c.params?.skip));
        expect(c.params).toMatchObject({ from: T0, to: T0 + 1000, count: 100 });
        if (c.params?.skip === 100) {
          at(T0 + 500);
          for (const o of orders.slice(230)) lists.control.pay(o);
        }
      }
      return c;
    });
    let listed;
    try {
      listed = await gw.listPayments({ from: T0, to: T0 + 1000 });
    } finally {
      requestsOf(gw).eject(hook);
    }
    expect(pages).toEqual([0, 100, 200]);
    expect(listed.map((p) => p.id)).toEqual(captured.map((p) => p.id).reverse());
    expect(listed[0]).toMatchObject({ status: 'captured', createdAt: T0 + 229 });
    // Asked again, the five newer ones come first.
    const all = await gw.listPayments({ from: T0, to: T0 + 1000 });
    expect(all).toHaveLength(235);
    expect(new Set(all.map((p) => p.id)).size).toBe(235);
    expect(all.slice(5).map((p) => p.id)).toEqual(listed.map((p) => p.id));
  });

  it('from and to are inclusive on created_at (payments and refunds)', async () => {
    const window = await gw.listPayments({ from: T0 + 10, to: T0 + 20 });
    expect(window.map((p) => p.createdAt)).toEqual(
      Array.from({ length: 11 }, (_, i) => T0 + 20 - i),
    );
    expect(window.map((p) => p.id)).toEqual(
      captured
        .slice(10, 21)
        .map((p) => p.id)
        .reverse(),
    );
    expect((await gw.listPayments({ from: T0 + 229, to: T0 + 229 })).map((p) => p.id)).toEqual([
      captured[229]!.id,
    ]);
    expect(await gw.listPayments({ from: T0 - 100, to: T0 - 1 })).toEqual([]);

    const refunds = [];
    for (let i = 0; i < 3; i++) {
      at(T0 + 1000 + i);
      refunds.push(
        await gw.refundPayment(captured[i]!.id, {
          amountPaise: 1_000,
          idempotencyKey: `list-refund-${i}-key`,
          reverseAll: false,
          notes: {},
        }),
      );
    }
    expect(refunds.map((r) => r.createdAt)).toEqual([T0 + 1000, T0 + 1001, T0 + 1002]);
    const first2 = await gw.listRefunds({ from: T0 + 1000, to: T0 + 1001 });
    expect(first2.map((r) => r.id)).toEqual([refunds[1]!.id, refunds[0]!.id]);
    expect(first2[0]).toMatchObject({ paymentId: captured[1]!.id, amountPaise: 1_000 });
    expect(await gw.listRefunds({ from: T0 + 1003, to: T0 + 2000 })).toEqual([]);
  });

  it('transfers by range and by the linked-account settlement that paid them (with its time); reversals with theirs; settlements are only the platform’s', async () => {
    at(T0 + 2000);
    const [a, b] = [
      await activeAccount('lima', gw, () => lists),
      await activeAccount('mike', gw, () => lists),
    ];
    at(T0 + 2001);
    const order = await gw.createOrder({ amountPaise: 100_000, receipt: 'L-T', notes: {} });
    const paymentId = lists.control.pay(order.id).payment.id;
    at(T0 + 2002);
    const [toA, toB, heldA] = await gw.transferFromPayment(paymentId, [
      { accountId: a!, amountPaise: 30_000, onHold: false, notes: {} },
      { accountId: b!, amountPaise: 20_000, onHold: false, notes: {} },
      { accountId: a!, amountPaise: 10_000, onHold: true, notes: {} },
    ]);
    at(T0 + 2010);
    const settled = lists.control.settle();
    expect(settled.merchant).not.toBeNull();
    const settlementOf = (accountId: string) =>
      settled.linkedAccounts.find((s) => s.amount === (accountId === a ? 30_000 : 20_000))!;

    const ofA = await gw.recipientSettlement(settlementOf(a!).id);
    expect(ofA).toEqual({
      id: settlementOf(a!).id,
      createdAt: T0 + 2010,
      transfers: [
        expect.objectContaining({
          id: toA!.id,
          recipientAccountId: a,
          amountPaise: 30_000,
          settlementStatus: 'settled',
          recipientSettlementId: settlementOf(a!).id,
          createdAt: T0 + 2002,
        }),
      ],
    });
    expect((await gw.recipientSettlement(settlementOf(b!).id)).transfers.map((t) => t.id)).toEqual([
      toB!.id,
    ]);
    // A settled transfer reversed after its settlement: each reversal with its own time.
    expect(await gw.reversalsOfTransfer(toA!.id)).toEqual([]);
    at(T0 + 2015);
    const reversal = await gw.reverseTransfer(toA!.id, 4_000);
    expect(await gw.reversalsOfTransfer(toA!.id)).toEqual([
      { id: reversal.id, transferId: toA!.id, amountPaise: 4_000, createdAt: T0 + 2015 },
    ]);
    // The held transfer settles later, in a settlement of its own.
    await gw.setTransferHold(heldA!.id, false);
    at(T0 + 2020);
    const later = lists.control.settle();
    expect(later.linkedAccounts).toHaveLength(1);
    expect(
      (await gw.recipientSettlement(later.linkedAccounts[0]!.id)).transfers.map((t) => t.id),
    ).toEqual([heldA!.id]);

    const inRange = await gw.listTransfers({ from: T0 + 2002, to: T0 + 2002 });
    expect(inRange.map((t) => t.id)).toEqual([heldA!.id, toB!.id, toA!.id]);
    expect(await gw.listTransfers({ from: T0 + 2003, to: T0 + 3000 })).toEqual([]);

    // The platform's settlements only: the linked accounts' are theirs.
    const platform = await gw.listSettlements({ from: T0, to: T0 + 3000 });
    const own = [settled.merchant, later.merchant].filter((s) => s !== null).map((s) => s.id);
    expect(platform.map((s) => s.id)).toEqual(own.reverse());
    expect(platform[0]).toMatchObject({ status: 'processed', createdAt: expect.any(Number) });
    const linked = [...settled.linkedAccounts, ...later.linkedAccounts].map((s) => s.id);
    expect(platform.map((s) => s.id).filter((id) => linked.includes(id))).toEqual([]);
    expect(await gw.listSettlements({ from: T0 + 2011, to: T0 + 2019 })).toEqual([]);
  });

  it('count is 10 by default, 1 to 100 (Razorpay’s 400 otherwise); skip pages; failures are GatewayErrors', async () => {
    const first = await raw('/v1/payments');
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ entity: 'collection', count: 10 });
    expect(first.body.items).toHaveLength(10);
    expect((await raw('/v1/payments?count=100')).body.items).toHaveLength(100);
    const skipped = await raw('/v1/payments?count=5&skip=5');
    expect(skipped.body.items!.map((p) => p.id)).toEqual(
      first.body.items!.slice(5).map((p) => p.id),
    );
    for (const [query, description] of [
      ['count=101', 'The count may not be greater than 100.'],
      ['count=0', 'The count must be at least 1.'],
      ['count=ten', 'The count must be an integer.'],
      ['skip=-1', 'The skip must be at least 0.'],
      ['from=yesterday', 'The from must be an integer.'],
    ] as const) {
      for (const path of ['/v1/payments', '/v1/refunds', '/v1/transfers', '/v1/settlements']) {
        const res = await raw(`${path}?${query}`);
        expect(res.status).toBe(400);
        expect(res.body.error).toMatchObject({ code: 'BAD_REQUEST_ERROR', description });
      }
    }

    lists.control.setFaults({ api: { failNext: 1 } });
    const unavailable = await gatewayError(gw.listSettlements({ from: T0, to: T0 + 3000 }));
    expect(unavailable).toMatchObject({ statusCode: 503, code: 'SERVER_ERROR', retryable: true });
    expect(unavailable.message).toMatch(/list settlements/);
    // A failure on a later page fails the whole list (no partial answer).
    const hook = requestsOf(gw).use((c) => {
      if (c.url === '/v1/payments' && c.params?.skip === 100)
        lists.control.setFaults({ api: { failNext: 1 } });
      return c;
    });
    try {
      expect((await gatewayError(gw.listPayments({ from: T0, to: T0 + 1000 }))).retryable).toBe(
        true,
      );
    } finally {
      requestsOf(gw).eject(hook);
    }
  });
});

describe('payment links and UPI QR codes (the technician collecting at the job)', () => {
  const basic = `Basic ${Buffer.from(`${KEY_ID}:${KEY_SECRET}`).toString('base64')}`;
  /** A Razorpay API call as it goes over the wire (to see the exact shapes and errors). */
  const api = async (method: string, path: string, body?: unknown, base = () => sandbox.url) => {
    const res = await fetch(`${base()}${path}`, {
      method,
      headers: { authorization: basic, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  const signed = (r: Received) =>
    createHmac('sha256', WEBHOOK_SECRET).update(r.body).digest('hex') ===
    r.headers['x-razorpay-signature'];
  /** Runs `act`, then returns the webhooks it caused, each checked to be signed over its raw body. */
  async function webhooksOf(act: () => Promise<unknown>) {
    await sandbox.control.flushWebhooks();
    const before = receiver.received.length;
    await act();
    await sandbox.control.flushWebhooks();
    const fresh = receiver.received.slice(before);
    for (const r of fresh) expect(signed(r)).toBe(true);
    return fresh.map((r) => JSON.parse(r.body) as Record<string, unknown> & { event: string });
  }
  const inAnHour = () => Math.floor(Date.now() / 1000) + 3600;
  let seqNo = 0;
  const ref = () => `FB-JOB-${Date.now().toString(36)}-${seqNo++}`;
  const linkInput = (referenceId: string) => ({
    amountPaise: 149900,
    referenceId,
    description: 'Screen replacement, job FB-J-1001',
    customer: { name: 'Asha Rao', contact: '+919812345678', email: 'asha@example.in' },
    notify: { sms: false, email: false },
    expireBy: inAnHour(),
    notes: { job: 'FB-J-1001' },
    callbackUrl: 'https://fixbazaar.example/jobs/FB-J-1001/paid',
  });
  const qrInput = () => ({
    amountPaise: 89900,
    name: 'FB-J-1002',
    description: 'Battery replacement, job FB-J-1002',
    closeBy: inAnHour(),
    notes: { job: 'FB-J-1002' },
  });

  it('a link: created, fetched and listed by reference as Razorpay shapes it; a second link with the reference is refused; cancelled', async () => {
    const referenceId = ref();
    const input = linkInput(referenceId);
    const link = await gateway.createPaymentLink(input);
    expect(link).toEqual({
      id: expect.stringMatching(/^plink_[A-Za-z0-9]{14}$/),
      referenceId,
      amountPaise: 149900,
      amountPaidPaise: 0,
      status: 'created',
      shortUrl: expect.stringMatching(/^https:\/\/rzp\.io\/i\//),
      orderId: null,
      payments: [],
      expireBy: input.expireBy,
      notes: { job: 'FB-J-1001' },
      createdAt: expect.any(Number),
    });
    const wire = await api('GET', `/v1/payment_links/${link.id}`);
    expect(wire).toEqual({
      status: 200,
      body: {
        id: link.id,
        accept_partial: false,
        amount: 149900,
        amount_paid: 0,
        callback_method: 'get',
        callback_url: input.callbackUrl,
        cancelled_at: 0,
        created_at: link.createdAt,
        currency: 'INR',
        customer: input.customer,
        description: input.description,
        expire_by: input.expireBy,
        expired_at: 0,
        first_min_partial_amount: 0,
        notes: { job: 'FB-J-1001' },
        notify: { sms: false, email: false },
        order_id: null,
        payments: null,
        reference_id: referenceId,
        reminder_enable: false,
        reminders: [],
        short_url: link.shortUrl,
        status: 'created',
        updated_at: link.createdAt,
        upi_link: false,
        user_id: '',
      },
    });
    expect(await gateway.fetchPaymentLink(link.id)).toEqual(link);

    // Razorpay keeps reference_id unique: a retried create is refused, and the link is found by it.
    const dup = await gatewayError(gateway.createPaymentLink({ ...input, amountPaise: 100 }));
    expect(dup).toMatchObject({ statusCode: 400, code: 'BAD_REQUEST_ERROR', retryable: false });
    expect(dup.message).toContain(referenceId);
    expect(await gateway.paymentLinkByReference(referenceId)).toEqual(link);
    expect(await gateway.paymentLinkByReference(`${referenceId}-none`)).toBeNull();

    const events = await webhooksOf(async () => {
      const cancelled = await gateway.cancelPaymentLink(link.id);
      expect(cancelled).toMatchObject({ id: link.id, status: 'cancelled', amountPaidPaise: 0 });
    });
    expect(events.map((e) => e.event)).toEqual(['payment_link.cancelled']);
    expect(events[0]).toMatchObject({
      entity: 'event',
      contains: ['payment_link'],
      payload: {
        payment_link: {
          entity: { id: link.id, status: 'cancelled', cancelled_at: expect.any(Number) },
        },
      },
    });
    expect(await gatewayError(gateway.cancelPaymentLink(link.id))).toMatchObject({
      statusCode: 400,
      retryable: false,
    });
    await expect(control('POST', `/payment_links/${link.id}/pay`)).rejects.toThrow(/400/);
    const unknown = await gatewayError(gateway.fetchPaymentLink('plink_Unknown0000000'));
    expect(notFoundAtGateway(unknown)).toBe(true);
  });

  it('a link paid: captured payment, its order paid, payment_link.paid with the link, order and payment, all signed; the callback signature', async () => {
    const referenceId = ref();
    const link = await gateway.createPaymentLink(linkInput(referenceId));
    let callback!: {
      razorpay_payment_id: string;
      razorpay_payment_link_id: string;
      razorpay_payment_link_reference_id: string;
      razorpay_payment_link_status: string;
      razorpay_signature: string;
    };
    const events = await webhooksOf(async () => {
      callback = await control('POST', `/payment_links/${link.id}/pay`, { method: 'upi' });
    });
    const paymentId = callback.razorpay_payment_id;
    expect(callback).toEqual({
      razorpay_payment_id: expect.stringMatching(/^pay_/),
      razorpay_payment_link_id: link.id,
      razorpay_payment_link_reference_id: referenceId,
      razorpay_payment_link_status: 'paid',
      razorpay_signature: createHmac('sha256', KEY_SECRET)
        .update(`${link.id}|${referenceId}|paid|${paymentId}`)
        .digest('hex'),
    });

    const paid = await gateway.fetchPaymentLink(link.id);
    expect(paid).toMatchObject({
      status: 'paid',
      amountPaidPaise: 149900,
      orderId: expect.stringMatching(/^order_/),
      payments: [{ id: paymentId, amountPaise: 149900, status: 'captured' }],
    });
    const payment = await gateway.fetchPayment(paymentId);
    expect(payment).toMatchObject({
      status: 'captured',
      orderId: paid.orderId,
      amountPaise: 149900,
      method: 'upi',
      feePaise: 3538, // 2 % = 2998, + 18 % GST 540
      feeTaxPaise: 540,
    });
    expect(await gateway.fetchOrder(paid.orderId!)).toMatchObject({
      status: 'paid',
      amountPaidPaise: 149900,
      receipt: referenceId,
      notes: { job: 'FB-J-1001' },
    });

    expect(events.map((e) => e.event)).toEqual([
      'payment.authorized',
      'payment.captured',
      'order.paid',
      'payment_link.paid',
    ]);
    expect(events[3]).toEqual({
      entity: 'event',
      account_id: expect.stringMatching(/^acc_/),
      event: 'payment_link.paid',
      contains: ['payment_link', 'order', 'payment'],
      payload: {
        payment_link: {
          entity: expect.objectContaining({
            id: link.id,
            status: 'paid',
            amount: 149900,
            amount_paid: 149900,
            reference_id: referenceId,
            order_id: paid.orderId,
          }),
        },
        order: {
          entity: expect.objectContaining({
            id: paid.orderId,
            status: 'paid',
            amount_paid: 149900,
          }),
        },
        payment: {
          entity: expect.objectContaining({
            id: paymentId,
            status: 'captured',
            order_id: paid.orderId,
            amount: 149900,
            fee: 3538,
            tax: 540,
          }),
        },
      },
      created_at: expect.any(Number),
    });
    // Paid once only; a paid link cannot be cancelled.
    await expect(control('POST', `/payment_links/${link.id}/pay`)).rejects.toThrow(/400/);
    expect((await gatewayError(gateway.cancelPaymentLink(link.id))).statusCode).toBe(400);
  });

  it('a link accepting partial payments: partially_paid (payment_link.partially_paid, no order.paid), then paid', async () => {
    const referenceId = ref();
    const created = await api('POST', '/v1/payment_links', {
      amount: 149900,
      currency: 'INR',
      accept_partial: true,
      first_min_partial_amount: 50000,
      reference_id: referenceId,
    });
    expect(created.status).toBe(200);
    const id = created.body.id as string;
    await expect(control('POST', `/payment_links/${id}/pay`, { amount: 40000 })).rejects.toThrow(
      /400/,
    );
    let first!: { razorpay_payment_link_status: string };
    const partly = await webhooksOf(async () => {
      first = await control('POST', `/payment_links/${id}/pay`, { amount: 50000 });
    });
    expect(first.razorpay_payment_link_status).toBe('partially_paid');
    expect(partly.map((e) => e.event)).toEqual([
      'payment.authorized',
      'payment.captured',
      'payment_link.partially_paid',
    ]);
    const half = await gateway.fetchPaymentLink(id);
    expect(half).toMatchObject({ status: 'partially_paid', amountPaidPaise: 50000 });
    expect(await gateway.fetchOrder(half.orderId!)).toMatchObject({
      status: 'attempted',
      amountPaidPaise: 50000,
    });
    await expect(control('POST', `/payment_links/${id}/pay`, { amount: 99901 })).rejects.toThrow(
      /400/,
    );
    const rest = await webhooksOf(() => control('POST', `/payment_links/${id}/pay`));
    expect(rest.map((e) => e.event)).toEqual([
      'payment.authorized',
      'payment.captured',
      'order.paid',
      'payment_link.paid',
    ]);
    const paid = await gateway.fetchPaymentLink(id);
    expect(paid).toMatchObject({ status: 'paid', amountPaidPaise: 149900, orderId: half.orderId });
    expect(paid.payments.map((x) => x.amountPaise)).toEqual([50000, 99900]);
    expect(await gateway.fetchOrder(half.orderId!)).toMatchObject({
      status: 'paid',
      amountPaidPaise: 149900,
    });
  });

  it('a link expires: payment_link.expired, then it can be neither paid nor cancelled', async () => {
    const link = await gateway.createPaymentLink(linkInput(ref()));
    const events = await webhooksOf(() => control('POST', `/payment_links/${link.id}/expire`));
    expect(events.map((e) => e.event)).toEqual(['payment_link.expired']);
    expect(events[0]).toMatchObject({
      payload: {
        payment_link: {
          entity: { id: link.id, status: 'expired', expired_at: expect.any(Number) },
        },
      },
    });
    expect(await gateway.fetchPaymentLink(link.id)).toMatchObject({ status: 'expired' });
    await expect(control('POST', `/payment_links/${link.id}/pay`)).rejects.toThrow(/400/);
    expect((await gatewayError(gateway.cancelPaymentLink(link.id))).statusCode).toBe(400);
  });

  it('links: validation errors in Razorpay’s shape', async () => {
    const valid = {
      amount: 50000,
      currency: 'INR',
      reference_id: ref(),
      expire_by: inAnHour(),
      customer: { name: 'Asha Rao', contact: '+919812345678', email: 'asha@example.in' },
    };
    const cases: [Record<string, unknown>, string][] = [
      [{ amount: undefined }, 'amount'],
      [{ amount: 99 }, 'amount'],
      [{ amount: 10.5 }, 'amount'],
      [{ currency: 'USD' }, 'currency'],
      [{ reference_id: 'R'.repeat(41) }, 'reference_id'],
      [{ expire_by: Math.floor(Date.now() / 1000) + 60 }, 'expire_by'],
      [{ customer: { email: 'not-an-email' } }, 'email'],
      [{ customer: { contact: '12ab' } }, 'contact'],
      [{ callback_url: 'https://fixbazaar.example/done' }, 'callback_method'],
      [{ notes: { a: 'x'.repeat(257) } }, 'notes'],
    ];
    for (const [over, field] of cases) {
      const res = await api('POST', '/v1/payment_links', { ...valid, ...over });
      expect({ over, res }).toEqual({
        over,
        res: {
          status: 400,
          body: {
            error: {
              code: 'BAD_REQUEST_ERROR',
              description: expect.any(String),
              source: 'business',
              step: 'payment_initiation',
              reason: 'input_validation_failed',
              metadata: {},
              field,
            },
          },
        },
      });
    }
    // None of them was created (the valid reference is still free).
    expect((await api('POST', '/v1/payment_links', valid)).status).toBe(200);
    const err = await gatewayError(
      gateway.createPaymentLink({ ...linkInput(ref()), amountPaise: 5 }),
    );
    expect(err).toMatchObject({ statusCode: 400, code: 'BAD_REQUEST_ERROR', retryable: false });
  });

  it('a QR code: single-use, fixed amount, shaped as Razorpay; paid by UPI it closes (paid) and qr_code.credited carries the payment', async () => {
    const input = qrInput();
    let qr!: Awaited<ReturnType<typeof gateway.createQrCode>>;
    const created = await webhooksOf(async () => {
      qr = await gateway.createQrCode(input);
    });
    expect(created.map((e) => e.event)).toEqual(['qr_code.created']);
    expect(qr).toEqual({
      id: expect.stringMatching(/^qr_[A-Za-z0-9]{14}$/),
      amountPaise: 89900,
      status: 'active',
      closeReason: null,
      imageUrl: expect.stringMatching(/^https:\/\/rzp\.io\/i\//),
      paymentsAmountReceivedPaise: 0,
      paymentsCountReceived: 0,
      closeBy: input.closeBy,
      closedAt: null,
      notes: { job: 'FB-J-1002' },
      createdAt: expect.any(Number),
    });
    expect((await api('GET', `/v1/payments/qr_codes/${qr.id}`)).body).toEqual({
      id: qr.id,
      entity: 'qr_code',
      created_at: qr.createdAt,
      name: 'FB-J-1002',
      usage: 'single_use',
      type: 'upi_qr',
      image_url: qr.imageUrl,
      payment_amount: 89900,
      status: 'active',
      description: input.description,
      fixed_amount: true,
      payments_amount_received: 0,
      payments_count_received: 0,
      notes: { job: 'FB-J-1002' },
      customer_id: null,
      close_by: input.closeBy,
      closed_at: null,
      close_reason: null,
    });

    // A fixed-amount code takes exactly its amount.
    await expect(control('POST', `/qr_codes/${qr.id}/pay`, { amount: 50000 })).rejects.toThrow(
      /400/,
    );
    let paid!: { payment: { id: string } };
    const events = await webhooksOf(async () => {
      paid = await control('POST', `/qr_codes/${qr.id}/pay`);
    });
    expect(events.map((e) => e.event)).toEqual([
      'payment.authorized',
      'payment.captured',
      'qr_code.credited',
    ]);
    const payment = await gateway.fetchPayment(paid.payment.id);
    expect(payment).toMatchObject({
      status: 'captured',
      orderId: null,
      amountPaise: 89900,
      method: 'upi',
      feePaise: 2122, // 2 % = 1798, + 18 % GST 324
      feeTaxPaise: 324,
    });
    expect(events[2]).toEqual({
      entity: 'event',
      account_id: expect.stringMatching(/^acc_/),
      event: 'qr_code.credited',
      contains: ['payment', 'qr_code'],
      payload: {
        payment: {
          entity: expect.objectContaining({
            id: paid.payment.id,
            status: 'captured',
            order_id: null,
            amount: 89900,
            method: 'upi',
          }),
        },
        qr_code: {
          entity: expect.objectContaining({
            id: qr.id,
            status: 'closed',
            close_reason: 'paid',
            payments_amount_received: 89900,
            payments_count_received: 1,
          }),
        },
      },
      created_at: expect.any(Number),
    });
    expect(await gateway.fetchQrCode(qr.id)).toMatchObject({
      status: 'closed',
      closeReason: 'paid',
      closedAt: expect.any(Number),
      paymentsAmountReceivedPaise: 89900,
      paymentsCountReceived: 1,
    });
    // Single use: no second payment, and a closed code cannot be closed again.
    await expect(control('POST', `/qr_codes/${qr.id}/pay`)).rejects.toThrow(/400/);
    expect((await gatewayError(gateway.closeQrCode(qr.id))).statusCode).toBe(400);
  });

  it('a QR code closed by us: qr_code.closed (on_demand); one whose close_by passed closes without a webhook', async () => {
    const qr = await gateway.createQrCode(qrInput());
    const events = await webhooksOf(async () => {
      expect(await gateway.closeQrCode(qr.id)).toMatchObject({
        status: 'closed',
        closeReason: 'on_demand',
        closedAt: expect.any(Number),
      });
    });
    expect(events.map((e) => e.event)).toEqual(['qr_code.closed']);
    expect(events[0]).toMatchObject({
      contains: ['qr_code'],
      payload: { qr_code: { entity: { id: qr.id, status: 'closed', close_reason: 'on_demand' } } },
    });
    await expect(control('POST', `/qr_codes/${qr.id}/pay`)).rejects.toThrow(/400/);

    const expiring = await gateway.createQrCode(qrInput());
    const none = await webhooksOf(() => control('POST', `/qr_codes/${expiring.id}/expire`));
    expect(none).toEqual([]);
    expect(await gateway.fetchQrCode(expiring.id)).toMatchObject({
      status: 'closed',
      closeReason: null,
      closedAt: expect.any(Number),
    });
    await expect(control('POST', `/qr_codes/${expiring.id}/pay`)).rejects.toThrow(/400/);
    expect(notFoundAtGateway(await gatewayError(gateway.fetchQrCode('qr_Unknown000000000')))).toBe(
      true,
    );
  });

  it('QR codes: validation errors in Razorpay’s shape', async () => {
    const valid = {
      type: 'upi_qr',
      usage: 'single_use',
      fixed_amount: true,
      payment_amount: 50000,
      close_by: inAnHour(),
    };
    const cases: [Record<string, unknown>, string][] = [
      [{ type: undefined }, 'type'],
      [{ type: 'bharat_qr_x' }, 'type'],
      [{ usage: 'twice' }, 'usage'],
      [{ payment_amount: undefined }, 'payment_amount'],
      [{ payment_amount: 50 }, 'payment_amount'],
      [{ fixed_amount: false }, 'payment_amount'],
      [{ usage: 'multiple_use' }, 'close_by'],
      [{ close_by: Math.floor(Date.now() / 1000) + 60 }, 'close_by'],
      [{ close_by: Math.floor(Date.now() / 1000) + 46 * 24 * 3600 }, 'close_by'],
    ];
    for (const [over, field] of cases) {
      const res = await api('POST', '/v1/payments/qr_codes', { ...valid, ...over });
      expect({ over, status: res.status, error: res.body.error }).toEqual({
        over,
        status: 400,
        error: expect.objectContaining({ code: 'BAD_REQUEST_ERROR', field }),
      });
    }
    expect((await api('POST', '/v1/payments/qr_codes', valid)).status).toBe(200);
  });

  describe('expiry when expire_by / close_by pass (a sandbox of its own, on a clock the test sets)', () => {
    let clockSec = 1_765_000_000;
    let timed: RazorpaySandbox;
    let gw: RazorpayGateway;
    beforeAll(async () => {
      timed = await startRazorpaySandbox({
        keyId: KEY_ID,
        keySecret: KEY_SECRET,
        webhookSecret: WEBHOOK_SECRET,
        clock: () => clockSec * 1000,
      });
      gw = new RazorpayGateway({
        apiUrl: timed.url,
        keyId: KEY_ID,
        keySecret: KEY_SECRET,
        webhookSecrets: [],
      });
    });
    afterAll(async () => {
      await timed?.stop();
    });

    it('a link past its expire_by is expired (payment_link.expired) and cannot be paid; a QR past close_by is closed', async () => {
      const link = await gw.createPaymentLink({ ...linkInput(ref()), expireBy: clockSec + 1800 });
      const qr = await gw.createQrCode({ ...qrInput(), closeBy: clockSec + 1800 });
      clockSec += 1799;
      expect((await gw.fetchPaymentLink(link.id)).status).toBe('created');
      expect((await gw.fetchQrCode(qr.id)).status).toBe('active');
      clockSec += 1;
      expect(await gw.fetchPaymentLink(link.id)).toMatchObject({ status: 'expired' });
      expect(await gw.fetchQrCode(qr.id)).toMatchObject({
        status: 'closed',
        closeReason: null,
        closedAt: clockSec,
      });
      expect(() => timed.control.payPaymentLink(link.id)).toThrow(/expired/);
      expect(() => timed.control.payQrCode(qr.id)).toThrow(/closed/);
      const expired = timed.control.webhooks().filter((w) => w.event === 'payment_link.expired');
      expect(expired).toHaveLength(1);
      expect(JSON.parse(expired[0]!.body)).toMatchObject({
        payload: { payment_link: { entity: { id: link.id, expired_at: clockSec } } },
      });
      expect(timed.control.webhooks().some((w) => w.event === 'qr_code.closed')).toBe(false);
    });
  });
});
