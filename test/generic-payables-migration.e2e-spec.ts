/**
 * GenericPayables1764430000000 on a database holding today's money (issue #14): orders paid through
 * the sandbox, held, released (with commission invoices), refunded (a paid part cancelled by its
 * dealer), a Route transfer on a hold, a hold still held. The order flows write exactly the rows they
 * wrote before the migration, so the database is taken back to the migration before it (`down`),
 * every payment, hold (with its transfer fields), refund, commission invoice and ledger account
 * snapshotted, then migrated `up` again: nothing changed, every hold is its dealer's (payee), and
 * `down` itself lost nothing either.
 */
import { DataSource } from 'typeorm';
import { migrations } from '../migrations/index.js';
import type { RazorpaySandbox } from '../scripts/razorpay-sandbox/sandbox.js';
import { MIGRATIONS_TABLE } from '../src/database/data-source-options.js';
import { EscrowReleaseService } from '../src/escrow/escrow-release.service.js';
import { RefundsService } from '../src/payments/refunds.service.js';
import { RouteTransfersService } from '../src/payouts/route/route-transfers.service.js';
import { signInAs, type SignedIn } from './support/accounts.js';
import { activeListing, checkout, putInCart, type Order } from './support/orders.js';
import { payThroughSandbox, startSandboxApp, type SandboxApp } from './support/payments.js';
import { activeRouteDealer } from './support/route.js';
import type { TestApp } from './support/test-app.js';
import { withClient } from './support/test-database.js';

/** What the migration (and RepairCommissionInvoices after it) adds; the snapshot compares every other column. */
const NEW_COLUMNS: Record<string, string[]> = {
  payments: ['repair_job_id', 'payable_type'],
  // repair_quote_id: SupplementaryQuotes1764590000000, taken down with it.
  escrow_holds: ['id', 'repair_job_id', 'payee_type', 'payee_id', 'repair_quote_id'],
  // RepairRefunds1764540000000, taken down with it.
  refunds: ['repair_job_id'],
  commission_invoices: ['repair_job_id', 'technician_id', 'technician_gstin'],
  // RepairDisputes1764600000000, taken down with it.
  escrow_manual_holds: ['repair_job_id'],
};

/** Each table's rows as JSON, in a stable order, without the migration's new columns. */
const SNAPSHOT: Record<string, string> = {
  payments: 'SELECT to_jsonb(x) AS row FROM payments x ORDER BY id',
  escrow_holds: 'SELECT to_jsonb(x) AS row FROM escrow_holds x ORDER BY sub_order_id',
  refunds: 'SELECT to_jsonb(x) AS row FROM refunds x ORDER BY id',
  commission_invoices: 'SELECT to_jsonb(x) AS row FROM commission_invoices x ORDER BY id',
  commission_rules: 'SELECT to_jsonb(x) AS row FROM commission_rules x ORDER BY id',
  escrow_manual_holds: 'SELECT to_jsonb(x) AS row FROM escrow_manual_holds x ORDER BY id',
  ledger_accounts: 'SELECT to_jsonb(x) AS row FROM ledger_accounts x ORDER BY code',
};

/** GenericPayables and the migrations after it, in order. */
const FROM_GENERIC_PAYABLES = migrations
  .map((m) => m.name)
  .slice(migrations.findIndex((m) => m.name === 'GenericPayables1764430000000'));

