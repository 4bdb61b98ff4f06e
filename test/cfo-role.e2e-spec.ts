/**
 * The `cfo` staff role (README "The `cfo` role") on real PostgreSQL, with orders paid through the
 * Razorpay sandbox: an admin makes a CFO, who signs in with two factors; the CFO reads the books
 * (trial balance, journal export — audited — escrow views, reconciliation runs) and is refused every
 * write (403 `auth/forbidden`) with nothing changed; finance then settles what the CFO could not, and
 * the books check out.
 */
import { randomUUID } from 'node:crypto';
import type { RazorpaySandbox } from '../scripts/razorpay-sandbox/sandbox.js';
import { EscrowReleaseService } from '../src/escrow/escrow-release.service.js';
import { LedgerService } from '../src/ledger/persistence/ledger.service.js';
import { RefundsService } from '../src/payments/refunds.service.js';
import { login, signInAs, TEST_PASSWORD, type SignedIn } from './support/accounts.js';
import { activeListing, checkout, putInCart, type Order } from './support/orders.js';
import {
  expectOrderSettled,
  payThroughSandbox,
  startSandboxApp,
  type SandboxApp,
} from './support/payments.js';
import type { TestApp } from './support/test-app.js';
import { withClient } from './support/test-database.js';

/** Orders above ₹1,000 need a second approver for an early release. */
const THRESHOLD = 100_000;

