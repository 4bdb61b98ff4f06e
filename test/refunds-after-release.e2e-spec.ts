/**
 * Refunds after release (ledger-spec/recipes.md §6–7) through the real flow against the Razorpay
 * sandbox over HTTP, on real PostgreSQL: an order paid and released to its dealer, then refunded by
 * staff (audited) — in full (every account of the order back to zero, vector 06), in two halves
 * (the clawback telescopes to the full deductions, vector 07), beyond what was released (422), and
 * after the dealer was paid out (the shortfall becomes the dealer receivable, vector 13). Each ends
 * with the ledger's integrity verified and the order's money identity.
 */
import { randomUUID } from 'node:crypto';
import type { RazorpaySandbox } from '../scripts/razorpay-sandbox/sandbox.js';
import { Accounts } from '../src/ledger/domain/account.js';
import { gatewaySettlement, supplierPayout } from '../src/ledger/domain/recipes.js';
import { LedgerService } from '../src/ledger/persistence/ledger.service.js';
import { EscrowReleaseService } from '../src/escrow/escrow-release.service.js';
import { PAYMENT_GATEWAY, type PaymentGateway } from '../src/gateway/payment-gateway.js';
import { RefundsService } from '../src/payments/refunds.service.js';
import { AfterReleaseRefunds } from '../src/payments/after-release-refunds.js';
import { reverseTransferAfterRelease } from '../src/payments/commands/process-refund.steps.js';
import { TransactionRunner } from '../src/database/transaction.js';
import { RouteTransfersService } from '../src/payouts/route/route-transfers.service.js';
import { signInAs, type SignedIn } from './support/accounts.js';
import { expectMoneyIdentity, orderNets } from './support/books.js';
import { activeListing, checkout, putInCart, type Order } from './support/orders.js';
import type { TestApp } from './support/test-app.js';
import { withClient } from './support/test-database.js';
import { payThroughSandbox, startSandboxApp, type SandboxApp } from './support/payments.js';
import { activeRouteDealer } from './support/route.js';

