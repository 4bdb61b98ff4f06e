/**
 * Razorpay Route against the local sandbox over HTTP, on real PostgreSQL: a dealer's approval writes
 * its onboarding intent and job, the job creates the linked account, the activation webhook marks it
 * active; a captured payment's escrow holds become transfers ON HOLD to the dealers' accounts (not
 * before the account is active: that escrow waits, visible to staff, and is transferred once the
 * account activates); the release reverses what the platform keeps and lifts the hold, and the
 * sandbox settles the dealer's net; gateway failures are retried without duplicate transfers or
 * accounts. Job handlers are called directly (no workers run).
 */
import { randomUUID } from 'node:crypto';
import type { RazorpaySandbox } from '../scripts/razorpay-sandbox/sandbox.js';
import { EscrowReleaseService } from '../src/escrow/escrow-release.service.js';
import {
  GatewayError,
  PAYMENT_GATEWAY,
  type PaymentGateway,
} from '../src/gateway/payment-gateway.js';
import {
  linkedAccountProfile,
  RouteAccountsService,
} from '../src/payouts/route/route-accounts.service.js';
import { RouteTransferLookup } from '../src/payouts/route/route-transfer-lookup.js';
import { RouteTransfersService } from '../src/payouts/route/route-transfers.service.js';
import { WebhookProcessor } from '../src/gateway/webhooks/webhook-jobs.js';
import { RefundsService } from '../src/payments/refunds.service.js';
import { LedgerService } from '../src/ledger/persistence/ledger.service.js';
import { LedgerIntegrityService } from '../src/ledger/integrity/ledger-integrity.service.js';
import { OrderCommands } from '../src/orders/order-commands.service.js';
import { Accounts } from '../src/ledger/domain/account.js';
import { signInAs, type SignedIn } from './support/accounts.js';
import { activeListing, checkout, putInCart, type Order } from './support/orders.js';
import type { TestApp } from './support/test-app.js';
import { withClient } from './support/test-database.js';
import {
  completeAtSandbox,
  payThroughSandbox,
  startSandboxApp,
  type SandboxApp,
} from './support/payments.js';
import {
  activeRouteDealer,
  approvedDealer,
  approvedSettlementDetails,
  onboardedDealer,
} from './support/route.js';

