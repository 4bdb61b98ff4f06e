/**
 * The matching rules of the daily reconciliation, as pure functions over what was gathered: the
 * gateway's items of the day (and the ones our records point to), the ledger's entries on
 * `asset:gateway_receivable` (by key), and our payment, refund and escrow-hold records. Matching is
 * by identity, never by day: an item captured at 23:59 and posted at 00:01 matches. Every item
 * examined ends as matched, in transit, or an exception (README "Daily reconciliation").
 */
import type {
  GatewayPayment,
  GatewayRecipientSettlement,
  GatewayRefund,
  GatewayReversal,
  GatewaySettlement,
  GatewayTransfer,
} from '../gateway/payment-gateway.js';
import type {
  ExceptionKind,
  ReconciliationCategory,
  ReconciliationCategorySummaryDto,
  ReconciliationSummaryDto,
} from './dto/reconciliation.dto.js';

/** A released hold's Route transfer may still be on hold this long after the release. */
export const RELEASE_GRACE_MS = 60 * 60_000;
/** A payment authorized this long ago and not captured is an exception (Razorpay refunds it later). */
export const AUTHORIZED_GRACE_MS = 60 * 60_000;

export interface Finding {
  category: ReconciliationCategory;
  kind: ExceptionKind;
  subject: string;
  gatewayPaise: number | null;
  ledgerPaise: number | null;
  orderId: string | null;
  detail: string;
}

/** Our refund record, with the ledger key its posting uses. */
export interface RefundRecord {
  id: string;
  kind: string;
  status: 'requested' | 'processing' | 'processed' | 'failed';
  /** Null for a repair job's refund. */
  orderId: string | null;
  gatewayRefundId: string | null;
  ledgerKey: string;
}

/** An escrow hold with a Route transfer (a sub-order's to its dealer, a repair job's to its technician). */
export interface HoldRecord {
  holdId: string;
  /** What it is held for, as the details name it: `sub-order <id>` or `repair job <id>`. */
  obligation: string;
  /** The sub-order's order; null for a repair job. */
  orderId: string | null;
  amountPaise: number;
  status: 'held' | 'released' | 'refunded';
  transferId: string;
  /** The transfer's amount (lines cancelled after the transfer cut the hold, not this: reversed). */
  transferAmountPaise: number;
  transferStatus: string;
  releasedAt: Date | null;
  /** A refund of the sub-order not final yet (its transfer reversal may be under way). */
  refundInFlight: boolean;
  /** For a released hold: what should have been reversed of its transfer in total. */
  reversalTargetPaise: number | null;
}

export interface Gathered {
  now: Date;
  /** Gateway items created in the window. */
  listed: {
    payments: GatewayPayment[];
    refunds: GatewayRefund[];
    transfers: GatewayTransfer[];
    settlements: GatewaySettlement[];
  };
  /** Gateway items fetched one by one because our records point to them (null: not found). */
  fetched: {
    payments: Map<string, GatewayPayment | null>;
    refunds: Map<string, GatewayRefund | null>;
    transfers: Map<string, GatewayTransfer | null>;
    settlements: Map<string, GatewaySettlement | null>;
    /** Each dealer settlement (by id): the transfers it settled and when. */
    recipientSettlements: Map<string, GatewayRecipientSettlement>;
    /** The reversals of settled transfers, by transfer id, where their times were needed. */
    reversals: Map<string, GatewayReversal[]>;
  };
  /** Ledger entries on asset:gateway_receivable posted in the window: key → net (debit − credit). */
  ledgerInWindow: Map<string, number>;
  /** Every ledger entry on asset:gateway_receivable looked up by key (any day): key → net. */
  ledgerByKey: Map<string, number>;
  /** Our order of each gateway payment id / gateway order id. */
  orderOfPayment: Map<string, string>;
  refunds: RefundRecord[];
  holds: HoldRecord[];
}

export interface Matched {
  findings: Finding[];
  summary: ReconciliationSummaryDto;
}

/** A category's line of the summary. */
type Line = keyof Omit<ReconciliationSummaryDto, 'ledgerNetPaise' | 'reversedAfterPayout'>;

