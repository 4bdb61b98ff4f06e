/**
 * Manual escrow holds and early release under maker-checker, on real PostgreSQL with orders paid
 * through the Razorpay sandbox: a manual hold stops the release job until lifted; an early release
 * at or below the threshold releases at once through the job's code path (same deductions); above it
 * a different staff member must approve (or an ops leader overrides); rejects; concurrent approvals
 * release once; every action is audited; bad inputs change nothing.
 */
import { ProposalHistory1764460000000 } from '../migrations/1764460000000-ProposalHistory.js';
import type { RazorpaySandbox } from '../scripts/razorpay-sandbox/sandbox.js';
import { Accounts } from '../src/ledger/domain/account.js';
import { LedgerIntegrityService } from '../src/ledger/integrity/ledger-integrity.service.js';
import { LedgerService } from '../src/ledger/persistence/ledger.service.js';
import { EscrowReleaseService } from '../src/escrow/escrow-release.service.js';
import { signInAs, type SignedIn } from './support/accounts.js';
import { expectMoneyIdentity } from './support/books.js';
import { activeListing, checkout, putInCart, type Order } from './support/orders.js';
import type { TestApp } from './support/test-app.js';
import { rowsAfterRemigrating, withClient } from './support/test-database.js';
import { payThroughSandbox, startSandboxApp, type SandboxApp } from './support/payments.js';

/** Orders of ₹600 release at once; ₹1,180 needs a second approver. */
const THRESHOLD = 100_000;

