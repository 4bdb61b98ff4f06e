/**
 * Refunds after release of repair jobs (`POST /admin/repairs/{id}/refund-after-release`), through
 * the typed client and the Razorpay sandbox over HTTP: a closed job whose escrow was released to its
 * technician is refunded in part, then the rest — each part clawed back from the technician by
 * recomputation (recipe §7 on the repair recipe's lines) and its Route transfer reversed by the
 * technician's share; a cancelled job's released visit fee is refunded (only the fee was released:
 * at most that); a job paid with a supplement has each refund split over its two holds; a
 * technician already paid out owes the shortfall (technician receivable). The technician's earnings
 * statement shows each hold's refunds after release and what they clawed back, as the ledger did
 * (released net less it is what the ledger leaves the technician). Refusals: before release
 * (409), beyond what was released (422), bad input (400), roles. The books after each step:
 * paid = technician net + service fee + GST on it + TCS + TDS + refunds, the escrow at zero, the
 * trial balance balanced.
 */
import { randomUUID } from 'node:crypto';
import type { QueryRunner } from 'typeorm';
import { VisitFeeRefundAtRelease1764660000000 } from '../migrations/1764660000000-VisitFeeRefundAtRelease.js';
import type { RazorpaySandbox } from '../scripts/razorpay-sandbox/sandbox.js';
import { EscrowReleaseService } from '../src/escrow/escrow-release.service.js';
import { PAYMENT_GATEWAY, type PaymentGateway } from '../src/gateway/payment-gateway.js';
import { Accounts } from '../src/ledger/domain/account.js';
import { gatewaySettlement, supplierPayout } from '../src/ledger/domain/recipes.js';
import { LedgerService } from '../src/ledger/persistence/ledger.service.js';
import { RefundsService } from '../src/payments/refunds.service.js';
import { RouteTransfersService } from '../src/payouts/route/route-transfers.service.js';
import { signInAs, type SignedIn } from './support/accounts.js';
import { expectJobBooks } from './support/books.js';
import { startSandboxApp, type SandboxApp } from './support/payments.js';
import {
  approvedRepairJob,
  approvedSupplement,
  hardwareTechnician,
  payRepairJob,
} from './support/repairs.js';
import { activeRouteTechnician } from './support/route.js';
import type { TestApp } from './support/test-app.js';
import { withClient } from './support/test-database.js';

/** Vector 10 (ledger-spec): an unregistered technician with a PAN, G = ₹1,500. */
const PAID = 150_000;
const NET = 132_150;
/** The default visit fee (REPAIR_VISIT_FEE_PAISE): ₹199. */
const VISIT_FEE = 19_900;