/** Ledger key prefixes and the category of their entries. */
const PREFIXES: [string, Line][] = [
  ['capture:', 'payments'],
  ['gateway_fee:', 'fees'],
  ['refund:', 'refunds'],
  ['settlement:', 'settlements'],
  ['payout:', 'payouts'],
];

const emptyCategory = (): ReconciliationCategorySummaryDto => ({
  gateway: { count: 0, paise: 0 },
  ledger: { count: 0, paise: 0 },
  matched: 0,
  inTransit: 0,
  exceptions: 0,
});

const rupees = (paise: number): string => `₹${(paise / 100).toFixed(2)}`;
const isCaptured = (p: GatewayPayment): boolean =>
  p.status === 'captured' || p.status === 'refunded';

/**
 * What a dealer settlement paid out when it was made: Σ (amount − reversed) of its transfers, where a
 * transfer whose reversals are known counts only those created up to the settlement's second (the
 * `later` ones came after the payout). Without them (or the settlement's time), all of a transfer's
 * reversals count.
 */
export function settledAtItsTime(
  settlement: GatewayRecipientSettlement,
  reversals: ReadonlyMap<string, GatewayReversal[]>,
): { paise: number; later: GatewayReversal[] } {
  let paise = 0;
  const later: GatewayReversal[] = [];
  const at = settlement.createdAt;
  for (const t of settlement.transfers) {
    const known = reversals.get(t.id);
    if (at === null || known === undefined) {
      paise += t.amountPaise - t.amountReversedPaise;
      continue;
    }
    paise += t.amountPaise;
    for (const r of known)
      if (r.createdAt <= at) paise -= r.amountPaise;
      else later.push(r);
  }
  return { paise, later };
}

/**
 * Matches one day, category by category (each step below adds its findings and summary lines): the
 * ledger's side, payments and their fees, refunds, Route transfers against escrow holds, the
 * platform's settlements, dealers' payouts, and any other entry on the gateway receivable.
 */
export function matchDay(g: Gathered): Matched {
  const day = startDay(g);
  matchPayments(day);
  matchRefunds(day);
  const transfers = matchTransfers(day);
  matchSettlements(day);
  matchPayouts(day, transfers);
  matchOtherEntries(day);
  return { findings: day.findings, summary: day.summary };
}

/** The day being matched: what was gathered, the findings and the summary so far. */
interface Day {
  g: Gathered;
  findings: Finding[];
  summary: ReconciliationSummaryDto;
  /** The ledger keys posted in the window, by summary line. */
  inWindow: Map<string, string[]>;
}

/** Records an exception counted on `line`. */
function exception(day: Day, line: Line, f: Finding): void {
  day.findings.push(f);
  day.summary[line].exceptions += 1;
}

/** The ledger's net on `asset:gateway_receivable` of an entry key (any day), if posted. */
function ledgerOf(day: Day, key: string): number | undefined {
  return day.g.ledgerByKey.get(key) ?? day.g.ledgerInWindow.get(key);
}

/** The ids behind the window's ledger keys of a line (`capture:<id>` → `<id>`). */
function keysOf(day: Day, line: Line, prefix: string): string[] {
  return (day.inWindow.get(line) ?? []).map((k) => k.slice(prefix.length));
}

/** An empty summary with the ledger side of the day tallied, by category. */
function startDay(g: Gathered): Day {
  const summary: ReconciliationSummaryDto = {
    payments: emptyCategory(),
    fees: emptyCategory(),
    refunds: emptyCategory(),
    transfers: emptyCategory(),
    settlements: emptyCategory(),
    payouts: emptyCategory(),
    other: emptyCategory(),
    ledgerNetPaise: 0,
    reversedAfterPayout: { count: 0, paise: 0 },
  };
  const inWindow = new Map<string, string[]>();
  for (const [key, net] of g.ledgerInWindow) {
    summary.ledgerNetPaise += net;
    const line = PREFIXES.find(([p]) => key.startsWith(p))?.[1] ?? 'other';
    summary[line].ledger.count += 1;
    summary[line].ledger.paise += Math.abs(net);
    inWindow.set(line, [...(inWindow.get(line) ?? []), key]);
  }
  return { g, findings: [], summary, inWindow };
}

// ---- payments and their fees ----

type Base<C extends ReconciliationCategory> = {
  category: C;
  subject: string;
  orderId: string | null;
};

