/**
 * Posting recipes: pure functions from a business event to the ledger commands that record it
 * (one batch = one transaction). Formulas, tax bases and worked examples: ledger-spec/recipes.md.
 *
 * Idempotency keys are derived from business identifiers (`capture:<paymentId>`, …) so a retried
 * event maps to the same keys and has exactly one effect.
 */
import { Accounts } from './account.js';
import { assert } from './assert.js';
import { credit, debit, type Line } from './journal.js';
import type { EntryMeta, LedgerCommand } from './ledger-model.js';
import {
  applyRate,
  type Decimal,
  type Paise,
  removeInclusiveRate,
  splitLargestRemainder,
  sumPaise,
} from './money.js';
import { type RateBook, rateFrom } from './rates.js';

export type SupplierKind = 'dealer' | 'technician';
export type EscrowKind = 'order' | 'job';

export interface Supplier {
  readonly kind: SupplierKind;
  readonly id: string;
  /** PAN (or Aadhaar) furnished: TDS 194-O at the normal rate, else the higher no-PAN rate (206AA). */
  readonly hasPan: boolean;
  /** Registered under GST: prices include GST at each line's own rate and section 52 TCS applies. */
  readonly gstRegistered: boolean;
}

/** Which value a percentage is applied to. Business/legal configuration, not code. */
export interface TaxPolicy {
  /** Commission on the GST-inclusive price the buyer paid (`gross`) or on the taxable value (`taxable`). */
  readonly commissionBase: 'gross' | 'taxable';
  /**
   * TDS 194-O on the gross amount of the sale (`gross`, the statutory wording) or on the value
   * excluding GST when GST is shown separately on the invoice (`taxable`, CBDT circular 17/2020).
   */
  readonly tdsBase: 'gross' | 'taxable';
}

export const DEFAULT_TAX_POLICY: TaxPolicy = { commissionBase: 'gross', tdsBase: 'gross' };

/** Rates in force for one sale, resolved from effective-dated schedules (see resolveSaleRates). */
export interface SaleRates {
  readonly commission: Decimal;
  readonly gstOnCommission: Decimal;
  readonly tcs: Decimal;
  /** Already the no-PAN rate when the supplier has no PAN. */
  readonly tds: Decimal;
}

/** Names of the schedules to read for one kind of supplier (configuration). */
export interface RateSelection {
  readonly commission: string;
  readonly gstOnCommission: string;
  /** The GST rate of a one-line sale of this kind that carries no rate of its own (a repair job). */
  readonly supplyGst: string;
  readonly tcs: string;
  readonly tds: string;
  readonly tdsWithoutPan: string;
}

export function resolveSaleRates(
  book: RateBook,
  selection: RateSelection,
  supplier: Supplier,
  onDate: string,
): SaleRates {
  return {
    commission: rateFrom(book, selection.commission, onDate),
    gstOnCommission: rateFrom(book, selection.gstOnCommission, onDate),
    tcs: rateFrom(book, selection.tcs, onDate),
    tds: rateFrom(book, supplier.hasPan ? selection.tds : selection.tdsWithoutPan, onDate),
  };
}

/**
 * One line of a sale as the buyer paid for it: its GST-inclusive amount (for a parts line, the
 * line total plus its share of the delivery charge) and the line's own GST rate (0.18 = 18 %).
 */
export interface SaleLine {
  readonly grossPaise: Paise;
  readonly gstRate: Decimal;
}

export function saleGrossOf(lines: readonly SaleLine[]): Paise {
  return sumPaise(lines.map((l) => l.grossPaise));
}

/**
 * The lines left after `refundPaise` not tied to lines (a partial refund at dispute resolution, a
 * refund after release): the refund is split over the lines pro rata to their gross by largest
 * remainder, and each line keeps its own rate. A refund of whole lines removes those lines instead.
 * Cumulative: the lines after refunds a then b are the lines after a + b, so successive refunds
 * that add up to the whole leave nothing.
 */