describe('refunds after release (Razorpay sandbox over HTTP)', () => {
  let sandbox: RazorpaySandbox;
  let t: TestApp;
  let started: SandboxApp | undefined;
  let finance: SignedIn;
  let admin: SignedIn;
  let ledger: LedgerService;

  const sql = <T extends Record<string, unknown>>(text: string, params: unknown[] = []) =>
    withClient(t.db.ownerUrl, async (c) => (await c.query<T>(text, params)).rows);
  const refundAfterRelease = (
    who: SignedIn,
    subOrderId: string,
    body: { amountPaise: number; reason: string },
  ) =>
    t.api.POST('/admin/escrow/holds/{subOrderId}/refund-after-release', {
      params: { path: { subOrderId } },
      body,
      headers: who.headers,
    });

  /** A ₹1,180 sale (vector 02's figures) of a fresh dealer (unless given), paid (escrow held). */
  const paidSale = async (
    given?: SignedIn,
  ): Promise<{ dealer: SignedIn; order: Order; subOrderId: string; paymentId: string }> => {
    const dealer = given ?? (await signInAs(t, 'dealer'));
    const buyer = await signInAs(t, 'customer');
    await putInCart(t, buyer, await activeListing(t, dealer.userId, { b2cPricePaise: 118_000 }), 1);
    const placed = await checkout(t, buyer);
    expect(placed.status).toBe(201);
    const order = placed.order!;
    const payment = await payThroughSandbox(t, sandbox, buyer, order.id);
    return { dealer, order, subOrderId: order.subOrders[0]!.id, paymentId: payment.id };
  };
  /** The sale paid, completed and released by the release job. */
  const releasedSale = async (given?: SignedIn) => {
    const sale = await paidSale(given);
    await release(sale.subOrderId);
    return sale;
  };
  const release = async (subOrderId: string) => {
    await sql(
      `UPDATE sub_orders SET status = 'completed', carrier = 'Delhivery', tracking_number = 'DLV-1' WHERE id = $1`,
      [subOrderId],
    );
    expect(await t.app.get(EscrowReleaseService).releaseDue()).toBe(1);
    const [hold] = await sql<{ status: string; net: string }>(
      `SELECT status, dealer_net_paise::text AS net FROM escrow_holds WHERE sub_order_id = $1`,
      [subOrderId],
    );
    expect(hold).toEqual({ status: 'released', net: '106243' });
  };

  const balance = async (code: string) => {
    const a = await ledger.account(code);
    return a === undefined ? 0n : a.creditsPosted - a.debitsPosted;
  };
  const processRefunds = async (expected: number) => {
    expect(await t.app.get(RefundsService).processDue()).toBe(expected);
    expect(await t.app.get(RefundsService).processDue()).toBe(0);
  };
  const afterReleaseRefunds = (subOrderId: string) =>
    sql<{ amount: string; status: string; gateway_refund_id: string | null }>(
      `SELECT amount_paise::text AS amount, status, gateway_refund_id FROM refunds
       WHERE sub_order_id = $1 AND kind = 'after_release' ORDER BY requested_at, id`,
      [subOrderId],
    );
  beforeAll(async () => {
    started = await startSandboxApp({ webhooks: true });
    ({ sandbox, t } = started);
    [finance, admin] = await Promise.all([signInAs(t, 'finance'), signInAs(t, 'admin')]);
    ledger = t.app.get(LedgerService);
  });
  afterAll(() => started?.close());

  it('refunds in full after release: the release is reversed, every account of the order back to zero (vector 06), audited', async () => {
    const { dealer, order, subOrderId } = await releasedSale();
    expect(await balance(Accounts.dealerPayable(dealer.userId))).toBe(106_243n);
    const res = await refundAfterRelease(finance, subOrderId, {
      amountPaise: 118_000,
      reason: 'Return discovered after release',
    });
    expect(res.response.status).toBe(201);
    expect(res.data).toMatchObject({
      subOrderId,
      orderId: order.id,
      amountPaise: 118_000,
      status: 'requested',
      releasedPaise: 118_000,
      refundedAfterReleasePaise: 118_000,
    });
    const [audit] = await sql<{ actor_id: string; reason: string }>(
      `SELECT actor_id::text AS actor_id, reason FROM audit_events
       WHERE action = 'escrow.refund_after_release.request' AND target_id = $1`,
      [subOrderId],
    );
    expect(audit).toEqual({ actor_id: finance.userId, reason: 'Return discovered after release' });
    await processRefunds(1);
    const [refund] = await afterReleaseRefunds(subOrderId);
    expect(refund!.status).toBe('processed');
    expect(refund!.gateway_refund_id).toMatch(/^rfnd_/);
    // The full-reversal path: the release entries mirrored, then the refund from escrow.
    const entries = await sql<{ id: string; event_type: string }>(
      `SELECT id, event_type FROM ledger_entries WHERE reference = $1 AND event_type IN ('refund_reversal','refund','refund_clawback') ORDER BY seq`,
      [`order:${order.id}`],
    );
    expect(entries.map((e) => e.event_type)).toEqual([
      'refund_reversal',
      'refund_reversal',
      'refund',
    ]);
    expect(entries[2]!.id).toBe(`refund:${res.data!.id}`);
    expect(await orderNets(t, order.id, dealer.userId)).toEqual({
      escrow: 0n,
      payable: 0n,
      receivable: 0n,
      commission: 0n,
      gst: 0n,
      tcs: 0n,
      tds: 0n,
    });
    expect(await balance(Accounts.dealerPayable(dealer.userId))).toBe(0n);
    // Processed exactly once: a replay posts nothing more.
    await processRefunds(0);
    expect(await afterReleaseRefunds(subOrderId)).toHaveLength(1);
    await expectMoneyIdentity(t, order, dealer.userId);
    // Nothing is left to refund.
    const again = await refundAfterRelease(finance, subOrderId, {
      amountPaise: 1,
      reason: 'Again',
    });
    expect(again.response.status).toBe(422);
    expect(again.error).toMatchObject({ code: 'refund/exceeds-released', refundablePaise: 0 });
  });

  it('two partial refunds claw back by recomputation and telescope to the full deductions (vector 07)', async () => {
    const { dealer, order, subOrderId } = await releasedSale();
    const first = await refundAfterRelease(finance, subOrderId, {
      amountPaise: 59_000,
      reason: 'One of two units returned',
    });
    expect(first.response.status).toBe(201);
    await processRefunds(1);
    // Δcommission 4720, ΔGST 849, ΔTCS 250, ΔTDS 59, Δnet 53122.
    expect(await orderNets(t, order.id, dealer.userId)).toEqual({
      escrow: 0n,
      payable: 106_243n - 53_122n,
      receivable: 0n,
      commission: 9_440n - 4_720n,
      gst: 1_699n - 849n,
      tcs: 500n - 250n,
      tds: 118n - 59n,
    });
    const [clawback] = await sql<{ event_type: string }>(
      `SELECT event_type FROM ledger_entries WHERE id = $1`,
      [`refund:${first.data!.id}`],
    );
    expect(clawback).toEqual({ event_type: 'refund_clawback' });
    await expectMoneyIdentity(t, order, dealer.userId);

    const second = await refundAfterRelease(finance, subOrderId, {
      amountPaise: 59_000,
      reason: 'The other unit returned',
    });
    expect(second.data).toMatchObject({ refundedAfterReleasePaise: 118_000 });
    await processRefunds(1);
    expect(await orderNets(t, order.id, dealer.userId)).toEqual({
      escrow: 0n,
      payable: 0n,
      receivable: 0n,
      commission: 0n,
      gst: 0n,
      tcs: 0n,
      tds: 0n,
    });
    expect((await afterReleaseRefunds(subOrderId)).map((r) => [r.amount, r.status])).toEqual([
      ['59000', 'processed'],
      ['59000', 'processed'],
    ]);
    await expectMoneyIdentity(t, order, dealer.userId);
  });

  it('refuses a refund beyond what was released (422), of escrow not released (409), and bad input (400)', async () => {
    const { order, subOrderId } = await releasedSale();
    const part = await refundAfterRelease(finance, subOrderId, {
      amountPaise: 100_000,
      reason: 'Partly damaged',
    });
    expect(part.response.status).toBe(201);
    // Requested but not yet processed still counts against what is left.
    const over = await refundAfterRelease(finance, subOrderId, {
      amountPaise: 18_001,
      reason: 'Too much',
    });
    expect(over.response.status).toBe(422);
    expect(over.error).toMatchObject({
      code: 'refund/exceeds-released',
      releasedPaise: 118_000,
      refundablePaise: 18_000,
    });
    expect(await afterReleaseRefunds(subOrderId)).toHaveLength(1);
    const zero = await refundAfterRelease(finance, subOrderId, { amountPaise: 0, reason: 'Zero' });
    expect(zero.response.status).toBe(400);

    // Escrow still held: refunds before release are the cancellation path, not this one.
    const held = await paidSale();
    const notReleased = await refundAfterRelease(finance, held.subOrderId, {
      amountPaise: 100,
      reason: 'Not released',
    });
    expect(notReleased.response.status).toBe(409);
    expect(notReleased.error).toMatchObject({ code: 'escrow/not-released', holdStatus: 'held' });
    // Not for dealers.
    const byDealer = await refundAfterRelease(held.dealer, subOrderId, {
      amountPaise: 100,
      reason: 'Mine',
    });
    expect(byDealer.response.status).toBe(403);
    expect(
      (await refundAfterRelease(finance, randomUUID(), { amountPaise: 100, reason: 'Nothing' }))
        .response.status,
    ).toBe(404);
    await processRefunds(1);
    await expectMoneyIdentity(
      t,
      order,
      (
        await sql<{ d: string }>(
          `SELECT dealer_id::text AS d FROM escrow_holds WHERE sub_order_id = $1`,
          [subOrderId],
        )
      )[0]!.d,
    );
  });

  it('after the dealer was paid out, the shortfall goes to the dealer receivable (vector 13)', async () => {
    const { dealer, order, subOrderId } = await releasedSale();
    // The gateway settles to the bank and the dealer is paid its whole payable.
    const bank = Accounts.bank(`rar-${randomUUID().slice(0, 8)}`);
    for (const command of [
      { type: 'open_account' as const, code: bank },
      gatewaySettlement({
        settlementId: `rar-${subOrderId}`,
        bankAccountId: bank.split(':')[2]!,
        amountPaise: 106_243n,
        actor: 'test',
      }),
      supplierPayout({
        payoutId: `rar-${subOrderId}`,
        supplier: { kind: 'dealer', id: dealer.userId },
        amountPaise: 106_243n,
        sourceAccount: bank,
        actor: 'test',
      }),
    ])
      expect((await ledger.execute(command)).code).toBe('ok');
    expect(await balance(Accounts.dealerPayable(dealer.userId))).toBe(0n);

    const res = await refundAfterRelease(finance, subOrderId, {
      amountPaise: 118_000,
      reason: 'Return discovered after payout',
    });
    expect(res.response.status).toBe(201);
    await processRefunds(1);
    // Not the reversal (the payable cannot bear it): the clawback, the dealer's share owed back.
    const [entry] = await sql<{ event_type: string }>(
      `SELECT event_type FROM ledger_entries WHERE id = $1`,
      [`refund:${res.data!.id}`],
    );
    expect(entry).toEqual({ event_type: 'refund_clawback' });
    expect(await balance(Accounts.dealerPayable(dealer.userId))).toBe(0n);
    expect(await balance(Accounts.dealerReceivable(dealer.userId))).toBe(-106_243n);
    const nets = await orderNets(t, order.id, dealer.userId);
    expect(nets).toEqual({
      escrow: 0n,
      payable: 106_243n,
      receivable: -106_243n,
      commission: 0n,
      gst: 0n,
      tcs: 0n,
      tds: 0n,
    });
    await expectMoneyIdentity(t, order, dealer.userId);
  });

  it("reverses the dealer's Route transfer by its share of each refund, whatever the order with the Route release", async () => {
    // A dealer approved by an admin, its Route account created and activated by Razorpay.
    const { dealer } = await activeRouteDealer(t, sandbox, admin);

    const transfers = t.app.get(RouteTransfersService);
    const gateway = t.app.get<PaymentGateway>(PAYMENT_GATEWAY);
    const sale = await paidSale(dealer);
    expect(await transfers.transferHolds({ paymentId: sale.paymentId })).toEqual({
      [sale.subOrderId]: 'on_hold',
    });
    const [held] = await sql<{ transfer_id: string }>(
      `SELECT transfer_id FROM escrow_holds WHERE sub_order_id = $1`,
      [sale.subOrderId],
    );
    const transferId = held!.transfer_id;
    const reversed = async () => (await gateway.fetchTransfer(transferId)).amountReversedPaise;
    expect(await reversed()).toBe(0);
    await release(sale.subOrderId);

    // Refunded before the Route release job ran: the platform's part (118000 − 106243) and the
    // dealer's share of this half (Δnet 53122) are reversed.
    const first = await refundAfterRelease(finance, sale.subOrderId, {
      amountPaise: 59_000,
      reason: 'One unit returned',
    });
    expect(first.response.status).toBe(201);
    await processRefunds(1);
    expect(await reversed()).toBe(118_000 - 106_243 + 53_122);
    // The Route release then reverses nothing more; the dealer keeps the rest of its net.
    expect(await transfers.releaseTransfer({ subOrderId: sale.subOrderId })).toBe('released');
    expect(await reversed()).toBe(118_000 - 106_243 + 53_122);
    // A retry of the reversal (e.g. after a crash before the gateway refund) reverses nothing twice.
    await reverseTransferAfterRelease(
      t.app.get(TransactionRunner),
      gateway,
      t.app.get(AfterReleaseRefunds),
      { id: first.data!.id, sub_order_id: sale.subOrderId },
    );
    expect(await reversed()).toBe(118_000 - 106_243 + 53_122);

    const second = await refundAfterRelease(finance, sale.subOrderId, {
      amountPaise: 59_000,
      reason: 'The other unit returned',
    });
    expect(second.response.status).toBe(201);
    await processRefunds(1);
    expect(await reversed()).toBe(118_000);
    expect(await orderNets(t, sale.order.id, dealer.userId)).toEqual({
      escrow: 0n,
      payable: 0n,
      receivable: 0n,
      commission: 0n,
      gst: 0n,
      tcs: 0n,
      tds: 0n,
    });
    await expectMoneyIdentity(t, sale.order, dealer.userId);
  });
});
