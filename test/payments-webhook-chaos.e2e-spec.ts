/**
 * Webhook chaos over the payment events (issue #6): for generated orders paid at the Razorpay
 * sandbox (sometimes after a failed attempt), the sandbox's signed webhooks are delivered to the app
 * each 1–5 times, shuffled, with processing passes interleaved at random points. Every stream must end
 * in the same state as the orderly stream: the payment captured once, the order and its sub-orders
 * paid, one capture entry, one hold per dealer, nothing left in the inbox — zero double postings.
 * Runs: WEBHOOK_CHAOS_RUNS (default 20; the 500 with WEBHOOK_CHAOS_RUNS=500), seed
 * WEBHOOK_CHAOS_SEED.
 */
import fc from 'fast-check';
import type { RazorpaySandbox } from '../scripts/razorpay-sandbox/sandbox.js';
import type { WebhookRecord } from '../scripts/razorpay-sandbox/webhooks.js';
import { Accounts } from '../src/ledger/domain/account.js';
import { LedgerService } from '../src/ledger/persistence/ledger.service.js';
import { WebhookProcessor } from '../src/gateway/webhooks/webhook-jobs.js';
import { signInAs, type SignedIn } from './support/accounts.js';
import { activeListing, checkout, putInCart } from './support/orders.js';
import { startSandboxApp, type SandboxApp } from './support/payments.js';
import type { TestApp } from './support/test-app.js';
import { withClient } from './support/test-database.js';

const RUNS = Number(process.env.WEBHOOK_CHAOS_RUNS ?? 20);
const SEED = process.env.WEBHOOK_CHAOS_SEED;

interface Snapshot {
  payment: string;
  order: string;
  subOrders: string[];
  entries: string[];
  escrowPosted: string;
  escrowPending: string;
  inboxOpen: number;
}