describe('escrow controls: manual holds and early release (maker-checker)', () => {
  let sandbox: RazorpaySandbox;
  let t: TestApp;
  let started: SandboxApp | undefined;
  let dealer: SignedIn;
  let financeA: SignedIn;
  let financeB: SignedIn;
  let opsLeader: SignedIn;
  let releases: EscrowReleaseService;

  const sql = <T extends Record<string, unknown>>(text: string, params: unknown[] = []) =>
    withClient(t.db.ownerUrl, async (c) => (await c.query<T>(text, params)).rows);

  const paidSubOrder = async (
    price: number,
  ): Promise<{ order: Order; subOrderId: string; buyer: SignedIn }> => {
    const buyer = await signInAs(t, 'customer');
    await putInCart(t, buyer, await activeListing(t, dealer.userId, { b2cPricePaise: price }), 1);
    const placed = await checkout(t, buyer);
    expect(placed.status).toBe(201);
    const order = placed.order!;
    await payThroughSandbox(t, sandbox, buyer, order.id);
    return { order, subOrderId: order.subOrders[0]!.id, buyer };
  };
  const setStatus = (subOrderId: string, status: 'delivered' | 'completed') =>
    sql(
      `UPDATE sub_orders SET status = $2, carrier = 'Delhivery', tracking_number = 'DLV-1',
         delivered_at = now() WHERE id = $1`,
      [subOrderId, status],
    );
  const holdOf = async (subOrderId: string) =>
    (
      await sql<Record<string, string | null>>(
        `SELECT status, commission_paise::text AS commission, gst_on_commission_paise::text AS gst,
                tcs_paise::text AS tcs, tds_paise::text AS tds, dealer_net_paise::text AS net
         FROM escrow_holds WHERE sub_order_id = $1`,
        [subOrderId],
      )
    )[0]!;
  const releaseEntries = async (subOrderId: string) =>
    (
      await sql<{ n: number }>(`SELECT count(*)::int AS n FROM ledger_entries WHERE id = $1`, [
        `release:${subOrderId}`,
      ])
    )[0]!.n;
  const audits = (targetId: string) =>
    sql<{ action: string; actor_id: string; override: boolean; reason: string | null }>(
      `SELECT action, actor_id::text AS actor_id, override, reason FROM audit_events
       WHERE target_id = $1 ORDER BY seq`,
      [targetId],
    );
  const hold = (who: SignedIn, subOrderId: string, body: { reason: string }) =>
    t.api.POST('/admin/escrow/holds/{subOrderId}/hold', {
      params: { path: { subOrderId } },
      body,
      headers: who.headers,
    });
  const unhold = (who: SignedIn, subOrderId: string, body: { reason: string }) =>
    t.api.POST('/admin/escrow/holds/{subOrderId}/unhold', {
      params: { path: { subOrderId } },
      body,
      headers: who.headers,
    });
  const releaseEarly = (
    who: SignedIn,
    subOrderId: string,
    body: { reason: string; override?: boolean },
  ) =>
    t.api.POST('/admin/escrow/holds/{subOrderId}/release-early', {
      params: { path: { subOrderId } },
      body,
      headers: who.headers,
    });
  const approve = (
    who: SignedIn,
    earlyReleaseId: string,
    body: { reason?: string; override?: boolean } = {},
  ) =>
    t.api.POST('/admin/escrow/early-releases/{earlyReleaseId}/approve', {
      params: { path: { earlyReleaseId } },
      body,
      headers: who.headers,
    });
  const reject = (who: SignedIn, earlyReleaseId: string, body: { reason: string }) =>
    t.api.POST('/admin/escrow/early-releases/{earlyReleaseId}/reject', {
      params: { path: { earlyReleaseId } },
      body,
      headers: who.headers,
    });

  beforeAll(async () => {
    started = await startSandboxApp({
      env: {
        EARLY_RELEASE_APPROVAL_ABOVE_PAISE: String(THRESHOLD),
      },
    });
    ({ sandbox, t } = started);
    [dealer, financeA, financeB, opsLeader] = await Promise.all([
      signInAs(t, 'dealer'),
      signInAs(t, 'finance'),
      signInAs(t, 'finance'),
      signInAs(t, 'ops_leader'),
    ]);
    releases = t.app.get(EscrowReleaseService);
  });
  afterAll(() => started?.close());

  it('a manual hold stops the release job until lifted; then the next pass releases it', async () => {
    const { subOrderId } = await paidSubOrder(60_000);
    // Bad inputs: precise problems, nothing stored.
    const blank = await hold(financeA, subOrderId, { reason: '   ' });
    expect(blank.response.status).toBe(400);
    const unknown = await hold(financeA, '00000000-0000-4000-8000-000000000000', {
      reason: 'fraud check',
    });
    expect(unknown.response.status).toBe(404);
    expect(unknown.error).toMatchObject({ code: 'escrow/hold-not-found' });
    const notOn = await unhold(financeA, subOrderId, { reason: 'nothing to lift' });
    expect(notOn.response.status).toBe(409);
    expect(notOn.error).toMatchObject({ code: 'escrow/not-on-hold' });
    expect(
      await sql(`SELECT 1 FROM escrow_manual_holds WHERE sub_order_id = $1`, [subOrderId]),
    ).toHaveLength(0);

    const placed = await hold(financeA, subOrderId, { reason: 'buyer reported fraud' });
    expect(placed.response.status).toBe(200);
    expect(placed.data).toMatchObject({ subOrderId, status: 'held', onManualHold: true });
    const twice = await hold(financeB, subOrderId, { reason: 'again' });
    expect(twice.response.status).toBe(409);
    expect(twice.error).toMatchObject({ code: 'escrow/already-on-hold' });

    await setStatus(subOrderId, 'completed');
    await releases.releaseDue();
    expect((await holdOf(subOrderId)).status).toBe('held');
    expect(await releaseEntries(subOrderId)).toBe(0);

    const lifted = await unhold(financeB, subOrderId, { reason: 'fraud check cleared' });
    expect(lifted.response.status).toBe(200);
    expect(lifted.data).toMatchObject({ onManualHold: false });
    expect(lifted.data!.manualHolds[0]).toMatchObject({
      reason: 'buyer reported fraud',
      placedBy: financeA.userId,
      liftedBy: financeB.userId,
      liftReason: 'fraud check cleared',
    });
    expect(await releases.releaseDue()).toBeGreaterThanOrEqual(1);
    expect((await holdOf(subOrderId)).status).toBe('released');
    expect(await releaseEntries(subOrderId)).toBe(1);
    // Placing a hold on released escrow is refused.
    const late = await hold(financeA, subOrderId, { reason: 'too late now' });
    expect(late.error).toMatchObject({ code: 'escrow/not-held', holdStatus: 'released' });

    expect(await audits(subOrderId)).toEqual([
      expect.objectContaining({
        action: 'escrow.manual_hold.place',
        actor_id: financeA.userId,
        reason: 'buyer reported fraud',
      }),
      expect.objectContaining({
        action: 'escrow.manual_hold.lift',
        actor_id: financeB.userId,
        reason: 'fraud check cleared',
      }),
    ]);
  });

  it('below the threshold an early release of a delivered sub-order releases at once, with the normal deductions', async () => {
    const { order, subOrderId, buyer } = await paidSubOrder(60_000);
    // Only once delivered: a paid sub-order is refused, nothing changes.
    const early = await releaseEarly(financeA, subOrderId, { reason: 'trusted dealer, cash flow' });
    expect(early.response.status).toBe(409);
    expect(early.error).toMatchObject({ code: 'escrow/not-eligible', subOrderStatus: 'paid' });
    await setStatus(subOrderId, 'delivered');
    // Not under a manual hold.
    await hold(financeB, subOrderId, { reason: 'checking the invoice' });
    const blocked = await releaseEarly(financeA, subOrderId, { reason: 'trusted dealer' });
    expect(blocked.error).toMatchObject({ code: 'escrow/manual-hold' });
    await unhold(financeB, subOrderId, { reason: 'invoice checked' });
    // Finance cannot override.
    const forbidden = await releaseEarly(financeA, subOrderId, {
      reason: 'trusted dealer',
      override: true,
    });
    expect(forbidden.response.status).toBe(403);
    expect(forbidden.error).toMatchObject({ code: 'escrow/override-forbidden' });
    expect(
      await sql(`SELECT 1 FROM escrow_early_releases WHERE sub_order_id = $1`, [subOrderId]),
    ).toHaveLength(0);
    expect((await holdOf(subOrderId)).status).toBe('held');

    const done = await releaseEarly(financeA, subOrderId, { reason: 'trusted dealer, cash flow' });
    expect(done.response.status).toBe(201);
    expect(done.data).toMatchObject({
      subOrderId,
      orderId: order.id,
      status: 'released',
      needsApproval: false,
      requestedBy: financeA.userId,
      decidedBy: financeA.userId,
      override: false,
      amountPaise: order.totalPaise,
    });
    const released = await holdOf(subOrderId);
    expect(released.status).toBe('released');
    const parts = ['commission', 'gst', 'tcs', 'tds', 'net'].reduce(
      (s, k) => s + Number(released[k]),
      0,
    );
    expect(parts).toBe(order.totalPaise);
    expect(Number(released.commission)).toBeGreaterThan(0);
    expect(await releaseEntries(subOrderId)).toBe(1);
    const escrow = await t.app.get(LedgerService).account(Accounts.orderEscrow(order.id));
    expect(escrow!.creditsPosted - escrow!.debitsPosted).toBe(0n);
    expect(escrow!.debitsPending).toBe(0n);
    await expectMoneyIdentity(t, order, dealer.userId);
    // The sub-order completed with the release (a history row, the reason buyers may read), and the
    // buyer and the dealer see it done.
    const mine = await t.api.GET('/orders/{orderId}', {
      params: { path: { orderId: order.id } },
      headers: buyer.headers,
    });
    expect(mine.data!.subOrders[0]!.status).toBe('completed');
    expect(mine.data!.subOrders[0]!.history!.at(-1)).toMatchObject({
      event: 'complete',
      fromStatus: 'delivered',
      toStatus: 'completed',
      actor: 'admin',
      reason: 'escrow released early',
    });
    const dealerView = await t.api.GET('/dealer/orders/{subOrderId}', {
      params: { path: { subOrderId } },
      headers: dealer.headers,
    });
    expect(dealerView.data!.status).toBe('completed');
    // The release job finds nothing more to do.
    await releases.releaseDue();
    expect(await releaseEntries(subOrderId)).toBe(1);
    const again = await releaseEarly(financeB, subOrderId, { reason: 'once more' });
    expect(again.error).toMatchObject({ code: 'escrow/not-held' });
    expect(await audits(done.data!.id)).toEqual([
      expect.objectContaining({ action: 'escrow.early_release.release', override: false }),
    ]);
    expect((await t.app.get(LedgerIntegrityService).verify()).ok).toBe(true);
  });

  it('above the threshold a different staff member approves; the proposer cannot; concurrent approvals release once', async () => {
    const { order, subOrderId } = await paidSubOrder(118_000);
    await setStatus(subOrderId, 'delivered');
    const requested = await releaseEarly(financeA, subOrderId, { reason: 'dealer hardship' });
    expect(requested.response.status).toBe(201);
    expect(requested.data).toMatchObject({
      status: 'pending',
      needsApproval: true,
      decidedBy: null,
    });
    const id = requested.data!.id;
    expect((await holdOf(subOrderId)).status).toBe('held');
    const dup = await releaseEarly(financeB, subOrderId, { reason: 'dealer hardship' });
    expect(dup.error).toMatchObject({ code: 'escrow/early-release-pending', earlyReleaseId: id });

    const queue = await t.api.GET('/admin/escrow/early-releases', {
      params: { query: { status: 'pending' } },
      headers: financeB.headers,
    });
    expect(queue.data!.items.map((i) => i.id)).toContain(id);

    const self = await approve(financeA, id);
    expect(self.response.status).toBe(403);
    expect(self.error).toMatchObject({ code: 'escrow/maker-checker' });
    expect((await holdOf(subOrderId)).status).toBe('held');

    const [a, b] = await Promise.all([
      approve(financeB, id, { reason: 'checked' }),
      approve(opsLeader, id),
    ]);
    expect([a.response.status, b.response.status].sort()).toEqual([200, 409]);
    const loser = a.response.status === 409 ? a : b;
    expect(loser.error).toMatchObject({
      code: 'escrow/early-release-not-pending',
      earlyReleaseStatus: 'released',
    });
    expect(await releaseEntries(subOrderId)).toBe(1);
    expect(
      await sql(
        `SELECT s.status, count(h.*)::int AS completions FROM sub_orders s
         LEFT JOIN sub_order_history h ON h.sub_order_id = s.id AND h.event = 'complete'
         WHERE s.id = $1 GROUP BY s.status`,
        [subOrderId],
      ),
    ).toEqual([{ status: 'completed', completions: 1 }]);
    expect(await holdOf(subOrderId)).toEqual({
      status: 'released',
      commission: '9440',
      gst: '1699',
      tcs: '500',
      tds: '118',
      net: '106243',
    });
    expect((await audits(id)).map((e) => [e.action, e.actor_id, e.override])).toEqual([
      ['escrow.early_release.request', financeA.userId, false],
      [
        'escrow.early_release.approve',
        (a.response.status === 200 ? financeB : opsLeader).userId,
        false,
      ],
    ]);
    await expectMoneyIdentity(t, order, dealer.userId);
  });

  it('an ops leader overrides the second approval (audited); a rejected request releases nothing', async () => {
    const first = await paidSubOrder(118_000);
    await setStatus(first.subOrderId, 'delivered');
    const direct = await releaseEarly(opsLeader, first.subOrderId, {
      reason: 'escalated by the dealer',
      override: true,
    });
    expect(direct.data).toMatchObject({ status: 'released', needsApproval: true, override: true });
    expect(await audits(direct.data!.id)).toEqual([
      expect.objectContaining({ action: 'escrow.early_release.release', override: true }),
    ]);

    const second = await paidSubOrder(118_000);
    await setStatus(second.subOrderId, 'delivered');
    const own = (await releaseEarly(opsLeader, second.subOrderId, { reason: 'dealer hardship' }))
      .data!;
    expect(own.status).toBe('pending');
    const noReason = await approve(opsLeader, own.id, { override: true });
    expect(noReason.error).toMatchObject({ code: 'escrow/override-reason-required' });
    const financeOverride = await approve(financeA, own.id, { override: true, reason: 'urgent' });
    expect(financeOverride.error).toMatchObject({ code: 'escrow/override-forbidden' });
    expect((await holdOf(second.subOrderId)).status).toBe('held');
    const overridden = await approve(opsLeader, own.id, {
      override: true,
      reason: 'urgent payout',
    });
    expect(overridden.data).toMatchObject({ status: 'released', override: true });
    expect((await audits(own.id)).at(-1)).toMatchObject({
      action: 'escrow.early_release.approve',
      override: true,
      reason: 'urgent payout',
    });
    expect(
      await sql(
        `SELECT event, from_status, to_status, actor, actor_id::text AS actor_id, reason
         FROM escrow_early_release_history WHERE early_release_id = $1 ORDER BY id`,
        [own.id],
      ),
    ).toEqual([
      {
        event: 'propose',
        from_status: null,
        to_status: 'pending',
        actor: 'maker',
        actor_id: opsLeader.userId,
        reason: 'dealer hardship',
      },
      {
        event: 'approve',
        from_status: 'pending',
        to_status: 'released',
        actor: 'override',
        actor_id: opsLeader.userId,
        reason: 'urgent payout',
      },
    ]);

    const third = await paidSubOrder(118_000);
    await setStatus(third.subOrderId, 'delivered');
    const pending = (await releaseEarly(financeA, third.subOrderId, { reason: 'please' })).data!;
    const noBody = await reject(financeB, pending.id, { reason: '' });
    expect(noBody.response.status).toBe(400);
    const rejected = await reject(financeB, pending.id, { reason: 'wait for the return window' });
    expect(rejected.data).toMatchObject({
      status: 'rejected',
      decidedBy: financeB.userId,
      decisionReason: 'wait for the return window',
    });
    const late = await approve(opsLeader, pending.id);
    expect(late.error).toMatchObject({ code: 'escrow/early-release-not-pending' });
    expect((await holdOf(third.subOrderId)).status).toBe('held');
    expect(await releaseEntries(third.subOrderId)).toBe(0);
    expect((await audits(pending.id)).map((e) => e.action)).toEqual([
      'escrow.early_release.request',
      'escrow.early_release.reject',
    ]);
    const missing = await approve(financeB, '00000000-0000-4000-8000-000000000000');
    expect(missing.response.status).toBe(404);
    expect(missing.error).toMatchObject({ code: 'escrow/early-release-not-found' });
  });

  it('back-fills the history of early releases made before it as the code writes it', async () => {
    const all = `SELECT early_release_id::text AS id, event, from_status, to_status, actor,
                        actor_id::text AS actor_id, reason, created_at
                 FROM escrow_early_release_history ORDER BY early_release_id, id`;
    const written = await sql(all);
    // Released at once, approved by another, approved as an override, rejected, still pending.
    expect(new Set(written.map((h) => `${h.event}:${h.actor}:${h.to_status}`))).toEqual(
      new Set([
        'propose:maker:released',
        'propose:maker:pending',
        'approve:checker:released',
        'approve:override:released',
        'reject:checker:rejected',
      ]),
    );
    const backFilled = await rowsAfterRemigrating(
      t.db.ownerUrl,
      new ProposalHistory1764460000000(),
      all,
    );
    expect(backFilled).toEqual(written);
  });
});