export function linesLessRefund(lines: readonly SaleLine[], refundPaise: Paise): SaleLine[] {
  const gross = saleGrossOf(lines);
  assert(refundPaise >= 0n && refundPaise <= gross, 'refund out of range of the lines');
  if (refundPaise === 0n) return [...lines];
  if (refundPaise === gross) return lines.map((l) => ({ ...l, grossPaise: 0n }));
  const parts = splitLargestRemainder(
    refundPaise,
    lines.map((l) => l.grossPaise),
  );
  return lines.map((l, i) => ({ ...l, grossPaise: l.grossPaise - parts[i]! }));
}

/**
 * The value of supply excluding GST: per line, gross ÷ (1 + the line's rate), rounded half up on the
 * line's own base (as each line of the invoice) — the gross itself for a supplier not registered
 * under GST, who charges none.
 */
export function taxableValueOf(lines: readonly SaleLine[], supplier: Supplier): Paise {
  if (!supplier.gstRegistered) return saleGrossOf(lines);
  return sumPaise(lines.map((l) => removeInclusiveRate(l.grossPaise, l.gstRate)));
}

export interface Deductions {
  readonly grossPaise: Paise;
  /** Value of supply excluding GST (= gross for an unregistered supplier, who charges no GST). */
  readonly taxableValuePaise: Paise;
  readonly commissionPaise: Paise;
  readonly gstOnCommissionPaise: Paise;
  readonly tcsPaise: Paise;
  readonly tdsPaise: Paise;
  /** gross − commission − GST on commission − TCS − TDS. */
  readonly supplierNetPaise: Paise;
}

/**
 * What is withheld from a supplier on a sale of GST-inclusive `lines`. Each component is rounded
 * half up to the paisa on its own base (house rule): taxable = Σ per line gross ÷ (1 + the line's
 * GST rate); commission = base × commission rate; GST on commission = commission × 18 %; TCS =
 * taxable × TCS rate (registered suppliers only); TDS = base × TDS rate.
 */
export function computeDeductions(
  lines: readonly SaleLine[],
  rates: SaleRates,
  supplier: Supplier,
  policy: TaxPolicy = DEFAULT_TAX_POLICY,
): Deductions {
  for (const l of lines) assert(l.grossPaise >= 0n, 'line gross must be non-negative');
  const grossPaise = saleGrossOf(lines);
  const taxableValuePaise = taxableValueOf(lines, supplier);
  const commissionPaise = applyRate(
    policy.commissionBase === 'gross' ? grossPaise : taxableValuePaise,
    rates.commission,
  );
  const gstOnCommissionPaise = applyRate(commissionPaise, rates.gstOnCommission);
  const tcsPaise = supplier.gstRegistered ? applyRate(taxableValuePaise, rates.tcs) : 0n;
  const tdsPaise = applyRate(
    policy.tdsBase === 'gross' ? grossPaise : taxableValuePaise,
    rates.tds,
  );
  const supplierNetPaise =
    grossPaise - commissionPaise - gstOnCommissionPaise - tcsPaise - tdsPaise;
  assert(supplierNetPaise >= 0n, 'deductions must not exceed the gross amount (check the rates)');
  return {
    grossPaise,
    taxableValuePaise,
    commissionPaise,
    gstOnCommissionPaise,
    tcsPaise,
    tdsPaise,
    supplierNetPaise,
  };
}

// ---------------------------------------------------------------------------------------------
// Account helpers
// ---------------------------------------------------------------------------------------------

export function escrowAccount(kind: EscrowKind, subjectId: string): string {
  return kind === 'order' ? Accounts.orderEscrow(subjectId) : Accounts.jobEscrow(subjectId);
}

export function payableAccount(supplier: Pick<Supplier, 'kind' | 'id'>): string {
  return supplier.kind === 'dealer'
    ? Accounts.dealerPayable(supplier.id)
    : Accounts.technicianPayable(supplier.id);
}