describe('Razorpay Route: dealer onboarding and transfers held until release', () => {
  let sandbox: RazorpaySandbox;
  let t: TestApp;
  let started: SandboxApp | undefined;
  let admin: SignedIn;
  let finance: SignedIn;
  let accounts: RouteAccountsService;
  let transfers: RouteTransfersService;
  let gateway: PaymentGateway;

  const sql = <T extends Record<string, unknown>>(text: string, params: unknown[] = []) =>
    withClient(t.db.ownerUrl, async (c) => (await c.query<T>(text, params)).rows);
  const jobsOf = async (name: string, key: string, value: string) =>
    (
      await sql<{ n: number }>(
        `SELECT count(*)::int AS n FROM pgboss.job WHERE name = $1 AND data->>$2 = $3`,
        [name, key, value],
      )
    )[0]!.n;
  const routeRow = async (dealerId: string) =>
    (
      await sql<{
        status: string;
        reference_id: string;
        gateway_account_id: string | null;
        attempts: number;
        last_error: string | null;
      }>(
        `SELECT status, reference_id, gateway_account_id, attempts, last_error
         FROM payee_route_accounts WHERE payee_id = $1`,
        [dealerId],
      )
    )[0];
  const holdOf = async (subOrderId: string) =>
    (
      await sql<{
        status: string;
        transfer_id: string | null;
        transfer_status: string;
        transfer_attempts: number;
        transfer_error: string | null;
        dealer_net_paise: string | null;
        id: string;
      }>(
        `SELECT id::text AS id, status, transfer_id, transfer_status, transfer_attempts, transfer_error,
                dealer_net_paise::text AS dealer_net_paise
         FROM escrow_holds WHERE sub_order_id = $1`,
        [subOrderId],
      )
    )[0]!;

  /** Razorpay's back office activates the account; the webhooks reach the app and are processed. */
  const activate = async (accountId: string) => {
    sandbox.control.activateAccount(accountId);
    await sandbox.control.flushWebhooks();
    await t.app.get(WebhookProcessor).drain();
  };
  /** An order of one part per dealer, paid through Checkout and verified. */
  const paidOrder = async (
    parts: [SignedIn, number][],
  ): Promise<{ order: Order; paymentId: string; gatewayPaymentId: string }> => {
    const buyer = await signInAs(t, 'customer');
    for (const [dealer, price] of parts)
      await putInCart(t, buyer, await activeListing(t, dealer.userId, { b2cPricePaise: price }), 1);
    const placed = await checkout(t, buyer);
    expect(placed.status).toBe(201);
    const order = placed.order!;
    const payment = await payThroughSandbox(t, sandbox, buyer, order.id);
    return { order, paymentId: payment.id, gatewayPaymentId: payment.gatewayPaymentId! };
  };
  const listRouteAccounts = async (status?: 'product_configured' | 'activated' | 'failed') => {
    const res = await t.api.GET('/admin/payments/route-accounts', {
      params: { query: { limit: 100, ...(status ? { status } : {}) } },
      headers: finance.headers,
    });
    expect(res.response.status).toBe(200);
    return res.data!.items;
  };

  beforeAll(async () => {
    started = await startSandboxApp({ webhooks: true });
    ({ sandbox, t } = started);
    [admin, finance] = await Promise.all([signInAs(t, 'admin'), signInAs(t, 'finance')]);
    accounts = t.app.get(RouteAccountsService);
    transfers = t.app.get(RouteTransfersService);
    gateway = t.app.get<PaymentGateway>(PAYMENT_GATEWAY);
  });
  afterAll(() => started?.close());
  afterEach(() => {
    sandbox.control.resetFaults();
  });

  it('onboards an approved dealer, transfers its escrow on hold, and settles its net after release', async () => {
    const dealer = await approvedDealer(t, admin);
    // The approval wrote the intent and its job in the same transaction.
    const intent = await routeRow(dealer.userId);
    expect(intent).toEqual({
      status: 'pending',
      reference_id: dealer.userId.replace(/-/g, '').slice(0, 20),
      gateway_account_id: null,
      attempts: 0,
      last_error: null,
    });
    expect(intent!.reference_id).toHaveLength(20);
    expect(await jobsOf('payments.route-account', 'payeeId', dealer.userId)).toBe(1);
    // Without approved settlement details the job waits: nothing is sent to the gateway.
    const accountsOfDealer = () =>
      sandbox.control.accounts().filter((a) => a.email === dealer.email);
    expect(await accounts.onboard(dealer.userId)).toBe('pending');
    expect(accountsOfDealer()).toHaveLength(0);

    // Approved details: linked account, stakeholder, Route product configured, under review.
    await approvedSettlementDetails(t, dealer, admin);
    expect(await accounts.onboard(dealer.userId)).toBe('product_configured');
    const created = (await routeRow(dealer.userId))!;
    expect(created).toMatchObject({ status: 'product_configured', attempts: 0, last_error: null });
    const accountId = created.gateway_account_id!;
    expect(await gateway.fetchLinkedAccount(accountId)).toEqual({
      id: accountId,
      status: 'created',
      referenceId: created.reference_id,
    });
    // A replayed job only asks about the activation: no second account.
    expect(await accounts.onboard(dealer.userId)).toBe('product_configured');
    expect(accountsOfDealer()).toHaveLength(1);

    await activate(accountId);
    expect((await routeRow(dealer.userId))!.status).toBe('activated');
    const inbox = await sql<{ event: string; status: string }>(
      `SELECT event, status FROM webhook_inbox WHERE event IN ('account.activated','product.route.activated') ORDER BY event`,
    );
    expect(inbox).toEqual([
      { event: 'account.activated', status: 'processed' },
      { event: 'product.route.activated', status: 'processed' },
    ]);

    const { order, paymentId, gatewayPaymentId } = await paidOrder([[dealer, 118_000]]);
    const sub = order.subOrders[0]!;
    // The capture enqueued the transfers of its holds.
    expect(await jobsOf('payments.route-transfers', 'paymentId', paymentId)).toBe(1);
    expect(await holdOf(sub.id)).toMatchObject({ transfer_status: 'none', transfer_id: null });
    expect(await transfers.transferHolds({ paymentId })).toEqual({ [sub.id]: 'on_hold' });
    const hold = await holdOf(sub.id);
    expect(hold).toMatchObject({ transfer_status: 'on_hold', transfer_attempts: 1 });
    const transfer = await gateway.fetchTransfer(hold.transfer_id!);
    expect(transfer).toMatchObject({
      sourcePaymentId: gatewayPaymentId,
      recipientAccountId: accountId,
      amountPaise: sub.totalPaise,
      onHold: true,
      notes: { holdId: hold.id, subOrderId: sub.id, orderId: order.id },
    });
    // Replays change nothing: no second transfer.
    expect(await transfers.transferHolds({ paymentId })).toEqual({});
    expect(await transfers.transferHold(hold.id)).toBe('skipped');
    expect(await t.app.get(RouteTransferLookup).transfersOfPayment(gatewayPaymentId)).toHaveLength(
      1,
    );
    // Held transfers are not settled.
    expect(sandbox.control.settle().linkedAccounts).toEqual([]);
    expect((await gateway.fetchTransfer(transfer.id)).settlementStatus).toBe('on_hold');

    // Not released yet: nothing to lift.
    expect(await transfers.releaseTransfer({ subOrderId: sub.id })).toBe('skipped');
    await sql(
      `UPDATE sub_orders SET status = 'completed', carrier = 'Delhivery', tracking_number = 'DLV-9' WHERE id = $1`,
      [sub.id],
    );
    expect(await t.app.get(EscrowReleaseService).releaseDue()).toBe(1);
    expect(await jobsOf('payments.route-release', 'holdId', hold.id)).toBe(1);
    expect(await transfers.releaseTransfer({ holdId: hold.id })).toBe('released');
    const released = await holdOf(sub.id);
    expect(released).toMatchObject({ status: 'released', transfer_status: 'released' });
    // ledger-spec vector 02: ₹1,180 paid, the dealer's net after commission, GST, TCS and TDS.
    const net = Number(released.dealer_net_paise);
    expect(net).toBeGreaterThan(0);
    expect(net).toBeLessThan(118_000);
    const lifted = await gateway.fetchTransfer(transfer.id);
    expect(lifted).toMatchObject({ onHold: false, amountReversedPaise: 118_000 - net });
    // Lifting again is a no-op.
    expect(await transfers.releaseTransfer({ subOrderId: sub.id })).toBe('skipped');

    const settled = sandbox.control.settle().linkedAccounts;
    expect(settled).toHaveLength(1);
    expect(settled[0]!.amount).toBe(net);
    expect((await gateway.fetchTransfer(transfer.id)).settlementStatus).toBe('settled');

    // The settlement webhook is the dealer's payout: its payable is paid down by its net, once.
    await sandbox.control.flushWebhooks();
    await t.app.get(WebhookProcessor).drain();
    // Both settlements (the platform's and the dealer's) were applied, none left waiting or failed.
    expect(
      await sql(
        `SELECT status, count(*)::int AS n FROM webhook_inbox WHERE event = 'settlement.processed' GROUP BY status`,
      ),
    ).toEqual([{ status: 'processed', n: 2 }]);
    const bank = await t.app.get(LedgerService).account(Accounts.bank('primary'));
    expect(bank!.debitsPosted).toBeGreaterThan(0n);
    const payable = await t.app.get(LedgerService).account(Accounts.dealerPayable(dealer.userId));
    expect(payable!.creditsPosted - payable!.debitsPosted).toBe(0n);
    expect(
      await sql(`SELECT count(*)::int AS n FROM ledger_entries WHERE id = $1`, [
        `payout:${settled[0]!.id}`,
      ]),
    ).toEqual([{ n: 1 }]);
  });

  it('keeps the escrow of a dealer whose account is not active waiting (visible to staff), then transfers it once activated', async () => {
    const { dealer, accountId } = await onboardedDealer(t, admin);
    const { order, paymentId, gatewayPaymentId } = await paidOrder([[dealer, 70_000]]);
    const sub = order.subOrders[0]!;
    // The sandbox refuses transfers to an account that is not activated…
    const refused = await gateway
      .transferFromPayment(gatewayPaymentId, [
        { accountId, amountPaise: 1_000, onHold: true, notes: {} },
      ])
      .catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(GatewayError);
    expect(refused).toMatchObject({ statusCode: 400, retryable: false });
    // …so the job does not try: the hold waits.
    expect(await transfers.transferHolds({ paymentId })).toEqual({});
    expect(await holdOf(sub.id)).toMatchObject({ transfer_status: 'none', transfer_attempts: 0 });

    const waiting = (await listRouteAccounts('product_configured')).find(
      (a) => a.payeeId === dealer.userId,
    );
    expect(waiting).toMatchObject({
      status: 'product_configured',
      activationStatus: 'under_review',
      gatewayAccountId: accountId,
      waitingHolds: 1,
      waitingPaise: sub.totalPaise,
      activatedAt: null,
    });
    expect((await listRouteAccounts('activated')).map((a) => a.payeeId)).not.toContain(
      dealer.userId,
    );

    await activate(accountId);
    // The activation enqueued the transfers of this dealer's waiting holds.
    expect(await jobsOf('payments.route-transfers', 'payeeId', dealer.userId)).toBe(1);
    expect(await transfers.transferHolds({ payeeId: dealer.userId })).toEqual({
      [sub.id]: 'on_hold',
    });
    const hold = await holdOf(sub.id);
    expect(await gateway.fetchTransfer(hold.transfer_id!)).toMatchObject({
      recipientAccountId: accountId,
      amountPaise: sub.totalPaise,
      onHold: true,
    });
    const now = (await listRouteAccounts('activated')).find((a) => a.payeeId === dealer.userId);
    expect(now).toMatchObject({ status: 'activated', waitingHolds: 0, waitingPaise: 0 });
    expect(now!.activatedAt).not.toBeNull();
    // A redelivered activation changes nothing and enqueues nothing more.
    sandbox.control.activateAccount(accountId);
    await sandbox.control.flushWebhooks();
    await t.app.get(WebhookProcessor).drain();
    expect(await jobsOf('payments.route-transfers', 'payeeId', dealer.userId)).toBe(1);
  });

  it('retries a transfer after gateway 5xx (also when the gateway did the work) without a duplicate', async () => {
    const { dealer } = await activeRouteDealer(t, sandbox, admin);
    for (const fault of [{ failNext: 1 }, { failAfterNext: 1 }]) {
      const { order, paymentId, gatewayPaymentId } = await paidOrder([[dealer, 50_000]]);
      const sub = order.subOrders[0]!;
      sandbox.control.setFaults({ api: fault });
      expect(await transfers.transferHolds({ paymentId })).toEqual({ [sub.id]: 'retrying' });
      const pending = await holdOf(sub.id);
      expect(pending).toMatchObject({ transfer_status: 'pending', transfer_id: null });
      expect(pending.transfer_error).toMatch(/50[23]/);
      // Re-enqueued with backoff (besides the capture's job).
      expect(await jobsOf('payments.route-transfers', 'paymentId', paymentId)).toBe(2);

      expect(await transfers.transferHolds({ paymentId })).toEqual({ [sub.id]: 'on_hold' });
      const hold = await holdOf(sub.id);
      expect(hold).toMatchObject({ transfer_status: 'on_hold', transfer_attempts: 2 });
      const listed = await t.app.get(RouteTransferLookup).transfersOfPayment(gatewayPaymentId);
      expect(listed).toHaveLength(1);
      expect(listed[0]).toMatchObject({ id: hold.transfer_id, amountPaise: sub.totalPaise });
    }
  });

  it('adopts a transfer made before notes carried the hold id (by its sub-order), and reads jobs queued by sub-order or dealer', async () => {
    const { dealer, accountId } = await activeRouteDealer(t, sandbox, admin);
    const { order, gatewayPaymentId } = await paidOrder([[dealer, 55_000]]);
    const sub = order.subOrders[0]!;
    // An attempt of the old code created the transfer (notes by sub-order), its answer lost.
    const [old] = await gateway.transferFromPayment(gatewayPaymentId, [
      {
        accountId,
        amountPaise: sub.totalPaise,
        onHold: true,
        notes: { subOrderId: sub.id, orderId: order.id },
      },
    ]);
    await sql(
      `UPDATE escrow_holds SET transfer_status = 'pending', transfer_attempts = 1 WHERE sub_order_id = $1`,
      [sub.id],
    );
    // A job queued by dealer (as the old code did after an activation) finds it: no second one.
    expect(await transfers.transferHolds({ dealerId: dealer.userId })).toEqual({
      [sub.id]: 'on_hold',
    });
    expect(await holdOf(sub.id)).toMatchObject({ transfer_id: old!.id, transfer_attempts: 2 });
    expect(await t.app.get(RouteTransferLookup).transfersOfPayment(gatewayPaymentId)).toHaveLength(
      1,
    );
    // Released; a lift job queued by sub-order (the old payload) lifts it.
    await sql(
      `UPDATE sub_orders SET status = 'completed', carrier = 'Delhivery', tracking_number = 'DLV-L' WHERE id = $1`,
      [sub.id],
    );
    expect(await t.app.get(EscrowReleaseService).releaseDue()).toBe(1);
    expect(await transfers.releaseTransfer({ subOrderId: sub.id })).toBe('released');
    expect(await holdOf(sub.id)).toMatchObject({ transfer_status: 'released' });
    expect(await transfers.releaseTransfer({ subOrderId: randomUUID() })).toBe('skipped');
    // The adopted transfer, lifted, settles the dealer's net (and leaves nothing for later tests).
    const [released] = await sql<{ net: string }>(
      `SELECT dealer_net_paise::text AS net FROM escrow_holds WHERE sub_order_id = $1`,
      [sub.id],
    );
    expect(sandbox.control.settle().linkedAccounts.map((x) => x.amount)).toEqual([
      Number(released!.net),
    ]);
  });

  it('reverses a held transfer before refunding a cancelled part, so the dealer keeps nothing of it', async () => {
    const { dealer } = await activeRouteDealer(t, sandbox, admin);
    const { order, paymentId, gatewayPaymentId } = await paidOrder([[dealer, 60_000]]);
    const sub = order.subOrders[0]!;
    expect(await transfers.transferHolds({ paymentId })).toEqual({ [sub.id]: 'on_hold' });
    const transferId = (await holdOf(sub.id)).transfer_id!;
    const cancelled = await t.api.POST('/dealer/orders/{subOrderId}/cancel', {
      params: { path: { subOrderId: sub.id } },
      body: { reason: 'cannot source the part' },
      headers: dealer.headers,
    });
    expect(cancelled.response.status).toBe(200);
    expect(await t.app.get(RefundsService).processDue()).toBe(1);
    const transfer = await gateway.fetchTransfer(transferId);
    expect(transfer.amountReversedPaise).toBe(transfer.amountPaise);
    expect((await gateway.fetchPayment(gatewayPaymentId)).amountRefundedPaise).toBe(sub.totalPaise);
    expect((await holdOf(sub.id)).status).toBe('refunded');
  });

  it('walks one order end to end through the API: cart, checkout, pay, ship, deliver, window, release, settlement', async () => {
    const { dealer } = await activeRouteDealer(t, sandbox, admin);
    const ledger = t.app.get(LedgerService);
    /** After every step: the books balance and the integrity check passes. */
    const balanced = async () => {
      const [tb] = await sql<{ dr: string; cr: string }>(
        `SELECT coalesce(sum(amount) FILTER (WHERE side = 'debit'), 0)::text AS dr,
                coalesce(sum(amount) FILTER (WHERE side = 'credit'), 0)::text AS cr FROM ledger_lines`,
      );
      expect(tb!.dr).toBe(tb!.cr);
      expect((await t.app.get(LedgerIntegrityService).verify()).ok).toBe(true);
    };
    const buyer = await signInAs(t, 'customer');
    const listing = await activeListing(t, dealer.userId, { b2cPricePaise: 118_000, stock: 3 });
    await putInCart(t, buyer, listing, 1);
    const order = (await checkout(t, buyer)).order!;
    const sub = order.subOrders[0]!;
    await balanced();
    const payment = (
      await t.api.POST('/orders/{orderId}/payments', {
        params: { path: { orderId: order.id } },
        headers: buyer.headers,
      })
    ).data!;
    await completeAtSandbox(t, sandbox, buyer, order.id, payment.gatewayOrderId!);
    expect(await transfers.transferHolds({ paymentId: payment.id })).toEqual({
      [sub.id]: 'on_hold',
    });
    await balanced();
    for (const step of ['accept', 'pack'] as const)
      expect(
        (
          await t.api.POST(`/dealer/orders/{subOrderId}/${step}`, {
            params: { path: { subOrderId: sub.id } },
            headers: dealer.headers,
          })
        ).response.status,
      ).toBe(200);
    await t.api.POST('/dealer/orders/{subOrderId}/ship', {
      params: { path: { subOrderId: sub.id } },
      body: { carrier: 'Delhivery', trackingNumber: 'DLV-E2E-1' },
      headers: dealer.headers,
    });
    await t.api.POST('/orders/{orderId}/sub-orders/{subOrderId}/confirm-delivery', {
      params: { path: { orderId: order.id, subOrderId: sub.id } },
      headers: buyer.headers,
    });
    // The return window passes; the sub-order completes and its escrow is released.
    await sql(`UPDATE sub_orders SET delivered_at = now() - interval '169 hours' WHERE id = $1`, [
      sub.id,
    ]);
    expect(await t.app.get(OrderCommands).completeDelivered(168 * 3600)).toBe(1);
    expect(await t.app.get(EscrowReleaseService).releaseDue()).toBe(1);
    expect(await transfers.releaseTransfer({ subOrderId: sub.id })).toBe('released');
    await balanced();
    const [hold] = await sql<Record<string, string>>(
      `SELECT commission_paise::text AS c, gst_on_commission_paise::text AS g, tcs_paise::text AS tcs,
              tds_paise::text AS tds, dealer_net_paise::text AS net FROM escrow_holds WHERE sub_order_id = $1`,
      [sub.id],
    );
    // paid = dealer share + commission + GST on commission + TCS + TDS.
    expect(Object.values(hold!).reduce((sum, v) => sum + Number(v), 0)).toBe(order.totalPaise);
    // Razorpay settles the dealer's net; the settlement webhook pays it out of the payable.
    sandbox.control.setWebhookUrl(`${t.baseUrl}/webhooks/razorpay`);
    try {
      const settled = sandbox.control.settle().linkedAccounts;
      expect(settled.map((x) => x.amount)).toEqual([Number(hold!.net)]);
      await sandbox.control.flushWebhooks();
      await t.app.get(WebhookProcessor).drain();
    } finally {
      sandbox.control.setWebhookUrl(null);
    }
    const payable = (await ledger.account(Accounts.dealerPayable(dealer.userId)))!;
    expect(payable.creditsPosted - payable.debitsPosted).toBe(0n);
    const escrow = (await ledger.account(Accounts.orderEscrow(order.id)))!;
    expect(escrow.creditsPosted - escrow.debitsPosted).toBe(0n);
    expect(escrow.debitsPending).toBe(0n);
    await balanced();
  });

  it('records onboarding failures: retries 5xx with backoff, fails a refusal, and staff restart it (audited)', async () => {
    const dealer = await approvedDealer(t, admin);
    await approvedSettlementDetails(t, dealer, admin);
    // The dealer's approval and its details' approval each queued the job.
    expect(await jobsOf('payments.route-account', 'payeeId', dealer.userId)).toBe(2);
    sandbox.control.setFaults({ api: { failNext: 1 } });
    expect(await accounts.onboard(dealer.userId)).toBe('pending');
    const retrying = (await routeRow(dealer.userId))!;
    expect(retrying).toMatchObject({ status: 'pending', attempts: 1, gateway_account_id: null });
    expect(retrying.last_error).toMatch(/503/);
    expect(await jobsOf('payments.route-account', 'payeeId', dealer.userId)).toBe(3);

    // Razorpay refuses the dealer's details: failed at once, shown to staff.
    await sql(`UPDATE users SET email = 'not-an-email' WHERE id = $1`, [dealer.userId]);
    expect(await accounts.onboard(dealer.userId)).toBe('failed');
    const failed = (await listRouteAccounts('failed')).find((a) => a.payeeId === dealer.userId);
    expect(failed).toMatchObject({ status: 'failed', attempts: 2, gatewayAccountId: null });
    expect(failed!.lastError).toMatch(/400/);

    // Only failed (or never started) onboardings are restarted; an unknown dealer is 404.
    const retry = (payeeId: string, who: SignedIn) =>
      t.api.POST('/admin/payments/route-accounts/{payeeId}/retry', {
        params: { path: { payeeId } },
        body: { reason: 'dealer corrected its email' },
        headers: who.headers,
      });
    await sql(`UPDATE users SET email = $2 WHERE id = $1`, [
      dealer.userId,
      `fixed-${dealer.userId.slice(0, 8)}@test.fixbazaar.in`,
    ]);
    const restarted = await retry(dealer.userId, finance);
    expect(restarted.response.status).toBe(200);
    expect(restarted.data).toMatchObject({ status: 'pending', attempts: 0, lastError: null });
    const audit = await sql<{ action: string; reason: string; actor_id: string }>(
      `SELECT action, reason, actor_id::text AS actor_id FROM audit_events WHERE target_id = $1 AND action LIKE 'payments.%'`,
      [dealer.userId],
    );
    expect(audit).toEqual([
      {
        action: 'payments.route_account.retry',
        reason: 'dealer corrected its email',
        actor_id: finance.userId,
      },
    ]);
    expect(await jobsOf('payments.route-account', 'payeeId', dealer.userId)).toBe(4);
    expect(await accounts.onboard(dealer.userId)).toBe('product_configured');
    expect((await retry(dealer.userId, finance)).error).toMatchObject({
      code: 'route-account/not-retryable',
    });
    const missing = await retry('00000000-0000-4000-8000-000000000000', admin);
    expect(missing.response.status).toBe(404);
  });
  it("sends the dealer's business profile; a retry after a lost answer or a crash adopts the account, never a second one", async () => {
    const referenceOf = (userId: string) => userId.replace(/-/g, '').slice(0, 20);
    const accountsOf = (referenceId: string) =>
      sandbox.control.accounts().filter((a) => a.reference_id === referenceId);

    // Razorpay creates the account but its answer is lost (a 502 after the work).
    const dealer = await approvedDealer(t, admin);
    await approvedSettlementDetails(t, dealer, admin);
    sandbox.control.setFaults({ api: { failAfterNext: 1 } });
    expect(await accounts.onboard(dealer.userId)).toBe('pending');
    const lost = (await routeRow(dealer.userId))!;
    expect(lost).toMatchObject({ status: 'pending', attempts: 1, gateway_account_id: null });
    expect(lost.last_error).toMatch(/502/);
    const [created] = accountsOf(lost.reference_id);
    // The profile: the approved business type, Route's category for a mobile-parts dealer, the
    // pickup address as the registered address (the state's name, street2 the city when there is no
    // line2), the GSTIN; the test dealer's PAN (4th character P, a person's) is no business PAN, so it
    // is not sent (it goes to the stakeholder's KYC).
    expect(created).toMatchObject({
      email: dealer.email,
      legal_business_name: 'Test Traders',
      business_type: 'proprietorship',
      profile: {
        category: 'ecommerce',
        subcategory: 'telecommunication_equipment_stores',
        addresses: {
          registered: {
            street1: '1 MG Road',
            street2: 'Bengaluru',
            city: 'Bengaluru',
            state: 'KARNATAKA',
            postal_code: '560001',
            country: 'IN',
          },
        },
      },
      legal_info: { gst: dealer.gstin },
    });
    expect(created!.legal_info).not.toHaveProperty('pan');
    // The retry is refused by Razorpay (one account per email), which names the account: adopted.
    expect(await accounts.onboard(dealer.userId)).toBe('product_configured');
    expect(await routeRow(dealer.userId)).toMatchObject({
      status: 'product_configured',
      gateway_account_id: created!.id,
      attempts: 0,
      last_error: null,
    });
    expect(accountsOf(lost.reference_id)).toHaveLength(1);
    expect(sandbox.control.stakeholders(created!.id)).toEqual([
      expect.objectContaining({ kyc: { pan: dealer.gstin!.slice(2, 12) } }),
    ]);
    // (The end-to-end test above unset the webhook URL.)
    sandbox.control.setWebhookUrl(`${t.baseUrl}/webhooks/razorpay`);
    await activate(created!.id);
    expect((await routeRow(dealer.userId))!.status).toBe('activated');

    // A crash after Razorpay's answer, before it was recorded: the row stays `pending` with its
    // attempt counted, the account exists. Staff restart it; the retry adopts the account.
    const crashed = await approvedDealer(t, admin);
    await approvedSettlementDetails(t, crashed, admin);
    const [user] = await sql<{
      gstin: string;
      pan: string;
      pickup_address: { line1: string; city: string; state: string; pincode: string };
    }>(`SELECT gstin, pan, pickup_address FROM users WHERE id = $1`, [crashed.userId]);
    const profile = linkedAccountProfile({
      address: user!.pickup_address,
      businessType: 'proprietorship',
      pan: user!.pan,
      gstin: user!.gstin,
    });
    if (typeof profile === 'string') throw new Error(profile);
    await sql(`UPDATE payee_route_accounts SET attempts = 1 WHERE payee_id = $1`, [crashed.userId]);
    const before = await gateway.createLinkedAccount({
      referenceId: referenceOf(crashed.userId),
      email: crashed.email,
      phone: null,
      legalBusinessName: 'Test Traders',
      contactName: 'Test dealer',
      ...profile,
    });
    const restarted = await t.api.POST('/admin/payments/route-accounts/{payeeId}/retry', {
      params: { path: { payeeId: crashed.userId } },
      body: { reason: 'onboarding job crashed' },
      headers: finance.headers,
    });
    expect(restarted.response.status).toBe(200);
    expect(await accounts.onboard(crashed.userId)).toBe('product_configured');
    expect((await routeRow(crashed.userId))!.gateway_account_id).toBe(before.id);
    expect(accountsOf(referenceOf(crashed.userId))).toHaveLength(1);

    // Someone else's linked account already has the dealer's email: a failure for staff, no account.
    const clash = await approvedDealer(t, admin);
    await approvedSettlementDetails(t, clash, admin);
    await gateway.createLinkedAccount({
      referenceId: 'not-this-dealer',
      email: clash.email,
      phone: null,
      legalBusinessName: 'Another Business',
      contactName: 'Another Owner',
      ...profile,
    });
    expect(await accounts.onboard(clash.userId)).toBe('failed');
    const refused = (await routeRow(clash.userId))!;
    expect(refused).toMatchObject({ status: 'failed', gateway_account_id: null });
    expect(refused.last_error).toMatch(/already has linked account acc_\w+ .*not-this-dealer/);
    expect(accountsOf(refused.reference_id)).toHaveLength(0);

    // A pickup state Razorpay does not list is refused before any call.
    const ladakh = await approvedDealer(t, admin);
    await approvedSettlementDetails(t, ladakh, admin);
    await sql(
      `UPDATE users SET pickup_address = pickup_address || '{"state":"Ladakh"}' WHERE id = $1`,
      [ladakh.userId],
    );
    expect(await accounts.onboard(ladakh.userId)).toBe('failed');
    expect((await routeRow(ladakh.userId))!.last_error).toMatch(/state "Ladakh"/);
    expect(accountsOf(referenceOf(ladakh.userId))).toHaveLength(0);
  });
});