describe('the cfo role: reads the money, changes nothing', () => {
  let sandbox: RazorpaySandbox;
  let t: TestApp;
  let started: SandboxApp | undefined;
  let admin: SignedIn;
  let financeA: SignedIn;
  let financeB: SignedIn;
  let dealer: SignedIn;
  let cfo: SignedIn;

  const sql = <T extends Record<string, unknown>>(text: string, params: unknown[] = []) =>
    withClient(t.db.ownerUrl, async (c) => (await c.query<T>(text, params)).rows);

  /** A paid order of one part, its sub-order delivered an hour ago. */
  const deliveredOrder = async (price: number): Promise<{ order: Order; buyer: SignedIn }> => {
    const buyer = await signInAs(t, 'customer');
    await putInCart(t, buyer, await activeListing(t, dealer.userId, { b2cPricePaise: price }), 1);
    const placed = await checkout(t, buyer);
    expect(placed.status).toBe(201);
    const order = placed.order!;
    await payThroughSandbox(t, sandbox, buyer, order.id);
    await sql(
      `UPDATE sub_orders SET status = 'delivered', carrier = 'Delhivery', tracking_number = 'DLV-1',
         shipped_at = now() - interval '2 hours', delivered_at = now() - interval '1 hour'
       WHERE id = $1`,
      [order.subOrders[0]!.id],
    );
    return { order, buyer };
  };

  /** A write as the CFO: refused by policy, naming who may (never the CFO). */
  const refused = async (method: 'POST' | 'DELETE', path: string, body: unknown) => {
    const res = await fetch(`${t.baseUrl}${path}`, {
      method,
      headers: { ...cfo.headers, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const problem = (await res.json()) as { code: string; allowedRoles: string[] };
    return {
      status: res.status,
      code: problem.code,
      cfoAllowed: problem.allowedRoles.includes('cfo'),
    };
  };
  const REFUSED = { status: 403, code: 'auth/forbidden', cfoAllowed: false };

  beforeAll(async () => {
    started = await startSandboxApp({
      env: { EARLY_RELEASE_APPROVAL_ABOVE_PAISE: String(THRESHOLD) },
    });
    ({ sandbox, t } = started);
    [admin, financeA, financeB, dealer] = await Promise.all([
      signInAs(t, 'admin'),
      signInAs(t, 'finance'),
      signInAs(t, 'finance'),
      signInAs(t, 'dealer'),
    ]);
    const ledger = t.app.get(LedgerService);
    for (const code of ['expense:goodwill', 'equity:capital'])
      expect((await ledger.execute({ type: 'open_account', code })).code).toBe('ok');
  });
  afterAll(() => started?.close());

  it('an admin makes a CFO (nobody else may), who signs in with two factors', async () => {
    const email = `cfo-${randomUUID()}@test.fixbazaar.in`;
    const body = {
      role: 'cfo' as const,
      displayName: 'Chandra CFO',
      email,
      password: TEST_PASSWORD,
    };
    const byFinance = await t.api.POST('/admin/staff', { body, headers: financeA.headers });
    expect(byFinance.response.status).toBe(403);
    expect(byFinance.error).toMatchObject({ code: 'auth/forbidden', allowedRoles: ['admin'] });
    const badRole = await t.api.POST('/admin/staff', {
      body: { ...body, role: 'chief' as 'cfo' },
      headers: admin.headers,
    });
    expect(badRole.response.status).toBe(400);
    expect(badRole.error).toMatchObject({
      code: 'request/validation-failed',
      errors: [{ field: 'role' }],
    });

    const created = await t.api.POST('/admin/staff', { body, headers: admin.headers });
    expect(created.response.status).toBe(201);
    expect(created.data).toMatchObject({ role: 'cfo', status: 'approved', email });
    const [audit] = await sql<{ action: string; actor_id: string }>(
      `SELECT action, actor_id::text AS actor_id FROM audit_events WHERE target_id = $1 ORDER BY seq`,
      [created.data!.id],
    );
    expect(audit).toMatchObject({ actor_id: admin.userId });

    // A password alone opens no session: the first sign-in enrols TOTP (the helper's second step).
    const first = await fetch(`${t.baseUrl}/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ identifier: email, password: TEST_PASSWORD }),
    });
    expect(await first.json()).toMatchObject({ status: 'mfa_enrolment_required' });
    const signedIn = await login(t, email, TEST_PASSWORD);
    expect(signedIn.status).toBe(200);
    cfo = { ...signedIn, userId: created.data!.id };
    const me = await t.api.GET('/me', { headers: cfo.headers });
    expect(me.data).toMatchObject({ id: cfo.userId, role: 'cfo' });
  });

  it('reads the trial balance, the journal export (audited), escrow views and reconciliation runs', async () => {
    const { order } = await deliveredOrder(60_000);
    const subOrderId = order.subOrders[0]!.id;

    const trial = await t.api.GET('/ledger/trial-balance', { headers: cfo.headers });
    expect(trial.response.status).toBe(200);
    expect(trial.data!.balanced).toBe(true);

    // The export covers entries written below the oldest transaction still running in the cluster
    // (its horizon); a transaction of another test file's database may hold it back a moment, so
    // the order's entry is looked for in a fresh export until it is in (each export audited).
    const holdEntry = `hold:order:${order.id}:${subOrderId}`;
    let exports = 0;
    for (let found = false; !found;) {
      expect(exports).toBeLessThan(50);
      const exported = await t.api.GET('/ledger/export', {
        params: { query: { format: 'jsonl' } },
        headers: cfo.headers,
        parseAs: 'text',
      });
      exports++;
      expect(exported.response.status).toBe(200);
      const text = (exported.data as unknown as string | undefined) ?? '';
      found = text
        .split('\n')
        .filter((l) => l !== '')
        .some((l) => (JSON.parse(l) as { id: string }).id === holdEntry);
      if (!found) await new Promise((r) => setTimeout(r, 200));
    }
    expect(
      await sql(
        `SELECT actor_role, after->>'format' AS format FROM audit_events
         WHERE action = 'ledger.export' AND actor_id = $1`,
        [cfo.userId],
      ),
    ).toEqual(Array.from({ length: exports }, () => ({ actor_role: 'cfo', format: 'jsonl' })));

    const holds = await t.api.GET('/admin/escrow/holds', {
      params: { query: { orderId: order.id } },
      headers: cfo.headers,
    });
    expect(holds.data!.items.map((h) => [h.subOrderId, h.status])).toEqual([[subOrderId, 'held']]);
    const aging = await t.api.GET('/admin/escrow/aging', { headers: cfo.headers });
    expect(aging.response.status).toBe(200);
    const due = await t.api.GET('/admin/escrow/releases-due', { headers: cfo.headers });
    expect(due.response.status).toBe(200);

    // Finance queues a run; the CFO reads it (and may not queue one).
    const day = '2026-01-01';
    const queued = await t.api.POST('/admin/reconciliation/runs', {
      body: { date: day },
      headers: financeA.headers,
    });
    expect(queued.response.status).toBe(202);
    expect(await refused('POST', '/admin/reconciliation/runs', { date: day })).toEqual(REFUSED);
    const runs = await t.api.GET('/admin/reconciliation/runs', { headers: cfo.headers });
    expect(runs.data!.items.map((r) => r.id)).toContain(queued.data!.id);
    const run = await t.api.GET('/admin/reconciliation/runs/{runId}', {
      params: { path: { runId: queued.data!.id } },
      headers: cfo.headers,
    });
    expect(run.data).toMatchObject({
      id: queued.data!.id,
      businessDate: day,
      requestedBy: financeA.userId,
    });
    const exceptions = await t.api.GET('/admin/reconciliation/exceptions', {
      headers: cfo.headers,
    });
    expect(exceptions.response.status).toBe(200);

    // Not the CFO's: the audit log, accounts, fraud review.
    for (const path of ['/audit/events', `/admin/users/${dealer.userId}`, '/admin/fraud/alerts']) {
      const res = await fetch(`${t.baseUrl}${path}`, { headers: cfo.headers });
      expect([path, res.status]).toEqual([path, 403]);
    }

    // Finance releases it early (below the threshold: at once); the books close.
    const released = await t.api.POST('/admin/escrow/holds/{subOrderId}/release-early', {
      params: { path: { subOrderId } },
      body: { reason: 'dealer hardship' },
      headers: financeA.headers,
    });
    expect(released.data).toMatchObject({ status: 'released' });
    await expectOrderSettled(t, cfo, {
      orderId: order.id,
      paidPaise: order.totalPaise,
      refundedPaise: 0,
    });
  });

  it('is refused a release, a refund, an adjustment, an early-release approval and a dispute resolution; nothing changes', async () => {
    const early = await deliveredOrder(118_000);
    const earlySub = early.order.subOrders[0]!.id;
    const disputed = await deliveredOrder(60_000);
    const disputedSub = disputed.order.subOrders[0]!.id;

    const proposed = await t.api.POST('/admin/escrow/holds/{subOrderId}/release-early', {
      params: { path: { subOrderId: earlySub } },
      body: { reason: 'dealer hardship' },
      headers: financeA.headers,
    });
    expect(proposed.data).toMatchObject({ status: 'pending', needsApproval: true });
    const earlyReleaseId = proposed.data!.id;
    const adjustment = await t.api.POST('/ledger/adjustments', {
      body: {
        reason: 'goodwill credit',
        reference: 'test:cfo',
        lines: [
          { account: 'expense:goodwill', side: 'debit', amountPaise: 100 },
          { account: 'equity:capital', side: 'credit', amountPaise: 100 },
        ],
      },
      headers: financeA.headers,
    });
    expect(adjustment.response.status).toBe(201);
    const adjustmentId = adjustment.data!.id;
    const opened = await t.api.POST('/orders/{orderId}/sub-orders/{subOrderId}/disputes', {
      params: { path: { orderId: disputed.order.id, subOrderId: disputedSub } },
      body: { kind: 'dispute', reason: 'The screen flickers' },
      headers: disputed.buyer.headers,
    });
    expect(opened.response.status).toBe(201);
    const disputeId = opened.data!.id;
    const seq = (await sql<{ seq: string }>(`SELECT max(seq)::text AS seq FROM audit_events`))[0]!
      .seq;

    const reason = { reason: 'the CFO tries' };
    expect(
      await refused('POST', `/admin/escrow/holds/${disputedSub}/release-early`, reason),
    ).toEqual(REFUSED);
    expect(
      await refused('POST', `/admin/escrow/early-releases/${earlyReleaseId}/approve`, reason),
    ).toEqual(REFUSED);
    expect(
      await refused('POST', `/admin/escrow/early-releases/${earlyReleaseId}/reject`, reason),
    ).toEqual(REFUSED);
    expect(
      await refused('POST', `/admin/escrow/holds/${earlySub}/refund-after-release`, {
        amountPaise: 100,
        ...reason,
      }),
    ).toEqual(REFUSED);
    expect(await refused('POST', `/admin/escrow/holds/${earlySub}/hold`, reason)).toEqual(REFUSED);
    expect(
      await refused('POST', '/ledger/adjustments', {
        ...reason,
        reference: 'test:cfo',
        lines: [
          { account: 'expense:goodwill', side: 'debit', amountPaise: 100 },
          { account: 'equity:capital', side: 'credit', amountPaise: 100 },
        ],
      }),
    ).toEqual(REFUSED);
    expect(await refused('POST', `/ledger/adjustments/${adjustmentId}/approve`, reason)).toEqual(
      REFUSED,
    );
    expect(
      await refused('POST', `/admin/disputes/${disputeId}/resolve`, {
        outcome: 'release',
        ...reason,
      }),
    ).toEqual(REFUSED);

    // Nothing changed, nothing audited; the CFO reads each of them as it was.
    expect(
      await sql(`SELECT action FROM audit_events WHERE actor_id = $1 AND seq > $2`, [
        cfo.userId,
        seq,
      ]),
    ).toEqual([]);
    const pending = await t.api.GET('/admin/escrow/early-releases', {
      params: { query: { status: 'pending' } },
      headers: cfo.headers,
    });
    expect(pending.data!.items.map((i) => i.id)).toContain(earlyReleaseId);
    const adj = await t.api.GET('/ledger/adjustments/{adjustmentId}', {
      params: { path: { adjustmentId } },
      headers: cfo.headers,
    });
    expect(adj.data).toMatchObject({ status: 'proposed' });
    const dispute = await t.api.GET('/disputes/{id}', {
      params: { path: { id: disputeId } },
      headers: cfo.headers,
    });
    expect(dispute.data).toMatchObject({ status: 'open' });
    expect(
      await sql(
        `SELECT sub_order_id::text AS sub, status FROM escrow_holds
         WHERE sub_order_id = ANY($1::uuid[]) ORDER BY status, sub_order_id`,
        [[earlySub, disputedSub].sort()],
      ),
    ).toEqual([earlySub, disputedSub].sort().map((sub) => ({ sub, status: 'held' })));

    // Finance decides what the CFO could not; the books close for both orders.
    const approved = await t.api.POST('/admin/escrow/early-releases/{earlyReleaseId}/approve', {
      params: { path: { earlyReleaseId } },
      body: { reason: 'checked' },
      headers: financeB.headers,
    });
    expect(approved.data).toMatchObject({ status: 'released' });
    const resolved = await t.api.POST('/admin/disputes/{id}/resolve', {
      params: { path: { id: disputeId } },
      body: { outcome: 'release', reason: 'Works as described' },
      headers: financeB.headers,
    });
    expect(resolved.data).toMatchObject({ status: 'resolved', resolution: 'release' });
    await t.app.get(EscrowReleaseService).releaseDue();
    await t.app.get(RefundsService).processDue();
    for (const { order } of [early, disputed])
      await expectOrderSettled(t, cfo, {
        orderId: order.id,
        paidPaise: order.totalPaise,
        refundedPaise: 0,
      });
  });
});