/** What the supplier owes the platform when a refund after payout exceeds its payable. */
export function receivableAccount(supplier: Pick<Supplier, 'kind' | 'id'>): string {
  return supplier.kind === 'dealer'
    ? Accounts.dealerReceivable(supplier.id)
    : Accounts.technicianReceivable(supplier.id);
}

/** Drops zero-amount lines and merges none: a recipe line of 0 paise is simply absent. */
function nonZero(lines: readonly Line[]): Line[] {
  for (const l of lines) assert(l.amountPaise >= 0n, 'recipe produced a negative line');
  return lines.filter((l) => l.amountPaise > 0n);
}

function meta(
  eventType: string,
  reference: string,
  actor: string,
  metadata?: Record<string, string>,
): EntryMeta {
  return metadata === undefined
    ? { eventType, reference, actor }
    : { eventType, reference, actor, metadata };
}

// ---------------------------------------------------------------------------------------------
// Recipes
// ---------------------------------------------------------------------------------------------

export interface PaymentCaptured {
  readonly escrow: EscrowKind;
  readonly subjectId: string;
  readonly supplier: Pick<Supplier, 'kind' | 'id'>;
  readonly paymentId: string;
  readonly grossPaise: Paise;
  readonly holdKey: string;
  /** Fulfilment SLA; 0 = no timeout. */
  readonly holdTimeoutSeconds: number;
  readonly actor: string;
}

/**
 * Payment captured into escrow, then held for the supplier (two-phase):
 *   post  Dr asset:gateway_receivable / Cr liability:escrow:<kind>:<id>           gross
 *   hold  Dr liability:escrow:<kind>:<id> / Cr liability:<supplier>_payable:<id>   gross (pending)
 */
export function paymentCaptured(e: PaymentCaptured): LedgerCommand {
  assert(e.grossPaise > 0n, 'captured amount must be positive');
  const escrow = escrowAccount(e.escrow, e.subjectId);
  const reference = `${e.escrow}:${e.subjectId}`;
  return {
    type: 'batch',
    commands: [
      {
        type: 'post',
        key: `capture:${e.paymentId}`,
        lines: [debit(Accounts.gatewayReceivable, e.grossPaise), credit(escrow, e.grossPaise)],
        meta: meta('payment_captured', reference, e.actor, { paymentId: e.paymentId }),
      },
      {
        type: 'hold',
        key: e.holdKey,
        lines: [debit(escrow, e.grossPaise), credit(payableAccount(e.supplier), e.grossPaise)],
        timeoutSeconds: e.holdTimeoutSeconds,
        meta: meta('escrow_hold', reference, e.actor),
      },
    ],
  };
}

export interface GatewayFeeCharged {
  readonly paymentId: string;
  /** Fee as reported by the gateway, including the GST on it. */
  readonly feePaise: Paise;
  /** The GST part of the fee (input tax credit). */
  readonly feeGstPaise: Paise;
  readonly actor: string;
}

/** Gateway fee, borne by the platform: Dr expense:gateway_fees (fee − GST), Dr asset:tax:gst_input (GST) / Cr asset:gateway_receivable (fee). */
export function gatewayFeeCharged(e: GatewayFeeCharged): LedgerCommand {
  assert(
    e.feePaise > 0n && e.feeGstPaise >= 0n && e.feeGstPaise <= e.feePaise,
    'fee amounts out of range',
  );
  return {
    type: 'post',
    key: `gateway_fee:${e.paymentId}`,
    lines: nonZero([
      debit(Accounts.gatewayFees, e.feePaise - e.feeGstPaise),
      debit(Accounts.gstInput, e.feeGstPaise),
      credit(Accounts.gatewayReceivable, e.feePaise),
    ]),
    meta: meta('gateway_fee', `payment:${e.paymentId}`, e.actor),
  };
}