/** Every payment listed at the gateway or captured (or charged a fee) in the ledger. */
function matchPayments(day: Day): void {
  const { g, summary } = day;
  const payments = new Map<string, GatewayPayment | null>();
  for (const p of g.listed.payments) {
    payments.set(p.id, p);
    if (isCaptured(p)) {
      summary.payments.gateway.count += 1;
      summary.payments.gateway.paise += p.amountPaise;
      summary.fees.gateway.count += p.feePaise ? 1 : 0;
      summary.fees.gateway.paise += p.feePaise ?? 0;
    }
  }
  for (const [id, p] of g.fetched.payments) if (!payments.has(id)) payments.set(id, p);
  const paymentIds = new Set([
    ...g.listed.payments.map((p) => p.id),
    ...keysOf(day, 'payments', 'capture:'),
    ...keysOf(day, 'fees', 'gateway_fee:'),
  ]);
  for (const id of paymentIds) {
    const p = payments.get(id) ?? null;
    const orderId =
      g.orderOfPayment.get(id) ??
      (p?.orderId ? g.orderOfPayment.get(p.orderId) : undefined) ??
      null;
    const ledger = {
      captured: ledgerOf(day, `capture:${id}`),
      fee: ledgerOf(day, `gateway_fee:${id}`),
    };
    const base = { category: 'payments' as const, subject: id, orderId };
    if (p === null || !isCaptured(p)) checkUncaptured(day, base, p, ledger);
    else checkCaptured(day, base, p, ledger);
  }
}

interface PaymentLedger {
  captured: number | undefined;
  fee: number | undefined;
}

/** A payment the gateway did not capture (or does not know): in transit, or the ledger is wrong. */
function checkUncaptured(
  day: Day,
  base: Base<'payments'>,
  p: GatewayPayment | null,
  { captured, fee }: PaymentLedger,
): void {
  if (p !== null && p.status === 'authorized') {
    if (day.g.now.getTime() - p.createdAt * 1000 > AUTHORIZED_GRACE_MS)
      exception(day, 'payments', {
        ...base,
        kind: 'payment_authorized_not_captured',
        gatewayPaise: p.amountPaise,
        ledgerPaise: captured ?? null,
        detail: `authorized ${rupees(p.amountPaise)} more than an hour ago and not captured`,
      });
    else day.summary.payments.inTransit += 1;
    return;
  }
  if (captured !== undefined) {
    const withFee = fee === undefined ? '' : ` (and a fee of ${rupees(-fee)})`;
    exception(day, 'payments', {
      ...base,
      kind: 'payment_not_captured_at_gateway',
      gatewayPaise: null,
      ledgerPaise: captured,
      detail:
        p === null
          ? `the ledger holds a capture of ${rupees(captured)}${withFee} the gateway does not know`
          : `the ledger holds a capture of ${rupees(captured)}${withFee}; the gateway says ${p.status}`,
    });
    // The fee posted with it is part of the same exception.
    if (fee !== undefined) day.summary.fees.exceptions += 1;
  } else if (fee !== undefined)
    exception(day, 'fees', {
      ...base,
      kind: 'fee_mismatch',
      gatewayPaise: 0,
      ledgerPaise: -fee,
      detail: `a gateway fee of ${rupees(-fee)} is posted for a payment the gateway did not capture`,
    });
}

/** A payment captured at the gateway: its capture and its fee against the ledger. */
function checkCaptured(
  day: Day,
  base: Base<'payments'>,
  p: GatewayPayment,
  { captured, fee }: PaymentLedger,
): void {
  const { summary } = day;
  if (captured === undefined) {
    // Its fee is missing too: one exception, not two.
    exception(day, 'payments', {
      ...base,
      kind: 'payment_missing_in_ledger',
      gatewayPaise: p.amountPaise,
      ledgerPaise: null,
      detail: `captured ${rupees(p.amountPaise)} at the gateway (fee ${rupees(p.feePaise ?? 0)}); neither is in the ledger`,
    });
    // Its fee is part of the same exception.
    if (p.feePaise) summary.fees.exceptions += 1;
    return;
  }
  if (captured !== p.amountPaise)
    exception(day, 'payments', {
      ...base,
      kind: 'payment_amount_mismatch',
      gatewayPaise: p.amountPaise,
      ledgerPaise: captured,
      detail: `captured ${rupees(p.amountPaise)} at the gateway; ${rupees(captured)} in the ledger`,
    });
  else summary.payments.matched += 1;
  const gatewayFee = p.feePaise ?? 0;
  const ledgerFee = fee === undefined ? 0 : -fee;
  if (gatewayFee !== ledgerFee)
    exception(day, 'fees', {
      ...base,
      kind: 'fee_mismatch',
      gatewayPaise: gatewayFee,
      ledgerPaise: ledgerFee,
      detail: `gateway fee ${rupees(gatewayFee)}; ${rupees(ledgerFee)} posted`,
    });
  else if (gatewayFee > 0) summary.fees.matched += 1;
}

