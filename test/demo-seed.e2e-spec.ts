/**
 * The demo `npm run up` seeds, against the local Razorpay sandbox as `up` starts it (linked accounts
 * activated as they are created): seed:demo, seed:payees makes the demo technicians ready for jobs
 * (their payee details submitted through the payouts module), then seed:route onboards the approved demo dealers on
 * Route through the onboarding code (intent, job handler, linked account), so they are `activated`;
 * rerunning it changes nothing, and an account the gateway forgot (a restarted sandbox) is onboarded
 * again. Then a demo dealer is paid out: cart, checkout, pay, ship, deliver, a return window of one
 * minute (ORDER_AUTO_COMPLETE_HOURS=1m), release, settlement, payout — with the books checked. In
 * production every seed is refused by the one guard (`demoSeedRefused`) before it touches anything.
 */
import type { RazorpaySandbox } from '../scripts/razorpay-sandbox/sandbox.js';
import {
  DEMO_PASSWORD,
  DEMO_TOTP_SECRET,
  SeedDemoCommand,
} from '../src/identity/cli/seed-demo.command.js';
import { SeedCatalogCommand } from '../src/catalog/cli/seed-catalog.command.js';
import type { CliCommand } from '../src/common/cli-command.js';
import type { AppConfig } from '../src/config/app-config.js';
import { APP_CONFIG } from '../src/config/config.module.js';
import { TransactionRunner } from '../src/database/transaction.js';
import { Accounts } from '../src/ledger/domain/account.js';
import { LedgerService } from '../src/ledger/persistence/ledger.service.js';
import { OrderCommands } from '../src/orders/order-commands.service.js';
import { EscrowReleaseService } from '../src/escrow/escrow-release.service.js';
import { RouteTransfersService } from '../src/payouts/route/route-transfers.service.js';
import { SeedPayeesCommand } from '../src/payouts/payees/seed-payees.command.js';
import { SeedRouteCommand } from '../src/payouts/route/seed-route.command.js';
import { WebhookProcessor } from '../src/gateway/webhooks/webhook-jobs.js';
import { login, totpCode, type SignedIn } from './support/accounts.js';
import { activeListing, checkout, putInCart } from './support/orders.js';
import { payThroughSandbox, startSandboxApp, type SandboxApp } from './support/payments.js';
import type { TestApp } from './support/test-app.js';
import { withClient } from './support/test-database.js';

const DEMO_DEALERS = [
  'dealer.chennai@demo.fixbazaar.in',
  'dealer.delhi@demo.fixbazaar.in',
  'dealer.mumbai@demo.fixbazaar.in',
  'dealer@demo.fixbazaar.in',
];

