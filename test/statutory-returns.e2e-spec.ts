/**
 * Statutory returns from the ledger (src/returns), through the real flow against the Razorpay
 * sandbox over HTTP, with the ledger's clock set to the days of ledger-spec vector 21: in November
 * 2026 B2B and B2C sales, intra- and inter-state, at 18 % and 5 %, by a Karnataka and a Maharashtra
 * dealer, and a repair by a technician without a PAN; returns in November and December (one
 * in full); a December sale. GSTR-8 and 194-O must equal the figures computed by hand in the
 * vector, reconciled to the tax accounts, and GSTR-1 of the commission invoices the figures computed
 * here, with a credit note for each return's commission given back (reconciled with no exception); then period
 * close, exports, tax payments, access.
 */
import { join } from 'node:path';
import type { RazorpaySandbox } from '../scripts/razorpay-sandbox/sandbox.js';
import type { AppConfig } from '../src/config/app-config.js';
import { APP_CONFIG } from '../src/config/config.module.js';
import { EscrowReleaseService } from '../src/escrow/escrow-release.service.js';
import { Accounts } from '../src/ledger/domain/account.js';
import { gatewaySettlement } from '../src/ledger/domain/recipes.js';
import { loadScenario, vectorFiles } from '../src/ledger/ledger-spec-files.js';
import { LedgerClock } from '../src/ledger/persistence/ledger-clock.js';
import { LedgerService } from '../src/ledger/persistence/ledger.service.js';
import { RefundsService } from '../src/payments/refunds.service.js';
import { CommissionService } from '../src/payouts/commission/commission.service.js';
import { periodOf } from '../src/returns/domain/periods.js';
import { signInAs, type SignedIn } from './support/accounts.js';
import { activeListing, ADDRESS, checkout, putInCart } from './support/orders.js';
import { payThroughSandbox, startSandboxApp, type SandboxApp } from './support/payments.js';
import { approvedRepairJob, payRepairJob } from './support/repairs.js';
import type { TestApp } from './support/test-app.js';
import { withClient } from './support/test-database.js';

/** The ledger's "now", set by the test to the vector's event times. */
class TestClock extends LedgerClock {
  nowMs = Date.now();
  now(): Promise<number> {
    return Promise.resolve(this.nowMs);
  }
}

const vector = loadScenario(
  vectorFiles().find((f) => f.endsWith(join('vectors', '21-statutory-returns.json')))!,
);
interface ExpectedReturns {
  gstr8: Record<string, { rows: unknown[]; amendments: unknown[]; totals: unknown }>;
  tds194o: Record<string, { deductees: unknown[]; totals: unknown }>;
}
const expectedReturns = (vector.expected as unknown as { returns: ExpectedReturns }).returns;

