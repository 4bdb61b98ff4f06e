/**
 * Refunds after release (ledger-spec/recipes.md §6–7), the escrow's side: a released hold — a
 * sub-order's, released to its dealer, or a repair job's of one payment, released to its technician
 * (recipes §10) — is refunded in part or in full, and the payee's share is clawed back by
 * recomputation (`refundAfterRelease`). Staff decide it with `RefundAfterReleaseCommand` or
 * `RefundRepairAfterReleaseCommand` (./commands/); the payments' `payments.refunds` job sends it
 * with the refund's id as the gateway's idempotency key and reaches this file through the payments' port
 * `AfterReleaseRefunds` (src/payments/after-release-refunds.ts), registered here:
 * - Route: when the payee's share went to its Route account (`escrow_holds.transfer_id`), the
 *   transfer is reversed first by this refund's share of the payee's net (a cumulative target over
 *   the hold's refunds after release, `transferReversalTargetIn`, so a retry never reverses
 *   twice; the platform's part is included, so the order with the Route release job does not
 *   matter). A transfer already settled to the payee can only give back what is left of it; the
 *   ledger's clawback is the same either way.
 * - Posted once, when the gateway reports it processed (`postRefundAfterReleaseIn`, in the
 *   transaction that marks it processed): the rates of the release are those of its commission
 *   invoice (commission and GST rates, release date) and ledger-spec/rates.json; what was refunded
 *   after release before it is the sum of the processed ones (hold row locked, so they serialise);
 *   the payable's available balance is read with the account row locked
 *   (`LedgerService.lockedAvailableIn`), and what it cannot bear (the payee was paid out) becomes
 *   the dealer's or technician's receivable.
 * The released hold's terms (`releaseTermsIn`) are shared with the TCS correction (./tcs-correction/)
 * and the reversal target with the daily reconciliation (src/reconciliation/).
 */
import { Injectable, type OnModuleInit } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { execute } from '../database/sql.js';
import { taxProfileIn } from '../identity/tax-profile.js';
import { Decimal } from '../ledger/domain/money.js';
import { type RateBook, rateFrom } from '../ledger/domain/rates.js';
import {
  computeDeductions,
  linesLessRefund,
  payableAccount,
  receivableAccount,
  refundAfterRelease,
  type RateSelection,
  resolveSaleRates,
  saleGrossOf,
  type SaleLine,
  type SaleRates,
  type Supplier,
} from '../ledger/domain/recipes.js';
import { loadRateBook } from '../ledger/ledger-spec-files.js';
import { LedgerService } from '../ledger/persistence/ledger.service.js';
import {
  type AfterReleaseRefund,
  AfterReleaseRefunds,
  releasedHoldRefOf,
  type ReleasedHoldRef,
} from '../payments/after-release-refunds.js';
import { PARTS_RATES } from '../payments/parts-rates.js';
import { CommissionService } from '../payouts/commission/commission.service.js';
import { REPAIR_RATES } from '../payments/repair-rates.js';
import { releasedSaleLinesIn, type TaxableBasis } from '../payments/sale-lines.js';
import { saleLinesOfJob } from '../repairs/repair-job-store.js';

export interface ReleasedHold {
  /** A sub-order's hold: its order and dealer; a repair job's: null (`repair_job_id` set). */
  order_id: string | null;
  repair_job_id: string | null;
  repair_quote_id: string | null;
  payee_type: 'dealer' | 'technician';
  payee_id: string;
  hold_key: string;
  status: string;
  amount_paise: string;
  released_paise: string;
  commission_paise: string | null;
  gst_on_commission_paise: string | null;
  tcs_paise: string | null;
  tds_paise: string | null;
  dealer_net_paise: string | null;
  transfer_id: string | null;
  transfer_amount_paise: string | null;
  payment_id: string;
  pan: string | null;
  gstin: string | null;
  sub_order_id: string | null;
  released_at: Date | null;
  refund_at_release_paise: string;
  taxable_basis: TaxableBasis | null;
  /** The release's TCS was corrected to the `lines` basis (src/escrow/tcs-correction/). */
  tcs_corrected: boolean;
}

/**
 * The SQL condition naming one hold's rows (`escrow_holds` or its `refunds`, by `alias`) with the
 * parameters of `holdParams`: a sub-order's, or a repair job's of one payment.
 */
const holdMatch = (alias: string, at = 1): string =>
  `(${alias}.sub_order_id = $${at}::uuid OR (${alias}.sub_order_id IS NULL
     AND ${alias}.repair_job_id = $${at + 1}::uuid AND ${alias}.payment_id = $${at + 2}::uuid))`;

const holdParams = (ref: ReleasedHoldRef): (string | null)[] =>
  'subOrderId' in ref ? [ref.subOrderId, null, null] : [null, ref.repairJobId, ref.paymentId];

