/**
 * Commission rules configured by finance and the GST tax invoice data of each release (issue #6),
 * through the real release path: an order paid through the Razorpay sandbox, its sub-order marked
 * completed, then EscrowReleaseService.releaseDue(). Rule precedence, effective dating, B2B vs B2C,
 * the rates.json fallback, gapless per-financial-year invoice numbers, CGST + SGST vs IGST, the
 * finance API's validation and audit, and the invoice lists.
 */
import type { RazorpaySandbox } from '../scripts/razorpay-sandbox/sandbox.js';
import { TransactionRunner } from '../src/database/transaction.js';
import { Decimal } from '../src/ledger/domain/money.js';
import { CommissionService } from '../src/payouts/commission/commission.service.js';
import { EscrowReleaseService } from '../src/escrow/escrow-release.service.js';
import { signInAs, type SignedIn } from './support/accounts.js';
import { activeListing, checkout, putInCart, type Order } from './support/orders.js';
import type { TestApp } from './support/test-app.js';
import { withClient } from './support/test-database.js';
import { payThroughSandbox, startSandboxApp, type SandboxApp } from './support/payments.js';

interface InvoiceRow extends Record<string, unknown> {
  invoice_number: string;
  financial_year: string;
  seq: number;
  commission_rate: string;
  rule_id: string | null;
  category: string | null;
  channel: string;
  supply: string;
  dealer_gstin: string;
  platform_gstin: string;
  taxable: string;
  cgst: string;
  sgst: string;
  igst: string;
  total: string;
  release_date: string;
  hold_commission: string;
  hold_gst: string;
}