describe('demo seed on Route', () => {
  let started: SandboxApp | undefined;
  let sandbox: RazorpaySandbox;
  let t: TestApp;

  const sql = <T extends Record<string, unknown>>(text: string, params: unknown[] = []) =>
    withClient(t.db.ownerUrl, async (c) => (await c.query<T>(text, params)).rows);
  const routeRows = () =>
    sql<{ email: string; dealer_id: string; status: string; account: string | null; ref: string }>(
      `SELECT u.email::text AS email, u.id::text AS dealer_id, r.status,
              r.gateway_account_id AS account, r.reference_id AS ref
       FROM payee_route_accounts r JOIN users u ON u.id = r.payee_id AND r.payee_kind = 'dealer'
       WHERE u.email LIKE '%@demo.fixbazaar.in' ORDER BY u.email`,
    );
  const seedRoute = () => t.app.get(SeedRouteCommand).run();
  const demoLogin = async (email: string): Promise<SignedIn> => {
    const s = await login(t, email, DEMO_PASSWORD);
    expect(s.status).toBe(200);
    const [row] = await sql<{ id: string }>(`SELECT id::text AS id FROM users WHERE email = $1`, [
      email,
    ]);
    return { ...s, userId: row!.id };
  };

  beforeAll(async () => {
    started = await startSandboxApp({
      webhooks: true,
      activateAccounts: true,
      env: { ORDER_AUTO_COMPLETE_HOURS: '1m' },
    });
    ({ sandbox, t } = started);
    expect(await t.app.get(SeedDemoCommand).run()).toBe(0);
  }, 60_000);
  afterAll(() => started?.close());

  it('refuses every demo seed in production (one guard), before touching anything', async () => {
    const said: unknown[][] = [];
    const error = console.error;
    console.error = (...args: unknown[]) => void said.push(args);
    try {
      const users = await sql(`SELECT count(*)::int AS n FROM users`);
      // Each seed as the app builds it, its configuration saying production (seed:catalog is the
      // CLI's alone: built here).
      const production = { ...t.app.get<AppConfig>(APP_CONFIG), env: 'production' as const };
      const seeds: CliCommand[] = [
        ...[SeedDemoCommand, SeedPayeesCommand, SeedRouteCommand].map((seed) =>
          Object.assign(Object.create(t.app.get<CliCommand>(seed)) as CliCommand, {
            config: production,
          }),
        ),
        new SeedCatalogCommand(production, t.app.get(TransactionRunner)),
      ];
      for (const seed of seeds) {
        expect(await seed.run([])).toBe(1);
        expect(said.at(-1)).toEqual([`${seed.name}: refused with NODE_ENV=production`]);
      }
      expect(said).toHaveLength(4);
      expect(await sql(`SELECT count(*)::int AS n FROM users`)).toEqual(users);
    } finally {
      console.error = error;
    }
  });

  it('enrols the demo staff in TOTP with the published demo secret (README)', async () => {
    for (const email of ['admin', 'finance', 'ops', 'compliance', 'cfo'].map(
      (r) => `${r}@demo.fixbazaar.in`,
    )) {
      const post = (path: string, body: unknown) =>
        fetch(`${t.baseUrl}${path}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
        }).then(async (r) => ({
          status: r.status,
          body: (await r.json()) as Record<string, string>,
        }));
      const challenge = await post('/auth/login', { identifier: email, password: DEMO_PASSWORD });
      expect(challenge.body).toMatchObject({ status: 'mfa_required' });
      const signedIn = await post('/auth/mfa/verify', {
        mfaToken: challenge.body.mfaToken,
        code: totpCode(DEMO_TOTP_SECRET),
      });
      expect(signedIn.status).toBe(200);
      expect(signedIn.body.accessToken).toEqual(expect.any(String));
    }
  });

  it('makes the demo technicians ready for jobs: seed:payees submits their payee details (held for review), once', async () => {
    const technicians = ['tech.hardware@demo.fixbazaar.in', 'tech.software@demo.fixbazaar.in'];
    const sessions = await Promise.all(technicians.map(demoLogin));
    const readiness = async (s: SignedIn) =>
      (await t.api.GET('/technicians/me/readiness', { headers: s.headers })).data!;
    for (const s of sessions)
      expect(await readiness(s)).toMatchObject({ ready: false, missing: ['payee_details'] });

    const seedPayees = t.app.get(SeedPayeesCommand);
    expect(await seedPayees.run()).toBe(0);
    for (const s of sessions) {
      expect(await readiness(s)).toEqual({
        ready: true,
        missing: [],
        detail: null,
        panOnFile: true,
        gstRegistered: false,
      });
      // Submitted through the payouts module as the technician, held for staff review.
      const payee = await t.api.GET('/payees/me', { headers: s.headers });
      expect(payee.data).toMatchObject({
        payeeKind: 'technician',
        settlementDetails: null,
        pendingChange: { payeeKind: 'technician', reviewStatus: 'pending' },
        routeAccount: null,
      });
      const active = await t.api.PUT('/technicians/me/availability', {
        body: { availability: 'active' },
        headers: s.headers,
      });
      expect(active.data).toMatchObject({ availability: 'active' });
    }
    // Seeding again (every `npm run up`) submits nothing twice.
    expect(await seedPayees.run()).toBe(0);
    const submissions = await sql<{ n: number }>(
      `SELECT count(*)::int AS n FROM payee_settlement_details d JOIN users u ON u.id = d.payee_id
       WHERE u.email = ANY($1::text[])`,
      [technicians],
    );
    expect(submissions[0]!.n).toBe(technicians.length);
  });

  it('onboards and activates the approved demo dealers (not the pending one), once', async () => {
    expect(await routeRows()).toEqual([]);
    expect(await seedRoute()).toBe(0);
    const rows = await routeRows();
    expect(rows.map((r) => [r.email, r.status])).toEqual(DEMO_DEALERS.map((e) => [e, 'activated']));
    const gateway = sandbox.control.accounts();
    expect(gateway.map((a) => [a.id, a.email, a.reference_id, a.status]).sort()).toEqual(
      rows.map((r) => [r.account, r.email, r.ref, 'activated']).sort(),
    );
    // Razorpay's activation webhooks arrive after the creation answered `activated`: nothing changes.
    await sandbox.control.flushWebhooks();
    await t.app.get(WebhookProcessor).drain();
    expect(await routeRows()).toEqual(rows);

    // Seeding again (every `npm run up`) onboards nobody twice.
    expect(await seedRoute()).toBe(0);
    expect(await routeRows()).toEqual(rows);
    expect(sandbox.control.accounts()).toHaveLength(DEMO_DEALERS.length);

    // A recorded account the gateway does not know (the sandbox restarted) is onboarded again: here
    // the sandbox still holds the dealer's account under its email, so that one is adopted.
    const first = rows.find((r) => r.email === 'dealer@demo.fixbazaar.in')!;
    await sql(
      `UPDATE payee_route_accounts SET gateway_account_id = $2
       WHERE payee_kind = 'dealer' AND payee_id = $1`,
      [first.dealer_id, 'acc_ForgottenBySandbx'],
    );
    expect(await seedRoute()).toBe(0);
    expect(await routeRows()).toEqual(rows);
    expect(sandbox.control.accounts()).toHaveLength(DEMO_DEALERS.length);
  });

  it('pays a demo dealer out: cart, checkout, pay, ship, deliver, one-minute return window, release, settlement', async () => {
    expect(t.config.orders.autoCompleteSeconds).toBe(60);
    const [dealer, buyer, finance] = await Promise.all([
      demoLogin('dealer@demo.fixbazaar.in'),
      demoLogin('customer@demo.fixbazaar.in'),
      demoLogin('finance@demo.fixbazaar.in'),
    ]);
    const listing = await activeListing(t, dealer.userId, { b2cPricePaise: 118_000, stock: 2 });
    await putInCart(t, buyer, listing, 1);
    const order = (await checkout(t, buyer)).order!;
    const sub = order.subOrders[0]!;
    const payment = await payThroughSandbox(t, sandbox, buyer, order.id);
    const transfers = t.app.get(RouteTransfersService);
    expect(await transfers.transferHolds({ paymentId: payment.id })).toEqual({
      [sub.id]: 'on_hold',
    });
    for (const step of ['accept', 'pack'] as const)
      expect(
        (
          await t.api.POST(`/dealer/orders/{subOrderId}/${step}`, {
            params: { path: { subOrderId: sub.id } },
            headers: dealer.headers,
          })
        ).response.status,
      ).toBe(200);
    const shipped = await t.api.POST('/dealer/orders/{subOrderId}/ship', {
      params: { path: { subOrderId: sub.id } },
      body: { carrier: 'Delhivery', trackingNumber: 'DLV-DEMO-1' },
      headers: dealer.headers,
    });
    expect(shipped.response.status).toBe(200);
    const delivered = await t.api.POST(
      '/orders/{orderId}/sub-orders/{subOrderId}/confirm-delivery',
      {
        params: { path: { orderId: order.id, subOrderId: sub.id } },
        headers: buyer.headers,
      },
    );
    expect(delivered.response.status).toBe(200);

    // Within the one-minute return window nothing completes; after it, the release follows.
    const commands = t.app.get(OrderCommands);
    expect(await commands.completeDelivered(t.config.orders.autoCompleteSeconds)).toBe(0);
    await sql(`UPDATE sub_orders SET delivered_at = now() - interval '61 seconds' WHERE id = $1`, [
      sub.id,
    ]);
    expect(await commands.completeDelivered(t.config.orders.autoCompleteSeconds)).toBe(1);
    expect(await t.app.get(EscrowReleaseService).releaseDue()).toBe(1);
    expect(await transfers.releaseTransfer({ subOrderId: sub.id })).toBe('released');

    const [hold] = await sql<Record<'c' | 'g' | 'tcs' | 'tds' | 'net', string>>(
      `SELECT commission_paise::text AS c, gst_on_commission_paise::text AS g, tcs_paise::text AS tcs,
              tds_paise::text AS tds, dealer_net_paise::text AS net FROM escrow_holds WHERE sub_order_id = $1`,
      [sub.id],
    );
    // paid = dealer net + commission + GST on commission + TCS + TDS (no refunds).
    expect(Object.values(hold!).reduce((sum, v) => sum + Number(v), 0)).toBe(order.totalPaise);

    // Razorpay settles the dealer's net to its linked account; the webhook posts the payout.
    const settled = sandbox.control.settle();
    expect(settled.linkedAccounts.map((s) => s.amount)).toEqual([Number(hold!.net)]);
    await sandbox.control.flushWebhooks();
    await t.app.get(WebhookProcessor).drain();
    const payouts = await t.api.GET('/admin/payouts', {
      params: { query: { kind: 'dealer' } },
      headers: finance.headers,
    });
    expect(payouts.data!.items).toEqual([
      {
        settlementId: settled.linkedAccounts[0]!.id,
        kind: 'dealer',
        dealerId: dealer.userId,
        technicianId: null,
        amountPaise: Number(hold!.net),
        postedAt: expect.any(String),
      },
    ]);

    // The books: the order's escrow is empty, the dealer's payable paid out, the trial balance balanced.
    const ledger = t.app.get(LedgerService);
    const escrow = (await ledger.account(Accounts.orderEscrow(order.id)))!;
    expect([escrow.creditsPosted - escrow.debitsPosted, escrow.debitsPending]).toEqual([0n, 0n]);
    const payable = (await ledger.account(Accounts.dealerPayable(dealer.userId)))!;
    expect(payable.creditsPosted - payable.debitsPosted).toBe(0n);
    const trial = await t.api.GET('/ledger/trial-balance', { headers: finance.headers });
    expect(trial.data!.balanced).toBe(true);
  });
});
