/**
 * The steps of one escrow release (`ReleaseEscrowHandler`; a staff early release runs them in its own
 * command's transaction, src/escrow/controls/), in the order `releaseIn` runs them: lock the subject
 * (order → sub-orders, or the repair job) then its holds, refuse what may not be released; for each
 * hold due (a sub-order's one, a repair job's one per payment) choose the rates and commission, post
 * the ledger recipe `escrowRelease`, record the release on the hold and queue its Route transfer's
 * lift (and a repair job's partial refund row); then the commission (service-fee) invoice, and for a
 * sub-order its partial refund row.
 */
import type { EntityManager } from 'typeorm';
import { execute } from '../../database/sql.js';
import { taxProfileIn } from '../../identity/tax-profile.js';
import type { JobQueue } from '../../jobs/job-queue.service.js';
import { Accounts } from '../../ledger/domain/account.js';
import type { RateBook } from '../../ledger/domain/rates.js';
import { Decimal, sumPaise } from '../../ledger/domain/money.js';
import { rateFrom } from '../../ledger/domain/rates.js';
import {
  escrowRelease,
  linesLessRefund,
  payableAccount,
  resolveSaleRates,
  saleGrossOf,
  type Deductions,
  type EscrowKind,
  type RateSelection,
  type SaleLine,
  type SaleRates,
  type Supplier,
} from '../../ledger/domain/recipes.js';
import { loadRateBook } from '../../ledger/ledger-spec-files.js';
import type { LedgerService } from '../../ledger/persistence/ledger.service.js';
import { lockOrder, lockSubOrders } from '../../orders/order-store.js';
import {
  closeAfterReleaseIn,
  lockRepairJob,
  releaseTermsOf,
  saleLinesOfJob,
  type RepairJobRow,
} from '../../repairs/repair-job-store.js';
import type {
  CommissionChoice,
  CommissionService,
} from '../../payouts/commission/commission.service.js';
import { PARTS_RATES } from '../../payments/parts-rates.js';
import { REPAIR_RATES } from '../../payments/repair-rates.js';
import type { EscrowHoldStatus } from '../../payments/domain/escrow-hold-state.js';
import { moveEscrowHold } from '../../payments/escrow-hold-moves.js';
import { recordRefundIn } from '../../payments/refund-store.js';
import { HOLD_TRANSFER_JOBS } from '../../payments/hold-transfer-jobs.js';
import { heldSaleLinesIn } from '../../payments/sale-lines.js';

/** What a release needs besides the transaction. */
export interface ReleaseDeps {
  readonly ledger: LedgerService;
  readonly commission: CommissionService;
  readonly jobs: JobQueue;
}

let rateBook: RateBook | undefined;
const rateBookOf = (): RateBook => (rateBook ??= loadRateBook());

/** A hold due for release: a sub-order's (with its order, as the staff controls name it) or a repair job's. */
export type DueRow = { sub_order_id: string; order_id: string } | { repair_job_id: string };

/**
 * Which statuses of a sub-order a release accepts, and the ledger actor it posts as (a repair job's
 * hold is due by its job's terms, `releaseTermsOf`).
 */
export interface ReleaseMode {
  eligible: readonly string[];
  actor: string;
}

/**
 * The job: completed sub-orders (the return window passed with no return or dispute open) and
 * repair jobs by their terms (confirmed by the customer, staff or the confirmation window passing;
 * cancelled keeping a visit fee).
 */
export const DUE_RELEASE: ReleaseMode = {
  eligible: ['completed'],
  actor: 'system:escrow-release',
};

interface HoldRow {
  id: string;
  hold_key: string;
  amount_paise: string;
  refund_at_release_paise: string;
  payee_type: Supplier['kind'];
  payee_id: string;
  payment_id: string;
  /** A repair job's hold: the quote its payment paid (null: a job paid before quotes). */
  repair_quote_id: string | null;
  status: EscrowHoldStatus;
  pan: string | null;
  gstin: string | null;
  now_ms: string;
}

/** Where a due hold's money sits in the ledger and how its release is keyed and priced. */
interface ReleaseSubject {
  escrow: EscrowKind;
  /** The escrow's subject: the order, or the repair job. */
  subjectId: string;
  /**
   * Its holds' column value, and the release's ledger id (`release:<id>`; a repair job's n-th hold:
   * `releaseIdOf`): the sub-order, or the repair job.
   */
  releaseId: string;
  holdColumn: 'sub_order_id' | 'repair_job_id';
  rates: RateSelection;
  label: string;
}

