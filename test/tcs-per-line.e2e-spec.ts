/**
 * TCS on each line's own taxable value and delivery taxed with the goods (ledger-spec/recipes.md §3),
 * through the real flow against the Razorpay sandbox over HTTP, on real PostgreSQL: a mixed-rate
 * sub-order released (TCS 839, not 784), clawed back at the lines' rates after a refund (227, not
 * 212); delivery split over the lines and taxed at their rates on the invoice and in the release;
 * and the maker-checker correction of a release posted on the old (schedule) basis — once. Each ends
 * with the order's money identity and the ledger verified.
 */
import type { RazorpaySandbox } from '../scripts/razorpay-sandbox/sandbox.js';
import { Accounts } from '../src/ledger/domain/account.js';
import { credit, debit } from '../src/ledger/domain/journal.js';
import { LedgerService } from '../src/ledger/persistence/ledger.service.js';
import { EscrowReleaseService } from '../src/escrow/escrow-release.service.js';
import { RefundsService } from '../src/payments/refunds.service.js';
import { signInAs, type SignedIn } from './support/accounts.js';
import { expectMoneyIdentity, orderNets } from './support/books.js';
import { activeListing, checkout, putInCart, type Order } from './support/orders.js';
import type { TestApp } from './support/test-app.js';
import { withClient } from './support/test-database.js';
import { payThroughSandbox, startSandboxApp, type SandboxApp } from './support/payments.js';

