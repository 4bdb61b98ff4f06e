/**
 * The books of one order after its money moved (paid, released, refunded, paid out): each account's
 * net over the order's entries, and the checks every money test ends with — the order's money
 * identity, the ledger's integrity and a balanced trial balance.
 */
import { Accounts } from '../../src/ledger/domain/account.js';
import { LedgerIntegrityService } from '../../src/ledger/integrity/ledger-integrity.service.js';
import type { TestApp } from './test-app.js';
import { withClient } from './test-database.js';

/** Net balance (credits − debits) of each account over the posted entries of one order's money. */
export async function orderNets(t: TestApp, orderId: string, dealerId: string) {
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
          [`order:${orderId}`],
        )
      ).rows,
  );
  const nets = Object.fromEntries(rows.map((r) => [r.code, BigInt(r.net)]));
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
