/**
 * Crash points of the payments (issue #6): an app process SIGKILLed between a gateway call and the
 * database write that records its answer — or between our write and the gateway call — recovers
 * through the real mechanisms (the buyer's next POST /orders/{id}/payments, payment reconciliation,
 * the refunds job, the Route transfers job) with no duplicate charge, refund or transfer.
 *
 * The Razorpay sandbox runs in this (jest) process, so it survives the kills and keeps the truth. A
 * gate (a small HTTP proxy in front of it, also used by the parent app, which logs every call) holds
 * one chosen call: `after` forwards it — the sandbox does the work — and never answers; `before`
 * never forwards it. Each case's child process (test/support/payments-crash-child.ts: the whole app
 * on the current sources, on this test's database, its gateway pointed at the gate) is SIGKILLed
 * while its call is held, after the test has checked that our database has not recorded the answer.
 * A fresh app (the parent's) then recovers, and the gateway and the ledger are checked for exactly one
 * charge, refund or transfer.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { buffer } from 'node:stream/consumers';
import { pathToFileURL } from 'node:url';
import createClient, { type Client } from 'openapi-fetch';
import { startRazorpaySandbox, type RazorpaySandbox } from '../scripts/razorpay-sandbox/sandbox.js';
import { SANDBOX_RAZORPAY } from '../src/config/app-config.js';
import { projectRoot } from '../src/common/project-root.js';
import { StuckPaymentPoller } from '../src/reconciliation/stuck-payment-poller.service.js';
import { RefundsService } from '../src/payments/refunds.service.js';
import { RouteTransfersService } from '../src/payouts/route/route-transfers.service.js';
import { QUIET_ENV, signInAs, type SignedIn } from './support/accounts.js';
import type { paths } from './support/api-types.js';
import { activeListing, checkout, putInCart, type Order } from './support/orders.js';
import { activeRouteDealer } from './support/route.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { withClient } from './support/test-database.js';

const root = projectRoot();
const LOADER = pathToFileURL(join(root, 'test', 'support', 'ledger-crash-loader.js')).href;
const CHILD = join(root, 'test', 'support', 'payments-crash-child.ts');
/** Starting a child (the whole app, transpiled on load) takes seconds on a busy 2-core machine. */
const CHILD_START_MS = 120_000;

// ---- the gate: a proxy in front of the sandbox that can hold one call ----------------------------

interface GateCall {
  method: string;
  path: string;
  body: string;
}
interface Held {
  /** The sandbox's answer (`after`), never delivered; null when the call was never forwarded. */
  status: number | null;
  answer: Record<string, unknown> | null;
}
interface GateRule {
  method: string;
  path: RegExp;
  mode: 'before' | 'after';
}

interface Gate {
  url: string;
  /** Every call forwarded to the sandbox, oldest first. */
  log: GateCall[];
  /** Holds the next call matching the rule; resolves once it is held. */
  hold(rule: GateRule): Promise<Held>;
  close(): Promise<void>;
}