function subjectOf(due: DueRow): ReleaseSubject {
  if ('repair_job_id' in due)
    return {
      escrow: 'job',
      subjectId: due.repair_job_id,
      releaseId: due.repair_job_id,
      holdColumn: 'repair_job_id',
      rates: REPAIR_RATES,
      label: `repair job ${due.repair_job_id}`,
    };
  return {
    escrow: 'order',
    subjectId: due.order_id,
    releaseId: due.sub_order_id,
    holdColumn: 'sub_order_id',
    rates: PARTS_RATES,
    label: `sub-order ${due.sub_order_id}`,
  };
}

const supplierOf = (hold: HoldRow): Supplier => ({
  kind: hold.payee_type,
  id: hold.payee_id,
  hasPan: hold.pan !== null,
  gstRegistered: hold.gstin !== null,
});

/**
 * Releases one held escrow in the caller's transaction: the job's, or a staff early release's
 * (src/escrow/controls/) — the one code path for every obligation. Locks the subject (order →
 * sub-orders, or the repair job) → its holds; false (nothing done) unless a hold is still held, its
 * subject's status is one `mode` accepts and no manual hold is active. A sub-order has one hold; a
 * repair job one per payment (its first quote's and each supplement's), each released by its job's
 * terms with its own ledger keys and deductions, under one service-fee invoice.
 */
export async function releaseIn(
  deps: ReleaseDeps,
  tx: EntityManager,
  due: DueRow,
  mode: ReleaseMode,
): Promise<boolean> {
  const subject = subjectOf(due);
  const locked = await lockSubjectIn(tx, due);
  const holds = await lockHoldsIn(tx, subject);
  // A sub-order's hold by its status (a dispute's partial refund at release); a repair job's by its terms.
  const releasable = holds.flatMap((hold, i) => {
    if (hold.status !== 'held' || locked === undefined) return [];
    const terms =
      'job' in locked
        ? releaseTermsOf(locked.job, {
            heldPaise: BigInt(hold.amount_paise),
            refundAtReleasePaise: BigInt(hold.refund_at_release_paise),
            first: i === 0,
          })
        : mode.eligible.includes(locked.status)
          ? { due: true as const, refundPaise: BigInt(hold.refund_at_release_paise), close: false }
          : { due: false as const };
    return terms.due ? [{ hold, terms }] : [];
  });
  if (releasable.length === 0) return false;
  if (await manuallyHeldIn(tx, due)) return false;
  const onDate = deps.commission.releaseDate(Number(releasable[0]!.hold.now_ms));
  const released: { choice: CommissionChoice; rates: SaleRates; deductions: Deductions }[] = [];
  for (const { hold, terms } of releasable) {
    released.push(await releaseHoldIn(deps, tx, { due, subject, hold, onDate, mode }, terms));
    // The rest of a cancelled job's payment, refunded at release (`refund:<releaseId>` just
    // posted): sent by the refunds job.
    if ('repair_job_id' in due && terms.refundPaise > 0n)
      await recordRefundIn(tx, deps.jobs, {
        paymentId: hold.payment_id,
        orderId: null,
        repairJobId: due.repair_job_id,
        subOrderId: null,
        kind: 'partial',
        amountPaise: terms.refundPaise,
      });
    // Route: lift the hold of the payee's transfer (src/payouts/route/).
    await deps.jobs.send(HOLD_TRANSFER_JOBS.release, { holdId: hold.id }, { tx });
  }
  // The GST tax invoice data for the commission (a repair job's: the service fee of all its holds
  // released now), numbered in this transaction (gapless per FY).
  const first = released[0]!;
  const { hold: firstHold, terms: firstTerms } = releasable[0]!;
  await deps.commission.writeInvoiceIn(tx, {
    ...('sub_order_id' in due
      ? { subOrderId: due.sub_order_id, orderId: due.order_id, dealerId: firstHold.payee_id }
      : { repairJobId: due.repair_job_id, technicianId: firstHold.payee_id }),
    releaseDate: onDate,
    choice: first.choice,
    commissionPaise: sumPaise(released.map((r) => r.deductions.commissionPaise)),
    gstOnCommissionPaise: sumPaise(released.map((r) => r.deductions.gstOnCommissionPaise)),
    gstRate: first.rates.gstOnCommission,
  });
  if ('repair_job_id' in due && firstTerms.close) await closeAfterReleaseIn(tx, due.repair_job_id);
  if ('sub_order_id' in due) await partialRefundAtReleaseIn(deps, tx, due, firstHold);
  return true;
}