const HOLD_SQL = `SELECT h.order_id::text AS order_id, h.repair_job_id::text AS repair_job_id,
    h.repair_quote_id::text AS repair_quote_id, h.payee_type, h.payee_id::text AS payee_id,
    h.hold_key, h.status,
    h.amount_paise::text AS amount_paise,
    (h.amount_paise - h.refund_at_release_paise)::text AS released_paise,
    h.commission_paise::text AS commission_paise, h.gst_on_commission_paise::text AS gst_on_commission_paise,
    h.tcs_paise::text AS tcs_paise, h.tds_paise::text AS tds_paise, h.dealer_net_paise::text AS dealer_net_paise,
    h.transfer_id, h.transfer_amount_paise::text AS transfer_amount_paise, h.payment_id::text AS payment_id,
    h.sub_order_id::text AS sub_order_id, h.released_at,
    h.refund_at_release_paise::text AS refund_at_release_paise, h.taxable_basis,
    EXISTS (SELECT 1 FROM tcs_correction_items c
            WHERE c.sub_order_id = h.sub_order_id AND c.applied_at IS NOT NULL) AS tcs_corrected
  FROM escrow_holds h WHERE ${holdMatch('h')}`;

/**
 * A hold (a sub-order's, or a repair job's of one payment) with its payee's PAN and GSTIN as they
 * are now (identity's `taxProfileIn`), locked FOR UPDATE when `lock`; undefined without one.
 */
export async function releasedHoldIn(
  tx: EntityManager,
  ref: ReleasedHoldRef,
  lock: boolean,
): Promise<ReleasedHold | undefined> {
  const { rows } = await execute<Omit<ReleasedHold, 'pan' | 'gstin'>>(
    tx,
    lock ? `${HOLD_SQL} FOR UPDATE` : HOLD_SQL,
    holdParams(ref),
  );
  const hold = rows[0];
  return hold === undefined ? undefined : { ...hold, ...(await taxProfileIn(tx, hold.payee_id)) };
}

/**
 * A repair job's holds (one per payment), oldest first, each as `releasedHoldIn` reads it, locked.
 */
export async function lockedJobHoldsIn(
  tx: EntityManager,
  repairJobId: string,
): Promise<ReleasedHold[]> {
  const { rows } = await execute<{ payment_id: string }>(
    tx,
    `SELECT payment_id::text AS payment_id FROM escrow_holds WHERE repair_job_id = $1
     ORDER BY created_at, id`,
    [repairJobId],
  );
  const holds: ReleasedHold[] = [];
  for (const { payment_id: paymentId } of rows)
    holds.push((await releasedHoldIn(tx, { repairJobId, paymentId }, true))!);
  return holds;
}

/** What the hold's refunds after release meeting `where` (SQL on `r`, its own from `$4`) add up to. */
export async function refundedAfterReleaseIn(
  tx: EntityManager,
  hold: ReleasedHold,
  where: string,
  params: unknown[] = [],
): Promise<bigint> {
  const { rows } = await execute<{ refunded: string }>(
    tx,
    `SELECT coalesce(sum(r.amount_paise), 0)::text AS refunded FROM refunds r
     WHERE ${holdMatch('r')} AND r.kind = 'after_release' AND ${where}`,
    [...holdParams(releasedHoldRefOf(hold)), ...params],
  );
  return BigInt(rows[0]!.refunded);
}

let rateBook: RateBook | undefined;

/** The hold's release, as named in the ledger (`release:<id>`) and its commission invoice. */
function releaseOf(hold: ReleasedHold): {
  releaseId: string;
  invoiceColumn: 'sub_order_id' | 'repair_job_id';
  invoiceOf: string;
  escrow: 'order' | 'job';
  subjectId: string;
  selection: RateSelection;
} {
  if (hold.sub_order_id !== null)
    return {
      releaseId: hold.sub_order_id,
      invoiceColumn: 'sub_order_id',
      invoiceOf: hold.sub_order_id,
      escrow: 'order',
      subjectId: hold.order_id!,
      selection: PARTS_RATES,
    };
  // A repair job's n-th hold was released as `<jobId>:<n>` (its hold key's tail, the escrow release's
  // `releaseIdOf`), under the job's one service-fee invoice.
  return {
    releaseId: hold.hold_key.replace(/^hold:job:/, ''),
    invoiceColumn: 'repair_job_id',
    invoiceOf: hold.repair_job_id!,
    escrow: 'job',
    subjectId: hold.repair_job_id!,
    selection: REPAIR_RATES,
  };
}

/**
 * The lines the hold's release released: a sub-order's on the release's taxable basis; a repair
 * job's, the lines of the quote its payment paid (a job paid before quotes: one line at the repair
 * services' GST rate on the release date), as the escrow release took them, less the refund at
 * release.
 */