async function startGate(target: string): Promise<Gate> {
  const log: GateCall[] = [];
  let armed: { rule: GateRule; resolve: (h: Held) => void } | null = null;
  const held: ServerResponse[] = [];
  const forward = async (req: IncomingMessage, body: Buffer) => {
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers))
      if (typeof v === 'string' && !['host', 'connection', 'content-length'].includes(k))
        headers[k] = v;
    const res = await fetch(`${target}${req.url ?? '/'}`, {
      method: req.method,
      headers,
      body: body.length > 0 ? body : undefined,
    });
    log.push({ method: req.method ?? 'GET', path: req.url ?? '/', body: body.toString('utf8') });
    return { status: res.status, text: await res.text() };
  };
  const server: Server = createServer((req, res) => {
    void (async () => {
      const body = await buffer(req);
      const path = new URL(req.url ?? '/', 'http://gate').pathname;
      const hit = armed !== null && armed.rule.method === req.method && armed.rule.path.test(path);
      if (hit && armed !== null) {
        const { rule, resolve } = armed;
        armed = null;
        held.push(res);
        if (rule.mode === 'before') {
          resolve({ status: null, answer: null });
          return;
        }
        const { status, text } = await forward(req, body);
        resolve({ status, answer: JSON.parse(text) as Record<string, unknown> });
        return;
      }
      const { status, text } = await forward(req, body);
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(text);
    })().catch(() => res.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    log,
    hold: (rule) =>
      new Promise<Held>((resolve) => {
        armed = { rule, resolve };
      }),
    close: async () => {
      for (const res of held) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

// ---- the child ------------------------------------------------------------------------------------

interface Child {
  readonly process: ChildProcess;
  readonly api: Client<paths>;
  readonly output: () => string;
  /** Resolves with whatever the child printed as DONE (a held call never lets it print). */
  readonly done: Promise<string>;
}

function startChild(env: Record<string, string>): Promise<Child> {
  const child = spawn(process.execPath, ['--import', LOADER, CHILD], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  const output = () => `stdout:\n${stdout}\nstderr:\n${stderr.slice(-4000)}`;
  let markDone: (s: string) => void = () => undefined;
  const done = new Promise<string>((resolve) => {
    markDone = resolve;
  });
  return new Promise<Child>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`child did not start within ${CHILD_START_MS} ms\n${output()}`));
    }, CHILD_START_MS);
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const ready = /^READY (\S+)$/m.exec(stdout);
      if (ready !== null) {
        clearTimeout(timer);
        resolve({ process: child, api: createClient<paths>({ baseUrl: ready[1] }), output, done });
      }
      const finished = /^DONE (.*)$/m.exec(stdout);
      if (finished !== null) markDone(finished[1]!);
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`child exited (${code ?? signal}) before it was ready\n${output()}`));
    });
  });
}

function kill(child: ChildProcess): Promise<NodeJS.Signals | null> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) {
      resolve(child.signalCode);
      return;
    }
    child.once('exit', (_code, signal) => resolve(signal));
    child.kill('SIGKILL');
  });
}

/** Held by the gate, or the child failed first (its output tells why). */
async function heldOrFailed(child: Child, held: Promise<Held>): Promise<Held> {
  const failed = child.done.then((d) => {
    throw new Error(`the child finished without its gateway call held: ${d}\n${child.output()}`);
  });
  const exited = new Promise<never>((_r, reject) =>
    child.process.once('exit', (code, signal) =>
      reject(new Error(`child exited (${code ?? signal})\n${child.output()}`)),
    ),
  );
  return Promise.race([held, failed, exited]);
}

// ---- the cases --------------------------------------------------------------------------------------

const CASES = [
  'start-after',
  'start-before',
  'verify-after',
  'refund-after',
  'refund-before',
  'transfer-after',
  'transfer-before',
] as const;
type CaseName = (typeof CASES)[number];