/**
 * One hold released: the rates and commission on the release date, the ledger recipe
 * `escrowRelease` posted under the hold's keys, the release recorded on the hold.
 */
async function releaseHoldIn(
  deps: ReleaseDeps,
  tx: EntityManager,
  at: { due: DueRow; subject: ReleaseSubject; hold: HoldRow; onDate: string; mode: ReleaseMode },
  terms: { refundPaise: bigint },
): Promise<{ choice: CommissionChoice; rates: SaleRates; deductions: Deductions }> {
  const { due, subject, hold, onDate } = at;
  const supplier = supplierOf(hold);
  const scheduled = resolveSaleRates(rateBookOf(), subject.rates, supplier, onDate);
  // Commission: the finance rule in force, else rates.json (src/payouts/commission/).
  const choice =
    'sub_order_id' in due
      ? await deps.commission.chooseIn(tx, due.sub_order_id, onDate, scheduled.commission)
      : await deps.commission.chooseRepairIn(tx, onDate, scheduled.commission);
  const rates = { ...scheduled, commission: choice.rate };
  const result = escrowRelease({
    escrow: subject.escrow,
    subjectId: subject.subjectId,
    supplier,
    holdKey: hold.hold_key,
    heldPaise: BigInt(hold.amount_paise),
    lines: await saleLinesIn(tx, due, hold, onDate),
    // A dispute resolved with a partial refund (src/disputes/), staff refunding part of a done
    // repair, a repair job cancelled keeping a visit fee (the rest): recipe §5.
    refundPaise: terms.refundPaise,
    rates,
    releaseId: releaseIdOf(subject, hold),
    actor: at.mode.actor,
  });
  await deps.ledger.postIn(tx, result.command, {
    what: `the release of ${subject.label}`,
    open: [
      Accounts.commission,
      Accounts.gstOutput,
      Accounts.tcs,
      Accounts.tds,
      payableAccount(supplier),
    ],
  });
  await recordReleaseIn(tx, hold, result.deductions, terms.refundPaise);
  return { choice, rates, deductions: result.deductions };
}

/**
 * The release's ledger id (`release:<id>`, `deductions:<id>`, `refund:<id>`): a sub-order's id; a
 * repair job's hold's key without its `hold:job:` prefix — the job's id for its first hold
 * (`hold:job:<jobId>`), `<jobId>:<n>` for the n-th (`hold:job:<jobId>:<n>`, a supplement's).
 */
function releaseIdOf(subject: ReleaseSubject, hold: HoldRow): string {
  return subject.escrow === 'job' ? hold.hold_key.replace(/^hold:job:/, '') : subject.releaseId;
}

/** Locks the hold's subject first (order → sub-orders, or the repair job): the job, or the sub-order's status. */
async function lockSubjectIn(
  tx: EntityManager,
  due: DueRow,
): Promise<{ job: RepairJobRow } | { status: string } | undefined> {
  if ('repair_job_id' in due) return { job: await lockRepairJob(tx, due.repair_job_id, 'any') };
  await lockOrder(tx, due.order_id, null);
  const subOrder = (await lockSubOrders(tx, due.order_id)).find((s) => s.id === due.sub_order_id);
  return subOrder === undefined ? undefined : { status: subOrder.status };
}

/** The subject's holds, locked, oldest first (a repair job's first payment's first). */
async function lockHoldsIn(tx: EntityManager, subject: ReleaseSubject): Promise<HoldRow[]> {
  const { rows } = await execute<Omit<HoldRow, 'pan' | 'gstin'>>(
    tx,
    `SELECT h.id::text AS id, h.hold_key, h.amount_paise::text AS amount_paise, h.status,
            h.refund_at_release_paise::text AS refund_at_release_paise,
            h.payee_type, h.payee_id::text AS payee_id, h.payment_id::text AS payment_id,
            h.repair_quote_id::text AS repair_quote_id,
            (extract(epoch FROM statement_timestamp()) * 1000)::bigint::text AS now_ms
     FROM escrow_holds h WHERE h.${subject.holdColumn} = $1
     ORDER BY h.created_at, h.id FOR UPDATE`,
    [subject.releaseId],
  );
  // The payee's PAN and GSTIN as they are at release (identity's), for TDS and TCS.
  const holds: HoldRow[] = [];
  for (const hold of rows) holds.push({ ...hold, ...(await taxProfileIn(tx, hold.payee_id)) });
  return holds;
}