describe('statutory returns from the ledger (Razorpay sandbox over HTTP)', () => {
  const clock = new TestClock();
  let sandbox: RazorpaySandbox;
  let t: TestApp;
  let started: SandboxApp | undefined;
  let finance: SignedIn;
  let cfo: SignedIn;
  let compliance: SignedIn;
  let dealerKa: SignedIn;
  let dealerMh: SignedIn;
  let technician: SignedIn;
  /** Vector ids, GSTINs, names and references → this run's. */
  const names = new Map<string, string>();

  const at = (iso: string) => {
    clock.nowMs = Date.parse(iso);
  };
  const sql = <T extends Record<string, unknown>>(text: string, params: unknown[] = []) =>
    withClient(t.db.ownerUrl, async (c) => (await c.query<T>(text, params)).rows);
  /** The vector's expected figures in this run's names, amounts as JSON numbers. */
  const inThisRun = (value: unknown): unknown =>
    JSON.parse(JSON.stringify(value), (k, v: unknown) => {
      if (typeof v !== 'string') return v;
      if (names.has(v)) return names.get(v);
      return k.endsWith('Paise') ? Number(v) : v;
    });

  /** One dealer's sale of GST-inclusive lines to `buyer`, paid. */
  const sale = async (
    buyer: SignedIn,
    dealer: SignedIn,
    lines: [number, number][],
    address = ADDRESS,
  ) => {
    for (const [pricePaise, gstRateBps] of lines) {
      const listing = await activeListing(t, dealer.userId, {
        b2cPricePaise: pricePaise,
        b2bPricePaise: pricePaise,
        gstRateBps,
      });
      expect((await putInCart(t, buyer, listing, 1)).status).toBe(200);
    }
    const placed = await checkout(t, buyer, { address });
    expect(placed.status).toBe(201);
    const order = placed.order!;
    expect(order.subOrders[0]!.totalPaise).toBe(lines.reduce((s, [p]) => s + p, 0));
    await payThroughSandbox(t, sandbox, buyer, order.id);
    return { orderId: order.id, subOrderId: order.subOrders[0]!.id };
  };
  const releaseOrders = async (...subOrderIds: string[]) => {
    await sql(
      `UPDATE sub_orders SET status = 'completed', carrier = 'Delhivery', tracking_number = 'DLV-1'
       WHERE id = ANY($1::uuid[])`,
      [subOrderIds],
    );
  };
  const refundAfterRelease = async (subOrderId: string, amountPaise: number) => {
    const res = await t.api.POST('/admin/escrow/holds/{subOrderId}/refund-after-release', {
      params: { path: { subOrderId } },
      body: { amountPaise, reason: 'Returned by the buyer' },
      headers: finance.headers,
    });
    expect(res.response.status).toBe(201);
    expect(await t.app.get(RefundsService).processDue()).toBe(1);
  };
  const gstr8 = (who: SignedIn, period: string) =>
    t.api.GET('/admin/returns/gstr8/{period}', {
      params: { path: { period } },
      headers: who.headers,
    });
  const tds = (who: SignedIn, period: string) =>
    t.api.GET('/admin/returns/tds-194o/{period}', {
      params: { path: { period } },
      headers: who.headers,
    });
  const raw = (who: SignedIn, path: string, init: RequestInit = {}) =>
    fetch(`${t.baseUrl}${path}`, {
      ...init,
      headers: { ...who.headers, ...(init.headers as Record<string, string> | undefined) },
    });

  beforeAll(async () => {
    started = await startSandboxApp({
      webhooks: true,
      env: { MIN_ORDER_B2B_PAISE: '0', MIN_ORDER_B2C_PAISE: '0' },
      overrides: [{ provide: LedgerClock, useValue: clock }],
    });
    ({ sandbox, t } = started);
    // Free delivery, so each sale is exactly its lines (as in the vector).
    await sql(`UPDATE delivery_rules SET flat_fee_paise = 0`);
    [finance, cfo, compliance, dealerKa, dealerMh, technician] = await Promise.all([
      signInAs(t, 'finance'),
      signInAs(t, 'cfo'),
      signInAs(t, 'compliance'),
      signInAs(t, 'dealer', { state: 'Karnataka' }),
      signInAs(t, 'dealer', { state: 'Maharashtra' }),
      signInAs(t, 'technician', { technicianKind: 'hardware' }),
    ]);
    const people = await sql<{
      id: string;
      name: string;
      gstin: string | null;
      pan: string | null;
    }>(
      `SELECT id::text, coalesce(business_name, display_name) AS name, gstin, pan FROM users
       WHERE id = ANY($1::uuid[])`,
      [[dealerKa.userId, dealerMh.userId, technician.userId]],
    );
    const person = (id: string) => people.find((p) => p.id === id)!;
    expect(person(technician.userId).pan).toBeNull();
    const suppliers = vector.suppliers as unknown as Record<
      string,
      { name: string; gstin: string | null; pan: string | null }
    >;
    for (const [ref, who] of [
      ['dealer:dka', dealerKa],
      ['dealer:dmh', dealerMh],
      ['technician:tnp', technician],
    ] as const) {
      const v = suppliers[ref]!;
      const real = person(who.userId);
      names.set(ref.split(':')[1]!, who.userId).set(v.name, real.name);
      if (v.gstin !== null) names.set(v.gstin, real.gstin!);
      if (v.pan !== null) names.set(v.pan, real.pan!);
    }
  });
  afterAll(() => started?.close());

  it('GSTR-8, 194-O and GSTR-1 from the real flow equal the figures computed by hand', async () => {
    const [business, customer, admin] = await Promise.all([
      signInAs(t, 'business', { state: 'Karnataka' }),
      signInAs(t, 'customer'),
      signInAs(t, 'admin'),
    ]);
    const mumbai = { ...ADDRESS, city: 'Mumbai', state: 'Maharashtra' as const, pincode: '400001' };
    at('2026-11-03T10:00:00+05:30');
    const o1 = await sale(business, dealerKa, [
      [80_000, 1800],
      [105_000, 500],
    ]);
    at('2026-11-03T11:00:00+05:30');
    const o2 = await sale(customer, dealerKa, [[50_000, 1800]], mumbai);
    at('2026-11-04T10:00:00+05:30');
    const o3 = await sale(business, dealerMh, [
      [118_000, 1800],
      [21_000, 500],
    ]);
    at('2026-11-04T12:00:00+05:30');
    const { repairJobId } = await approvedRepairJob(t, { customer, admin, technician }, 100_000);
    await payRepairJob(t, sandbox, customer, repairJobId);
    for (const [v, real] of [
      ['order:o1', o1.orderId],
      ['order:o2', o2.orderId],
      ['order:o3', o3.orderId],
      ['job:j1', repairJobId],
    ] as const) {
      names.set(v, `${v.split(':')[0]}:${real}`);
    }

    at('2026-11-06T10:00:00+05:30');
    // Commission invoices are dated by the database's clock: dated as the releases here.
    const commission = t.app.get(CommissionService);
    commission.releaseDateOverride = '2026-11-06';
    await releaseOrders(o1.subOrderId, o2.subOrderId, o3.subOrderId);
    for (const path of [
      '/technician/repairs/{repairJobId}/finish',
      '/repairs/{repairJobId}/confirm',
    ] as const) {
      const who = path.startsWith('/technician') ? technician : customer;
      const res = await t.api.POST(path, {
        params: { path: { repairJobId } },
        headers: who.headers,
      });
      expect(res.response.status).toBe(200);
    }
    expect(await t.app.get(EscrowReleaseService).releaseDue()).toBe(4);

    at('2026-11-20T10:00:00+05:30');
    await refundAfterRelease(o2.subOrderId, 20_000);
    at('2026-12-02T10:00:00+05:30');
    await refundAfterRelease(o3.subOrderId, 139_000);
    at('2026-12-03T10:00:00+05:30');
    await refundAfterRelease(o1.subOrderId, 50_000);
    at('2026-12-05T10:00:00+05:30');
    const o4 = await sale(customer, dealerKa, [[30_000, 1800]]);
    names.set('order:o4', `order:${o4.orderId}`);
    at('2026-12-05T12:00:00+05:30');
    commission.releaseDateOverride = '2026-12-05';
    await releaseOrders(o4.subOrderId);
    expect(await t.app.get(EscrowReleaseService).releaseDue()).toBe(1);
    commission.releaseDateOverride = undefined;

    for (const [period, want] of Object.entries(expectedReturns.gstr8)) {
      const { data, response } = await gstr8(finance, period);
      expect(response.status).toBe(200);
      const { figures } = data!;
      expect({
        rows: figures.rows,
        amendments: figures.amendments,
        totals: figures.totals,
      }).toEqual(inThisRun({ rows: want.rows, amendments: want.amendments, totals: want.totals }));
      // Side by side with liability:tax:tcs: the return's TCS is the account's movement.
      expect(figures.reconciliation).toMatchObject({
        account: 'liability:tax:tcs',
        returnTotalPaise: figures.totals.tcsPaise,
        journalMovementPaise: figures.totals.tcsPaise,
        differencePaise: 0,
        reconciled: true,
        exceptions: [],
      });
      expect(data!.account.movementPaise).toBe(figures.totals.tcsPaise);
      expect(data!.status).toBe('open');
    }
    for (const [period, want] of Object.entries(expectedReturns.tds194o)) {
      const { data } = await tds(cfo, period);
      // Deductees are listed by PAN: this run's PANs are random, so compare them by id.
      // Credits of one day in any order: the release job releases several holds at once, so the
      // ledger order of one day's releases is the order they committed in.
      const creditKey = (c: { date: string; kind: string; reference: string }) =>
        `${c.date} ${c.kind} ${c.reference}`;
      const bySupplier = <T extends { supplierId: string }>(list: T[]) =>
        [...list]
          .sort((a, b) => a.supplierId.localeCompare(b.supplierId))
          .map((d) => {
            const credits = (d as { credits?: { date: string; kind: string; reference: string }[] })
              .credits;
            return credits === undefined
              ? d
              : {
                  ...d,
                  credits: [...credits].sort((x, y) => creditKey(x).localeCompare(creditKey(y))),
                };
          });
      const expected = inThisRun({ deductees: want.deductees, totals: want.totals }) as {
        deductees: { supplierId: string }[];
      };
      expect({
        deductees: bySupplier(data!.figures.deductees),
        totals: data!.figures.totals,
      }).toEqual({ ...expected, deductees: bySupplier(expected.deductees) });
      expect(data!.figures.reconciliation).toMatchObject({ reconciled: true, differencePaise: 0 });
      expect(data!.account.movementPaise).toBe(data!.figures.totals.tdsPaise);
    }

    // GSTR-1: GST on commission at 18 % from the platform (Karnataka, PLATFORM_GSTIN 29…): to the
    // Karnataka dealer 14,800 → 2,664 and 4,000 → 720 (CGST + SGST), to the Maharashtra dealer
    // 11,120 → 2,002 (IGST); the technician's service fee 10,000 → 1,800 (no GSTIN: B2C, intra-state).
    const nov = (
      await t.api.GET('/admin/returns/gstr1/{period}', {
        params: { path: { period: '2026-11' } },
        headers: compliance.headers,
      })
    ).data!;
    const ka = names.get('29AAAPK1234A1Z5')!;
    const mh = names.get('27AAAPM5678B1Z5')!;
    expect(
      nov.figures.b2b.map((r) => [
        r.recipientGstin,
        r.placeOfSupply,
        r.supply,
        r.ratePercent,
        r.taxableValuePaise,
        r.igstPaise,
        r.cgstPaise,
        r.sgstPaise,
        r.totalPaise,
      ]),
    ).toEqual(
      expect.arrayContaining([
        [ka, '29', 'intra_state', '18', 14_800, 0, 1_332, 1_332, 17_464],
        [ka, '29', 'intra_state', '18', 4_000, 0, 360, 360, 4_720],
        [mh, '27', 'inter_state', '18', 11_120, 2_002, 0, 0, 13_122],
      ]),
    );
    expect(nov.figures.b2b).toHaveLength(3);
    expect(nov.figures.b2cs).toEqual([
      {
        supply: 'intra_state',
        ratePercent: '18',
        invoices: 1,
        creditNotes: 0,
        taxableValuePaise: 10_000,
        igstPaise: 0,
        cgstPaise: 900,
        sgstPaise: 900,
      },
    ]);
    // The o2 return (20 Nov) gave back 1,600 of the Karnataka dealer's 4,000 of commission and its
    // GST, 288 (144 + 144): a credit note against that invoice, in November's CDNR.
    const o2Invoice = nov.figures.b2b.find((r) => r.taxableValuePaise === 4_000)!;
    expect(nov.figures.cdnr).toEqual([
      {
        recipientGstin: ka,
        recipientName: o2Invoice.recipientName,
        noteNumber: expect.stringMatching(/^CN\/26-27\/\d{7}$/),
        noteDate: '2026-11-20',
        noteType: 'C',
        invoiceNumber: o2Invoice.invoiceNumber,
        invoiceDate: '2026-11-06',
        placeOfSupply: '29',
        supply: 'intra_state',
        ratePercent: '18',
        taxableValuePaise: 1_600,
        igstPaise: 0,
        cgstPaise: 144,
        sgstPaise: 144,
        totalPaise: 1_888,
      },
    ]);
    expect(nov.figures.totals).toEqual({
      taxableValuePaise: 39_920 - 1_600,
      igstPaise: 2_002,
      cgstPaise: 2_592 - 144,
      sgstPaise: 2_592 - 144,
      gstPaise: 7_186 - 288,
    });
    // Invoices less the note, beside liability:tax:gst_output: the same figure, no exception.
    expect(nov.figures.reconciliation).toMatchObject({
      account: 'liability:tax:gst_output',
      returnTotalPaise: 6_898,
      journalMovementPaise: 6_898,
      differencePaise: 0,
      reconciled: true,
      exceptions: [],
    });
    const dec = (
      await t.api.GET('/admin/returns/gstr1/{period}', {
        params: { path: { period: '2026-12' } },
        headers: finance.headers,
      })
    ).data!;
    // December: the o4 invoice (2,400 → 432: 216 + 216); the o3 return in full (2 Dec) gives back
    // all of the Maharashtra dealer's invoice (11,120, IGST 2,002), the o1 return (3 Dec) 4,000 of
    // the Karnataka dealer's 14,800 (720: 360 + 360).
    expect(
      dec.figures.cdnr.map((r) => [
        r.noteDate,
        r.recipientGstin,
        r.invoiceNumber,
        r.supply,
        r.taxableValuePaise,
        r.igstPaise,
        r.cgstPaise,
        r.sgstPaise,
        r.totalPaise,
      ]),
    ).toEqual([
      [
        '2026-12-02',
        mh,
        nov.figures.b2b.find((r) => r.recipientGstin === mh)!.invoiceNumber,
        'inter_state',
        11_120,
        2_002,
        0,
        0,
        13_122,
      ],
      [
        '2026-12-03',
        ka,
        nov.figures.b2b.find((r) => r.taxableValuePaise === 14_800)!.invoiceNumber,
        'intra_state',
        4_000,
        0,
        360,
        360,
        4_720,
      ],
    ]);
    // Notes are numbered in a series of their own, gapless and in the order issued.
    const seqOf = (n: string) => Number(n.slice(-7));
    const [n1, n2, n3] = [...nov.figures.cdnr, ...dec.figures.cdnr].map((r) => seqOf(r.noteNumber));
    expect([n2! - n1!, n3! - n2!]).toEqual([1, 1]);
    expect(dec.figures.totals).toEqual({
      taxableValuePaise: 2_400 - 11_120 - 4_000,
      igstPaise: -2_002,
      cgstPaise: 216 - 360,
      sgstPaise: 216 - 360,
      gstPaise: 432 - 2_002 - 720,
    });
    expect(dec.figures.reconciliation).toMatchObject({
      returnTotalPaise: -2_290,
      journalMovementPaise: -2_290,
      differencePaise: 0,
      reconciled: true,
      exceptions: [],
    });
    // The dealer sees each credit note under the invoice it reduces.
    const kaInvoices = (
      await t.api.GET('/dealer/commission-invoices', {
        params: { query: {} },
        headers: dealerKa.headers,
      })
    ).data!.items;
    const o1InvoiceNumber = nov.figures.b2b.find(
      (r) => r.taxableValuePaise === 14_800,
    )!.invoiceNumber;
    expect(kaInvoices.find((i) => i.invoiceNumber === o1InvoiceNumber)!.creditNotes).toEqual([
      {
        noteNumber: dec.figures.cdnr[1]!.noteNumber,
        noteDate: '2026-12-03',
        refundId: expect.any(String),
        taxableValuePaise: 4_000,
        cgstPaise: 360,
        sgstPaise: 360,
        igstPaise: 0,
        totalPaise: 4_720,
      },
    ]);
    expect(kaInvoices.filter((i) => i.creditNotes.length > 0)).toHaveLength(2);
    // The notes are in the books as issued: append-only, one per refund.
    const notes = await sql<{ n: string; refunds: string }>(
      `SELECT count(*)::text AS n, count(DISTINCT refund_id)::text AS refunds FROM commission_credit_notes`,
    );
    expect(notes).toEqual([{ n: '3', refunds: '3' }]);
    await expect(sql(`UPDATE commission_credit_notes SET total_paise = 1`)).rejects.toThrow();
  });

  it('closes an ended month (frozen), refuses a month not ended or closed twice; exports are audited', async () => {
    const close = (who: SignedIn, period: string) =>
      t.api.POST('/admin/returns/gstr8/{period}/close', {
        params: { path: { period } },
        body: { reason: 'Filed on the GST portal' },
        headers: who.headers,
      });
    expect((await close(cfo, '2026-11')).response.status).toBe(403);
    expect((await close(compliance, '2026-11')).response.status).toBe(403);
    const closed = await close(finance, '2026-11');
    expect(closed.response.status).toBe(200);
    expect(closed.data).toMatchObject({
      status: 'closed',
      figures: { totals: { tcsPaise: 1566 } },
    });
    const periods = await t.api.GET('/admin/returns/periods', {
      params: { query: { returnType: 'gstr8' } },
      headers: cfo.headers,
    });
    expect(periods.data).toEqual([
      {
        returnType: 'gstr8',
        period: '2026-11',
        closedBy: finance.userId,
        reason: 'Filed on the GST portal',
        closedAt: closed.data!.closedAt,
      },
    ]);
    const again = await close(finance, '2026-11');
    expect(again.response.status).toBe(409);
    expect(again.error).toMatchObject({ code: 'returns/period-closed' });
    const future = periodOf('gstr8', Date.now() + 40 * 86_400_000).key;
    const early = await close(finance, future);
    expect(early.response.status).toBe(409);
    expect(early.error).toMatchObject({ code: 'returns/period-not-ended' });
    expect((await gstr8(finance, '2026-13')).response.status).toBe(400);
    // Within the grace after its end (RETURNS_CLOSE_GRACE_MINUTES, here stretched past November's
    // end), a month cannot be closed yet: postings dated in it may still be committing.
    const config = t.app.get<AppConfig>(APP_CONFIG);
    const grace = config.returns.closeGraceMinutes;
    const novemberEnd = Date.parse('2026-12-01T00:00:00+05:30');
    config.returns.closeGraceMinutes = Math.ceil((Date.now() - novemberEnd) / 60_000) + 60;
    try {
      const settling = await t.api.POST('/admin/returns/gstr1/{period}/close', {
        params: { path: { period: '2026-11' } },
        body: { reason: 'Filed on the GST portal' },
        headers: finance.headers,
      });
      expect(settling.response.status).toBe(409);
      expect(settling.error).toMatchObject({
        code: 'returns/period-not-ended',
        detail: expect.stringContaining('it can be closed from'),
      });
    } finally {
      config.returns.closeGraceMinutes = grace;
    }

    // A TCS entry dated in November after the close: the closed month keeps its figures.
    at('2026-11-29T10:00:00+05:30');
    // The platform's bank holds a settlement, from which the tax is paid.
    const ledger = t.app.get(LedgerService);
    expect(
      (await ledger.execute({ type: 'open_account', code: Accounts.bank('hdfc-main') })).code,
    ).toBe('ok');
    const settled = await ledger.execute(
      gatewaySettlement({
        settlementId: 'setl_returns',
        bankAccountId: 'hdfc-main',
        amountPaise: 1_000_000n,
        actor: 'test',
      }),
    );
    expect(settled.code).toBe('ok');
    const pay = (key: string, body: Record<string, unknown> = {}) =>
      t.api.POST('/admin/returns/tax-payments', {
        params: { header: { 'Idempotency-Key': key } },
        body: {
          tax: 'tcs',
          amountPaise: 1566,
          challanReference: 'CPIN-2026-11-0001',
          paidOn: '2026-11-29',
          bankAccountId: 'hdfc-main',
          reason: 'GSTR-8 November 2026',
          ...body,
        } as never,
        headers: finance.headers,
      });
    const paid = await pay('pay-1');
    expect(paid.response.status).toBe(201);
    expect(paid.data).toMatchObject({
      tax: 'tcs',
      amountPaise: 1566,
      entryId: expect.stringMatching(/^tax_payment:/),
    });
    const replay = await pay('pay-1');
    expect(replay.data!.id).toBe(paid.data!.id);
    expect(replay.response.headers.get('idempotent-replayed')).toBe('true');
    expect((await pay('pay-2')).error).toMatchObject({ code: 'returns/challan-recorded' });
    expect((await pay('pay-1', { amountPaise: 1 })).error).toMatchObject({
      code: 'idempotency/key-reused',
    });
    const november = await gstr8(finance, '2026-11');
    expect(november.data).toMatchObject({
      status: 'closed',
      figures: { totals: { tcsPaise: 1566 } },
      account: { paymentsPaise: 0, balanceAtEndPaise: 1566 },
    });
    // The liability shows what is still due: December's TCS is negative (returns), November's paid.
    const december = await gstr8(cfo, '2026-12');
    expect(december.data!.account).toMatchObject({ movementPaise: -700, balanceAtEndPaise: -700 });

    // Exports: finance and compliance, audited; the CFO reads only.
    const exp = (who: SignedIn, format: string) =>
      raw(who, `/admin/returns/gstr8/2026-11/export?format=${format}`);
    expect((await exp(cfo, 'csv')).status).toBe(403);
    const offline = await exp(finance, 'offline-json');
    expect(offline.status).toBe(200);
    const tool = (await offline.json()) as {
      gstin: string;
      fp: string;
      tcs: Record<string, unknown>[];
      tcsa: unknown[];
    };
    expect(tool.fp).toBe('112026');
    expect(tool.gstin).toBe(t.config.commission.platformGstin);
    expect(tool.tcsa).toEqual([]);
    expect(tool.tcs).toContainEqual({
      stin: names.get('29AAAPK1234A1Z5'),
      grsval: 2101.7,
      retsup: 169.49,
      amt: 1932.21,
      iamt: 1.27,
      camt: 4.19,
      samt: 4.2,
    });
    const csv = await (await exp(compliance, 'csv')).text();
    expect(csv.split('\r\n')[0]).toBe(
      'table,original_period,supplier_gstin,supplier_name,gross_supplies_paise,returns_paise,net_paise,igst_paise,cgst_paise,sgst_paise,tcs_paise',
    );
    expect(csv).toContain(`tcs,,${names.get('27AAAPM5678B1Z5')},`);
    const tdsCsv = await (
      await raw(compliance, '/admin/returns/tds-194o/2026-27-Q3/export?format=csv')
    ).text();
    expect(tdsCsv).toContain(`194-O,PANNOTAVBL,`);
    expect(tdsCsv).toMatch(/,credit,job:[0-9a-f-]+,2026-11-06,100000,5000,5,C\r\n/);
    // GSTR-1 of December: the o4 invoice (b2b) and the two credit notes (cdnr, as on the note).
    const gstr1Csv = (
      await (await raw(compliance, '/admin/returns/gstr1/2026-12/export?format=csv')).text()
    ).split('\r\n');
    expect(gstr1Csv[0]).toBe(
      'table,recipient_gstin,recipient_name,note_number,note_date,invoice_number,invoice_date,place_of_supply,supply,rate_percent,invoices,credit_notes,taxable_value_paise,igst_paise,cgst_paise,sgst_paise,total_paise',
    );
    expect(gstr1Csv.filter((l) => l.startsWith('b2b,'))).toHaveLength(1);
    expect(gstr1Csv.filter((l) => l.startsWith('cdnr,'))).toEqual([
      expect.stringMatching(
        new RegExp(
          `^cdnr,${names.get('27AAAPM5678B1Z5')},[^,]+,CN/26-27/\\d{7},2026-12-02,FB/26-27/\\d{7},2026-11-06,27,inter_state,18,,1,11120,2002,0,0,13122$`,
        ),
      ),
      expect.stringMatching(/^cdnr,.*,2026-12-03,.*,29,intra_state,18,,1,4000,0,360,360,4720$/),
    ]);
    const audited = await sql<{ actor_role: string; target_id: string; format: string }>(
      `SELECT actor_role, target_id, after->>'format' AS format FROM audit_events
       WHERE action = 'returns.export' ORDER BY seq`,
    );
    expect(audited).toEqual([
      { actor_role: 'finance', target_id: 'gstr8:2026-11', format: 'offline-json' },
      { actor_role: 'compliance', target_id: 'gstr8:2026-11', format: 'csv' },
      { actor_role: 'compliance', target_id: 'tds194o:2026-27-Q3', format: 'csv' },
      { actor_role: 'compliance', target_id: 'gstr1:2026-12', format: 'csv' },
    ]);
    expect(
      await sql(
        `SELECT count(*)::int AS n FROM audit_events WHERE action IN ('returns.period.close','returns.tax_payment')`,
      ),
    ).toEqual([{ n: 2 }]);
  });

  it('a dealer or technician downloads only its own quarterly TDS statement', async () => {
    const mine = (who: SignedIn) => raw(who, '/me/tds-statements/2026-27-Q3');
    const tech = await mine(technician);
    expect(tech.status).toBe(200);
    expect(tech.headers.get('content-type')).toMatch(/^text\/html/);
    const page = await tech.text();
    expect(page).toContain('PANNOTAVBL');
    expect(page).toMatch(/1000\.00<\/th><th><\/th><th class="n">50\.00/);
    const ka = await (await mine(dealerKa)).text();
    expect(ka).toMatch(/1950\.00<\/th><th><\/th><th class="n">1\.95/);
    expect(ka).not.toContain(names.get('AAAPM5678B')!); // the other dealer's PAN
    expect((await mine(compliance)).status).toBe(403);
    expect((await raw(dealerKa, '/admin/returns/tds-194o/2026-27-Q3')).status).toBe(403);
  });

  it('exports the e-invoices of a month: each B2B invoice and credit note in the IRP schema', async () => {
    const eInvoices = (who: SignedIn, period: string) =>
      raw(who, `/admin/returns/gstr1/${period}/export?format=e-invoice`);
    expect((await eInvoices(cfo, '2026-11')).status).toBe(403);
    const res = await eInvoices(compliance, '2026-11');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-disposition')).toBe(
      'attachment; filename="e-invoices-2026-11.json"',
    );
    const docs = (await res.json()) as {
      DocDtls: { Typ: string; No: string; Dt: string };
      BuyerDtls: Record<string, unknown>;
      SellerDtls: Record<string, unknown>;
      ItemList: Record<string, unknown>[];
      ValDtls: Record<string, unknown>;
      RefDtls?: { PrecDocDtls: { InvNo: string; InvDt: string }[] };
    }[];
    // November: the three dealers' invoices (the technician has no GSTIN: B2C, no e-invoice), then
    // the credit note of the o2 return.
    expect(docs.map((d) => d.DocDtls.Typ)).toEqual(['INV', 'INV', 'INV', 'CRN']);
    const ka = names.get('29AAAPK1234A1Z5')!;
    const seller = {
      Gstin: t.config.commission.platformGstin,
      LglNm: t.config.platform.legalName,
      Addr1: t.config.platform.address,
      Loc: t.config.platform.city,
      Pin: Number(t.config.platform.pincode),
      Stcd: '29',
    };
    const invoice = docs.find(
      (d) => d.BuyerDtls.Gstin === ka && d.DocDtls.Typ === 'INV' && d.ValDtls.AssVal === 40,
    )!;
    // 4,000 paise at 18 %, Karnataka to Karnataka: CGST 3.60 + SGST 3.60, total 47.20.
    expect(invoice).toMatchObject({
      Version: '1.1',
      TranDtls: { TaxSch: 'GST', SupTyp: 'B2B', RegRev: 'N', IgstOnIntra: 'N' },
      DocDtls: { Typ: 'INV', No: expect.stringMatching(/^FB\/26-27\/\d{7}$/), Dt: '06/11/2026' },
      SellerDtls: seller,
      BuyerDtls: { Gstin: ka, Pos: '29', Stcd: '29', Pin: expect.any(Number) },
      ItemList: [
        {
          SlNo: '1',
          IsServc: 'Y',
          HsnCd: '998599',
          PrdDesc: 'Commission on parts sold through FixBazaar',
          AssAmt: 40,
          GstRt: 18,
          IgstAmt: 0,
          CgstAmt: 3.6,
          SgstAmt: 3.6,
          TotItemVal: 47.2,
        },
      ],
      ValDtls: { AssVal: 40, IgstVal: 0, CgstVal: 3.6, SgstVal: 3.6, TotInvVal: 47.2 },
    });
    // The credit note: 1,600 of it given back on 20 November (GST 2.88), against that invoice.
    expect(docs[3]).toMatchObject({
      DocDtls: { Typ: 'CRN', No: expect.stringMatching(/^CN\/26-27\/\d{7}$/), Dt: '20/11/2026' },
      SellerDtls: seller,
      BuyerDtls: { Gstin: ka, Pos: '29' },
      ValDtls: { AssVal: 16, CgstVal: 1.44, SgstVal: 1.44, IgstVal: 0, TotInvVal: 18.88 },
      RefDtls: { PrecDocDtls: [{ InvNo: invoice.DocDtls.No, InvDt: '06/11/2026' }] },
    });
    // Exports at once each get their own audit event (the chain appends at its head, outside the
    // export's snapshot).
    const together = await Promise.all(
      Array.from({ length: 8 }, (_, i) => eInvoices(i % 2 ? finance : compliance, '2026-11')),
    );
    expect(together.map((r) => r.status)).toEqual(Array.from({ length: 8 }, () => 200));
    const mh = docs.find((d) => d.BuyerDtls.Gstin === names.get('27AAAPM5678B1Z5'))!;
    expect(mh.BuyerDtls).toMatchObject({ Pos: '27', Stcd: '27' });
    expect(mh.ValDtls).toMatchObject({
      AssVal: 111.2,
      IgstVal: 20.02,
      CgstVal: 0,
      TotInvVal: 131.22,
    });

    // A recipient's address the IRP would refuse (a one-letter city): nothing is exported, and the
    // problem names each document and field.
    const dealerId = dealerMh.userId;
    const address = (
      await sql<{ a: unknown }>(
        `SELECT coalesce(s.registered_address, u.pickup_address) AS a FROM users u
         LEFT JOIN payee_settlement_details s ON s.payee_id = u.id AND s.review_status = 'approved'
         WHERE u.id = $1`,
        [dealerId],
      )
    )[0]!.a;
    expect(address).toMatchObject({ city: expect.any(String) });
    await sql(`UPDATE users SET pickup_address = pickup_address || '{"city":"X"}' WHERE id = $1`, [
      dealerId,
    ]);
    await sql(
      `UPDATE payee_settlement_details SET registered_address = registered_address || '{"city":"X"}'
        WHERE payee_id = $1 AND registered_address IS NOT NULL`,
      [dealerId],
    );
    const refused = await eInvoices(finance, '2026-12');
    expect(refused.status).toBe(409);
    const problem = (await refused.json()) as {
      code: string;
      errors: { field: string; message: string }[];
    };
    expect(problem.code).toBe('returns/e-invoice-incomplete');
    // December: the Maharashtra dealer's credit note (its invoice is November's).
    expect(problem.errors).toEqual([
      {
        field: expect.stringMatching(/^CN\/26-27\/\d{7} buyer\.location$/),
        message: 'buyer.location: must be 3–50 characters',
      },
    ]);
    const audited = await sql<{ n: number }>(
      `SELECT count(*)::int AS n FROM audit_events
        WHERE action = 'returns.export' AND after->>'format' = 'e-invoice'`,
    );
    expect(audited).toEqual([{ n: 9 }]);
  });
});