describe('TCS per line and delivery taxed with the goods (Razorpay sandbox over HTTP)', () => {
  let sandbox: RazorpaySandbox;
  let t: TestApp;
  let started: SandboxApp | undefined;
  let finance: SignedIn;
  let finance2: SignedIn;

  const sql = <T extends Record<string, unknown>>(text: string, params: unknown[] = []) =>
    withClient(t.db.ownerUrl, async (c) => (await c.query<T>(text, params)).rows);

  /** The order's escrow at zero, its money identity, the ledger verified and balanced. */
  const expectBooks = async (order: Order, ...dealerIds: [string, ...string[]]) => {
    expect((await orderNets(t, order.id, dealerIds[0])).escrow).toBe(0n);
    await expectMoneyIdentity(t, order, ...dealerIds);
  };

  /** ₹800 at 18 % and ₹1,050 at 5 % of one dealer, paid (free delivery: ₹1,850 ≥ ₹999). */
  const mixedSale = async () => {
    const dealer = await signInAs(t, 'dealer');
    const buyer = await signInAs(t, 'customer');
    await putInCart(t, buyer, await activeListing(t, dealer.userId, { b2cPricePaise: 80_000 }), 1);
    await putInCart(
      t,
      buyer,
      await activeListing(t, dealer.userId, { b2cPricePaise: 105_000, gstRateBps: 500 }),
      1,
    );
    const placed = await checkout(t, buyer);
    expect(placed.status).toBe(201);
    const order = placed.order!;
    await payThroughSandbox(t, sandbox, buyer, order.id);
    return { dealer, order, subOrderId: order.subOrders[0]!.id };
  };
  const release = async (subOrderId: string) => {
    await sql(
      `UPDATE sub_orders SET status = 'completed', carrier = 'Delhivery', tracking_number = 'DLV-1' WHERE id = $1`,
      [subOrderId],
    );
    expect(await t.app.get(EscrowReleaseService).releaseDue()).toBe(1);
  };
  const holdOf = async (subOrderId: string) =>
    (
      await sql<{ tcs: string; net: string; basis: string }>(
        `SELECT tcs_paise::text AS tcs, dealer_net_paise::text AS net, taxable_basis AS basis
         FROM escrow_holds WHERE sub_order_id = $1`,
        [subOrderId],
      )
    )[0]!;
  const refundAfterRelease = async (subOrderId: string, amountPaise: number) => {
    const res = await t.api.POST('/admin/escrow/holds/{subOrderId}/refund-after-release', {
      params: { path: { subOrderId } },
      body: { amountPaise, reason: 'Returned late' },
      headers: finance.headers,
    });
    expect(res.response.status).toBe(201);
    expect(await t.app.get(RefundsService).processDue()).toBe(1);
  };

  beforeAll(async () => {
    started = await startSandboxApp({ webhooks: true });
    ({ sandbox, t } = started);
    [finance, finance2] = await Promise.all([signInAs(t, 'finance'), signInAs(t, 'finance')]);
  });
  afterAll(() => started?.close());

  it('withholds TCS on each released line’s own taxable value, and claws it back at those rates', async () => {
    const { dealer, order, subOrderId } = await mixedSale();
    expect(order.subOrders[0]!.lines.map((l) => l.taxableValuePaise).sort()).toEqual([
      100_000, 67_797,
    ]);
    await release(subOrderId);
    // 0.5 % × (67,797 + 100,000) = 838.985 → 839 (the schedule's 185,000 / 1.18 gave 784).
    // Net: 185,000 − commission 14,800 − GST 2,664 − TCS 839 − TDS 185.
    expect(await holdOf(subOrderId)).toEqual({ tcs: '839', net: '166512', basis: 'lines' });
    expect((await orderNets(t, order.id, dealer.userId)).tcs).toBe(839n);
    await expectBooks(order, dealer.userId);

    // ₹500 back after release: split 21,622 / 28,378 over the lines; TCS left on 49,473 + 72,973.
    await refundAfterRelease(subOrderId, 50_000);
    expect((await orderNets(t, order.id, dealer.userId)).tcs).toBe(612n); // 227 clawed back (not 212)
    await expectBooks(order, dealer.userId);
  });

  it('splits delivery over the lines by taxable value and taxes each part at its line’s rate', async () => {
    const a = await signInAs(t, 'dealer');
    const b = await signInAs(t, 'dealer');
    const buyer = await signInAs(t, 'customer');
    await putInCart(t, buyer, await activeListing(t, a.userId, { b2cPricePaise: 21_900 }), 1);
    await putInCart(
      t,
      buyer,
      await activeListing(t, a.userId, { b2cPricePaise: 10_000, gstRateBps: 500 }),
      1,
    );
    await putInCart(t, buyer, await activeListing(t, b.userId, { b2cPricePaise: 30_000 }), 1);
    const placed = await checkout(t, buyer);
    expect(placed.status).toBe(201);
    const order = placed.order!;
    const sub = order.subOrders.find((s) => s.dealerId === a.userId)!;
    expect([sub.itemsPaise, sub.deliveryPaise, sub.totalPaise]).toEqual([31_900, 4_900, 36_800]);
    // 4,900 × 18,559 / 28,083 → 3,238 and 4,900 × 9,524 / 28,083 → 1,662; then 25,138 / 1.18 and 11,662 / 1.05.
    expect(
      [...sub.lines]
        .sort((x, y) => y.gstRateBps - x.gstRateBps)
        .map((l) => [
          l.deliverySharePaise,
          l.taxableValuePaise,
          l.cgstPaise + l.sgstPaise + l.igstPaise,
        ]),
    ).toEqual([
      [3_238, 21_303, 3_835],
      [1_662, 11_107, 555],
    ]);
    expect(sub.taxPaise).toBe(3_835 + 555);
    await payThroughSandbox(t, sandbox, buyer, order.id);
    await release(sub.id);
    // TCS on 21,303 + 11,107 = 32,410 → 162 (the delivery is not an 18 % supply of its own).
    expect((await holdOf(sub.id)).tcs).toBe('162');
    await release(order.subOrders.find((s) => s.dealerId === b.userId)!.id);
    await expectBooks(order, a.userId, b.userId);
  });

  it('corrects a release posted on the schedule basis under maker-checker, once, and claws back on the lines afterwards', async () => {
    const { dealer, order, subOrderId } = await mixedSale();
    await release(subOrderId);
    // Put the release back where the old rule left it (TCS 784 = 0.5 % × 185,000 / 1.18, the dealer
    // 55 paise richer), as a release posted before the migration is: same balances, basis `schedule`.
    const ledger = t.app.get(LedgerService);
    const legacy = await ledger.execute({
      type: 'post',
      key: `test_legacy_release:${subOrderId}`,
      lines: [debit(Accounts.tcs, 55n), credit(Accounts.dealerPayable(dealer.userId), 55n)],
      meta: { eventType: 'release_deductions', reference: `order:${order.id}`, actor: 'test' },
    });
    expect(legacy.code).toBe('ok');
    await sql(
      `UPDATE escrow_holds SET tcs_paise = 784, dealer_net_paise = dealer_net_paise + 55,
         taxable_basis = 'schedule' WHERE sub_order_id = $1`,
      [subOrderId],
    );
    expect((await orderNets(t, order.id, dealer.userId)).tcs).toBe(784n);

    const proposed = await t.api.POST('/ledger/tcs-corrections', {
      body: { reason: 'TCS on each line’s own taxable value' },
      headers: finance.headers,
    });
    expect(proposed.response.status).toBe(201);
    const correction = proposed.data!;
    expect(correction.status).toBe('proposed');
    const item = correction.items.find((i) => i.subOrderId === subOrderId)!;
    expect(item).toMatchObject({
      orderId: order.id,
      dealerId: dealer.userId,
      releasedPaise: 185_000,
      refundedAfterReleasePaise: 0,
      taxableBeforePaise: 156_780,
      taxableAfterPaise: 167_797,
      tcsBeforePaise: 784,
      tcsAfterPaise: 839,
      differencePaise: 55,
      entryKey: null,
    });
    // Proposed only: nothing posted yet.
    expect((await orderNets(t, order.id, dealer.userId)).tcs).toBe(784n);

    const approve = (who: SignedIn) =>
      t.api.POST('/ledger/tcs-corrections/{correctionId}/approve', {
        params: { path: { correctionId: correction.id } },
        body: {},
        headers: who.headers,
      });
    const self = await approve(finance);
    expect([self.response.status, self.error?.code]).toEqual([403, 'ledger/maker-checker']);
    const approved = await approve(finance2);
    expect(approved.response.status).toBe(200);
    expect(approved.data!.status).toBe('approved');
    expect(approved.data!.items.find((i) => i.subOrderId === subOrderId)!.entryKey).toBe(
      `tcs_correction:${subOrderId}`,
    );
    expect((await orderNets(t, order.id, dealer.userId)).tcs).toBe(839n);
    const again = await approve(finance2);
    expect([again.response.status, again.error?.code]).toEqual([409, 'tcs-correction/not-pending']);
    await expectBooks(order, dealer.userId);

    // A second run finds nothing left to correct.
    const rerun = await t.api.POST('/ledger/tcs-corrections', {
      body: { reason: 'Run again' },
      headers: finance.headers,
    });
    expect(rerun.data!.items.filter((i) => i.subOrderId === subOrderId)).toEqual([]);
    const audited = await sql<{ action: string }>(
      `SELECT action FROM audit_events WHERE target_id = $1 ORDER BY seq`,
      [correction.id],
    );
    expect(audited.map((a) => a.action)).toEqual([
      'ledger.tcs-correction.propose',
      'ledger.tcs-correction.approve',
    ]);
    const history = await sql<{ event: string; actor: string; to_status: string }>(
      `SELECT event, actor, to_status FROM tcs_correction_history WHERE correction_id = $1 ORDER BY id`,
      [correction.id],
    );
    expect(history.map((h) => [h.event, h.actor, h.to_status])).toEqual([
      ['propose', 'maker', 'proposed'],
      ['approve', 'checker', 'approved'],
    ]);

    // Refunds after the corrected release claw back on the lines: 839 − 612 = 227.
    await refundAfterRelease(subOrderId, 50_000);
    expect((await orderNets(t, order.id, dealer.userId)).tcs).toBe(612n);
    await expectBooks(order, dealer.userId);
  });

  it('refuses bad correction requests with clear errors', async () => {
    const blank = await t.api.POST('/ledger/tcs-corrections', {
      body: { reason: '  ' },
      headers: finance.headers,
    });
    expect(blank.response.status).toBe(400);
    const missing = await t.api.GET('/ledger/tcs-corrections/{correctionId}', {
      params: { path: { correctionId: '00000000-0000-4000-8000-000000000000' } },
      headers: finance.headers,
    });
    expect([missing.response.status, missing.error?.code]).toEqual([
      404,
      'tcs-correction/not-found',
    ]);
    const dealer = await signInAs(t, 'dealer');
    const forbidden = await t.api.POST('/ledger/tcs-corrections', {
      body: { reason: 'Not mine to run' },
      headers: dealer.headers,
    });
    expect(forbidden.response.status).toBe(403);
  });
});