// ---- refunds ----

/** Our refund records by gateway id, id and ledger key, and the ledger keys examined so far. */
interface Refunds {
  byGatewayId: Map<string, RefundRecord>;
  byId: Map<string, RefundRecord>;
  byLedgerKey: Map<string, RefundRecord>;
  examined: Set<string>;
}

/** The gateway's refunds of the window, then the ledger's refunds of the window not examined yet. */
function matchRefunds(day: Day): void {
  const refunds: Refunds = {
    byGatewayId: new Map(),
    byId: new Map(),
    byLedgerKey: new Map(),
    examined: new Set(),
  };
  for (const r of day.g.refunds) {
    if (r.gatewayRefundId !== null) refunds.byGatewayId.set(r.gatewayRefundId, r);
    refunds.byId.set(r.id, r);
    refunds.byLedgerKey.set(r.ledgerKey, r);
  }
  const listed = new Set<string>();
  for (const gr of day.g.listed.refunds) {
    listed.add(gr.id);
    if (gr.status === 'processed') {
      day.summary.refunds.gateway.count += 1;
      day.summary.refunds.gateway.paise += gr.amountPaise;
    }
    // Through the notes only while the record knows no other gateway refund (a second refund of the
    // same record is not ours to match).
    const byNotes =
      gr.notes.refundId !== undefined ? refunds.byId.get(gr.notes.refundId) : undefined;
    const record =
      refunds.byGatewayId.get(gr.id) ??
      (byNotes !== undefined &&
      (byNotes.gatewayRefundId === null || byNotes.gatewayRefundId === gr.id)
        ? byNotes
        : undefined);
    checkRefund(day, refunds, gr, record);
  }
  matchLedgerOnlyRefunds(day, refunds, listed);
}

/** The window's ledger refunds that no listed gateway refund led to. */
function matchLedgerOnlyRefunds(day: Day, refunds: Refunds, listed: Set<string>): void {
  for (const key of day.inWindow.get('refunds') ?? []) {
    if (refunds.examined.has(key)) continue;
    const record = refunds.byLedgerKey.get(key);
    const posted = -(day.g.ledgerInWindow.get(key) ?? 0);
    if (record === undefined) {
      exception(day, 'refunds', {
        category: 'refunds',
        kind: 'refund_not_at_gateway',
        subject: key,
        gatewayPaise: null,
        ledgerPaise: posted,
        orderId: null,
        detail: `the ledger holds a refund of ${rupees(posted)} with no refund record behind it`,
      });
      continue;
    }
    if (record.gatewayRefundId === null || listed.has(record.gatewayRefundId)) {
      if (record.status === 'failed') checkRefund(day, refunds, null, record);
      // Posted at release before it was sent (a dispute's partial refund): on its way.
      else if (record.gatewayRefundId === null) day.summary.refunds.inTransit += 1;
      continue;
    }
    checkRefund(day, refunds, day.g.fetched.refunds.get(record.gatewayRefundId) ?? null, record);
  }
}

