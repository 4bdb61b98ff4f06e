/**
 * Payee onboarding as Razorpay Route needs it: settlement details validated (problem+json with a
 * stable code per rule), the account number encrypted at rest and masked in answers, the audit log
 * and the logs, every change held until staff other than the payee approve it, then the linked
 * account, stakeholder and Route product configured at the sandbox and followed to activation (by
 * webhook or by polling) for a dealer and a technician; the sandbox refuses transfers (and the
 * release of held ones) to an account whose Route product is not activated; and the migration keeps
 * every existing dealer Route account.
 */
import type { QueryRunner } from 'typeorm';
import { PayeeOnboarding1764440000000 } from '../migrations/1764440000000-PayeeOnboarding.js';
import { MoneyObjectHistory1764470000000 } from '../migrations/1764470000000-MoneyObjectHistory.js';
import { PayeeSettlementHistory1764480000000 } from '../migrations/1764480000000-PayeeSettlementHistory.js';
import type { RazorpaySandbox } from '../scripts/razorpay-sandbox/sandbox.js';
import { ProposalDecisions } from '../src/approvals/proposal-decisions.service.js';
import type { RequestMeta } from '../src/common/request-meta.js';
import { SANDBOX_RAZORPAY } from '../src/config/app-config.js';
import { execute } from '../src/database/sql.js';
import { TransactionRunner } from '../src/database/transaction.js';
import {
  GatewayError,
  PAYMENT_GATEWAY,
  type PaymentGateway,
} from '../src/gateway/payment-gateway.js';
import { WebhookProcessor } from '../src/gateway/webhooks/webhook-jobs.js';
import { AccountSecrets } from '../src/identity/account-secrets.js';
import {
  PayeeSettlementService,
  SETTLEMENT_CHANGE,
} from '../src/payouts/payees/payee-settlement.service.js';
import { RouteAccountsService } from '../src/payouts/route/route-accounts.service.js';
import { signInAs, testAddress, type SignedIn } from './support/accounts.js';
import { startSandboxApp, type SandboxApp } from './support/payments.js';
import {
  approvedDealer,
  approvedSettlementDetails,
  onboardedDealer,
  routeAccountOf,
  settlementDetailsOf,
} from './support/route.js';
import type { TestApp } from './support/test-app.js';
import { rowsAfterRemigrating, withClient } from './support/test-database.js';

const ACCOUNT_NUMBER = '50100987654321';

interface HistoryRow extends Record<string, unknown> {
  event: string;
  from_status: string | null;
  to_status: string;
  actor: string;
  actor_id: string;
  reason: string | null;
}

/** A request by `userId` acting as `role` (the service's own checks, whatever the route's policy). */
const metaOf = (userId: string, role: 'finance' | 'admin'): RequestMeta => ({
  requestId: 'test',
  ip: '127.0.0.1',
  deviceFingerprint: null,
  userAgent: null,
  principal: { userId, sessionId: 'test', role, status: 'approved', technicianKind: null },
});