describe('GenericPayables1764430000000 on a populated database', () => {
  let sandbox: RazorpaySandbox;
  let t: TestApp;
  let started: SandboxApp | undefined;
  let admin: SignedIn;
  let buyer: SignedIn;

  const sql = <T extends Record<string, unknown>>(text: string, params: unknown[] = []) =>
    withClient(t.db.ownerUrl, async (c) => (await c.query<T>(text, params)).rows);

  const paidOrder = async (parts: [SignedIn, number][]) => {
    for (const [dealer, price] of parts)
      await putInCart(t, buyer, await activeListing(t, dealer.userId, { b2cPricePaise: price }), 1);
    const placed = await checkout(t, buyer);
    expect(placed.status).toBe(201);
    const order: Order = placed.order!;
    const payment = await payThroughSandbox(t, sandbox, buyer, order.id);
    return { order, payment };
  };

  const snapshot = async () => {
    const tables: Record<string, Record<string, unknown>[]> = {};
    for (const [table, query] of Object.entries(SNAPSHOT)) {
      const rows = await sql<{ row: Record<string, unknown> }>(query);
      tables[table] = rows.map(({ row }) => {
        const kept = { ...row };
        for (const c of NEW_COLUMNS[table] ?? []) delete kept[c];
        return kept;
      });
    }
    return tables;
  };

  const columnsOf = async (table: string) =>
    (
      await sql<{ column_name: string }>(
        `SELECT column_name FROM information_schema.columns WHERE table_name = $1`,
        [table],
      )
    ).map((r) => r.column_name);

  /** Runs `work` with a migrations data source on the test database (as its owner). */
  const withMigrations = async (work: (ds: DataSource) => Promise<unknown>) => {
    const ds = new DataSource({
      type: 'postgres',
      url: t.db.ownerUrl,
      migrations,
      migrationsTableName: MIGRATIONS_TABLE,
      migrationsTransactionMode: 'each',
    });
    await ds.initialize();
    try {
      await work(ds);
    } finally {
      await ds.destroy();
    }
  };

  beforeAll(async () => {
    started = await startSandboxApp({ webhooks: true });
    ({ sandbox, t } = started);
    [admin, buyer] = await Promise.all([signInAs(t, 'admin'), signInAs(t, 'customer')]);
  }, 120_000);
  afterAll(() => started?.close());

  it('keeps every payment, hold, refund, transfer and ledger balance through down and up', async () => {
    const routeDealer = (await activeRouteDealer(t, sandbox, admin)).dealer;
    const dealer = await signInAs(t, 'dealer');
    // Paid, transferred on hold through Route (routeDealer's part), completed and released.
    const released = await paidOrder([
      [routeDealer, 60_000],
      [dealer, 118_000],
    ]);
    expect(
      await t.app.get(RouteTransfersService).transferHolds({ paymentId: released.payment.id }),
    ).toMatchObject({
      [released.order.subOrders.find((s) => s.dealerId === routeDealer.userId)!.id]: 'on_hold',
    });
    await sql(
      `UPDATE sub_orders SET status = 'completed', carrier = 'Delhivery', tracking_number = 'DLV-1'
       WHERE order_id = $1`,
      [released.order.id],
    );
    expect(await t.app.get(EscrowReleaseService).releaseDue()).toBe(2);
    // Paid, then cancelled by its dealer: refunded out of escrow.
    const refunded = await paidOrder([[dealer, 50_000]]);
    const cancelled = await t.api.POST('/dealer/orders/{subOrderId}/cancel', {
      params: { path: { subOrderId: refunded.order.subOrders[0]!.id } },
      body: { reason: 'cannot source the part' },
      headers: dealer.headers,
    });
    expect(cancelled.response.status).toBe(200);
    expect(await t.app.get(RefundsService).processDue()).toBe(1);
    // Paid and still held, with a manual hold placed by SQL (its foreign key is re-pointed).
    const held = await paidOrder([[dealer, 70_000]]);
    await sql(
      `INSERT INTO escrow_manual_holds (sub_order_id, reason, placed_by)
       VALUES ($1, 'investigating a complaint', $2)`,
      [held.order.subOrders[0]!.id, admin.userId],
    );

    const statuses = await sql<{ status: string; transfer_status: string }>(
      `SELECT status, transfer_status FROM escrow_holds ORDER BY status, transfer_status`,
    );
    expect(statuses).toEqual([
      { status: 'held', transfer_status: 'none' },
      { status: 'refunded', transfer_status: 'none' },
      { status: 'released', transfer_status: 'none' },
      { status: 'released', transfer_status: 'on_hold' },
    ]);
    const before = await snapshot();
    expect(before.refunds).toHaveLength(1);
    expect(before.escrow_manual_holds).toHaveLength(1);

    // Back to the schema before the migration (the later ones undone first): the rows as today's
    // code wrote them.
    await withMigrations(async (ds) => {
      for (const _ of FROM_GENERIC_PAYABLES) await ds.undoLastMigration({ transaction: 'each' });
    });
    expect(await columnsOf('escrow_holds')).not.toContain('payee_id');
    expect(await columnsOf('payments')).not.toContain('repair_job_id');
    expect(await snapshot()).toEqual(before);

    await withMigrations(async (ds) => {
      const ran = await ds.runMigrations({ transaction: 'each' });
      expect(ran.map((m) => m.name)).toEqual(FROM_GENERIC_PAYABLES);
    });
    expect(await snapshot()).toEqual(before);
    expect(
      await sql(
        `SELECT count(*)::int AS holds,
                count(*) FILTER (WHERE payee_type = 'dealer' AND payee_id = dealer_id)::int AS dealer_payees,
                count(DISTINCT id)::int AS ids
         FROM escrow_holds`,
      ),
    ).toEqual([{ holds: 4, dealer_payees: 4, ids: 4 }]);
    expect(
      await sql(`SELECT DISTINCT payable_type FROM payments WHERE order_id IS NOT NULL`),
    ).toEqual([{ payable_type: 'order' }]);
    // The manual hold still points at its hold, by sub-order.
    await expect(
      sql(`DELETE FROM escrow_holds WHERE sub_order_id = $1`, [held.order.subOrders[0]!.id]),
    ).rejects.toThrow(/escrow_manual_holds_sub_order_id_fkey/);
  });
});