async function releasedLinesIn(
  tx: EntityManager,
  hold: ReleasedHold,
  basis: TaxableBasis,
  schedule: { book: RateBook; selection: RateSelection; onDate: string },
): Promise<SaleLine[]> {
  if (hold.sub_order_id !== null)
    return releasedSaleLinesIn(tx, { ...hold, sub_order_id: hold.sub_order_id }, basis, schedule);
  const held = BigInt(hold.amount_paise);
  const quoted = await saleLinesOfJob(tx, hold.repair_job_id!, hold.repair_quote_id);
  const lines: SaleLine[] =
    quoted.length === 0
      ? [
          {
            grossPaise: held,
            gstRate: rateFrom(schedule.book, schedule.selection.supplyGst, schedule.onDate),
          },
        ]
      : quoted.map((l) => ({
          grossPaise: BigInt(l.grossPaise),
          gstRate: new Decimal(l.gstRateBps).div(10_000),
        }));
  return linesLessRefund(
    linesLessRefund(lines, saleGrossOf(lines) - held),
    BigInt(hold.refund_at_release_paise),
  );
}

/**
 * The supplier and rates the release used: the invoice's commission and GST rates and release date,
 * rates.json for the rest, and the PAN/GST flags that reproduce the deductions recorded on the hold
 * (the payee's current ones first; they may have changed since the release). `lines`: the released
 * lines that refunds after release claw back from — on the release's own taxable basis, or on the
 * `lines` basis once a TCS correction moved a `schedule` release to it.
 */
export async function releaseTermsIn(
  tx: EntityManager,
  hold: ReleasedHold,
): Promise<{ supplier: Supplier; rates: SaleRates; lines: SaleLine[] }> {
  const release = releaseOf(hold);
  const { rows } = await execute<{
    commission_rate: string;
    gst_rate: string;
    release_date: string;
  }>(
    tx,
    `SELECT commission_rate::text AS commission_rate, gst_rate::text AS gst_rate,
            to_char(release_date, 'YYYY-MM-DD') AS release_date
     FROM commission_invoices WHERE ${release.invoiceColumn} = $1`,
    [release.invoiceOf],
  );
  const invoice = rows[0];
  if (invoice === undefined)
    throw new Error(`no commission invoice for the release ${release.releaseId}`);
  rateBook ??= loadRateBook();
  const book = rateBook;
  const current = { hasPan: hold.pan !== null, gstRegistered: hold.gstin !== null };
  const flags = [current];
  for (const hasPan of [true, false])
    for (const gstRegistered of [true, false])
      if (hasPan !== current.hasPan || gstRegistered !== current.gstRegistered)
        flags.push({ hasPan, gstRegistered });
  const basis = hold.taxable_basis ?? 'schedule';
  const schedule = { book, selection: release.selection, onDate: invoice.release_date };
  const released = await releasedLinesIn(tx, hold, basis, schedule);
  const lines =
    basis === 'schedule' && hold.tcs_corrected
      ? await releasedLinesIn(tx, hold, 'lines', schedule)
      : released;
  for (const f of flags) {
    const supplier: Supplier = { kind: hold.payee_type, id: hold.payee_id, ...f };
    const rates: SaleRates = {
      ...resolveSaleRates(book, release.selection, supplier, invoice.release_date),
      commission: new Decimal(invoice.commission_rate),
      gstOnCommission: new Decimal(invoice.gst_rate),
    };
    const d = computeDeductions(released, rates, supplier);
    if (
      d.commissionPaise.toString() === hold.commission_paise &&
      d.gstOnCommissionPaise.toString() === hold.gst_on_commission_paise &&
      d.tcsPaise.toString() === hold.tcs_paise &&
      d.tdsPaise.toString() === hold.tds_paise &&
      d.supplierNetPaise.toString() === hold.dealer_net_paise
    )
      return { supplier, rates, lines };
  }
  throw new Error(`cannot reproduce the release deductions of ${release.releaseId}`);
}

/**
 * Posts a processed refund after release (`refund:<refundId>`, exactly once by its ledger key and
 * the caller's lock on the refund row), in the caller's transaction: recipe §7 on the lines of its
 * hold's release (a sub-order's, or a repair job's hold of the refunded payment).
 */
