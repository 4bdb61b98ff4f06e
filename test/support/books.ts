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

/** One repair job's books: what was paid and refunded, and where the rest is (posted entries). */
export interface JobBooks {
  paid: bigint;
  refunded: bigint;
  escrow: bigint;
  /** The technician's share: its payable less its receivable. */
  technicianNet: bigint;
  commission: bigint;
  gst: bigint;
  tcs: bigint;
  tds: bigint;
}

/**
 * The books of one repair job at any step, the check every repair money test ends with: paid (its
 * captured payments) = refunded (processed) + what its escrow, its technician's share and the
 * deductions (service fee, GST on it, TCS, TDS) hold, over the job's posted entries (`job:<jobId>`;
 * holds and their voids aside). Once `released`, its released holds (one per payment) carry paid =
 * technician net + fee + GST + TCS + TDS + refunds (those after release come out of what was
 * released, clawed back from the technician's share and the deductions), and its escrow is empty (nothing posted, nothing pending). Then the
 * ledger's integrity, Σ debits = Σ credits and the trial balance (read by `staff` through the API).
 * Returns the parts, for the test's own expectations.
 */
export async function expectJobBooks(
  t: TestApp,
  staff: SignedIn,
  job: { repairJobId: string; technicianId: string; released?: boolean },
): Promise<JobBooks> {
  const [sums, rows, totals] = await withClient(t.db.ownerUrl, async (c) => [
    (
      await c.query<{
        paid: string;
        refunded: string;
        after_release: string;
        released: string | null;
      }>(
        `SELECT (SELECT coalesce(sum(amount_paise), 0) FROM payments
                 WHERE repair_job_id = $1 AND status = 'captured')::text AS paid,
                (SELECT coalesce(sum(amount_paise), 0) FROM refunds
                 WHERE repair_job_id = $1 AND status = 'processed')::text AS refunded,
                (SELECT coalesce(sum(amount_paise), 0) FROM refunds
                 WHERE repair_job_id = $1 AND status = 'processed'
                   AND kind = 'after_release')::text AS after_release,
                (SELECT sum(dealer_net_paise + commission_paise + gst_on_commission_paise
                              + coalesce(tcs_paise, 0) + tds_paise)
                 FROM escrow_holds WHERE repair_job_id = $1 AND status = 'released')::text AS released`,
        [job.repairJobId],
      )
    ).rows[0]!,
    (
      await c.query<{ code: string; net: string }>(
        `SELECT a.code, sum(CASE l.side WHEN 'credit' THEN l.amount ELSE -l.amount END)::text AS net
         FROM ledger_lines l JOIN ledger_entries e ON e.id = l.entry_id
           JOIN ledger_accounts a ON a.id = l.account_id
         WHERE e.reference = $1 AND e.kind IN ('posted', 'post_pending')
         GROUP BY a.code`,
        [`job:${job.repairJobId}`],
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
  const net = (code: string) => nets[code] ?? 0n;
  const books: JobBooks = {
    paid: BigInt(sums.paid),
    refunded: BigInt(sums.refunded),
    escrow: net(Accounts.jobEscrow(job.repairJobId)),
    technicianNet:
      net(Accounts.technicianPayable(job.technicianId)) +
      net(Accounts.technicianReceivable(job.technicianId)),
    commission: net(Accounts.commission),
    gst: net(Accounts.gstOutput),
    tcs: net(Accounts.tcs),
    tds: net(Accounts.tds),
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
  if (job.released) {
    expect(books.escrow).toBe(0n);
    const escrow = (await t.app.get(LedgerService).account(Accounts.jobEscrow(job.repairJobId)))!;
    expect({
      posted: escrow.creditsPosted - escrow.debitsPosted,
      pending: escrow.debitsPending,
    }).toEqual({ posted: 0n, pending: 0n });
    expect(sums.released).not.toBeNull();
    expect(BigInt(sums.released!) + books.refunded - BigInt(sums.after_release)).toBe(books.paid);
  }
  expect((await t.app.get(LedgerIntegrityService).verify()).ok).toBe(true);
  expect(totals.dr).toBe(totals.cr);
  const trial = await t.api.GET('/ledger/trial-balance', { headers: staff.headers });
  expect(trial.data?.balanced).toBe(true);
  return books;
}