/** Lines withholding `d` from the supplier's payable (empty when nothing is withheld). */
export function deductionLines(supplier: Pick<Supplier, 'kind' | 'id'>, d: Deductions): Line[] {
  const withheld = d.commissionPaise + d.gstOnCommissionPaise + d.tcsPaise + d.tdsPaise;
  if (withheld === 0n) return [];
  return nonZero([
    debit(payableAccount(supplier), withheld),
    credit(Accounts.commission, d.commissionPaise),
    credit(Accounts.gstOutput, d.gstOnCommissionPaise),
    credit(Accounts.tcs, d.tcsPaise),
    credit(Accounts.tds, d.tdsPaise),
  ]);
}

export interface EscrowRelease {
  readonly escrow: EscrowKind;
  readonly subjectId: string;
  readonly supplier: Supplier;
  readonly holdKey: string;
  /** The amount the hold holds. */
  readonly heldPaise: Paise;
  /** The sale's lines, adding up to heldPaise: their own GST rates find the taxable value. */
  readonly lines: readonly SaleLine[];
  /** Refunded to the buyer at release (0 = release everything; heldPaise = full refund, hold voided). */
  readonly refundPaise: Paise;
  readonly rates: SaleRates;
  readonly policy?: TaxPolicy;
  /** Unique id of this release (keys: `release:<id>`, `deductions:<id>`, `refund:<id>`). */
  readonly releaseId: string;
  readonly actor: string;
}

export interface EscrowReleaseResult {
  readonly command: LedgerCommand;
  readonly deductions: Deductions;
  readonly releasedPaise: Paise;
  /** The lines released: the sale's lines less the refund at release (pro rata). */
  readonly releasedLines: readonly SaleLine[];
  /** Keys of the entries a full refund after release reverses. */
  readonly releaseEntryKeys: readonly string[];
}

/**
 * Escrow released to the supplier (possibly with a partial refund at the same time):
 *   post_pending hold, amount R = held − refund (remainder released back to escrow)
 *   post Dr payable (commission + GST + TCS + TDS on R) / Cr revenue:commission, liability:tax:{gst_output,tcs,tds}
 *   post Dr escrow / Cr asset:gateway_receivable   refund (if any)
 * With refund = held, the hold is voided and everything refunded (full refund before release).
 */
export function escrowRelease(e: EscrowRelease): EscrowReleaseResult {
  assert(
    e.heldPaise > 0n && e.refundPaise >= 0n && e.refundPaise <= e.heldPaise,
    'release amounts out of range',
  );
  assert(saleGrossOf(e.lines) === e.heldPaise, 'the lines must add up to the amount held');
  const releasedPaise = e.heldPaise - e.refundPaise;
  const reference = `${e.escrow}:${e.subjectId}`;
  const escrow = escrowAccount(e.escrow, e.subjectId);
  const releasedLines = linesLessRefund(e.lines, e.refundPaise);
  const deductions = computeDeductions(releasedLines, e.rates, e.supplier, e.policy);
  const commands: LedgerCommand[] = [];
  const releaseEntryKeys: string[] = [];
  if (releasedPaise === 0n) {
    commands.push({
      type: 'void_pending',
      key: `release_void:${e.releaseId}`,
      pendingKey: e.holdKey,
      meta: meta('escrow_hold_void', reference, e.actor),
    });
  } else {
    commands.push({
      type: 'post_pending',
      key: `release:${e.releaseId}`,
      pendingKey: e.holdKey,
      amountPaise: releasedPaise,
      meta: meta('escrow_release', reference, e.actor),
    });
    releaseEntryKeys.push(`release:${e.releaseId}`);
    const lines = deductionLines(e.supplier, deductions);
    if (lines.length > 0) {
      commands.push({
        type: 'post',
        key: `deductions:${e.releaseId}`,
        lines,
        meta: meta('release_deductions', reference, e.actor, {
          taxableValuePaise: deductions.taxableValuePaise.toString(),
          commissionRate: e.rates.commission.toString(),
          tcsRate: e.rates.tcs.toString(),
          tdsRate: e.rates.tds.toString(),
        }),
      });
      releaseEntryKeys.push(`deductions:${e.releaseId}`);
    }
  }
  if (e.refundPaise > 0n) {
    commands.push({
      type: 'post',
      key: `refund:${e.releaseId}`,
      lines: [debit(escrow, e.refundPaise), credit(Accounts.gatewayReceivable, e.refundPaise)],
      meta: meta('refund', reference, e.actor),
    });
  }
  return {
    command: { type: 'batch', commands },
    deductions,
    releasedPaise,
    releasedLines,
    releaseEntryKeys,
  };
}