/** One refund: the gateway's (null: unknown there) against what our record posted. */
function checkRefund(
  day: Day,
  refunds: Refunds,
  gr: GatewayRefund | null,
  record: RefundRecord | undefined,
): void {
  const subject = gr?.id ?? record!.ledgerKey;
  const orderId =
    record?.orderId ?? (gr ? day.g.orderOfPayment.get(gr.paymentId) : undefined) ?? null;
  const base = { category: 'refunds' as const, subject, orderId };
  const posted = record === undefined ? undefined : ledgerOf(day, record.ledgerKey);
  if (record !== undefined) refunds.examined.add(record.ledgerKey);
  const postedPaise = posted === undefined ? null : -posted;
  if (gr === null) {
    if (postedPaise !== null)
      exception(day, 'refunds', {
        ...base,
        kind: 'refund_not_at_gateway',
        gatewayPaise: null,
        ledgerPaise: postedPaise,
        detail: `the ledger holds a refund of ${rupees(postedPaise)} the gateway does not know`,
      });
    return;
  }
  if (gr.status === 'pending') {
    day.summary.refunds.inTransit += 1;
    return;
  }
  if (gr.status === 'failed') {
    if (postedPaise !== null)
      exception(day, 'refunds', {
        ...base,
        kind: 'refund_failed_at_gateway',
        gatewayPaise: 0,
        ledgerPaise: postedPaise,
        detail: `the gateway failed this refund; the ledger holds it as ${rupees(postedPaise)} refunded`,
      });
    else day.summary.refunds.matched += 1;
    return;
  }
  checkRefundAmount(day, base, gr, record, postedPaise);
}

/** A refund the gateway processed against what the ledger holds of it. */
function checkRefundAmount(
  day: Day,
  base: Base<'refunds'>,
  gr: GatewayRefund,
  record: RefundRecord | undefined,
  postedPaise: number | null,
): void {
  if (postedPaise === null)
    exception(day, 'refunds', {
      ...base,
      kind: 'refund_missing_in_ledger',
      gatewayPaise: gr.amountPaise,
      ledgerPaise: null,
      detail:
        record === undefined
          ? `refunded ${rupees(gr.amountPaise)} at the gateway; no refund of ours`
          : `refunded ${rupees(gr.amountPaise)} at the gateway; not posted (${record.status})`,
    });
  else if (postedPaise !== gr.amountPaise)
    exception(day, 'refunds', {
      ...base,
      kind: 'refund_amount_mismatch',
      gatewayPaise: gr.amountPaise,
      ledgerPaise: postedPaise,
      detail: `refunded ${rupees(gr.amountPaise)} at the gateway; ${rupees(postedPaise)} posted`,
    });
  else day.summary.refunds.matched += 1;
}

// ---- Route transfers against escrow holds ----

/** The gateway's transfers (listed and fetched) and our holds by transfer id, for the payouts. */
interface Transfers {
  byId: Map<string, GatewayTransfer | null>;
  holdByTransfer: Map<string, HoldRecord>;
}

function matchTransfers(day: Day): Transfers {
  const { g, summary } = day;
  const byId = new Map<string, GatewayTransfer | null>();
  for (const t of g.listed.transfers) {
    byId.set(t.id, t);
    summary.transfers.gateway.count += 1;
    summary.transfers.gateway.paise += t.amountPaise;
  }
  for (const [id, t] of g.fetched.transfers) if (!byId.has(id)) byId.set(id, t);
  const holdByTransfer = new Map(g.holds.map((h) => [h.transferId, h]));
  summary.transfers.ledger.count = g.holds.length;
  summary.transfers.ledger.paise = g.holds.reduce((s, h) => s + h.transferAmountPaise, 0);
  for (const id of new Set([...byId.keys(), ...holdByTransfer.keys()]))
    checkTransfer(day, id, byId.get(id) ?? null, holdByTransfer.get(id));
  return { byId, holdByTransfer };
}

/** One transfer: known on both sides and of the recorded amount, then what the payee keeps. */
function checkTransfer(
  day: Day,
  id: string,
  t: GatewayTransfer | null,
  h: HoldRecord | undefined,
): void {
  const base = { category: 'transfers' as const, subject: id, orderId: h?.orderId ?? null };
  if (h === undefined) {
    exception(day, 'transfers', {
      ...base,
      kind: 'transfer_unknown',
      gatewayPaise: t!.amountPaise,
      ledgerPaise: null,
      detail: `a Route transfer of ${rupees(t!.amountPaise)} to ${t!.recipientAccountId} with no escrow hold of ours`,
    });
    return;
  }
  if (t === null) {
    exception(day, 'transfers', {
      ...base,
      kind: 'transfer_not_at_gateway',
      gatewayPaise: null,
      ledgerPaise: h.transferAmountPaise,
      detail: `the escrow hold of ${h.obligation} records a transfer the gateway does not know`,
    });
    return;
  }
  if (t.amountPaise !== h.transferAmountPaise) {
    exception(day, 'transfers', {
      ...base,
      kind: 'transfer_amount_mismatch',
      gatewayPaise: t.amountPaise,
      ledgerPaise: h.transferAmountPaise,
      detail: `transfer of ${rupees(t.amountPaise)} recorded as ${rupees(h.transferAmountPaise)}`,
    });
    return;
  }
  checkTransferKept(day, base, t, h);
}