describe('webhook chaos over payment events', () => {
  let sandbox: RazorpaySandbox;
  let t: TestApp;
  let started: SandboxApp | undefined;
  let dealers: SignedIn[];

  const sql = <T extends Record<string, unknown>>(text: string, params: unknown[] = []) =>
    withClient(t.db.ownerUrl, async (c) => (await c.query<T>(text, params)).rows);

  /** An order over two dealers, its payment opened; returns its ids. */
  const openOrder = async () => {
    const buyer = await signInAs(t, 'customer');
    for (const [i, dealer] of dealers.entries())
      await putInCart(
        t,
        buyer,
        await activeListing(t, dealer.userId, { b2cPricePaise: 30_000 + i * 1_000 }),
        1,
      );
    const order = (await checkout(t, buyer)).order!;
    const payment = (
      await t.api.POST('/orders/{orderId}/payments', {
        params: { path: { orderId: order.id } },
        headers: buyer.headers,
      })
    ).data!;
    return { orderId: order.id, paymentId: payment.id, gatewayOrderId: payment.gatewayOrderId! };
  };

  /** The webhooks the sandbox emitted for a gateway order (paid after `failedFirst` failed attempts). */
  const pay = (gatewayOrderId: string, failedFirst: number): WebhookRecord[] => {
    const before = sandbox.control.webhooks().length;
    for (let i = 0; i < failedFirst; i++)
      sandbox.control.pay(gatewayOrderId, { outcome: 'failed' });
    sandbox.control.pay(gatewayOrderId, { outcome: 'captured' });
    return sandbox.control.webhooks().slice(before);
  };

  const deliver = async (record: WebhookRecord) => {
    const res = await fetch(`${t.baseUrl}/webhooks/razorpay`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-razorpay-signature': record.signature,
        'x-razorpay-event-id': record.eventId,
      },
      body: record.body,
    });
    await res.arrayBuffer();
    expect(res.status).toBe(200);
  };

  /** The order's state, with its own ids replaced so two orders compare. */
  const snapshot = async (ids: { orderId: string; paymentId: string }): Promise<Snapshot> => {
    const [payment] = await sql<{ status: string }>(`SELECT status FROM payments WHERE id = $1`, [
      ids.paymentId,
    ]);
    const [order] = await sql<{ payment_status: string }>(
      `SELECT payment_status FROM orders WHERE id = $1`,
      [ids.orderId],
    );
    const subs = await sql<{ status: string }>(
      `SELECT status FROM sub_orders WHERE order_id = $1 ORDER BY dealer_id`,
      [ids.orderId],
    );
    const entries = await sql<{ id: string; kind: string }>(
      `SELECT id, kind FROM ledger_entries WHERE reference = $1 ORDER BY seq`,
      [`order:${ids.orderId}`],
    );
    const escrow = (await t.app.get(LedgerService).account(Accounts.orderEscrow(ids.orderId)))!;
    const [inbox] = await sql<{ n: number }>(
      `SELECT count(*)::int AS n FROM webhook_inbox WHERE status <> 'processed'`,
    );
    return {
      payment: payment!.status,
      order: order!.payment_status,
      subOrders: subs.map((s) => s.status),
      entries: entries.map((e) => `${e.kind}:${e.id.split(':')[0]}`),
      escrowPosted: (escrow.creditsPosted - escrow.debitsPosted).toString(),
      escrowPending: escrow.debitsPending.toString(),
      inboxOpen: inbox!.n,
    };
  };

  beforeAll(async () => {
    started = await startSandboxApp();
    ({ sandbox, t } = started);
    dealers = await Promise.all([signInAs(t, 'dealer'), signInAs(t, 'dealer')]);
  });
  afterAll(() => started?.close());

  it(
    'ends every duplicated, shuffled, interleaved stream in the orderly stream’s state',
    async () => {
      const processor = t.app.get(WebhookProcessor);
      // The orderly stream, once, as the reference.
      const reference = await openOrder();
      for (const record of pay(reference.gatewayOrderId, 1)) await deliver(record);
      await processor.drain();
      const expected = await snapshot(reference);
      expect(expected).toMatchObject({
        payment: 'captured',
        order: 'paid',
        subOrders: ['paid', 'paid'],
        entries: ['posted:capture', 'pending:hold', 'pending:hold'],
        escrowPending: expected.escrowPosted,
        inboxOpen: 0,
      });

      await fc.assert(
        fc.asyncProperty(
          fc.integer({ min: 0, max: 2 }),
          fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 8, maxLength: 8 }),
          fc.array(fc.nat(), { minLength: 40, maxLength: 40 }),
          fc.array(fc.boolean(), { minLength: 40, maxLength: 40 }),
          async (failedFirst, copies, sortKeys, drainAfter) => {
            const ids = await openOrder();
            const records = pay(ids.gatewayOrderId, failedFirst);
            const stream = records
              .flatMap((r, i) => Array.from({ length: copies[i % copies.length]! }, () => r))
              .map((r, i) => ({ r, key: sortKeys[i % sortKeys.length]! * 64 + i }))
              .sort((a, b) => a.key - b.key)
              .map((x) => x.r);
            for (const [i, record] of stream.entries()) {
              await deliver(record);
              if (drainAfter[i % drainAfter.length]) await processor.drain();
            }
            await processor.drain();
            const got = await snapshot(ids);
            expect(got).toEqual(expected);
            // Zero double postings: exactly one capture for this order, and the escrow holds all of it.
            const captures = await sql<{ n: number }>(
              `SELECT count(*)::int AS n FROM ledger_entries WHERE reference = $1 AND id LIKE 'capture:%'`,
              [`order:${ids.orderId}`],
            );
            expect(captures[0]!.n).toBe(1);
          },
        ),
        { numRuns: RUNS, ...(SEED !== undefined ? { seed: Number(SEED) } : {}) },
      );
    },
    Math.max(300_000, RUNS * 5_000),
  );
});
