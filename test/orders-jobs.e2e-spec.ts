/**
 * The orders' background jobs run by real pg-boss workers against real PostgreSQL: reservation
 * expiry (the order expires and its stock returns), completion of delivered sub-orders after the
 * return window, and the purge of old idempotency keys.
 */
import { randomUUID } from 'node:crypto';
import { JobQueue } from '../src/jobs/job-queue.service.js';
import { OrderCommands } from '../src/orders/order-commands.service.js';
import { ORDER_JOBS } from '../src/orders/order-jobs.js';
import { QUIET_ENV, signInAs } from './support/accounts.js';
import { activeListing, checkout, putInCart, stockOf } from './support/orders.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { withClient } from './support/test-database.js';

async function until<T>(probe: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('order jobs (pg-boss workers)', () => {
  let t: TestApp;
  const sql = <T extends Record<string, unknown>>(text: string, params: unknown[] = []) =>
    withClient(t.db.ownerUrl, async (c) => (await c.query<T>(text, params)).rows);

  beforeAll(async () => {
    t = await startTestApp({ env: { ...QUIET_ENV, JOBS_WORKERS: 'true', LOG_LEVEL: 'warn' } });
  });
  afterAll(() => t.close());

  it('expires an unpaid order past its deadline, releasing its stock, and completes delivered sub-orders', async () => {
    const [dealer, buyer] = await Promise.all([signInAs(t, 'dealer'), signInAs(t, 'customer')]);
    const jobs = t.app.get(JobQueue);
    const l = await activeListing(t, dealer.userId, { b2cPricePaise: 60_000, stock: 4 });
    await putInCart(t, buyer, l, 3);
    const order = (await checkout(t, buyer)).order!;
    expect(await stockOf(t, l)).toEqual({ onHand: 4, reserved: 3 });
    await sql(
      `UPDATE orders SET reservation_expires_at = now() - interval '1 second' WHERE id = $1`,
      [order.id],
    );
    await jobs.send(ORDER_JOBS.expireReservations, {});
    const status = await until(async () => {
      const [row] = await sql<{ payment_status: string }>(
        `SELECT payment_status FROM orders WHERE id = $1`,
        [order.id],
      );
      return row!.payment_status === 'awaiting_payment' ? undefined : row!.payment_status;
    });
    expect(status).toBe('expired');
    expect(await stockOf(t, l)).toEqual({ onHand: 4, reserved: 0 });

    // A paid, shipped, delivered sub-order completes once delivered long enough ago.
    await putInCart(t, buyer, l, 1);
    const paidOrder = (await checkout(t, buyer)).order!;
    const commands = t.app.get(OrderCommands);
    expect(
      await commands.settlePayment(paidOrder.id, {
        paid: { reference: 'pay_jobs', amountPaise: paidOrder.payablePaise },
      }),
    ).toMatchObject({ code: 'paid' });
    const subId = paidOrder.subOrders[0]!.id;
    const meta = { requestId: 'test', ip: '127.0.0.1', deviceFingerprint: null, userAgent: null };
    const dealerMeta = {
      ...meta,
      principal: {
        userId: dealer.userId,
        sessionId: dealer.sessionId,
        role: 'dealer' as const,
        status: 'approved' as const,
        technicianKind: null,
      },
    };
    await commands.dealerAct(subId, 'accept', {}, dealerMeta);
    await commands.dealerAct(subId, 'pack', {}, dealerMeta);
    await commands.dealerAct(
      subId,
      'ship',
      { carrier: 'Blue Dart', trackingNumber: 'BD-0001' },
      dealerMeta,
    );
    await sql(
      `UPDATE sub_orders SET status = 'delivered', delivered_at = now() - interval '170 hours' WHERE id = $1`,
      [subId],
    );
    await jobs.send(ORDER_JOBS.completeDelivered, {});
    const done = await until(async () => {
      const [row] = await sql<{ status: string }>(`SELECT status FROM sub_orders WHERE id = $1`, [
        subId,
      ]);
      return row!.status === 'completed' ? row!.status : undefined;
    });
    expect(done).toBe('completed');
  });

  it('purges idempotency keys older than the retention', async () => {
    const buyer = await signInAs(t, 'customer');
    await sql(
      `INSERT INTO idempotency_keys (owner_id, scope, key, request_hash, created_at)
       VALUES ($1, 'checkout', $2, 'x', now() - interval '31 days'), ($1, 'checkout', $3, 'y', now())`,
      [buyer.userId, `old-${randomUUID()}`, `new-${randomUUID()}`],
    );
    await t.app.get(JobQueue).send(ORDER_JOBS.purgeIdempotencyKeys, {});
    const left = await until(async () => {
      const rows = await sql<{ request_hash: string }>(
        `SELECT request_hash FROM idempotency_keys WHERE owner_id = $1`,
        [buyer.userId],
      );
      return rows.length === 1 ? rows.map((r) => r.request_hash) : undefined;
    });
    expect(left).toEqual(['y']);
  });
});