/** What the payee keeps of a transfer (amount − reversed), against the hold's state. */
function checkTransferKept(
  day: Day,
  base: Base<'transfers'>,
  t: GatewayTransfer,
  h: HoldRecord,
): void {
  const kept = t.amountPaise - t.amountReversedPaise;
  // Never right, a refund under way or not: the refund flow reverses, it never lifts holds.
  if (h.status === 'held' && !t.onHold && kept > 0) {
    exception(day, 'transfers', {
      ...base,
      kind: 'transfer_released_while_held',
      gatewayPaise: kept,
      ledgerPaise: h.amountPaise,
      detail: `the transfer is not on hold while ${h.obligation}'s escrow is held`,
    });
    return;
  }
  if (h.refundInFlight) {
    day.summary.transfers.inTransit += 1;
    return;
  }
  if (h.status === 'released') {
    checkReleasedTransfer(day, base, t, h, kept);
    return;
  }
  const expected = h.status === 'held' ? h.amountPaise : 0;
  if (kept !== expected)
    exception(day, 'transfers', {
      ...base,
      kind: 'transfer_reversal_mismatch',
      gatewayPaise: kept,
      ledgerPaise: expected,
      detail:
        h.status === 'held'
          ? `${rupees(t.amountReversedPaise)} reversed while the escrow is held`
          : `the escrow was refunded; ${rupees(kept)} of the transfer is not reversed`,
    });
  else day.summary.transfers.matched += 1;
}

/** A released hold's transfer: its hold lifted (within the grace), the payee keeping its share. */
function checkReleasedTransfer(
  day: Day,
  base: Base<'transfers'>,
  t: GatewayTransfer,
  h: HoldRecord,
  kept: number,
): void {
  if (h.transferStatus !== 'released' || t.onHold) {
    const since = h.releasedAt === null ? 0 : day.g.now.getTime() - h.releasedAt.getTime();
    if (since > RELEASE_GRACE_MS)
      exception(day, 'transfers', {
        ...base,
        kind: 'transfer_hold_not_lifted',
        gatewayPaise: kept,
        ledgerPaise: h.transferAmountPaise - (h.reversalTargetPaise ?? 0),
        detail: `${h.obligation} was released more than an hour ago; its transfer is ${t.onHold ? 'still on hold' : 'not recorded as released'} (${h.transferStatus})`,
      });
    else day.summary.transfers.inTransit += 1;
    return;
  }
  const expected = h.transferAmountPaise - (h.reversalTargetPaise ?? 0);
  if (kept !== expected)
    exception(day, 'transfers', {
      ...base,
      kind: 'transfer_reversal_mismatch',
      gatewayPaise: kept,
      ledgerPaise: expected,
      detail: `the payee keeps ${rupees(kept)} of the transfer; its share is ${rupees(expected)}`,
    });
  else day.summary.transfers.matched += 1;
}

// ---- the platform's settlements ----

function matchSettlements(day: Day): void {
  const { g, summary } = day;
  const settlements = new Map<string, GatewaySettlement | null>();
  for (const s of g.listed.settlements) {
    settlements.set(s.id, s);
    if (s.status === 'processed') {
      summary.settlements.gateway.count += 1;
      summary.settlements.gateway.paise += s.amountPaise;
    }
  }
  for (const [id, s] of g.fetched.settlements) if (!settlements.has(id)) settlements.set(id, s);
  for (const id of new Set([...settlements.keys(), ...keysOf(day, 'settlements', 'settlement:')]))
    checkSettlement(day, id, settlements.get(id) ?? null);
}

