/**
 * The books of one order or repair job after its money moved (paid, released, refunded, paid out):
 * each account's net over its entries, and the checks every money test ends with — its money
 * identity, the ledger's integrity and a balanced trial balance.
 */
import { Accounts } from '../../src/ledger/domain/account.js';
import { LedgerIntegrityService } from '../../src/ledger/integrity/ledger-integrity.service.js';
import { LedgerService } from '../../src/ledger/persistence/ledger.service.js';
import type { SignedIn } from './accounts.js';
import type { TestApp } from './test-app.js';
import { withClient } from './test-database.js';

/** Net balance (credits − debits) of each account over the posted entries of `reference`. */
async function netsOf(t: TestApp, reference: string): Promise<Record<string, bigint>> {
  const rows = await withClient(
    t.db.ownerUrl,
    async (c) =>
      (
        await c.query<{ code: string; net: string }>(
          `SELECT a.code, sum(CASE l.side WHEN 'credit' THEN l.amount ELSE -l.amount END)::text AS net
           FROM ledger_lines l JOIN ledger_entries e ON e.id = l.entry_id
             JOIN ledger_accounts a ON a.id = l.account_id
           WHERE e.reference = $1 AND e.kind <> 'pending'
           GROUP BY a.code ORDER BY a.code`,
          [reference],
        )
      ).rows,
  );
  return Object.fromEntries(rows.map((r) => [r.code, BigInt(r.net)]));
}

/** Net balance (credits − debits) of each account over the posted entries of one order's money. */
export async function orderNets(t: TestApp, orderId: string, dealerId: string) {
  const nets = await netsOf(t, `order:${orderId}`);
  return {
    escrow: nets[Accounts.orderEscrow(orderId)] ?? 0n,
    payable: nets[Accounts.dealerPayable(dealerId)] ?? 0n,
    receivable: nets[Accounts.dealerReceivable(dealerId)] ?? 0n,
    commission: nets[Accounts.commission] ?? 0n,
    gst: nets[Accounts.gstOutput] ?? 0n,
    tcs: nets[Accounts.tcs] ?? 0n,
    tds: nets[Accounts.tds] ?? 0n,
  };
}

/**
 * Money identity of one order — paid = refunded + what the escrow, the dealers' shares (payable less
 * receivable) and the deductions still hold — then the ledger's integrity and Σ debits = Σ credits.
 * Every dealer of the order is named (one per sub-order).
 */
export async function expectMoneyIdentity(
  t: TestApp,
  order: { id: string },
  dealerId: string,
  ...otherDealerIds: string[]
): Promise<void> {
  const [paid, totals] = await withClient(t.db.ownerUrl, async (c) => [
    (
      await c.query<{ paid: string; refunded: string }>(
        `SELECT (SELECT sum(amount_paise) FROM payments WHERE order_id = $1 AND status = 'captured')::text AS paid,
                (SELECT coalesce(sum(amount_paise), 0) FROM refunds WHERE order_id = $1 AND status = 'processed')::text AS refunded`,
        [order.id],
      )
    ).rows[0]!,
    (
      await c.query<{ dr: string; cr: string }>(
        `SELECT sum(amount) FILTER (WHERE side = 'debit')::text AS dr,
                sum(amount) FILTER (WHERE side = 'credit')::text AS cr FROM ledger_lines`,
      )
    ).rows[0]!,
  ]);
  const n = await orderNets(t, order.id, dealerId);
  let kept = n.escrow + n.payable + n.receivable + n.commission + n.gst + n.tcs + n.tds;
  for (const other of otherDealerIds) {
    const o = await orderNets(t, order.id, other);
    kept += o.payable + o.receivable;
  }
  expect(BigInt(paid.paid)).toBe(BigInt(paid.refunded) + kept);
  expect((await t.app.get(LedgerIntegrityService).verify()).ok).toBe(true);
  expect(totals.dr).toBe(totals.cr);
}

/**
 * The books of one repair job (`job:<jobId>` entries posted — holds and their voids aside): paid =
 * refunded (processed) + what the job's
 * escrow, its technician's payable and the deductions hold — then the ledger's integrity and
 * Σ debits = Σ credits. Returns the parts, for the test's own expectations (the escrow at zero once
 * released or refunded).
 */