export interface RefundBeforeRelease {
  readonly escrow: EscrowKind;
  readonly subjectId: string;
  readonly supplier: Pick<Supplier, 'kind' | 'id'>;
  readonly holdKey: string;
  readonly heldPaise: Paise;
  readonly refundPaise: Paise;
  /** For a partial refund: the key of the new hold on the remainder. */
  readonly newHoldKey: string;
  readonly holdTimeoutSeconds: number;
  readonly refundId: string;
  readonly actor: string;
}

/**
 * Refund while the money is still held (order cancelled or partly cancelled before release):
 *   void hold; post Dr escrow / Cr asset:gateway_receivable refund;
 *   if partial: hold again Dr escrow / Cr payable  (held − refund) under newHoldKey.
 */
export function refundBeforeRelease(e: RefundBeforeRelease): LedgerCommand {
  assert(e.refundPaise > 0n && e.refundPaise <= e.heldPaise, 'refund out of range');
  const reference = `${e.escrow}:${e.subjectId}`;
  const escrow = escrowAccount(e.escrow, e.subjectId);
  const commands: LedgerCommand[] = [
    {
      type: 'void_pending',
      key: `refund_void:${e.refundId}`,
      pendingKey: e.holdKey,
      meta: meta('escrow_hold_void', reference, e.actor),
    },
    {
      type: 'post',
      key: `refund:${e.refundId}`,
      lines: [debit(escrow, e.refundPaise), credit(Accounts.gatewayReceivable, e.refundPaise)],
      meta: meta('refund', reference, e.actor),
    },
  ];
  const remaining = e.heldPaise - e.refundPaise;
  if (remaining > 0n) {
    commands.push({
      type: 'hold',
      key: e.newHoldKey,
      lines: [debit(escrow, remaining), credit(payableAccount(e.supplier), remaining)],
      timeoutSeconds: e.holdTimeoutSeconds,
      meta: meta('escrow_hold', reference, e.actor),
    });
  }
  return { type: 'batch', commands };
}

export interface HoldExpired {
  readonly escrow: EscrowKind;
  readonly subjectId: string;
  readonly holdKey: string;
  readonly heldPaise: Paise;
  readonly actor: string;
}

/**
 * The hold timed out (fulfilment SLA lapsed; auto-acceptance releases before the timeout): the
 * expiry releases the pending amounts and the buyer is refunded in full from escrow.
 */
export function holdExpired(e: HoldExpired): LedgerCommand {
  const reference = `${e.escrow}:${e.subjectId}`;
  const escrow = escrowAccount(e.escrow, e.subjectId);
  return {
    type: 'batch',
    commands: [
      {
        type: 'expire_pending',
        key: `expire:${e.holdKey}`,
        pendingKey: e.holdKey,
        meta: meta('escrow_hold_expired', reference, e.actor),
      },
      {
        type: 'post',
        key: `refund:expired:${e.holdKey}`,
        lines: [debit(escrow, e.heldPaise), credit(Accounts.gatewayReceivable, e.heldPaise)],
        meta: meta('refund', reference, e.actor),
      },
    ],
  };
}

export interface DisputeOpened {
  readonly escrow: EscrowKind;
  readonly subjectId: string;
  readonly supplier: Pick<Supplier, 'kind' | 'id'>;
  readonly holdKey: string;
  readonly heldPaise: Paise;
  readonly disputeId: string;
  readonly actor: string;
}

