/**
 * The money objects' declared state machines on real PostgreSQL (docs/state-machines.md): a paid
 * order's payment, escrow hold, Route transfer and refund each write their history rows as they move,
 * and a move the table (or a row changed under the caller) refuses is a 409 that writes nothing.
 * The books balance at the end of each flow.
 */
import type { EntityManager } from 'typeorm';
import type { RazorpaySandbox } from '../scripts/razorpay-sandbox/sandbox.js';
import { TransitionRefused } from '../src/common/state-transition.js';
import { TransactionRunner } from '../src/database/transaction.js';
import { EscrowReleaseService } from '../src/escrow/escrow-release.service.js';
import { moveEscrowHold } from '../src/payments/escrow-hold-moves.js';
import { movePayment, PaymentsService } from '../src/payments/payments.service.js';
import { moveRefund, RefundsService } from '../src/payments/refunds.service.js';
import { moveTransfer } from '../src/payments/hold-transfer-moves.js';
import { RouteTransfersService } from '../src/payouts/route/route-transfers.service.js';
import { signInAs, type SignedIn } from './support/accounts.js';
import { activeListing, checkout, putInCart } from './support/orders.js';
import {
  expectOrderSettled,
  payThroughSandbox,
  startSandboxApp,
  type SandboxApp,
} from './support/payments.js';
import { activeRouteDealer } from './support/route.js';
import type { TestApp } from './support/test-app.js';
import { withClient } from './support/test-database.js';