const TODAY_IST = () => new Date(Date.now() + 330 * 60_000).toISOString().slice(0, 10);
const addDays = (date: string, n: number) =>
  new Date(Date.parse(`${date}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);
const fyOf = (date: string) => {
  const y = Number(date.slice(0, 4));
  const start = Number(date.slice(5, 7)) >= 4 ? y : y - 1;
  return `${start}-${String((start + 1) % 100).padStart(2, '0')}`;
};

describe('commission rules and commission invoices', () => {
  let sandbox: RazorpaySandbox;
  let t: TestApp;
  let started: SandboxApp | undefined;
  let finance: SignedIn;
  let release: EscrowReleaseService;
  let commission: CommissionService;

  const sql = <T extends Record<string, unknown>>(text: string, params: unknown[] = []) =>
    withClient(t.db.ownerUrl, async (c) => (await c.query<T>(text, params)).rows);

  /** Places and pays an order of one line per [category, B2C price], all from `dealer`. */
  const paidSubOrder = async (
    buyer: SignedIn,
    dealer: SignedIn,
    lines: [string, number][],
  ): Promise<Order['subOrders'][number] & { orderId: string }> => {
    for (const [category, price] of lines) {
      const listing = await activeListing(t, dealer.userId, { b2cPricePaise: price });
      await sql(`UPDATE listings SET category = $2 WHERE id = $1`, [listing, category]);
      await putInCart(t, buyer, listing, 1);
    }
    const placed = await checkout(t, buyer);
    expect(placed.status).toBe(201);
    const order = placed.order!;
    await payThroughSandbox(t, sandbox, buyer, order.id);
    return { ...order.subOrders[0]!, orderId: order.id };
  };
  const complete = (subOrderIds: string[]) =>
    sql(
      `UPDATE sub_orders SET status = 'completed', carrier = 'Delhivery', tracking_number = 'DLV-1'
       WHERE id = ANY($1::uuid[])`,
      [subOrderIds],
    );
  const invoiceOf = async (subOrderId: string): Promise<InvoiceRow> => {
    const rows = await sql<InvoiceRow>(
      `SELECT i.invoice_number, i.financial_year, i.seq, i.commission_rate::text AS commission_rate,
              i.rule_id::text AS rule_id, i.category, i.channel, i.supply, i.dealer_gstin, i.platform_gstin,
              i.taxable_value_paise::text AS taxable, i.cgst_paise::text AS cgst, i.sgst_paise::text AS sgst,
              i.igst_paise::text AS igst, i.total_paise::text AS total,
              to_char(i.release_date, 'YYYY-MM-DD') AS release_date,
              h.commission_paise::text AS hold_commission, h.gst_on_commission_paise::text AS hold_gst
       FROM commission_invoices i JOIN escrow_holds h ON h.sub_order_id = i.sub_order_id
       WHERE i.sub_order_id = $1`,
      [subOrderId],
    );
    expect(rows).toHaveLength(1);
    return rows[0]!;
  };
  const createRule = (
    who: SignedIn,
    body: {
      scope: 'default' | 'category' | 'dealer';
      category?: 'battery' | 'camera' | 'display';
      dealerId?: string;
      channel?: 'b2b' | 'b2c' | 'any';
      rate: string;
      effectiveFrom: string;
      reason: string;
    },
  ) => t.api.POST('/admin/commission-rules', { body, headers: who.headers });

  beforeAll(async () => {
    started = await startSandboxApp();
    ({ sandbox, t } = started);
    finance = await signInAs(t, 'finance');
    release = t.app.get(EscrowReleaseService);
    commission = t.app.get(CommissionService);
  });
  afterAll(() => started?.close());

  it('with no rule in force, takes rates.json commission.parts; the invoice splits CGST + SGST in one state', async () => {
    const [buyer, dealer] = await Promise.all([signInAs(t, 'customer'), signInAs(t, 'dealer')]);
    const sub = await paidSubOrder(buyer, dealer, [['display', 118_000]]);
    await complete([sub.id]);
    expect(await release.releaseDue()).toBe(1);
    const inv = await invoiceOf(sub.id);
    const fy = fyOf(TODAY_IST());
    // Vector 02's figures: 8 % of ₹1,180, GST 18 % on it.
    expect(inv).toMatchObject({
      invoice_number: `FB/${fy.slice(2)}/0000001`,
      financial_year: fy,
      seq: 1,
      commission_rate: '0.0800',
      rule_id: null,
      category: 'display',
      channel: 'b2c',
      supply: 'intra_state',
      dealer_gstin: dealer.gstin,
      platform_gstin: '29FIXBZ0000A1ZY',
      taxable: '9440',
      cgst: '849',
      sgst: '850',
      igst: '0',
      total: '11139',
      release_date: TODAY_IST(),
      hold_commission: '9440',
      hold_gst: '1699',
    });
  });

  it('validates and audits new rules; only finance, admin and ops leader may add them', async () => {
    const today = TODAY_IST();
    const dealer = await signInAs(t, 'dealer');
    const base = { scope: 'default' as const, rate: '0.05', effectiveFrom: today, reason: 'x' };
    const bad = async (body: Parameters<typeof createRule>[1], code: string) => {
      const res = await createRule(finance, body);
      expect(res.response.status).toBe(400);
      expect(res.error).toMatchObject({ code });
    };
    for (const rate of ['0.12345', '1', '1.0', '8%', '-0.1', '.5', ''])
      await bad({ ...base, rate, reason: 'bad rate' }, 'request/validation-failed');
    await bad({ ...base, reason: '  ' }, 'request/validation-failed');
    await bad(
      { ...base, effectiveFrom: '2026-13-01', reason: 'bad date' },
      'commission/invalid-date',
    );
    await bad(
      { ...base, effectiveFrom: addDays(today, -1), reason: 'the past' },
      'commission/effective-date-in-past',
    );
    await bad({ ...base, category: 'battery', reason: 'mismatch' }, 'commission/scope-mismatch');
    await bad({ ...base, scope: 'category', reason: 'mismatch' }, 'commission/scope-mismatch');
    await bad(
      {
        ...base,
        scope: 'category',
        category: 'battery',
        dealerId: dealer.userId,
        reason: 'mismatch',
      },
      'commission/scope-mismatch',
    );
    await bad({ ...base, scope: 'dealer', reason: 'mismatch' }, 'commission/scope-mismatch');
    await bad(
      { ...base, scope: 'dealer', dealerId: finance.userId, reason: 'not a dealer' },
      'commission/unknown-dealer',
    );
    const compliance = await signInAs(t, 'compliance');
    expect((await createRule(compliance, { ...base, reason: 'not allowed' })).response.status).toBe(
      403,
    );
    expect(await sql(`SELECT count(*)::int AS n FROM commission_rules`)).toEqual([{ n: 0 }]);

    // A valid one, effective tomorrow (so it changes nothing today), audited.
    const created = await createRule(finance, {
      scope: 'dealer',
      dealerId: dealer.userId,
      channel: 'b2c',
      rate: '0.0725',
      effectiveFrom: addDays(today, 1),
      reason: 'launch offer',
    });
    expect(created.response.status).toBe(201);
    expect(created.data).toMatchObject({
      scope: 'dealer',
      dealerId: dealer.userId,
      category: null,
      channel: 'b2c',
      rate: '0.0725',
      effectiveFrom: addDays(today, 1),
      createdBy: finance.userId,
      reason: 'launch offer',
    });
    const audit = await sql(
      `SELECT actor_id::text AS actor, action, reason, after FROM audit_events
       WHERE target_type = 'commission_rule' AND target_id = $1`,
      [created.data!.id],
    );
    expect(audit).toEqual([
      {
        actor: finance.userId,
        action: 'commission.rule.create',
        reason: 'launch offer',
        after: {
          scope: 'dealer',
          category: null,
          dealerId: dealer.userId,
          channel: 'b2c',
          rate: '0.0725',
          effectiveFrom: addDays(today, 1),
        },
      },
    ]);
    // Append-only: a change is a new rule.
    await expect(sql(`UPDATE commission_rules SET rate = 0.01`)).rejects.toThrow();
  });

  it('applies the most specific rule in force: dealer + category > dealer > category > default, channel-specific > any', async () => {
    const today = TODAY_IST();
    const [dealer1, dealer2, customer, business] = await Promise.all([
      signInAs(t, 'dealer'),
      signInAs(t, 'dealer'),
      signInAs(t, 'customer'),
      signInAs(t, 'business'),
    ]);
    const rule = async (
      body: Omit<Parameters<typeof createRule>[1], 'effectiveFrom' | 'reason'>,
      from = today,
    ) => {
      const res = await createRule(finance, { ...body, effectiveFrom: from, reason: 'pricing' });
      expect(res.response.status).toBe(201);
      return res.data!.id;
    };
    const dflt = await rule({ scope: 'default', rate: '0.05' });
    const battery = await rule({ scope: 'category', category: 'battery', rate: '0.06' });
    const batteryB2b = await rule({
      scope: 'category',
      category: 'battery',
      channel: 'b2b',
      rate: '0.04',
    });
    const d1 = await rule({ scope: 'dealer', dealerId: dealer1.userId, rate: '0.07' });
    const d1BatteryB2c = await rule({
      scope: 'dealer',
      dealerId: dealer1.userId,
      category: 'battery',
      channel: 'b2c',
      rate: '0.03',
    });
    const d2Tomorrow = await rule(
      { scope: 'dealer', dealerId: dealer2.userId, rate: '0.02' },
      addDays(today, 1),
    );

    const B2B_PRICE = 1_200_000; // B2C price; B2B pays 90 % (above the B2B minimum order)
    const cases: [SignedIn, SignedIn, [string, number][], string, string | null][] = [
      [customer, dealer2, [['camera', 118_000]], '0.0500', dflt], // dealer2's rule starts tomorrow
      [customer, dealer2, [['battery', 118_000]], '0.0600', battery],
      [business, dealer2, [['battery', B2B_PRICE]], '0.0400', batteryB2b],
      [customer, dealer1, [['camera', 118_000]], '0.0700', d1],
      [customer, dealer1, [['battery', 118_000]], '0.0300', d1BatteryB2c],
      [business, dealer1, [['battery', B2B_PRICE]], '0.0700', d1], // dealer beats category B2B
      // Several categories: the largest line's (battery) decides.
      [
        customer,
        dealer2,
        [
          ['camera', 40_000],
          ['battery', 90_000],
        ],
        '0.0600',
        battery,
      ],
    ];
    const subs: Awaited<ReturnType<typeof paidSubOrder>>[] = [];
    for (const [buyer, dealer, lines] of cases) subs.push(await paidSubOrder(buyer, dealer, lines));
    await complete(subs.map((s) => s.id));
    expect(await release.releaseDue()).toBe(cases.length);
    for (const [i, [buyer, , lines, rate, ruleId]] of cases.entries()) {
      const inv = await invoiceOf(subs[i]!.id);
      expect({ i, rate: inv.commission_rate, ruleId: inv.rule_id }).toEqual({ i, rate, ruleId });
      expect(inv.channel).toBe(buyer === business ? 'b2b' : 'b2c');
      expect(inv.category).toBe(lines.length === 2 ? 'battery' : lines[0]![0]);
      expect(inv.taxable).toBe(inv.hold_commission);
      expect(BigInt(inv.total)).toBe(BigInt(inv.hold_commission) + BigInt(inv.hold_gst));
    }
    // B2C: the commission is the rate on the GST-inclusive price (no delivery fee above ₹999).
    expect((await invoiceOf(subs[0]!.id)).taxable).toBe('5900');
    expect((await invoiceOf(subs[4]!.id)).taxable).toBe('3540');

    // What is in force, and what a sale would get.
    const inForce = await t.api.GET('/admin/commission-rules', {
      params: { query: { dealerId: dealer1.userId, category: 'battery' } },
      headers: finance.headers,
    });
    expect(inForce.data!.asOf).toBe(today);
    expect(inForce.data!.rules.map((r) => r.id)).toEqual([
      d1BatteryB2c,
      d1,
      batteryB2b,
      battery,
      dflt,
    ]);
    expect(inForce.data!.resolved).toEqual([
      { channel: 'b2b', rate: '0.07', ruleId: d1, source: 'rule' },
      { channel: 'b2c', rate: '0.03', ruleId: d1BatteryB2c, source: 'rule' },
    ]);
    const tomorrow = await t.api.GET('/admin/commission-rules', {
      params: { query: { dealerId: dealer2.userId, category: 'camera', asOf: addDays(today, 1) } },
      headers: finance.headers,
    });
    expect(tomorrow.data!.resolved).toEqual([
      { channel: 'b2b', rate: '0.02', ruleId: d2Tomorrow, source: 'rule' },
      { channel: 'b2c', rate: '0.02', ruleId: d2Tomorrow, source: 'rule' },
    ]);
    // Before any rule: rates.json.
    const before = await t.api.GET('/admin/commission-rules', {
      params: { query: { category: 'camera', asOf: '2025-01-01' } },
      headers: finance.headers,
    });
    expect(before.data).toEqual({
      asOf: '2025-01-01',
      rules: [],
      resolved: [
        { channel: 'b2b', rate: '0.08', ruleId: null, source: 'rates.json' },
        { channel: 'b2c', rate: '0.08', ruleId: null, source: 'rates.json' },
      ],
    });
  });

  it('numbers invoices gaplessly per financial year, restarting in April; IGST across states', async () => {
    const [buyer, dealer, outOfState] = await Promise.all([
      signInAs(t, 'customer'),
      signInAs(t, 'dealer'),
      // Maharashtra (27) vs the platform's Karnataka (29): inter-state.
      signInAs(t, 'dealer', { state: 'Maharashtra' }),
    ]);
    const subs: Awaited<ReturnType<typeof paidSubOrder>>[] = [];
    for (const d of [dealer, dealer, outOfState, dealer, dealer])
      subs.push(await paidSubOrder(buyer, d, [['display', 118_000]]));
    const fy = fyOf(TODAY_IST());
    const [{ last }] = (await sql<{ last: number }>(
      `SELECT max(seq)::int AS last FROM commission_invoices WHERE financial_year = $1`,
      [fy],
    )) as [{ last: number }];

    // A release that rolls back after taking a number gives it back.
    await expect(
      t.app.get(TransactionRunner).run(async (tx) => {
        await commission.writeInvoiceIn(tx, {
          subOrderId: subs[0]!.id,
          orderId: subs[0]!.orderId,
          dealerId: dealer.userId,
          releaseDate: '2027-03-31',
          choice: { rate: new Decimal('0.05'), ruleId: null, channel: 'b2c', category: 'display' },
          commissionPaise: 5900n,
          gstOnCommissionPaise: 1062n,
          gstRate: new Decimal('0.18'),
        });
        throw new Error('crash after numbering');
      }),
    ).rejects.toThrow('crash after numbering');

    try {
      commission.releaseDateOverride = '2027-03-31';
      await complete(subs.slice(0, 3).map((s) => s.id));
      expect(await release.releaseDue()).toBe(3);
      commission.releaseDateOverride = '2027-04-01';
      await complete(subs.slice(3).map((s) => s.id));
      expect(await release.releaseDue()).toBe(2);
    } finally {
      commission.releaseDateOverride = undefined;
    }
    // Gapless per financial year; the job releases several at once, so which sub-order got which
    // number of its year is the order their releases committed in.
    const numbers = [];
    for (const s of subs) numbers.push((await invoiceOf(s.id)).invoice_number);
    // Each in the year of its release date.
    expect(numbers.map((n) => n.slice(0, 9))).toEqual([
      'FB/26-27/',
      'FB/26-27/',
      'FB/26-27/',
      'FB/27-28/',
      'FB/27-28/',
    ]);
    numbers.sort();
    const pad = (n: number) => String(n).padStart(7, '0');
    expect(fy).toBe('2026-27'); // the override dates above assume it
    expect(numbers).toEqual([
      `FB/26-27/${pad(last + 1)}`,
      `FB/26-27/${pad(last + 2)}`,
      `FB/26-27/${pad(last + 3)}`,
      'FB/27-28/0000001',
      'FB/27-28/0000002',
    ]);
    for (const year of ['2026-27', '2027-28']) {
      const [{ seqs }] = (await sql<{ seqs: number[] }>(
        `SELECT array_agg(seq ORDER BY seq) AS seqs FROM commission_invoices WHERE financial_year = $1`,
        [year],
      )) as [{ seqs: number[] }];
      expect(seqs).toEqual(seqs.map((_, i) => i + 1));
    }
    expect((await invoiceOf(subs[4]!.id)).release_date).toBe('2027-04-01');

    const inter = await invoiceOf(subs[2]!.id);
    expect(inter).toMatchObject({
      supply: 'inter_state',
      dealer_gstin: outOfState.gstin,
      cgst: '0',
      sgst: '0',
      igst: inter.hold_gst,
    });
    expect(Number(inter.igst)).toBeGreaterThan(0);
    const intra = await invoiceOf(subs[1]!.id);
    expect(intra.supply).toBe('intra_state');
    expect(BigInt(intra.cgst) + BigInt(intra.sgst)).toBe(BigInt(intra.hold_gst));

    // Finance's list by year and dealer, paged; the dealer sees only its own.
    const page1 = await t.api.GET('/admin/commission-invoices', {
      params: { query: { fy: '2027-28', limit: 1 } },
      headers: finance.headers,
    });
    expect(page1.data!.items.map((i) => i.invoiceNumber)).toEqual(['FB/27-28/0000002']);
    const page2 = await t.api.GET('/admin/commission-invoices', {
      params: { query: { fy: '2027-28', limit: 1, cursor: page1.data!.nextCursor! } },
      headers: finance.headers,
    });
    expect(page2.data!.items.map((i) => i.invoiceNumber)).toEqual(['FB/27-28/0000001']);
    expect(page2.data!.nextCursor).toBeUndefined();
    // A cursor the list did not return (a seq out of range) is the shared 400.
    const badCursor = await t.api.GET('/admin/commission-invoices', {
      params: {
        query: { cursor: Buffer.from('{"fy":"2027-28","seq":0}').toString('base64url') },
      },
      headers: finance.headers,
    });
    expect(badCursor.error).toMatchObject({
      code: 'request/invalid-cursor',
      errors: [{ field: 'cursor', in: 'query' }],
    });
    const byDealer = await t.api.GET('/admin/commission-invoices', {
      params: { query: { dealerId: outOfState.userId } },
      headers: finance.headers,
    });
    expect(byDealer.data!.items).toHaveLength(1);
    expect(byDealer.data!.items[0]).toMatchObject({
      subOrderId: subs[2]!.id,
      supply: 'inter_state',
      platformGstin: '29FIXBZ0000A1ZY',
      dealerGstin: outOfState.gstin,
      cgstPaise: 0,
      sgstPaise: 0,
    });
    const own = await t.api.GET('/dealer/commission-invoices', { headers: dealer.headers });
    expect(own.data!.items.map((i) => i.subOrderId).sort()).toEqual(
      [subs[0]!.id, subs[1]!.id, subs[3]!.id, subs[4]!.id].sort(),
    );
    const ownFy = await t.api.GET('/dealer/commission-invoices', {
      params: { query: { fy: '2027-28' } },
      headers: dealer.headers,
    });
    expect(ownFy.data!.items.map((i) => i.invoiceNumber)).toEqual([
      'FB/27-28/0000002',
      'FB/27-28/0000001',
    ]);
  });
});