describe('refunds after release of repair jobs (clawback from the technician)', () => {
  let sandbox: RazorpaySandbox;
  let t: TestApp;
  let started: SandboxApp | undefined;
  let admin: SignedIn;
  let finance: SignedIn;
  let gateway: PaymentGateway;
  let transfers: RouteTransfersService;

  const sql = <T extends Record<string, unknown>>(text: string, params: unknown[] = []) =>
    withClient(t.db.ownerUrl, async (c) => (await c.query<T>(text, params)).rows);
  const path = (repairJobId: string) => ({ params: { path: { repairJobId } } });
  const refundAfterRelease = (as: SignedIn, repairJobId: string, body: unknown) =>
    t.api.POST('/admin/repairs/{repairJobId}/refund-after-release', {
      ...path(repairJobId),
      body: body as { amountPaise: number; reason: string },
      headers: as.headers,
    });
  const processRefunds = async (expected: number) => {
    expect(await t.app.get(RefundsService).processDue()).toBe(expected);
    expect(await t.app.get(RefundsService).processDue()).toBe(0);
  };
  const holdsOf = (repairJobId: string) =>
    sql<{ id: string; payment_id: string; transfer_id: string | null; status: string }>(
      `SELECT id::text AS id, payment_id::text AS payment_id, transfer_id, status
       FROM escrow_holds WHERE repair_job_id = $1 ORDER BY created_at, id`,
      [repairJobId],
    );
  /** The technician's earnings statement (`GET /technician/earnings`), as it reads it. */
  const earningsOf = async (technician: SignedIn) => {
    const res = await t.api.GET('/technician/earnings', { headers: technician.headers });
    expect(res.response.status).toBe(200);
    return res.data!;
  };
  const balance = async (code: string) => {
    const a = await t.app.get(LedgerService).account(code);
    return a === undefined ? 0n : a.creditsPosted - a.debitsPosted;
  };

  /**
   * A job paid `PAID` (and a supplement of `supplement` when given), its holds transferred on hold
   * to the technician's Route account when it has one, finished, confirmed and released: closed.
   */
  const releasedJob = async (opts: { route?: boolean; supplement?: number } = {}) => {
    const customer = await signInAs(t, 'customer');
    const technician = opts.route
      ? (await activeRouteTechnician(t, sandbox, admin)).technician
      : await hardwareTechnician(t);
    const { repairJobId } = await approvedRepairJob(t, { customer, admin, technician }, PAID);
    const payments = [(await payRepairJob(t, sandbox, customer, repairJobId)).paymentId];
    if (opts.supplement !== undefined) {
      await approvedSupplement(t, { customer, technician }, repairJobId, opts.supplement);
      payments.push((await payRepairJob(t, sandbox, customer, repairJobId)).paymentId);
    }
    if (opts.route)
      for (const paymentId of payments)
        expect(await transfers.transferHolds({ paymentId })).toEqual({ [repairJobId]: 'on_hold' });
    const finished = await t.api.POST('/technician/repairs/{repairJobId}/finish', {
      ...path(repairJobId),
      headers: technician.headers,
    });
    expect(finished.data).toMatchObject({ status: 'done' });
    const confirmed = await t.api.POST('/repairs/{repairJobId}/confirm', {
      ...path(repairJobId),
      headers: customer.headers,
    });
    expect(confirmed.data).toMatchObject({ status: 'confirmed' });
    expect(await t.app.get(EscrowReleaseService).releaseDue()).toBe(1);
    const view = await t.api.GET('/repairs/{repairJobId}', {
      ...path(repairJobId),
      headers: customer.headers,
    });
    expect(view.data).toMatchObject({ status: 'closed' });
    const books = () =>
      expectJobBooks(t, finance, { repairJobId, technicianId: technician.userId, released: true });
    return { customer, technician, repairJobId, payments, books };
  };

  beforeAll(async () => {
    started = await startSandboxApp({ webhooks: true });
    ({ sandbox, t } = started);
    [admin, finance] = await Promise.all([signInAs(t, 'admin'), signInAs(t, 'finance')]);
    gateway = t.app.get<PaymentGateway>(PAYMENT_GATEWAY);
    transfers = t.app.get(RouteTransfersService);
  });
  afterAll(() => started?.close());

  it('refunds a closed job in part, then the rest: clawed back by recomputation, its Route transfer reversed by the technician’s share, audited', async () => {
    const job = await releasedJob({ route: true });
    const [hold] = await holdsOf(job.repairJobId);
    expect(await transfers.releaseTransfer({ holdId: hold!.id })).toBe('released');
    const reversed = async () =>
      (await gateway.fetchTransfer(hold!.transfer_id!)).amountReversedPaise;
    const released = await job.books();
    expect(await reversed()).toBe(PAID - Number(released.technicianNet));

    const first = await refundAfterRelease(finance, job.repairJobId, {
      amountPaise: 50_000,
      reason: 'Screen fault came back',
    });
    expect(first.response.status).toBe(201);
    expect(first.data).toEqual({
      repairJobId: job.repairJobId,
      amountPaise: 50_000,
      reason: 'Screen fault came back',
      releasedPaise: PAID,
      refundedAfterReleasePaise: 50_000,
      refunds: [
        {
          id: expect.any(String) as string,
          paymentId: job.payments[0],
          amountPaise: 50_000,
          status: 'requested',
        },
      ],
      requestedAt: expect.any(String) as string,
    });
    await processRefunds(1);
    const [entry] = await sql<{ event_type: string }>(
      `SELECT event_type FROM ledger_entries WHERE id = $1`,
      [`refund:${first.data!.refunds[0]!.id}`],
    );
    expect(entry).toEqual({ event_type: 'refund_clawback' });
    const afterFirst = await job.books();
    expect(afterFirst.refunded).toBe(50_000n);
    // A third of the sale back: the technician keeps two thirds of its net, the rest is reversed.
    expect(afterFirst.technicianNet).toBe(released.technicianNet - released.technicianNet / 3n);
    expect(await reversed()).toBe(PAID - Number(afterFirst.technicianNet));
    // The technician's statement shows the refund and what it clawed back, as the ledger has it:
    // released net less the clawback is what it keeps.
    const firstClawback = {
      count: 1,
      amountPaise: 50_000,
      clawedBackPaise: Number(released.technicianNet - afterFirst.technicianNet),
    };
    const statement = await earningsOf(job.technician);
    expect(statement.refundedAfterRelease).toEqual(firstClawback);
    expect(statement.released).toMatchObject({ count: 1, grossPaise: PAID, netPaise: NET });
    expect(statement.released.netPaise - statement.refundedAfterRelease.clawedBackPaise).toBe(
      Number(afterFirst.technicianNet),
    );
    expect(statement.items).toEqual([
      expect.objectContaining({
        repairJobId: job.repairJobId,
        holdId: hold!.id,
        state: 'released',
        refundedAfterRelease: firstClawback,
      }),
    ]);
    const [audit] = await sql<{ action: string; reason: string; actor_id: string }>(
      `SELECT action, reason, actor_id::text AS actor_id FROM audit_events
       WHERE target_id = $1 AND action = 'repair_job.refund_after_release'`,
      [job.repairJobId],
    );
    expect(audit).toEqual({
      action: 'repair_job.refund_after_release',
      reason: 'Screen fault came back',
      actor_id: finance.userId,
    });

    const rest = await refundAfterRelease(admin, job.repairJobId, {
      amountPaise: PAID - 50_000,
      reason: 'Device returned unrepaired',
    });
    expect(rest.response.status).toBe(201);
    expect(rest.data).toMatchObject({ refundedAfterReleasePaise: PAID });
    await processRefunds(1);
    // Everything unwound: the technician keeps nothing, the deductions are back to zero.
    expect(await job.books()).toEqual({
      paid: BigInt(PAID),
      refunded: BigInt(PAID),
      escrow: 0n,
      technicianNet: 0n,
      commission: 0n,
      gst: 0n,
      tcs: 0n,
      tds: 0n,
    });
    expect(await reversed()).toBe(PAID);
    // Each refund gave back part of the service fee and its GST: a credit note each against the
    // job's invoice (CN/<yy-yy>/<7 digits>, in issue order), together exactly the invoice.
    const [invoice] = await sql<{ id: string; taxable: string; gst: string }>(
      `SELECT id, taxable_value_paise::text AS taxable,
              (cgst_paise + sgst_paise + igst_paise)::text AS gst
         FROM commission_invoices WHERE repair_job_id = $1`,
      [job.repairJobId],
    );
    const notes = await sql<{
      note_number: string;
      taxable: string;
      gst: string;
      refund_id: string;
    }>(
      `SELECT note_number, taxable_value_paise::text AS taxable,
              (cgst_paise + sgst_paise + igst_paise)::text AS gst, refund_id::text AS refund_id
         FROM commission_credit_notes WHERE invoice_id = $1 ORDER BY financial_year, seq`,
      [invoice!.id],
    );
    expect(notes.map((n) => n.refund_id)).toEqual([
      first.data!.refunds[0]!.id,
      rest.data!.refunds[0]!.id,
    ]);
    for (const n of notes) expect(n.note_number).toMatch(/^CN\/\d{2}-\d{2}\/\d{7}$/);
    const sum = (k: 'taxable' | 'gst') => notes.reduce((a, n) => a + BigInt(n[k]), 0n);
    expect([sum('taxable'), sum('gst')]).toEqual([BigInt(invoice!.taxable), BigInt(invoice!.gst)]);
    expect(BigInt(notes[0]!.gst)).toBeGreaterThan(0n);
    const all = { count: 2, amountPaise: PAID, clawedBackPaise: NET };
    const final = await earningsOf(job.technician);
    expect(final.refundedAfterRelease).toEqual(all);
    expect(final.items[0]!.refundedAfterRelease).toEqual(all);

    // Nothing is left to refund; the customer sees both refunds.
    const over = await refundAfterRelease(finance, job.repairJobId, {
      amountPaise: 1,
      reason: 'One more',
    });
    expect(over.response.status).toBe(422);
    expect(over.error).toMatchObject({
      code: 'refund/exceeds-released',
      releasedPaise: PAID,
      refundablePaise: 0,
    });
    const listed = await t.api.GET('/repairs/{repairJobId}/payments/refunds', {
      ...path(job.repairJobId),
      headers: job.customer.headers,
    });
    expect(listed.data!.map((r) => [r.kind, r.amountPaise, r.status]).sort()).toEqual([
      ['after_release', 100_000, 'processed'],
      ['after_release', 50_000, 'processed'],
    ]);
  });

  it('refunds the visit fee a cancelled job released to its technician, in two parts: clawed back, its Route transfer reversed', async () => {
    const customer = await signInAs(t, 'customer');
    const { technician } = await activeRouteTechnician(t, sandbox, admin);
    const { repairJobId } = await approvedRepairJob(t, { customer, admin, technician }, PAID);
    const { paymentId } = await payRepairJob(t, sandbox, customer, repairJobId);
    expect(await transfers.transferHolds({ paymentId })).toEqual({ [repairJobId]: 'on_hold' });
    // The technician came: cancelling keeps the visit fee, released to it; the rest is refunded.
    const cancelled = await t.api.POST('/repairs/{repairJobId}/cancel', {
      ...path(repairJobId),
      body: {},
      headers: customer.headers,
    });
    expect(cancelled.data).toMatchObject({ status: 'cancelled', visitFeePaise: VISIT_FEE });
    expect(await t.app.get(EscrowReleaseService).releaseDue()).toBe(1);
    await processRefunds(1);
    const [hold] = await holdsOf(repairJobId);
    expect(hold!.status).toBe('released');
    // The hold records the part refunded at release: only the fee was released. A hold released
    // before the release recorded it gets it from the migration that backfills it.
    const refundAtRelease = async () =>
      (
        await sql<{ r: string }>(
          `SELECT refund_at_release_paise::text AS r FROM escrow_holds WHERE id = $1`,
          [hold!.id],
        )
      )[0]!.r;
    expect(await refundAtRelease()).toBe(String(PAID - VISIT_FEE));
    await withClient(t.db.ownerUrl, async (c) => {
      await c.query(`UPDATE escrow_holds SET refund_at_release_paise = 0 WHERE id = $1`, [
        hold!.id,
      ]);
      const runner = { query: (text: string) => c.query(text) } as unknown as QueryRunner;
      await new VisitFeeRefundAtRelease1764660000000().up(runner);
    });
    expect(await refundAtRelease()).toBe(String(PAID - VISIT_FEE));
    expect(await transfers.releaseTransfer({ holdId: hold!.id })).toBe('released');
    const reversed = async () =>
      (await gateway.fetchTransfer(hold!.transfer_id!)).amountReversedPaise;
    const books = () =>
      expectJobBooks(t, finance, { repairJobId, technicianId: technician.userId, released: true });
    // Recipe §10 on the fee (no GST): fee 1990, GST on it 358, TDS 20; the technician keeps 17532.
    expect(await books()).toEqual({
      paid: BigInt(PAID),
      refunded: BigInt(PAID - VISIT_FEE),
      escrow: 0n,
      technicianNet: 17_532n,
      commission: 1_990n,
      gst: 358n,
      tcs: 0n,
      tds: 20n,
    });
    expect(await reversed()).toBe(PAID - 17_532);

    // Only the fee was released: that is all a refund after release may give back.
    const over = await refundAfterRelease(finance, repairJobId, {
      amountPaise: VISIT_FEE + 1,
      reason: 'Technician never fixed anything',
    });
    expect(over.response.status).toBe(422);
    expect(over.error).toMatchObject({
      code: 'refund/exceeds-released',
      releasedPaise: VISIT_FEE,
      refundablePaise: VISIT_FEE,
    });
    // Half of it, then the rest: each clawed back by recomputation on the fee's one line.
    const half = await refundAfterRelease(finance, repairJobId, {
      amountPaise: VISIT_FEE / 2,
      reason: 'Technician came late: half the visit fee refunded',
    });
    expect(half.response.status).toBe(201);
    expect(half.data).toMatchObject({
      releasedPaise: VISIT_FEE,
      refundedAfterReleasePaise: VISIT_FEE / 2,
      refunds: [{ paymentId, amountPaise: VISIT_FEE / 2, status: 'requested' }],
    });
    await processRefunds(1);
    // On the 9950 left: fee 995, GST on it 179, TDS 10 — the technician keeps 8766.
    expect(await books()).toMatchObject({
      refunded: BigInt(PAID - VISIT_FEE / 2),
      technicianNet: 8_766n,
      commission: 995n,
      gst: 179n,
      tds: 10n,
    });
    expect(await reversed()).toBe(PAID - 8_766);
    const rest = await refundAfterRelease(finance, repairJobId, {
      amountPaise: VISIT_FEE / 2,
      reason: 'Technician came without the tools: visit fee refunded',
    });
    expect(rest.data).toMatchObject({ refundedAfterReleasePaise: VISIT_FEE });
    await processRefunds(1);
    expect(await books()).toEqual({
      paid: BigInt(PAID),
      refunded: BigInt(PAID),
      escrow: 0n,
      technicianNet: 0n,
      commission: 0n,
      gst: 0n,
      tcs: 0n,
      tds: 0n,
    });
    expect(await reversed()).toBe(PAID);
    const statement = await earningsOf(technician);
    expect(statement.released).toMatchObject({ count: 1, grossPaise: PAID, netPaise: 17_532 });
    expect(statement.refundedAfterRelease).toEqual({
      count: 2,
      amountPaise: VISIT_FEE,
      clawedBackPaise: 17_532,
    });
    // The job stays cancelled; the customer sees both refunds, processed.
    const view = await t.api.GET('/repairs/{repairJobId}', {
      ...path(repairJobId),
      headers: customer.headers,
    });
    expect(view.data).toMatchObject({ status: 'cancelled', visitFeePaise: VISIT_FEE });
    const listed = await t.api.GET('/repairs/{repairJobId}/payments/refunds', {
      ...path(repairJobId),
      headers: customer.headers,
    });
    expect(listed.data!.map((r) => [r.kind, r.amountPaise, r.status]).sort()).toEqual([
      ['after_release', VISIT_FEE / 2, 'processed'],
      ['after_release', VISIT_FEE / 2, 'processed'],
      ['partial', PAID - VISIT_FEE, 'processed'],
    ]);
  });

  it('splits a refund of a job paid with a supplement over its two holds in proportion', async () => {
    const job = await releasedJob({ supplement: 50_000 });
    await job.books();
    const first = await refundAfterRelease(finance, job.repairJobId, {
      amountPaise: 100_001,
      reason: 'Battery and screen both faulty again',
    });
    expect(first.response.status).toBe(201);
    expect(first.data).toMatchObject({
      releasedPaise: PAID + 50_000,
      refundedAfterReleasePaise: 100_001,
      refunds: [
        { paymentId: job.payments[0], amountPaise: 75_001 },
        { paymentId: job.payments[1], amountPaise: 25_000 },
      ],
    });
    await processRefunds(2);
    const books = await job.books();
    expect(books.refunded).toBe(100_001n);
    // Per hold (newest first: the supplement's) and in the totals, as the ledger clawed it back.
    const statement = await earningsOf(job.technician);
    expect(statement.items.map((i) => i.refundedAfterRelease.amountPaise)).toEqual([
      25_000, 75_001,
    ]);
    const clawedBack = statement.items.map((i) => i.refundedAfterRelease.clawedBackPaise);
    expect(clawedBack.every((c) => c > 0)).toBe(true);
    expect(statement.refundedAfterRelease).toEqual({
      count: 2,
      amountPaise: 100_001,
      clawedBackPaise: clawedBack[0]! + clawedBack[1]!,
    });
    expect(statement.released.netPaise - statement.refundedAfterRelease.clawedBackPaise).toBe(
      Number(books.technicianNet),
    );

    const rest = await refundAfterRelease(finance, job.repairJobId, {
      amountPaise: PAID + 50_000 - 100_001,
      reason: 'Customer refunded in full',
    });
    expect(rest.data).toMatchObject({
      refunds: [
        { paymentId: job.payments[0], amountPaise: PAID - 75_001 },
        { paymentId: job.payments[1], amountPaise: 25_000 },
      ],
    });
    await processRefunds(2);
    expect(await job.books()).toMatchObject({
      refunded: BigInt(PAID + 50_000),
      technicianNet: 0n,
      commission: 0n,
      gst: 0n,
      tcs: 0n,
      tds: 0n,
    });
  });

  it('after the technician was paid out, the shortfall goes to the technician receivable', async () => {
    const job = await releasedJob();
    const tech = job.technician.userId;
    const bank = Accounts.bank(`rrar-${randomUUID().slice(0, 8)}`);
    for (const command of [
      { type: 'open_account' as const, code: bank },
      gatewaySettlement({
        settlementId: `rrar-${job.repairJobId}`,
        bankAccountId: bank.split(':')[2]!,
        amountPaise: BigInt(NET),
        actor: 'test',
      }),
      supplierPayout({
        payoutId: `rrar-${job.repairJobId}`,
        supplier: { kind: 'technician', id: tech },
        amountPaise: BigInt(NET),
        sourceAccount: bank,
        actor: 'test',
      }),
    ])
      expect((await t.app.get(LedgerService).execute(command)).code).toBe('ok');
    expect(await balance(Accounts.technicianPayable(tech))).toBe(0n);

    const res = await refundAfterRelease(finance, job.repairJobId, {
      amountPaise: PAID,
      reason: 'Repair undone, device returned',
    });
    expect(res.response.status).toBe(201);
    await processRefunds(1);
    expect(await balance(Accounts.technicianPayable(tech))).toBe(0n);
    expect(await balance(Accounts.technicianReceivable(tech))).toBe(BigInt(-NET));
    // Clawed back from the receivable all the same: the technician owes it back.
    const statement = await earningsOf(job.technician);
    expect(statement.refundedAfterRelease).toEqual({
      count: 1,
      amountPaise: PAID,
      clawedBackPaise: NET,
    });
    expect(statement.payableBalancePaise).toBe(-NET);
    expect(await job.books()).toMatchObject({
      refunded: BigInt(PAID),
      technicianNet: 0n,
      commission: 0n,
      gst: 0n,
      tds: 0n,
    });
  });

  it('refuses before release (409), beyond what was released (422), bad input (400) and other roles (403)', async () => {
    const customer = await signInAs(t, 'customer');
    const technician = await hardwareTechnician(t);
    const { repairJobId } = await approvedRepairJob(t, { customer, admin, technician }, PAID);
    const body = { amountPaise: 10_000, reason: 'Refund please' };
    // Not paid yet, then paid and in progress: nothing released.
    for (const pay of [false, true]) {
      if (pay) await payRepairJob(t, sandbox, customer, repairJobId);
      const res = await refundAfterRelease(finance, repairJobId, body);
      expect(res.response.status).toBe(409);
      expect(res.error).toMatchObject({ code: 'escrow/not-released' });
    }
    expect((await refundAfterRelease(finance, randomUUID(), body)).response.status).toBe(404);

    const job = await releasedJob();
    for (const bad of [
      { amountPaise: 10_000 },
      { amountPaise: 10_000, reason: '   ' },
      { amountPaise: 0, reason: 'Refund please' },
    ])
      expect((await refundAfterRelease(finance, job.repairJobId, bad)).response.status).toBe(400);
    const over = await refundAfterRelease(finance, job.repairJobId, {
      amountPaise: PAID + 1,
      reason: 'Too much',
    });
    expect(over.response.status).toBe(422);
    expect(over.error).toMatchObject({
      code: 'refund/exceeds-released',
      releasedPaise: PAID,
      refundablePaise: PAID,
    });
    for (const role of ['cfo', 'compliance'] as const) {
      const who = await signInAs(t, role);
      expect((await refundAfterRelease(who, job.repairJobId, body)).response.status).toBe(403);
    }
    for (const who of [job.customer, job.technician])
      expect((await refundAfterRelease(who, job.repairJobId, body)).response.status).toBe(403);
    // Nothing was recorded by the refusals.
    expect(
      await sql(`SELECT count(*)::int AS n FROM refunds WHERE repair_job_id = $1`, [
        job.repairJobId,
      ]),
    ).toEqual([{ n: 0 }]);
    await job.books();
  });

  it('shows a refund of all of it at once (its release reversed) in the technician’s statement', async () => {
    const job = await releasedJob();
    const res = await refundAfterRelease(finance, job.repairJobId, {
      amountPaise: PAID,
      reason: 'Wrong device repaired',
    });
    expect(res.response.status).toBe(201);
    await processRefunds(1);
    const [refund] = await sql<{ id: string }>(
      `SELECT id::text AS id FROM refunds WHERE repair_job_id = $1 AND kind = 'after_release'`,
      [job.repairJobId],
    );
    // Not a recomputed clawback: the release and its deductions reversed whole.
    expect(
      await sql(
        `SELECT event_type, count(*)::int AS n FROM ledger_entries
         WHERE id LIKE $1 GROUP BY event_type ORDER BY event_type`,
        [`reverse:${refund!.id}:%`],
      ),
    ).toEqual([{ event_type: 'refund_reversal', n: 2 }]);
    expect(await job.books()).toMatchObject({ refunded: BigInt(PAID), technicianNet: 0n });
    const statement = await earningsOf(job.technician);
    expect(statement.released).toMatchObject({ count: 1, netPaise: NET });
    expect(statement.refundedAfterRelease).toEqual({
      count: 1,
      amountPaise: PAID,
      clawedBackPaise: NET,
    });
    expect(statement.payableBalancePaise).toBe(0);
  });
});