describe('payments crash points: SIGKILL between the gateway call and our database write', () => {
  let sandbox: RazorpaySandbox;
  let gate: Gate;
  let t: TestApp;
  let admin: SignedIn;
  let dealerA: SignedIn;
  let dealerB: SignedIn;
  const children = new Map<CaseName, Promise<Child>>();

  const sql = <T extends Record<string, unknown>>(text: string, params: unknown[] = []) =>
    withClient(t.db.ownerUrl, async (c) => (await c.query<T>(text, params)).rows);
  const rzp = async <T>(path: string): Promise<T> => {
    const auth = Buffer.from(`${SANDBOX_RAZORPAY.keyId}:${SANDBOX_RAZORPAY.keySecret}`);
    const res = await fetch(`${sandbox.url}${path}`, {
      headers: { authorization: `Basic ${auth.toString('base64')}` },
    });
    expect(res.status).toBe(200);
    return (await res.json()) as T;
  };
  const childFor = async (name: CaseName) => {
    const child = await children.get(name);
    if (child === undefined) throw new Error(`no child for ${name}`);
    return child;
  };
  const placeOrder = async (buyer: SignedIn, parts: [SignedIn, number][]): Promise<Order> => {
    for (const [dealer, price] of parts)
      await putInCart(t, buyer, await activeListing(t, dealer.userId, { b2cPricePaise: price }), 1);
    const placed = await checkout(t, buyer);
    expect(placed.status).toBe(201);
    return placed.order!;
  };
  const open = (api: Client<paths>, buyer: SignedIn, orderId: string) =>
    api.POST('/orders/{orderId}/payments', {
      params: { path: { orderId } },
      headers: buyer.headers,
    });
  type Checkout = { razorpayOrderId: string; razorpayPaymentId: string; razorpaySignature: string };
  const payAtGateway = (gatewayOrderId: string): Checkout => {
    const paid = sandbox.control.pay(gatewayOrderId, { outcome: 'captured' });
    if (!('razorpay_payment_id' in paid)) throw new Error('sandbox payment failed');
    return {
      razorpayOrderId: paid.razorpay_order_id,
      razorpayPaymentId: paid.razorpay_payment_id,
      razorpaySignature: paid.razorpay_signature,
    };
  };
  const verify = (api: Client<paths>, buyer: SignedIn, orderId: string, body: Checkout) =>
    api.POST('/orders/{orderId}/payments/verify', {
      params: { path: { orderId } },
      body,
      headers: buyer.headers,
    });
  const paidOrder = async (buyer: SignedIn, parts: [SignedIn, number][]) => {
    const order = await placeOrder(buyer, parts);
    const payment = (await open(t.api, buyer, order.id)).data!;
    const answer = payAtGateway(payment.gatewayOrderId!);
    expect((await verify(t.api, buyer, order.id, answer)).data?.status).toBe('captured');
    return { order, paymentId: payment.id, gatewayPaymentId: answer.razorpayPaymentId };
  };
  const paymentsRows = (orderId: string) =>
    sql<{ id: string; status: string; gateway_order_id: string | null }>(
      `SELECT id::text, status, gateway_order_id FROM payments WHERE order_id = $1 ORDER BY created_at`,
      [orderId],
    );
  const entryIds = async (orderId: string, prefix: string) =>
    (
      await sql<{ id: string }>(
        `SELECT id FROM ledger_entries WHERE reference = $1 AND id LIKE $2 ORDER BY seq`,
        [`order:${orderId}`, `${prefix}%`],
      )
    ).map((r) => r.id);
  const refundEvents = (gatewayPaymentId: string) =>
    sandbox.control
      .webhooks()
      .filter((w) => w.event === 'refund.created')
      .map(
        (w) =>
          (
            JSON.parse(w.body) as {
              payload: { refund: { entity: { id: string; payment_id: string } } };
            }
          ).payload.refund.entity,
      )
      .filter((r) => r.payment_id === gatewayPaymentId);

  /**
   * A dealer approved by an admin, onboarded to Route and activated by Razorpay's back office: the
   * activation's webhooks come back to the app, then none does again.
   */
  const routeDealer = async (): Promise<SignedIn> => {
    sandbox.control.setWebhookUrl(`${t.baseUrl}/webhooks/razorpay`);
    try {
      return (await activeRouteDealer(t, sandbox, admin)).dealer;
    } finally {
      sandbox.control.setWebhookUrl(null);
    }
  };

  beforeAll(async () => {
    // No webhook comes back unless a case asks for it: recovery is the app's own doing.
    sandbox = await startRazorpaySandbox({
      keyId: SANDBOX_RAZORPAY.keyId,
      keySecret: SANDBOX_RAZORPAY.keySecret,
      webhookSecret: SANDBOX_RAZORPAY.webhookSecret,
    });
    gate = await startGate(sandbox.url);
    t = await startTestApp({ env: { ...QUIET_ENV, RAZORPAY_API_URL: gate.url } });
    const env = {
      ...QUIET_ENV,
      NODE_ENV: 'test',
      LOG_LEVEL: 'warn',
      DATABASE_POOL_MAX: '2',
      JOBS_WORKERS: 'false',
      JOBS_POOL_MAX: '1',
      DATABASE_URL: t.db.appUrl,
      DATABASE_OWNER_URL: t.db.ownerUrl,
      RAZORPAY_API_URL: gate.url,
    };
    // One child first (it fills the loader's transpile cache), then the others at once.
    for (const [i, name] of CASES.entries()) {
      const started = startChild(env);
      started.catch(() => undefined);
      children.set(name, started);
      if (i === 0) await started.catch(() => undefined);
    }
    [admin, dealerA, dealerB] = await Promise.all([
      signInAs(t, 'admin'),
      signInAs(t, 'dealer'),
      signInAs(t, 'dealer'),
    ]);
    await Promise.allSettled(children.values());
  }, CHILD_START_MS + 60_000);

  afterAll(async () => {
    for (const started of children.values())
      await started.then((c) => kill(c.process)).catch(() => undefined);
    await t?.close();
    await gate?.close();
    await sandbox?.stop();
  });

  it.each([
    ['after the gateway created the order', 'start-after'],
    ['before the gateway was called', 'start-before'],
  ] as const)(
    'opening a payment, killed %s: the next open reuses the intent; paying charges once',
    async (_what, name) => {
      const child = await childFor(name);
      const buyer = await signInAs(t, 'customer');
      const order = await placeOrder(buyer, [[dealerA, 64_000]]);
      const mode = name === 'start-after' ? 'after' : 'before';
      const held = gate.hold({ method: 'POST', path: /^\/v1\/orders$/, mode });
      open(child.api, buyer, order.id).catch(() => undefined);
      const h = await heldOrFailed(child, held);

      // The intent is stored; the gateway's answer (if any) is not.
      const [intent] = await paymentsRows(order.id);
      expect(intent).toMatchObject({ status: 'creating', gateway_order_id: null });
      const orphan = h.answer === null ? null : String(h.answer.id);
      if (mode === 'after') {
        expect(orphan).toMatch(/^order_/);
        expect(await rzp(`/v1/orders/${orphan}`)).toMatchObject({
          receipt: intent!.id,
          status: 'created',
        });
      } else expect(orphan).toBeNull();
      expect(await kill(child.process)).toBe('SIGKILL');

      // The buyer opens again (any app instance): the same intent, now with a gateway order.
      const reopened = await open(t.api, buyer, order.id);
      expect(reopened.response.status).toBe(201);
      const payment = reopened.data!;
      expect(payment).toMatchObject({ id: intent!.id, status: 'created' });
      expect(payment.gatewayOrderId).toMatch(/^order_/);
      expect(payment.gatewayOrderId).not.toBe(orphan);
      expect((await open(t.api, buyer, order.id)).data!.gatewayOrderId).toBe(
        payment.gatewayOrderId,
      );

      const answer = payAtGateway(payment.gatewayOrderId!);
      const verified = await verify(t.api, buyer, order.id, answer);
      expect(verified.data).toMatchObject({ status: 'captured', amountPaise: order.payablePaise });
      // One charge: one payment row, one capture entry, the abandoned gateway order never paid.
      expect(await paymentsRows(order.id)).toEqual([
        { id: intent!.id, status: 'captured', gateway_order_id: payment.gatewayOrderId },
      ]);
      expect(await entryIds(order.id, 'capture:')).toEqual([`capture:${answer.razorpayPaymentId}`]);
      const created = gate.log.filter(
        (c) => c.method === 'POST' && c.path === '/v1/orders' && c.body.includes(intent!.id),
      );
      expect(created).toHaveLength(mode === 'after' ? 2 : 1);
      if (orphan !== null) {
        expect(await rzp(`/v1/orders/${orphan}/payments`)).toMatchObject({ count: 0 });
        expect(await rzp(`/v1/orders/${orphan}`)).toMatchObject({ status: 'created' });
      }
      const [o] = await sql<{ payment_status: string }>(
        `SELECT payment_status FROM orders WHERE id = $1`,
        [order.id],
      );
      expect(o).toEqual({ payment_status: 'paid' });
      // Reconciliation finds nothing open to do.
      expect(await t.app.get(StuckPaymentPoller).reconcile(0)).toMatchObject({
        captured: 0,
        errors: 0,
      });
    },
    60_000,
  );

  it('verifying, killed after the gateway reported the capture: reconciliation applies it once', async () => {
    const child = await childFor('verify-after');
    const buyer = await signInAs(t, 'customer');
    const order = await placeOrder(buyer, [
      [dealerA, 52_000],
      [dealerB, 61_000],
    ]);
    const payment = (await open(t.api, buyer, order.id)).data!;
    const answer = payAtGateway(payment.gatewayOrderId!);
    const held = gate.hold({
      method: 'GET',
      path: new RegExp(`^/v1/payments/${answer.razorpayPaymentId}$`),
      mode: 'after',
    });
    verify(child.api, buyer, order.id, answer).catch(() => undefined);
    const h = await heldOrFailed(child, held);
    expect(h.answer).toMatchObject({ id: answer.razorpayPaymentId, status: 'captured' });
    expect(await paymentsRows(order.id)).toEqual([
      { id: payment.id, status: 'created', gateway_order_id: payment.gatewayOrderId },
    ]);
    expect(await entryIds(order.id, '')).toEqual([]);
    expect(await kill(child.process)).toBe('SIGKILL');

    // Neither Checkout's answer nor a webhook comes back: reconciliation applies the capture once.
    const reconciliation = t.app.get(StuckPaymentPoller);
    expect(await reconciliation.reconcile(0)).toMatchObject({ checked: 1, captured: 1, errors: 0 });
    expect(await reconciliation.reconcile(0)).toMatchObject({ checked: 0, captured: 0 });
    expect(await paymentsRows(order.id)).toEqual([
      { id: payment.id, status: 'captured', gateway_order_id: payment.gatewayOrderId },
    ]);
    const captureEntries = [`capture:${answer.razorpayPaymentId}`];
    expect(await entryIds(order.id, 'capture:')).toEqual(captureEntries);
    const holds = order.subOrders.map((s) => `hold:order:${order.id}:${s.id}`).sort();
    expect((await entryIds(order.id, 'hold:')).sort()).toEqual(holds);
    const [o] = await sql<{ payment_status: string }>(
      `SELECT payment_status FROM orders WHERE id = $1`,
      [order.id],
    );
    expect(o).toEqual({ payment_status: 'paid' });
    // The buyer's retried verification is a replay: nothing more is posted.
    const before = await entryIds(order.id, '');
    expect((await verify(t.api, buyer, order.id, answer)).data?.status).toBe('captured');
    expect(await entryIds(order.id, '')).toEqual(before);
    expect(
      await rzp<{ count: number }>(`/v1/orders/${payment.gatewayOrderId}/payments`),
    ).toMatchObject({ count: 1 });
  });

  it.each([
    ['after the gateway processed it', 'refund-after'],
    ['before the gateway was called', 'refund-before'],
  ] as const)(
    'refunding a cancelled part, killed %s: the next pass refunds exactly once',
    async (_what, name) => {
      const child = await childFor(name);
      const mode = name === 'refund-after' ? 'after' : 'before';
      const buyer = await signInAs(t, 'customer');
      const { order, gatewayPaymentId } = await paidOrder(buyer, [
        [dealerA, 60_000],
        [dealerB, 70_000],
      ]);
      const subB = order.subOrders.find((s) => s.dealerId === dealerB.userId)!;
      const cancelled = await t.api.POST('/orders/{orderId}/sub-orders/{subOrderId}/cancel', {
        params: { path: { orderId: order.id, subOrderId: subB.id } },
        body: {},
        headers: buyer.headers,
      });
      expect(cancelled.response.status).toBe(200);

      const held = gate.hold({
        method: 'POST',
        path: new RegExp(`^/v1/payments/${gatewayPaymentId}/refund$`),
        mode,
      });
      child.process.stdin?.write('refunds\n');
      const h = await heldOrFailed(child, held);
      // The child's sweep recorded the refund; the gateway's answer is not recorded.
      const refundRows = () =>
        sql<{ id: string; status: string; gateway_refund_id: string | null }>(
          `SELECT id::text, status, gateway_refund_id FROM refunds WHERE order_id = $1`,
          [order.id],
        );
      const [refund] = await refundRows();
      expect(refund).toMatchObject({ status: 'requested', gateway_refund_id: null });
      if (mode === 'after') {
        expect(h.answer).toMatchObject({ amount: subB.totalPaise, status: 'processed' });
        expect(refundEvents(gatewayPaymentId)).toHaveLength(1);
      } else expect(refundEvents(gatewayPaymentId)).toEqual([]);
      expect(await entryIds(order.id, 'refund')).toEqual([]);
      expect(await kill(child.process)).toBe('SIGKILL');

      // The next pass (a fresh app) sends it with the same idempotency key: one refund at the gateway.
      const refunds = t.app.get(RefundsService);
      expect(await refunds.processDue()).toBe(1);
      expect(await refunds.processDue()).toBe(0);
      const gatewayRefunds = refundEvents(gatewayPaymentId);
      expect(gatewayRefunds).toHaveLength(1);
      if (h.answer !== null) expect(gatewayRefunds[0]!.id).toBe(h.answer.id);
      expect(await refundRows()).toEqual([
        { id: refund!.id, status: 'processed', gateway_refund_id: gatewayRefunds[0]!.id },
      ]);
      expect(await rzp(`/v1/payments/${gatewayPaymentId}`)).toMatchObject({
        amount_refunded: subB.totalPaise,
      });
      expect(await entryIds(order.id, 'refund:')).toEqual([`refund:${refund!.id}`]);
    },
    60_000,
  );

  it.each([
    ['after the gateway created it', 'transfer-after'],
    ['before the gateway was called', 'transfer-before'],
  ] as const)(
    'transferring a hold to Route, killed %s: the next pass leaves one transfer',
    async (_what, name) => {
      const child = await childFor(name);
      const mode = name === 'transfer-after' ? 'after' : 'before';
      const dealer = await routeDealer();
      const buyer = await signInAs(t, 'customer');
      const { order, paymentId, gatewayPaymentId } = await paidOrder(buyer, [[dealer, 80_000]]);
      const sub = order.subOrders[0]!;
      const held = gate.hold({
        method: 'POST',
        path: new RegExp(`^/v1/payments/${gatewayPaymentId}/transfers$`),
        mode,
      });
      child.process.stdin?.write(`transfers ${paymentId}\n`);
      const h = await heldOrFailed(child, held);
      const holdRow = async () =>
        (
          await sql<{ transfer_status: string; transfer_id: string | null }>(
            `SELECT transfer_status, transfer_id FROM escrow_holds WHERE sub_order_id = $1`,
            [sub.id],
          )
        )[0];
      expect(await holdRow()).toEqual({ transfer_status: 'pending', transfer_id: null });
      type Transfers = { count: number; items: { id: string; amount: number; on_hold: boolean }[] };
      const atGateway = () => rzp<Transfers>(`/v1/payments/${gatewayPaymentId}/transfers`);
      if (mode === 'after') {
        // Razorpay answers a transfer from a payment with the collection of transfers it created.
        expect(h.answer).toMatchObject({
          count: 1,
          items: [{ amount: sub.totalPaise, on_hold: true }],
        });
        expect((await atGateway()).count).toBe(1);
      } else expect((await atGateway()).count).toBe(0);
      expect(await kill(child.process)).toBe('SIGKILL');

      const transfers = t.app.get(RouteTransfersService);
      expect(await transfers.transferHolds({ paymentId })).toEqual({ [sub.id]: 'on_hold' });
      expect(await transfers.transferHolds({ paymentId })).toEqual({});
      const after = await atGateway();
      expect(after.count).toBe(1);
      expect(after.items[0]).toMatchObject({ amount: sub.totalPaise, on_hold: true });
      if (h.answer !== null)
        expect(after.items[0]!.id).toBe((h.answer as unknown as Transfers).items[0]!.id);
      expect(await holdRow()).toEqual({
        transfer_status: 'on_hold',
        transfer_id: after.items[0]!.id,
      });
    },
    60_000,
  );
});