/**
 * Dispute opened before release: the timed hold is voided and replaced by a dispute hold with no
 * timeout (same lines), so the money can neither be released nor expire until resolution.
 * Resolution is escrowRelease on the dispute hold with refund = the buyer's award.
 */
export function disputeOpened(e: DisputeOpened): {
  command: LedgerCommand;
  disputeHoldKey: string;
} {
  const reference = `${e.escrow}:${e.subjectId}`;
  const escrow = escrowAccount(e.escrow, e.subjectId);
  const disputeHoldKey = `dispute_hold:${e.disputeId}`;
  return {
    disputeHoldKey,
    command: {
      type: 'batch',
      commands: [
        {
          type: 'void_pending',
          key: `dispute_void:${e.disputeId}`,
          pendingKey: e.holdKey,
          meta: meta('escrow_hold_void', reference, e.actor),
        },
        {
          type: 'hold',
          key: disputeHoldKey,
          lines: [debit(escrow, e.heldPaise), credit(payableAccount(e.supplier), e.heldPaise)],
          timeoutSeconds: 0,
          meta: meta('dispute_hold', `dispute:${e.disputeId}`, e.actor, { subject: reference }),
        },
      ],
    },
  };
}

export interface RefundAfterRelease {
  readonly escrow: EscrowKind;
  readonly subjectId: string;
  readonly supplier: Supplier;
  /** The lines released to the supplier (EscrowReleaseResult.releasedLines). */
  readonly releasedLines: readonly SaleLine[];
  /** Refunded after release so far (before this refund). */
  readonly previouslyRefundedPaise: Paise;
  readonly refundPaise: Paise;
  readonly rates: SaleRates;
  readonly policy?: TaxPolicy;
  /** Entries of the release, reversed on a full refund when nothing was refunded after release yet. */
  readonly releaseEntryKeys: readonly string[];
  /**
   * The available balance of the supplier's payable now (read by the caller). What it cannot bear
   * of the supplier's share — the supplier was already paid out — becomes a supplier receivable.
   * If a payout lands between the read and the post, the post fails with `exceeds_credits` and the
   * caller re-reads and retries.
   */
  readonly payableAvailablePaise: Paise;
  readonly refundId: string;
  readonly actor: string;
}

/**
 * Refund after release, taken back from the supplier's share.
 * Full (first and only refund of everything released): reverse the release entries (hold post and
 * deductions) — exact mirrors — then refund from escrow.
 * Partial: claw back by recomputation — each deduction changes by
 * component(remaining before) − component(remaining after), so successive partial refunds that add
 * up to the whole unwind every deduction exactly; the supplier's payable bears the rest:
 *   Dr payable Δnet, Dr revenue:commission Δc, Dr gst_output Δg, Dr tcs Δt, Dr tds Δd / Cr asset:gateway_receivable refund
 * (Δnet may be negative by a paisa or two from rounding: it is then a credit to the payable).
 * When the payable cannot bear Δnet (the supplier was paid out), the payable is debited what it
 * holds and the rest is debited to the supplier's receivable (asset:<kind>_receivable:<id>), which
 * `supplierReceivableRecovered` later offsets against the payable. A full refund takes the
 * reversal path only when the payable can bear it.
 */