describe('Payee onboarding for Razorpay Route', () => {
  let sandbox: RazorpaySandbox;
  let t: TestApp;
  let started: SandboxApp | undefined;
  let admin: SignedIn;
  let finance: SignedIn;
  let accounts: RouteAccountsService;
  let gateway: PaymentGateway;

  const sql = <T extends Record<string, unknown>>(text: string, params: unknown[] = []) =>
    withClient(t.db.ownerUrl, async (c) => (await c.query<T>(text, params)).rows);
  const submit = (payee: SignedIn, body: Record<string, unknown>) =>
    t.api.PUT('/payees/me/settlement-details', {
      body: body as unknown as ReturnType<typeof settlementDetailsOf>,
      headers: payee.headers,
    });
  const history = (changeId: string) =>
    sql<HistoryRow>(
      `SELECT event, from_status, to_status, actor, actor_id::text AS actor_id, reason
       FROM payee_settlement_detail_history WHERE change_id = $1 ORDER BY id`,
      [changeId],
    );
  const me = async (payee: SignedIn) => {
    const res = await t.api.GET('/payees/me', { headers: payee.headers });
    expect(res.response.status).toBe(200);
    return res.data!;
  };
  const review = (
    payeeId: string,
    decision: 'approve' | 'reject',
    who: SignedIn,
    reason = 'bank letter checked',
  ) => {
    const request = { params: { path: { id: payeeId } }, body: { reason }, headers: who.headers };
    return decision === 'approve'
      ? t.api.POST('/admin/payees/{id}/settlement-details/approve', request)
      : t.api.POST('/admin/payees/{id}/settlement-details/reject', request);
  };
  /** Razorpay's back office activates the product; the webhooks reach the app and are processed. */
  const activate = async (accountId: string) => {
    sandbox.control.activateAccount(accountId);
    await sandbox.control.flushWebhooks();
    await t.app.get(WebhookProcessor).drain();
  };

  beforeAll(async () => {
    started = await startSandboxApp({ webhooks: true });
    ({ sandbox, t } = started);
    [admin, finance] = await Promise.all([signInAs(t, 'admin'), signInAs(t, 'finance')]);
    accounts = t.app.get(RouteAccountsService);
    gateway = t.app.get<PaymentGateway>(PAYMENT_GATEWAY);
  });
  afterAll(() => started?.close());

  it("keeps every dealer's Route account through the migration (statuses mapped, nothing lost)", async () => {
    const dealers = await Promise.all(
      ['pending', 'creating', 'created', 'activated', 'failed'].map(() => signInAs(t, 'dealer')),
    );
    const migration = new PayeeOnboarding1764440000000();
    // The later migrations go first and come back last: one references the settlement details'
    // table, the other dropped the dealers' compatibility view.
    const changeHistory = new PayeeSettlementHistory1764480000000();
    const later = new MoneyObjectHistory1764470000000();
    const before = await withClient(t.db.ownerUrl, async (c) => {
      const runner = { query: (text: string) => c.query(text) } as unknown as QueryRunner;
      await c.query('BEGIN');
      await changeHistory.down(runner);
      await later.down(runner);
      await migration.down(runner);
      const statuses = ['pending', 'creating', 'created', 'activated', 'failed'];
      for (const [i, d] of dealers.entries())
        await c.query(
          `INSERT INTO dealer_route_accounts (dealer_id, reference_id, status, gateway_account_id,
             attempts, last_error, activated_at, created_at)
           VALUES ($1::uuid, left(replace($1::text, '-', ''), 20), $2, $3, $4, $5, $6, now() - interval '3 days')`,
          [
            d.userId,
            statuses[i],
            ['created', 'activated'].includes(statuses[i]!) ? `acc_Legacy${i}` : null,
            i,
            statuses[i] === 'failed' ? 'refused by Razorpay' : null,
            statuses[i] === 'activated' ? new Date('2026-11-01T00:00:00Z') : null,
          ],
        );
      const { rows } = await c.query<Record<string, unknown>>(
        `SELECT dealer_id::text AS id, reference_id, status, gateway_account_id, attempts, last_error,
                activated_at, created_at, updated_at FROM dealer_route_accounts ORDER BY dealer_id`,
      );
      await migration.up(runner);
      await later.up(runner);
      await changeHistory.up(runner);
      await c.query('COMMIT');
      return rows;
    });
    expect(before).toHaveLength(5);
    const after = await sql<Record<string, unknown>>(
      `SELECT payee_id::text AS id, reference_id, status, gateway_account_id, attempts, last_error,
              activated_at, created_at, updated_at, payee_kind
       FROM payee_route_accounts ORDER BY payee_id`,
    );
    const renamed: Record<string, string> = { creating: 'pending', created: 'account_created' };
    expect(after).toEqual(
      before.map((r) => ({
        ...r,
        status: renamed[r.status as string] ?? r.status,
        payee_kind: 'dealer',
      })),
    );
  });

  it('refuses invalid details with a stable code naming the field', async () => {
    const dealer = await signInAs(t, 'dealer');
    const good = settlementDetailsOf(dealer, ACCOUNT_NUMBER);
    const pan = good.pan;
    const wrongCheck = `${good.gstin.slice(0, 14)}${good.gstin.endsWith('A') ? 'B' : 'A'}`;
    const otherPan = `${pan.slice(0, 5)}${((Number(pan.slice(5, 9)) + 1) % 10000).toString().padStart(4, '0')}${pan.charAt(9)}`;
    const cases: [Record<string, unknown>, string, string][] = [
      [{ pan: 'ABCDE1234' }, 'payee/invalid-pan', 'pan'],
      [{ gstin: wrongCheck }, 'payee/invalid-gstin', 'gstin'],
      [{ pan: otherPan }, 'payee/gstin-pan-mismatch', 'gstin'],
      [{ businessType: 'sole_trader' }, 'payee/invalid-business-type', 'businessType'],
      [{ beneficiaryName: 'X1' }, 'payee/invalid-beneficiary-name', 'beneficiaryName'],
      [{ ifsc: 'HDFC1000317' }, 'payee/invalid-ifsc', 'ifsc'],
      [{ ifsc: 'HDF00000317' }, 'payee/invalid-ifsc', 'ifsc'],
      [{ ifsc: 'ZZZZ0000317' }, 'payee/unknown-bank', 'ifsc'],
      [{ accountNumber: '12345678' }, 'payee/invalid-account-number', 'accountNumber'],
      [{ accountNumber: '1234567890123456789' }, 'payee/invalid-account-number', 'accountNumber'],
      [{ accountNumber: '5010012345678A' }, 'payee/invalid-account-number', 'accountNumber'],
    ];
    for (const [change, code, field] of cases) {
      const res = await submit(dealer, { ...good, ...change });
      const code_ = (res.error as { code?: string } | undefined)?.code;
      expect({ change, status: res.response.status, code: code_ }).toEqual({
        change,
        status: 400,
        code,
      });
      expect(res.response.headers.get('content-type')).toMatch(/application\/problem\+json/);
      expect(res.error).toMatchObject({ field });
    }
    // Lower case and spaces are normalised; a GSTIN is optional (an unregistered business).
    const { gstin: _gstin, ...unregistered } = good;
    const ok = await submit(dealer, { ...unregistered, ifsc: ' hdfc0000317 ' });
    expect(ok.response.status).toBe(202);
    expect(ok.data).toMatchObject({ ifsc: 'HDFC0000317', gstin: null, reviewStatus: 'pending' });
    // Nothing refused was stored.
    expect(
      await sql(`SELECT count(*)::int AS n FROM payee_settlement_details WHERE payee_id = $1`, [
        dealer.userId,
      ]),
    ).toEqual([{ n: 1 }]);
    // Customers are no payees.
    const customer = await signInAs(t, 'customer');
    expect((await submit(customer, good)).response.status).toBe(403);
  });

  it("lists staff's review queue: payees with a change waiting, longest waiting first, masked, paged", async () => {
    const [first, second] = [await approvedDealer(t, admin), await approvedDealer(t, admin)];
    await approvedSettlementDetails(t, second, admin);
    expect((await submit(first, settlementDetailsOf(first, ACCOUNT_NUMBER))).response.status).toBe(
      202,
    );
    expect(
      (await submit(second, settlementDetailsOf(second, '11112222333344'))).response.status,
    ).toBe(202);
    /** The queue, page by page (one a page), as far as these two payees are concerned. */
    const queue = async () => {
      const seen: { payeeId: string }[] = [];
      let cursor: string | undefined;
      do {
        const page = await t.api.GET('/admin/payees/pending-review', {
          params: { query: { limit: 1, ...(cursor ? { cursor } : {}) } },
          headers: finance.headers,
        });
        expect(page.response.status).toBe(200);
        seen.push(...page.data!.items);
        cursor = page.data!.nextCursor;
      } while (cursor);
      return seen.filter((i) => [first.userId, second.userId].includes(i.payeeId));
    };
    expect(await queue()).toEqual([
      {
        payeeId: first.userId,
        payeeKind: 'dealer',
        payeeName: expect.any(String),
        hasApprovedDetails: false,
        pendingChange: expect.objectContaining({
          reviewStatus: 'pending',
          accountNumber: `XXXXXXXXXX${ACCOUNT_NUMBER.slice(-4)}`,
          pan: expect.stringMatching(/^X+/),
        }),
      },
      expect.objectContaining({
        payeeId: second.userId,
        hasApprovedDetails: true,
        pendingChange: expect.objectContaining({ accountNumber: 'XXXXXXXXXX3344' }),
      }),
    ]);
    // A newer submission goes to the back of the queue; a decided change leaves it.
    await submit(first, settlementDetailsOf(first, '918273645546372'));
    expect((await queue()).map((i) => i.payeeId)).toEqual([second.userId, first.userId]);
    expect((await review(second.userId, 'reject', admin)).response.status).toBe(200);
    expect((await queue()).map((i) => i.payeeId)).toEqual([first.userId]);
    const bad = await t.api.GET('/admin/payees/pending-review', {
      params: { query: { cursor: 'not-a-cursor' } },
      headers: finance.headers,
    });
    expect(bad.response.status).toBe(400);
    const asDealer = await t.api.GET('/admin/payees/pending-review', { headers: first.headers });
    expect(asDealer.response.status).toBe(403);
  });

  it('stores the account number encrypted, shows it masked everywhere, and holds every change until another person approves it', async () => {
    const dealer = await approvedDealer(t, admin);
    const submitted = await submit(dealer, settlementDetailsOf(dealer, ACCOUNT_NUMBER));
    expect(submitted.response.status).toBe(202);
    expect(submitted.data).toMatchObject({
      accountNumber: 'XXXXXXXXXX4321',
      pan: `XXXXXX${dealer.gstin!.slice(8, 12)}`,
      reviewStatus: 'pending',
    });
    // Encrypted at rest: the column holds no digits of it; the key opens it.
    const [row] = await sql<{ account_number_sealed: string; account_last4: string }>(
      `SELECT account_number_sealed, account_last4 FROM payee_settlement_details WHERE payee_id = $1`,
      [dealer.userId],
    );
    expect(row!.account_number_sealed).not.toContain(ACCOUNT_NUMBER);
    expect(row!.account_number_sealed).not.toContain(ACCOUNT_NUMBER.slice(0, 9));
    expect(t.app.get(AccountSecrets).decrypt(row!.account_number_sealed)).toBe(ACCOUNT_NUMBER);
    expect(row!.account_last4).toBe('4321');

    // Held: not in use, and the Route onboarding waits without calling the gateway.
    expect(await me(dealer)).toMatchObject({
      payeeKind: 'dealer',
      settlementDetails: null,
      pendingChange: { accountNumber: 'XXXXXXXXXX4321', reviewStatus: 'pending' },
      routeAccount: { status: 'pending' },
    });
    expect(await accounts.onboard(dealer.userId)).toBe('pending');
    expect(sandbox.control.accounts().filter((a) => a.email === dealer.email)).toHaveLength(0);

    // Only staff review, and never their own change (the service refuses it whatever the role).
    expect((await review(dealer.userId, 'approve', dealer)).response.status).toBe(403);
    const service = t.app.get(PayeeSettlementService);
    for (const [decision, reason] of [
      ['approved', null],
      ['rejected', 'withdrawn'],
    ] as const)
      expect(
        await service
          .review(dealer.userId, decision, reason, metaOf(dealer.userId, 'finance'))
          .catch((e: unknown) => e),
      ).toMatchObject({ status: 403, code: 'payee/self-review' });
    expect(await history(submitted.data!.id)).toHaveLength(1);

    // A rejection needs a reason; the payee sees it.
    const noReason = await t.api.POST('/admin/payees/{id}/settlement-details/reject', {
      params: { path: { id: dealer.userId } },
      body: {} as { reason: string },
      headers: finance.headers,
    });
    expect(noReason.response.status).toBe(400);
    const rejected = await review(
      dealer.userId,
      'reject',
      finance,
      'name does not match the bank letter',
    );
    expect(rejected.data).toMatchObject({
      reviewStatus: 'rejected',
      reviewReason: 'name does not match the bank letter',
    });
    expect(await me(dealer)).toMatchObject({ settlementDetails: null, pendingChange: null });
    expect((await review(dealer.userId, 'approve', finance)).error).toMatchObject({
      code: 'payee/no-pending-change',
    });

    // Resubmitted twice: the newer change supersedes the pending one; approved, it is in use.
    await submit(dealer, settlementDetailsOf(dealer, '11112222333344'));
    await submit(dealer, settlementDetailsOf(dealer, ACCOUNT_NUMBER));
    expect((await review(dealer.userId, 'approve', finance)).response.status).toBe(200);
    expect(await me(dealer)).toMatchObject({
      settlementDetails: { accountNumber: 'XXXXXXXXXX4321', reviewStatus: 'approved' },
      pendingChange: null,
    });
    expect(
      (
        await sql<{ review_status: string }>(
          `SELECT review_status FROM payee_settlement_details WHERE payee_id = $1 ORDER BY submitted_at`,
          [dealer.userId],
        )
      ).map((r) => r.review_status),
    ).toEqual(['rejected', 'superseded', 'approved']);
    // Staff read the same masked view.
    const adminView = await t.api.GET('/admin/payees/{id}', {
      params: { path: { id: dealer.userId } },
      headers: admin.headers,
    });
    expect(adminView.data).toMatchObject({
      settlementDetails: { accountNumber: 'XXXXXXXXXX4321' },
    });

    // Audited, masked: every submission and review, by whom; the digits nowhere in audit or logs.
    const audit = await sql<{
      action: string;
      actor_id: string;
      after: unknown;
      reason: string | null;
    }>(
      `SELECT action, actor_id::text AS actor_id, after, reason FROM audit_events
       WHERE target_id = $1 AND action LIKE 'payees.%' ORDER BY seq`,
      [dealer.userId],
    );
    expect(audit.map((a) => [a.action, a.actor_id])).toEqual([
      ['payees.settlement_details.submit', dealer.userId],
      ['payees.settlement_details.reject', finance.userId],
      ['payees.settlement_details.submit', dealer.userId],
      ['payees.settlement_details.submit', dealer.userId],
      ['payees.settlement_details.approve', finance.userId],
    ]);
    expect(audit[4]!.after).toMatchObject({ accountNumber: 'XXXXXXXXXX4321' });
    const everything = JSON.stringify(audit) + JSON.stringify(t.logs);
    for (const secret of [ACCOUNT_NUMBER, '11112222333344', dealer.gstin!.slice(2, 12)])
      expect(everything).not.toContain(secret);
  });

  it('writes every step of a change to its history (the payee the maker, staff the checker); the proposal machine refuses a second decision', async () => {
    const dealer = await approvedDealer(t, admin);
    const first = (await submit(dealer, settlementDetailsOf(dealer, '11112222333344'))).data!;
    const second = (await submit(dealer, settlementDetailsOf(dealer, ACCOUNT_NUMBER))).data!;
    const [asRead] = await sql(`SELECT * FROM payee_settlement_details WHERE id = $1`, [second.id]);
    expect((await review(dealer.userId, 'approve', finance)).response.status).toBe(200);

    const proposed = {
      event: 'propose',
      from_status: null,
      to_status: 'pending',
      actor: 'maker',
      actor_id: dealer.userId,
      reason: null,
    };
    expect(await history(first.id)).toEqual([
      proposed,
      {
        event: 'supersede',
        from_status: 'pending',
        to_status: 'superseded',
        actor: 'maker',
        actor_id: dealer.userId,
        reason: `superseded by change ${second.id}`,
      },
    ]);
    expect(await history(second.id)).toEqual([
      proposed,
      {
        event: 'approve',
        from_status: 'pending',
        to_status: 'approved',
        actor: 'checker',
        actor_id: finance.userId,
        reason: 'bank letter checked',
      },
    ]);

    // A second decision on the change as read before the first (a racing reviewer): the proposal
    // machine's conditional move finds it no longer proposed and refuses; nothing is written.
    const audited = () =>
      sql(`SELECT count(*)::int AS n FROM audit_events WHERE target_id = $1`, [dealer.userId]);
    const auditedBefore = await audited();
    const late = await t.app
      .get(TransactionRunner)
      .run((tx) =>
        t.app.get(ProposalDecisions).decide(tx, SETTLEMENT_CHANGE, asRead as never, {
          event: 'reject',
          meta: metaOf(admin.userId, 'admin'),
          reason: 'wrong branch',
          update: async (from, to) =>
            (
              await execute(
                tx,
                `UPDATE payee_settlement_details SET review_status = $3, reviewed_by = $4,
                   reviewed_at = now(), review_reason = 'wrong branch'
                 WHERE id = $1 AND review_status = $2 RETURNING *`,
                [second.id, from, to, admin.userId],
              )
            ).rows[0],
          audit: () => ({}),
        }),
      )
      .catch((e: unknown) => e);
    expect(late).toMatchObject({
      status: 409,
      code: 'proposal/invalid-transition',
      detail: 'The proposal is no longer proposed',
      from: 'proposed',
      event: 'reject',
      to: 'rejected',
    });
    expect(await history(second.id)).toHaveLength(2);
    expect(await audited()).toEqual(auditedBefore);
    // Through the route, the change is no longer waiting.
    expect((await review(dealer.userId, 'reject', finance, 'wrong branch')).error).toMatchObject({
      code: 'payee/no-pending-change',
    });
    // The history is append-only.
    await expect(
      sql(`DELETE FROM payee_settlement_detail_history WHERE change_id = $1`, [second.id]),
    ).rejects.toThrow();
  });

  it('back-fills, for changes made before the history existed, the rows the code writes', async () => {
    const all = `SELECT change_id::text AS change_id, event, from_status, to_status, actor,
                        actor_id::text AS actor_id, reason, created_at
                 FROM payee_settlement_detail_history ORDER BY change_id, id`;
    const written = await sql(all);
    expect(new Set(written.map((h) => h.event))).toEqual(
      new Set(['propose', 'approve', 'reject', 'supersede']),
    );
    const backFilled = await rowsAfterRemigrating(
      t.db.ownerUrl,
      new PayeeSettlementHistory1764480000000(),
      all,
    );
    expect(backFilled).toEqual(written);
  });

  it('onboards an approved dealer at the sandbox: account, stakeholder, Route product with its bank account, activation by webhook', async () => {
    const dealer = await approvedDealer(t, admin);
    await approvedSettlementDetails(t, dealer, admin, settlementDetailsOf(dealer, ACCOUNT_NUMBER));
    expect(await accounts.onboard(dealer.userId)).toBe('product_configured');
    const account = await accounts.get(dealer.userId);
    expect(account).toMatchObject({
      status: 'product_configured',
      activationStatus: 'under_review',
      stakeholderId: expect.stringMatching(/^sth_/),
      productId: expect.stringMatching(/^acc_prd_/),
    });
    const accountId = account.gatewayAccountId!;
    // Under Razorpay's review: the job asks again later (queued with the step it recorded).
    expect(
      await sql(
        `SELECT count(*)::int AS n FROM pgboss.job WHERE name = 'payments.route-account'
           AND data->>'payeeId' = $1 AND start_after > now()`,
        [dealer.userId],
      ),
    ).toEqual([{ n: 1 }]);
    expect(sandbox.control.routeProduct(accountId)).toMatchObject({
      id: account.productId,
      activation_status: 'under_review',
      requested_configuration: {
        settlements: {
          account_number: ACCOUNT_NUMBER,
          ifsc_code: 'HDFC0000317',
          beneficiary_name: 'Test Traders',
        },
      },
      tnc: { accepted: true },
      requirements: [],
    });
    expect(await gateway.fetchRouteProduct(accountId, account.productId!)).toMatchObject({
      activationStatus: 'under_review',
    });
    // Every step went through the state machine's history.
    expect(
      await sql(
        `SELECT event, from_status, to_status, actor FROM payee_route_account_history
         WHERE payee_id = $1 ORDER BY id`,
        [dealer.userId],
      ),
    ).toEqual([
      {
        event: 'create_account',
        from_status: 'pending',
        to_status: 'account_created',
        actor: 'system',
      },
      {
        event: 'add_stakeholder',
        from_status: 'account_created',
        to_status: 'stakeholder_created',
        actor: 'system',
      },
      {
        event: 'request_product',
        from_status: 'stakeholder_created',
        to_status: 'product_requested',
        actor: 'system',
      },
      {
        event: 'configure_product',
        from_status: 'product_requested',
        to_status: 'product_configured',
        actor: 'system',
      },
    ]);

    await activate(accountId);
    expect(await me(dealer)).toMatchObject({
      routeAccount: { status: 'activated', activationStatus: 'activated', lastError: null },
    });
    expect(await accounts.onboard(dealer.userId)).toBe('skipped');

    // A new bank account, approved, configures the product again (transfers wait meanwhile).
    const changed = await submit(dealer, settlementDetailsOf(dealer, '918273645546372'));
    expect(changed.response.status).toBe(202);
    expect((await routeAccountOf(t, dealer.userId)).status).toBe('activated');
    expect((await review(dealer.userId, 'approve', finance)).response.status).toBe(200);
    expect((await routeAccountOf(t, dealer.userId)).status).toBe('product_requested');
    expect(await accounts.onboard(dealer.userId)).toBe('activated');
    expect(sandbox.control.routeProduct(accountId)).toMatchObject({
      active_configuration: { settlements: { account_number: '918273645546372' } },
    });
  });

  it('onboards a technician with its registered address, activation followed by polling; needs_clarification waits for corrected details', async () => {
    const technician = await signInAs(t, 'technician', { technicianKind: 'hardware' });
    const pan = 'ABCPT1234K';
    const submitted = await submit(technician, {
      pan,
      businessType: 'individual',
      beneficiaryName: 'Tara Technician',
      ifsc: 'SBIN0001234',
      accountNumber: '30001234567',
      registeredAddress: testAddress('Karnataka'),
    });
    expect(submitted.response.status).toBe(202);
    expect(submitted.data).toMatchObject({ payeeKind: 'technician', accountNumber: 'XXXXXXX4567' });
    expect((await review(technician.userId, 'approve', finance)).response.status).toBe(200);
    expect(await accounts.onboard(technician.userId)).toBe('product_configured');
    const { gatewayAccountId } = await routeAccountOf(t, technician.userId);
    expect(sandbox.control.accounts().find((a) => a.id === gatewayAccountId)).toMatchObject({
      business_type: 'individual',
      legal_info: null,
    });
    expect(sandbox.control.stakeholders(gatewayAccountId!)).toEqual([
      expect.objectContaining({ kyc: { pan } }),
    ]);

    // Razorpay asks for more: the poll records it and stops. The technician corrects its details;
    // their approval resumes the onboarding, which configures the product again.
    sandbox.control.requestClarification(gatewayAccountId!, 'settlements.beneficiary_name');
    expect(await accounts.onboard(technician.userId)).toBe('needs_clarification');
    expect(await accounts.onboard(technician.userId)).toBe('skipped');
    const corrected = await submit(technician, {
      pan,
      businessType: 'individual',
      beneficiaryName: 'Tara T Technician',
      ifsc: 'SBIN0001234',
      accountNumber: '30001234567',
      registeredAddress: testAddress('Karnataka'),
    });
    expect(corrected.response.status).toBe(202);
    expect((await review(technician.userId, 'approve', finance)).response.status).toBe(200);
    expect(await accounts.get(technician.userId)).toMatchObject({
      status: 'product_requested',
      payeeKind: 'technician',
    });
    expect(await accounts.onboard(technician.userId)).toBe('product_configured');
    expect(sandbox.control.routeProduct(gatewayAccountId!)).toMatchObject({
      requested_configuration: { settlements: { beneficiary_name: 'Tara T Technician' } },
    });
    expect(
      await sql(
        `SELECT event, actor FROM payee_route_account_history WHERE payee_id = $1 AND event = 'retry'`,
        [technician.userId],
      ),
    ).toEqual([{ event: 'retry', actor: 'system' }]);

    // Activated with the webhooks unheard (no URL): the job's poll sees it.
    sandbox.control.setWebhookUrl(null);
    try {
      sandbox.control.activateAccount(gatewayAccountId!);
      expect(await accounts.onboard(technician.userId)).toBe('activated');
    } finally {
      sandbox.control.setWebhookUrl(`${t.baseUrl}/webhooks/razorpay`);
    }
    expect(await me(technician)).toMatchObject({ routeAccount: { status: 'activated' } });
  });

  it('the sandbox refuses a transfer to, or the release of a held transfer to, an account whose Route product is not activated', async () => {
    const { accountId } = await onboardedDealer(t, admin);
    const order = await gateway.createOrder({
      amountPaise: 50_000,
      receipt: 'route-refusal',
      notes: {},
    });
    const { payment } = sandbox.control.pay(order.id);
    const transfer = () =>
      gateway.transferFromPayment(payment.id, [
        { accountId, amountPaise: 10_000, onHold: true, notes: {} },
      ]);
    // Configured, under review: refused in Razorpay's error shape.
    const refused = await transfer().catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(GatewayError);
    expect(refused).toMatchObject({ statusCode: 400, code: 'BAD_REQUEST_ERROR', retryable: false });
    expect((refused as Error).message).toMatch(/not completed its Route onboarding/);
    const raw = await fetch(`${sandbox.url}/v1/payments/${payment.id}/transfers`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${SANDBOX_RAZORPAY.keyId}:${SANDBOX_RAZORPAY.keySecret}`).toString('base64')}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify({ transfers: [{ account: accountId, amount: 100, currency: 'INR' }] }),
    });
    expect(raw.status).toBe(400);
    expect(await raw.json()).toMatchObject({
      error: {
        code: 'BAD_REQUEST_ERROR',
        reason: 'linked_account_not_activated',
        field: 'account',
        source: 'business',
      },
    });
    // A bare linked account (no stakeholder, no product) is refused too; its product cannot be
    // activated until the onboarding is complete.
    const bare = await gateway.createLinkedAccount({
      referenceId: 'bare-account',
      email: 'bare@test.fixbazaar.in',
      phone: null,
      legalBusinessName: 'Bare Traders',
      contactName: 'Bare Owner',
      businessType: 'proprietorship',
      profile: {
        category: 'ecommerce',
        subcategory: 'telecommunication_equipment_stores',
        registeredAddress: {
          street1: '1 MG Road',
          street2: 'Bengaluru',
          city: 'Bengaluru',
          state: 'KARNATAKA',
          postalCode: '560001',
          country: 'IN',
        },
      },
      legalInfo: {},
    });
    await expect(
      gateway.transferFromPayment(payment.id, [
        { accountId: bare.id, amountPaise: 100, onHold: true, notes: {} },
      ]),
    ).rejects.toMatchObject({ statusCode: 400 });
    const product = await gateway.requestRouteProduct(bare.id);
    expect(product.activationStatus).toBe('requested');
    expect(() => sandbox.control.activateAccount(bare.id)).toThrow(/stakeholder.*settlements/);
    // The sandbox validates settlement accounts as Razorpay does.
    for (const [settlements, message] of [
      [
        { accountNumber: '12345', ifsc: 'HDFC0000317', beneficiaryName: 'Bare Traders' },
        /9 and 18 digits/,
      ],
      [{ accountNumber: '123456789', ifsc: 'HDFC000031', beneficiaryName: 'Bare Traders' }, /ifsc/],
      [{ accountNumber: '123456789', ifsc: 'HDFC0000317', beneficiaryName: '' }, /beneficiary/],
    ] as const)
      await expect(gateway.configureRouteProduct(bare.id, product.id, settlements)).rejects.toThrow(
        message,
      );

    // Activated: the transfer goes, on hold; suspended, its release is refused.
    await activate(accountId);
    const [held] = await transfer();
    sandbox.control.suspendAccount(accountId);
    await expect(gateway.setTransferHold(held!.id, false)).rejects.toMatchObject({
      statusCode: 400,
      message: expect.stringMatching(/not completed its Route onboarding/),
    });
    expect((await gateway.fetchTransfer(held!.id)).onHold).toBe(true);
  });
});