export async function postRefundAfterReleaseIn(
  tx: EntityManager,
  deps: { ledger: LedgerService; commission: CommissionService },
  refund: AfterReleaseRefund,
): Promise<void> {
  const { ledger, commission } = deps;
  const hold = (await releasedHoldIn(tx, releasedHoldRefOf(refund), true))!;
  const release = releaseOf(hold);
  if (hold.status !== 'released') throw new Error(`escrow of ${release.releaseId} is not released`);
  const before = await refundedAfterReleaseIn(tx, hold, `r.status = 'processed' AND r.id <> $4`, [
    refund.id,
  ]);
  const { supplier, rates, lines } = await releaseTermsIn(tx, hold);
  const deductionsPosted = [
    hold.commission_paise,
    hold.gst_on_commission_paise,
    hold.tcs_paise,
    hold.tds_paise,
  ].some((v) => BigInt(v ?? '0') > 0n);
  await ledger.openAccountsIn(tx, [payableAccount(supplier), receivableAccount(supplier)]);
  const { command, clawback } = refundAfterRelease({
    escrow: release.escrow,
    subjectId: release.subjectId,
    supplier,
    releasedLines: lines,
    previouslyRefundedPaise: before,
    refundPaise: BigInt(refund.amount_paise),
    rates,
    releaseEntryKeys: [
      `release:${release.releaseId}`,
      ...(deductionsPosted ? [`deductions:${release.releaseId}`] : []),
    ],
    payableAvailablePaise: await ledger.lockedAvailableIn(tx, payableAccount(supplier)),
    refundId: refund.id,
    actor: 'system:refunds',
  });
  await ledger.postIn(tx, command, { what: `refund ${refund.id}` });
  // The commission and its GST given back: a credit note against the release's invoice, dated as
  // the entry that debits the GST (a full refund's reversal of the deductions, else the clawback).
  if (clawback.commissionPaise + clawback.gstOnCommissionPaise > 0n) {
    const giveBack =
      command.type === 'batch'
        ? command.commands.find(
            (c) => c.type === 'reverse' && c.entryKey === `deductions:${release.releaseId}`,
          )
        : command;
    if (giveBack === undefined || !('key' in giveBack))
      throw new Error(`refund ${refund.id}: no entry gives the commission back`);
    const ledgerEntryKey = giveBack.key;
    await commission.writeCreditNoteIn(tx, {
      invoice:
        release.invoiceColumn === 'sub_order_id'
          ? { subOrderId: release.invoiceOf }
          : { repairJobId: release.invoiceOf },
      refundId: refund.id,
      ledgerEntryKey,
      noteDate: await ledger.entryDateIn(tx, ledgerEntryKey),
      commissionPaise: clawback.commissionPaise,
      gstOnCommissionPaise: clawback.gstOnCommissionPaise,
    });
  }
}

/**
 * What the platform should have reversed of a released hold's Route transfer in total: everything
 * but what the payee keeps — its net less its net share of the hold's refunds after release up to
 * `upToRefundId` (every one not failed when null) — so the platform's part (hold − payee net:
 * commission, GST on it, TCS, TDS) and any lines cancelled out of the hold after the transfer
 * (transfer amount − hold) are in it. Undefined without a transfer. In the caller's transaction.
 */
export async function transferReversalTargetIn(
  tx: EntityManager,
  ref: ReleasedHoldRef,
  upToRefundId: string | null,
): Promise<{ transferId: string; reversedTotal: bigint } | undefined> {
  const hold = await releasedHoldIn(tx, ref, false);
  if (hold === undefined || hold.transfer_id === null || hold.dealer_net_paise === null)
    return undefined;
  const refunded = await refundedAfterReleaseIn(
    tx,
    hold,
    `r.status <> 'failed' AND ($4::uuid IS NULL OR (r.requested_at, r.id) <=
       (SELECT me.requested_at, me.id FROM refunds me WHERE me.id = $4::uuid))`,
    [upToRefundId],
  );
  let netLeft = BigInt(hold.dealer_net_paise);
  if (refunded > 0n) {
    const { supplier, rates, lines } = await releaseTermsIn(tx, hold);
    const all = BigInt(hold.released_paise);
    netLeft = computeDeductions(
      linesLessRefund(lines, refunded > all ? all : refunded),
      rates,
      supplier,
    ).supplierNetPaise;
  }
  // The payee keeps its net less its share of these refunds; the rest of the transfer is reversed.
  return {
    transferId: hold.transfer_id,
    reversedTotal: BigInt(hold.transfer_amount_paise!) - netLeft,
  };
}

/** Registers this file with the payments' refunds (their port `AfterReleaseRefunds`). */
@Injectable()
export class AfterReleaseRefundPosting implements OnModuleInit {
  constructor(
    private readonly port: AfterReleaseRefunds,
    private readonly ledger: LedgerService,
    private readonly commission: CommissionService,
  ) {}

  onModuleInit(): void {
    this.port.register({
      postIn: (tx, refund) =>
        postRefundAfterReleaseIn(tx, { ledger: this.ledger, commission: this.commission }, refund),
      transferReversalTargetIn,
    });
  }
}