/** Whether staff hold the sub-order's escrow, or the repair job's (every hold of the job). */
async function manuallyHeldIn(tx: EntityManager, due: DueRow): Promise<boolean> {
  const [column, id] =
    'sub_order_id' in due
      ? ['sub_order_id', due.sub_order_id]
      : ['repair_job_id', due.repair_job_id];
  const { rows } = await execute(
    tx,
    `SELECT 1 FROM escrow_manual_holds WHERE ${column} = $1 AND lifted_at IS NULL`,
    [id],
  );
  return rows.length > 0;
}

/**
 * The sale's lines as held: a sub-order's lines, each at its own GST rate with its delivery share;
 * a repair job's hold the lines of the quote its payment paid (the first quote or a supplement),
 * each at the GST rate its technician stated (a job paid before quotes: one line at the repair
 * services' GST rate on the release date). A hold smaller than the lines (never for a job: it is
 * paid the quote's total) is taken from them pro rata.
 */
async function saleLinesIn(
  tx: EntityManager,
  due: DueRow,
  hold: HoldRow,
  onDate: string,
): Promise<SaleLine[]> {
  const held = BigInt(hold.amount_paise);
  if ('sub_order_id' in due) return heldSaleLinesIn(tx, due.sub_order_id, held);
  const quoted = await saleLinesOfJob(tx, due.repair_job_id, hold.repair_quote_id);
  if (quoted.length === 0)
    return [{ grossPaise: held, gstRate: rateFrom(rateBookOf(), REPAIR_RATES.supplyGst, onDate) }];
  const lines: SaleLine[] = quoted.map((l) => ({
    grossPaise: BigInt(l.grossPaise),
    gstRate: new Decimal(l.gstRateBps).div(10_000),
  }));
  const gross = saleGrossOf(lines);
  if (gross < held)
    throw new Error(
      `repair job ${due.repair_job_id}: quote of ${gross} paise for a hold of ${held}`,
    );
  return linesLessRefund(lines, gross - held);
}

/**
 * The release recorded on the hold: its deductions, and the part of it refunded at release — also
 * when the release decided it (a cancelled job's payment less its visit fee), so the hold names
 * what was released (amount − refund at release), all a refund after release may give back.
 */
async function recordReleaseIn(
  tx: EntityManager,
  hold: HoldRow,
  d: Deductions,
  refundAtReleasePaise: bigint,
): Promise<void> {
  await moveEscrowHold(tx, hold.id, hold.status, 'release', {
    set: `commission_paise = $4, gst_on_commission_paise = $5, tcs_paise = $6, tds_paise = $7,
          dealer_net_paise = $8, refund_at_release_paise = $9, taxable_basis = 'lines',
          released_at = now(), updated_at = now()`,
    params: [
      d.commissionPaise.toString(),
      d.gstOnCommissionPaise.toString(),
      d.tcsPaise.toString(),
      d.tdsPaise.toString(),
      d.supplierNetPaise.toString(),
      refundAtReleasePaise.toString(),
    ],
  });
}

/** A sub-order's release, after the ledger: the refund row of a partial refund at release. */
async function partialRefundAtReleaseIn(
  deps: ReleaseDeps,
  tx: EntityManager,
  due: { sub_order_id: string; order_id: string },
  hold: HoldRow,
): Promise<void> {
  if (BigInt(hold.refund_at_release_paise) > 0n) {
    // The partial refund's ledger entry (`refund:<subOrderId>`) was just posted by escrowRelease;
    // the `partial` refund row only sends the money back through the gateway (it posts nothing).
    await recordRefundIn(tx, deps.jobs, {
      paymentId: hold.payment_id,
      orderId: due.order_id,
      subOrderId: due.sub_order_id,
      kind: 'partial',
      amountPaise: BigInt(hold.refund_at_release_paise),
    });
  }
}