export function refundAfterRelease(e: RefundAfterRelease): {
  command: LedgerCommand;
  clawback: Deductions;
} {
  const releasedPaise = saleGrossOf(e.releasedLines);
  const remainingBefore = releasedPaise - e.previouslyRefundedPaise;
  assert(e.refundPaise > 0n && e.refundPaise <= remainingBefore, 'refund out of range');
  const reference = `${e.escrow}:${e.subjectId}`;
  const deductionsAfterRefunds = (refunded: Paise) =>
    computeDeductions(linesLessRefund(e.releasedLines, refunded), e.rates, e.supplier, e.policy);
  const before = deductionsAfterRefunds(e.previouslyRefundedPaise);
  const after = deductionsAfterRefunds(e.previouslyRefundedPaise + e.refundPaise);
  const clawback: Deductions = {
    grossPaise: e.refundPaise,
    taxableValuePaise: before.taxableValuePaise - after.taxableValuePaise,
    commissionPaise: before.commissionPaise - after.commissionPaise,
    gstOnCommissionPaise: before.gstOnCommissionPaise - after.gstOnCommissionPaise,
    tcsPaise: before.tcsPaise - after.tcsPaise,
    tdsPaise: before.tdsPaise - after.tdsPaise,
    supplierNetPaise: before.supplierNetPaise - after.supplierNetPaise,
  };
  assert(e.payableAvailablePaise >= 0n, 'payable available must not be negative');
  const fullReversal =
    e.previouslyRefundedPaise === 0n &&
    e.refundPaise === releasedPaise &&
    e.payableAvailablePaise >= clawback.supplierNetPaise;
  if (fullReversal) {
    const escrow = escrowAccount(e.escrow, e.subjectId);
    return {
      clawback,
      command: {
        type: 'batch',
        commands: [
          // newest first: undo the deductions before the release they were taken from
          ...[...e.releaseEntryKeys].reverse().map((entryKey): LedgerCommand => ({
            type: 'reverse',
            key: `reverse:${e.refundId}:${entryKey}`,
            entryKey,
            meta: meta('refund_reversal', reference, e.actor),
          })),
          {
            type: 'post',
            key: `refund:${e.refundId}`,
            lines: [
              debit(escrow, e.refundPaise),
              credit(Accounts.gatewayReceivable, e.refundPaise),
            ],
            meta: meta('refund', reference, e.actor),
          },
        ],
      },
    };
  }
  const payable = payableAccount(e.supplier);
  const net = clawback.supplierNetPaise;
  const fromPayable = net <= e.payableAvailablePaise ? net : e.payableAvailablePaise;
  const lines = nonZero([
    net >= 0n ? debit(payable, fromPayable) : credit(payable, -net),
    debit(receivableAccount(e.supplier), net > fromPayable ? net - fromPayable : 0n),
    debit(Accounts.commission, clawback.commissionPaise),
    debit(Accounts.gstOutput, clawback.gstOnCommissionPaise),
    debit(Accounts.tcs, clawback.tcsPaise),
    debit(Accounts.tds, clawback.tdsPaise),
    credit(Accounts.gatewayReceivable, e.refundPaise),
  ]);
  return {
    clawback,
    command: {
      type: 'post',
      key: `refund:${e.refundId}`,
      lines,
      // The taxable value returned: the statutory returns report it (src/returns).
      meta: meta('refund_clawback', reference, e.actor, {
        taxableValuePaise: clawback.taxableValuePaise.toString(),
      }),
    },
  };
}

/**
 * A release's TCS corrected to another taxable basis (src/escrow/tcs-correction/): `differencePaise`
 * = TCS on the new basis − TCS posted, net of refunds after release.
 *   > 0: Dr payable (what it can bear), Dr receivable (the rest: the supplier was paid out) / Cr tax:tcs
 *   < 0: Dr tax:tcs / Cr payable
 */
export function tcsCorrected(e: {
  releaseId: string;
  reference: string;
  supplier: Pick<Supplier, 'kind' | 'id'>;
  differencePaise: Paise;
  payableAvailablePaise: Paise;
  actor: string;
  metadata: Record<string, string>;
}): { command: LedgerCommand; fromReceivablePaise: Paise } {
  assert(e.differencePaise !== 0n, 'a correction of nothing');
  assert(e.payableAvailablePaise >= 0n, 'payable available must not be negative');
  const d = e.differencePaise;
  const fromPayable = d > 0n ? (d <= e.payableAvailablePaise ? d : e.payableAvailablePaise) : 0n;
  const fromReceivablePaise = d > 0n ? d - fromPayable : 0n;
  const lines =
    d > 0n
      ? nonZero([
          debit(payableAccount(e.supplier), fromPayable),
          debit(receivableAccount(e.supplier), fromReceivablePaise),
          credit(Accounts.tcs, d),
        ])
      : [debit(Accounts.tcs, -d), credit(payableAccount(e.supplier), -d)];
  return {
    fromReceivablePaise,
    command: {
      type: 'post',
      key: `tcs_correction:${e.releaseId}`,
      lines,
      meta: meta('tcs_correction', e.reference, e.actor, e.metadata),
    },
  };
}