function checkSettlement(day: Day, id: string, s: GatewaySettlement | null): void {
  const net = ledgerOf(day, `settlement:${id}`);
  const posted = net === undefined ? null : -net;
  const base = { category: 'settlements' as const, subject: id, orderId: null };
  if (s === null || s.status !== 'processed') {
    if (posted !== null)
      exception(day, 'settlements', {
        ...base,
        kind: 'settlement_not_at_gateway',
        gatewayPaise: null,
        ledgerPaise: posted,
        detail:
          s === null
            ? `the ledger holds a settlement of ${rupees(posted)} the gateway does not know`
            : `the ledger holds a settlement of ${rupees(posted)}; the gateway says ${s.status}`,
      });
    else day.summary.settlements.inTransit += 1;
    return;
  }
  if (posted === null)
    exception(day, 'settlements', {
      ...base,
      kind: 'settlement_missing_in_ledger',
      gatewayPaise: s.amountPaise,
      ledgerPaise: null,
      detail: `settled ${rupees(s.amountPaise)} to the bank (UTR ${s.utr ?? '—'}); not in the ledger`,
    });
  else if (posted !== s.amountPaise)
    exception(day, 'settlements', {
      ...base,
      kind: 'settlement_amount_mismatch',
      gatewayPaise: s.amountPaise,
      ledgerPaise: posted,
      detail: `settled ${rupees(s.amountPaise)} to the bank; ${rupees(posted)} posted`,
    });
  else day.summary.settlements.matched += 1;
}

// ---- dealers' Route settlements (payouts) against the transfers they settled ----

function matchPayouts(day: Day, transfers: Transfers): void {
  const payoutIds = new Set(keysOf(day, 'payouts', 'payout:'));
  for (const t of transfers.byId.values())
    if (t !== null && t.settlementStatus === 'settled' && t.recipientSettlementId !== null)
      payoutIds.add(t.recipientSettlementId);
  for (const id of payoutIds) checkPayout(day, id, transfers);
}

function checkPayout(day: Day, id: string, transfers: Transfers): void {
  const { summary } = day;
  const settlement = day.g.fetched.recipientSettlements.get(id) ?? {
    id,
    createdAt: null,
    transfers: [],
  };
  const settled = settlement.transfers;
  const { paise: gatewayPaise, later } = settledAtItsTime(settlement, day.g.fetched.reversals);
  // Reversed after the dealer was paid: the dealer owes it back (booked by the refund after
  // release as its receivable), not a payout error.
  summary.reversedAfterPayout.count += later.length;
  summary.reversedAfterPayout.paise += later.reduce((s, r) => s + r.amountPaise, 0);
  summary.payouts.gateway.count += 1;
  summary.payouts.gateway.paise += gatewayPaise;
  const net = ledgerOf(day, `payout:${id}`);
  const base = {
    category: 'payouts' as const,
    subject: id,
    orderId:
      settled.length > 0 ? (transfers.holdByTransfer.get(settled[0]!.id)?.orderId ?? null) : null,
  };
  if (net === undefined)
    exception(day, 'payouts', {
      ...base,
      kind: 'payout_missing_in_ledger',
      gatewayPaise,
      ledgerPaise: null,
      detail: `Route settled ${rupees(gatewayPaise)} to a dealer in ${id}; no payout in the ledger`,
    });
  else if (-net !== gatewayPaise)
    exception(day, 'payouts', {
      ...base,
      kind: 'payout_mismatch',
      gatewayPaise,
      ledgerPaise: -net,
      detail: `the transfers settled in ${id} came to ${rupees(gatewayPaise)} when it was made; the payout posted is ${rupees(-net)}`,
    });
  else summary.payouts.matched += 1;
}

// ---- anything else that moved the gateway receivable ----

function matchOtherEntries(day: Day): void {
  for (const key of day.inWindow.get('other') ?? []) {
    const net = day.g.ledgerInWindow.get(key)!;
    exception(day, 'other', {
      category: 'other',
      kind: 'ledger_entry_unmatched',
      subject: key,
      gatewayPaise: null,
      ledgerPaise: net,
      orderId: null,
      detail: `${net >= 0 ? 'debits' : 'credits'} asset:gateway_receivable ${rupees(Math.abs(net))} with no gateway item to match`,
    });
  }
}