export async function expectJobMoneyIdentity(
  t: TestApp,
  jobId: string,
  technicianId: string,
): Promise<{
  paid: bigint;
  refunded: bigint;
  escrow: bigint;
  technicianNet: bigint;
  commission: bigint;
  gst: bigint;
  tcs: bigint;
  tds: bigint;
}> {
  const [sums, rows, totals] = await withClient(t.db.ownerUrl, async (c) => [
    (
      await c.query<{ paid: string; refunded: string }>(
        `SELECT (SELECT coalesce(sum(amount_paise), 0) FROM payments WHERE repair_job_id = $1 AND status = 'captured')::text AS paid,
                (SELECT coalesce(sum(amount_paise), 0) FROM refunds WHERE repair_job_id = $1 AND status = 'processed')::text AS refunded`,
        [jobId],
      )
    ).rows[0]!,
    (
      await c.query<{ code: string; net: string }>(
        `SELECT a.code, sum(CASE l.side WHEN 'credit' THEN l.amount ELSE -l.amount END)::text AS net
         FROM ledger_lines l JOIN ledger_entries e ON e.id = l.entry_id
           JOIN ledger_accounts a ON a.id = l.account_id
         WHERE e.reference = $1 AND e.kind IN ('posted', 'post_pending')
         GROUP BY a.code`,
        [`job:${jobId}`],
      )
    ).rows,
    (
      await c.query<{ dr: string; cr: string }>(
        `SELECT sum(amount) FILTER (WHERE side = 'debit')::text AS dr,
                sum(amount) FILTER (WHERE side = 'credit')::text AS cr FROM ledger_lines`,
      )
    ).rows[0]!,
  ]);
  const nets = Object.fromEntries(rows.map((r) => [r.code, BigInt(r.net)]));
  const books = {
    paid: BigInt(sums.paid),
    refunded: BigInt(sums.refunded),
    escrow: nets[Accounts.jobEscrow(jobId)] ?? 0n,
    technicianNet: nets[Accounts.technicianPayable(technicianId)] ?? 0n,
    commission: nets[Accounts.commission] ?? 0n,
    gst: nets[Accounts.gstOutput] ?? 0n,
    tcs: nets[Accounts.tcs] ?? 0n,
    tds: nets[Accounts.tds] ?? 0n,
  };
  expect(books.paid).toBe(
    books.refunded +
      books.escrow +
      books.technicianNet +
      books.commission +
      books.gst +
      books.tcs +
      books.tds,
  );
  expect((await t.app.get(LedgerIntegrityService).verify()).ok).toBe(true);
  expect(totals.dr).toBe(totals.cr);
  return books;
}

/**
 * The books of one repair job at any step: paid (its captured payments) = refunded + what its
 * escrow, its technician's share (payable less receivable) and the deductions (service fee, GST on
 * it, TCS, TDS) hold; once `released`, its escrow is empty (nothing posted, nothing pending) and
 * paid = technician net + fee + GST + TCS + TDS + refunds over its escrow hold. Then the ledger's
 * integrity and the trial balance (read by `staff` through the API).
 */
export async function expectJobBooks(
  t: TestApp,
  staff: SignedIn,
  job: { repairJobId: string; technicianId: string; released: boolean },
): Promise<void> {
  const [paid] = await withClient(
    t.db.ownerUrl,
    async (c) =>
      (
        await c.query<{ paid: string; refunded: string; released: string | null }>(
          `SELECT (SELECT coalesce(sum(amount_paise), 0) FROM payments
                   WHERE repair_job_id = $1 AND status = 'captured')::text AS paid,
                  (SELECT coalesce(sum(r.amount_paise), 0) FROM refunds r JOIN payments p ON p.id = r.payment_id
                   WHERE p.repair_job_id = $1 AND r.status = 'processed')::text AS refunded,
                  (SELECT commission_paise + gst_on_commission_paise + tcs_paise + tds_paise + dealer_net_paise
                   FROM escrow_holds WHERE repair_job_id = $1 AND status = 'released')::text AS released`,
          [job.repairJobId],
        )
      ).rows,
  );
  const n = await netsOf(t, `job:${job.repairJobId}`);
  const escrow = n[Accounts.jobEscrow(job.repairJobId)] ?? 0n;
  const kept =
    escrow +
    (n[Accounts.technicianPayable(job.technicianId)] ?? 0n) +
    (n[Accounts.technicianReceivable(job.technicianId)] ?? 0n) +
    (n[Accounts.commission] ?? 0n) +
    (n[Accounts.gstOutput] ?? 0n) +
    (n[Accounts.tcs] ?? 0n) +
    (n[Accounts.tds] ?? 0n);
  expect(BigInt(paid!.paid)).toBe(BigInt(paid!.refunded) + kept);
  if (job.released) {
    expect(escrow).toBe(0n);
    const account = await t.app.get(LedgerService).account(Accounts.jobEscrow(job.repairJobId));
    expect(account!.debitsPending).toBe(0n);
    expect(BigInt(paid!.released ?? -1) + BigInt(paid!.refunded)).toBe(BigInt(paid!.paid));
  }
  expect((await t.app.get(LedgerIntegrityService).verify()).ok).toBe(true);
  const trial = await t.api.GET('/ledger/trial-balance', { headers: staff.headers });
  expect(trial.data?.balanced).toBe(true);
}