/** Gateway settles to the platform's bank: Dr asset:bank:<id> / Cr asset:gateway_receivable. */
export function gatewaySettlement(e: {
  settlementId: string;
  bankAccountId: string;
  amountPaise: Paise;
  actor: string;
}): LedgerCommand {
  return {
    type: 'post',
    key: `settlement:${e.settlementId}`,
    lines: [
      debit(Accounts.bank(e.bankAccountId), e.amountPaise),
      credit(Accounts.gatewayReceivable, e.amountPaise),
    ],
    meta: meta('gateway_settlement', `settlement:${e.settlementId}`, e.actor),
  };
}

/**
 * Settlement (payout) to a dealer or technician: Dr payable / Cr source, where the source is
 * asset:gateway_receivable for a Route transfer or asset:bank:<id> for a bank payout. The payable's
 * floor makes an over-payout fail with exceeds_credits.
 */
export function supplierPayout(e: {
  payoutId: string;
  supplier: Pick<Supplier, 'kind' | 'id'>;
  amountPaise: Paise;
  sourceAccount: string;
  actor: string;
}): LedgerCommand {
  return {
    type: 'post',
    key: `payout:${e.payoutId}`,
    lines: [
      debit(payableAccount(e.supplier), e.amountPaise),
      credit(e.sourceAccount, e.amountPaise),
    ],
    meta: meta('payout', `payout:${e.payoutId}`, e.actor),
  };
}

/**
 * Recovery of a supplier receivable from money the platform owes the supplier (typically right after
 * a later release credits its payable): Dr payable / Cr receivable. The caller picks the amount, at
 * most min(receivable balance, payable available); the floors refuse more.
 */
export function supplierReceivableRecovered(e: {
  recoveryId: string;
  supplier: Pick<Supplier, 'kind' | 'id'>;
  amountPaise: Paise;
  actor: string;
}): LedgerCommand {
  return {
    type: 'post',
    key: `recovery:${e.recoveryId}`,
    lines: [
      debit(payableAccount(e.supplier), e.amountPaise),
      credit(receivableAccount(e.supplier), e.amountPaise),
    ],
    meta: meta('receivable_recovered', `recovery:${e.recoveryId}`, e.actor),
  };
}

/** A maker-checker approved manual adjustment: any balanced lines, with reason, maker and checker. */
export function manualAdjustment(e: {
  adjustmentId: string;
  lines: readonly Line[];
  reason: string;
  maker: string;
  checker: string;
}): LedgerCommand {
  assert(e.maker !== e.checker, 'maker and checker must be different people');
  assert(e.reason.trim().length > 0, 'an adjustment needs a reason');
  return {
    type: 'post',
    key: `adjustment:${e.adjustmentId}`,
    lines: e.lines,
    meta: meta('manual_adjustment', `adjustment:${e.adjustmentId}`, e.checker, {
      reason: e.reason,
      maker: e.maker,
      checker: e.checker,
    }),
  };
}

/** A correction: the mirror of an entry, referencing it. */
export function reversal(e: {
  reversalId: string;
  entryKey: string;
  reason: string;
  actor: string;
}): LedgerCommand {
  return {
    type: 'reverse',
    key: `reversal:${e.reversalId}`,
    entryKey: e.entryKey,
    meta: meta('reversal', `entry:${e.entryKey}`, e.actor, { reason: e.reason }),
  };
}

/** Σ of withheld components; exported for tests and reports. */
export function withheldPaise(d: Deductions): Paise {
  return sumPaise([d.commissionPaise, d.gstOnCommissionPaise, d.tcsPaise, d.tdsPaise]);
}