describe('money state machines', () => {
  let sandbox: RazorpaySandbox;
  let t: TestApp;
  let started: SandboxApp | undefined;
  let admin: SignedIn;

  beforeAll(async () => {
    started = await startSandboxApp({ webhooks: true });
    ({ sandbox, t } = started);
    admin = await signInAs(t, 'admin');
  }, 120_000);
  afterAll(() => started?.close());

  const sql = <T extends Record<string, unknown>>(text: string, params: unknown[] = []) =>
    withClient(t.db.ownerUrl, async (c) => (await c.query<T>(text, params)).rows);
  const history = (table: string, column: string, id: string) =>
    sql(
      `SELECT event, from_status, to_status, actor FROM ${table} WHERE ${column} = $1 ORDER BY id`,
      [id],
    );
  /** Runs `move` in a transaction and returns its refusal (the transaction rolls back). */
  const refusal = async (move: (tx: EntityManager) => Promise<unknown>) => {
    try {
      await t.app.get(TransactionRunner).run(move);
    } catch (err) {
      if (err instanceof TransitionRefused) return err;
      throw err;
    }
    throw new Error('the move was not refused');
  };
  const paidOrder = async (dealer: SignedIn, price: number) => {
    const buyer = await signInAs(t, 'customer');
    await putInCart(t, buyer, await activeListing(t, dealer.userId, { b2cPricePaise: price }), 1);
    const placed = await checkout(t, buyer);
    expect(placed.status).toBe(201);
    const order = placed.order!;
    const payment = await payThroughSandbox(t, sandbox, buyer, order.id);
    const [hold] = await sql<{ id: string }>(
      `SELECT id::text AS id FROM escrow_holds WHERE sub_order_id = $1`,
      [order.subOrders[0]!.id],
    );
    return { order, payment, sub: order.subOrders[0]!, holdId: hold!.id };
  };

  it('payment, escrow hold and refund: a cancelled part is refunded; refused moves write nothing', async () => {
    const dealer = await signInAs(t, 'dealer');
    const { order, payment, sub, holdId } = await paidOrder(dealer, 50_000);
    expect(await history('payment_history', 'payment_id', payment.id)).toEqual([
      { event: 'open', from_status: 'creating', to_status: 'created', actor: 'system' },
      { event: 'capture', from_status: 'created', to_status: 'captured', actor: 'gateway' },
    ]);
    // A failed-payment word on a captured payment: the table has no `fail` from captured, ignored.
    const [gp] = await sql<{ gateway_order_id: string; gateway_payment_id: string }>(
      `SELECT gateway_order_id, gateway_payment_id FROM payments WHERE id = $1`,
      [payment.id],
    );
    const failed = await t.app.get(TransactionRunner).run((tx) =>
      t.app.get(PaymentsService).applyFailedIn(tx, {
        id: gp!.gateway_payment_id,
        orderId: gp!.gateway_order_id,
        amountPaise: payment.amountPaise,
        currency: 'INR',
        status: 'failed',
        method: null,
        feePaise: null,
        feeTaxPaise: null,
        amountRefundedPaise: 0,
        errorCode: 'BAD_REQUEST_ERROR',
        errorDescription: 'late failure word',
        createdAt: 0,
      }),
    );
    expect(failed).toBe('ignored');
    expect(await sql(`SELECT status FROM payments WHERE id = $1`, [payment.id])).toEqual([
      { status: 'captured' },
    ]);
    // Failing a captured payment is refused by the table; so is a caller holding a stale `created`.
    for (const from of ['captured', 'created'] as const)
      expect(
        await refusal((tx) =>
          movePayment(tx, payment.id, from, 'fail', 'declined', {
            set: 'failure_code = $4',
            params: ['BAD_REQUEST_ERROR'],
          }),
        ),
      ).toMatchObject({ status: 409, code: 'payment/invalid-transition', from, event: 'fail' });
    expect(await history('payment_history', 'payment_id', payment.id)).toHaveLength(2);

    const cancelled = await t.api.POST('/dealer/orders/{subOrderId}/cancel', {
      params: { path: { subOrderId: sub.id } },
      body: { reason: 'cannot source the part' },
      headers: dealer.headers,
    });
    expect(cancelled.response.status).toBe(200);
    expect(await t.app.get(RefundsService).processDue()).toBe(1);
    const [refund] = await sql<{ id: string }>(
      `SELECT id::text AS id FROM refunds WHERE sub_order_id = $1`,
      [sub.id],
    );
    const refundMoves = await history('refund_history', 'refund_id', refund!.id);
    expect(refundMoves.at(-1)).toEqual({
      event: 'complete',
      from_status: refundMoves.length === 1 ? 'requested' : 'processing',
      to_status: 'processed',
      actor: 'gateway',
    });
    expect(await history('escrow_hold_history', 'hold_id', holdId)).toEqual([
      { event: 'refund', from_status: 'held', to_status: 'refunded', actor: 'system' },
    ]);
    // A processed refund is final: the table refuses failing it, the conditional update refuses a
    // caller holding a stale `requested`.
    for (const from of ['processed', 'requested'] as const)
      expect(
        await refusal((tx) => moveRefund(tx, refund!.id, from, 'fail', 'gateway', 'late failure')),
      ).toMatchObject({ status: 409, code: 'refund/invalid-transition', from, event: 'fail' });
    expect(await history('refund_history', 'refund_id', refund!.id)).toEqual(refundMoves);

    // The table refuses releasing a refunded hold; a caller holding a stale `held` is refused by
    // the conditional update. Both 409, nothing written.
    const fromTable = await refusal((tx) => moveEscrowHold(tx, holdId, 'refunded', 'release'));
    expect(fromTable).toMatchObject({ status: 409, code: 'escrow-hold/invalid-transition' });
    const stale = await refusal((tx) => moveEscrowHold(tx, holdId, 'held', 'release'));
    expect(stale).toMatchObject({ status: 409, code: 'escrow-hold/invalid-transition' });
    expect(await history('escrow_hold_history', 'hold_id', holdId)).toHaveLength(1);
    expect(await sql(`SELECT status FROM escrow_holds WHERE id = $1`, [holdId])).toEqual([
      { status: 'refunded' },
    ]);

    await expectOrderSettled(t, admin, {
      orderId: order.id,
      paidPaise: payment.amountPaise,
      refundedPaise: payment.amountPaise,
    });
  });

  it('Route transfer and escrow release: each move a history row; a refused move writes nothing', async () => {
    const { dealer } = await activeRouteDealer(t, sandbox, admin);
    const { order, payment, sub, holdId } = await paidOrder(dealer, 60_000);
    await t.app.get(RouteTransfersService).transferHolds({ paymentId: payment.id });
    await sql(
      `UPDATE sub_orders SET status = 'completed', carrier = 'Delhivery', tracking_number = 'DLV-SM'
       WHERE id = $1`,
      [sub.id],
    );
    expect(await t.app.get(EscrowReleaseService).releaseDue()).toBe(1);
    expect(await t.app.get(RouteTransfersService).releaseTransfer({ subOrderId: sub.id })).toBe(
      'released',
    );
    expect(await history('escrow_hold_history', 'hold_id', holdId)).toEqual([
      { event: 'release', from_status: 'held', to_status: 'released', actor: 'system' },
    ]);
    expect(await history('escrow_transfer_history', 'hold_id', holdId)).toEqual([
      { event: 'start', from_status: 'none', to_status: 'pending', actor: 'system' },
      { event: 'record', from_status: 'pending', to_status: 'on_hold', actor: 'gateway' },
      { event: 'release', from_status: 'on_hold', to_status: 'released', actor: 'system' },
    ]);
    // Lifting the hold again is skipped; the table refuses it outright (released is final).
    expect(await t.app.get(RouteTransfersService).releaseTransfer({ subOrderId: sub.id })).toBe(
      'skipped',
    );
    const refused = await refusal((tx) =>
      moveTransfer(tx, holdId, 'released', 'release', 'system', null),
    );
    expect(refused).toMatchObject({
      status: 409,
      code: 'route-transfer/invalid-transition',
      from: 'released',
      event: 'release',
    });
    // Only a failed transfer is retried by staff (the module's own 409).
    const retried = await t.api.POST('/admin/escrow/holds/{subOrderId}/retry-transfer', {
      params: { path: { subOrderId: sub.id } },
      body: { reason: 'try again' },
      headers: admin.headers,
    });
    expect(retried.response.status).toBe(409);
    expect(retried.error).toMatchObject({
      code: 'route-transfer/not-failed',
      transferStatus: 'released',
    });
    expect(await history('escrow_transfer_history', 'hold_id', holdId)).toHaveLength(3);

    await expectOrderSettled(t, admin, {
      orderId: order.id,
      paidPaise: payment.amountPaise,
      refundedPaise: 0,
    });
  });
});
