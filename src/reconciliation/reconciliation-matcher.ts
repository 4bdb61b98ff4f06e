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
  orderId: string;
  gatewayRefundId: string | null;
  ledgerKey: string;
}

/** An escrow hold with a Route transfer. */
export interface HoldRecord {
  subOrderId: string;
  orderId: string;
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

export function matchDay(g: Gathered): Matched {
  const findings: Finding[] = [];
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
  const exception = (line: Line, f: Finding): void => {
    findings.push(f);
    summary[line].exceptions += 1;
  };
  const ledger = (key: string): number | undefined =>
    g.ledgerByKey.get(key) ?? g.ledgerInWindow.get(key);

  // The ledger side of the day, by category.
  const inWindowByCategory = new Map<string, string[]>();
  for (const [key, net] of g.ledgerInWindow) {
    summary.ledgerNetPaise += net;
    const line = PREFIXES.find(([p]) => key.startsWith(p))?.[1] ?? 'other';
    summary[line].ledger.count += 1;
    summary[line].ledger.paise += Math.abs(net);
    inWindowByCategory.set(line, [...(inWindowByCategory.get(line) ?? []), key]);
  }
  const keysOf = (line: string, prefix: string): string[] =>
    (inWindowByCategory.get(line) ?? []).map((k) => k.slice(prefix.length));

  // ---- payments and their fees ----
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
    ...keysOf('payments', 'capture:'),
    ...keysOf('fees', 'gateway_fee:'),
  ]);
  for (const id of paymentIds) {
    const p = payments.get(id) ?? null;
    const orderId =
      g.orderOfPayment.get(id) ??
      (p?.orderId ? g.orderOfPayment.get(p.orderId) : undefined) ??
      null;
    const captured = ledger(`capture:${id}`);
    const fee = ledger(`gateway_fee:${id}`);
    const base = { category: 'payments' as const, subject: id, orderId };
    if (p === null || !isCaptured(p)) {
      if (p !== null && p.status === 'authorized') {
        if (g.now.getTime() - p.createdAt * 1000 > AUTHORIZED_GRACE_MS)
          exception('payments', {
            ...base,
            kind: 'payment_authorized_not_captured',
            gatewayPaise: p.amountPaise,
            ledgerPaise: captured ?? null,
            detail: `authorized ${rupees(p.amountPaise)} more than an hour ago and not captured`,
          });
        else summary.payments.inTransit += 1;
        continue;
      }
      if (captured !== undefined) {
        const withFee = fee === undefined ? '' : ` (and a fee of ${rupees(-fee)})`;
        exception('payments', {
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
        if (fee !== undefined) summary.fees.exceptions += 1;
      } else if (fee !== undefined)
        exception('fees', {
          ...base,
          kind: 'fee_mismatch',
          gatewayPaise: 0,
          ledgerPaise: -fee,
          detail: `a gateway fee of ${rupees(-fee)} is posted for a payment the gateway did not capture`,
        });
      continue;
    }
    if (captured === undefined) {
      // Its fee is missing too: one exception, not two.
      exception('payments', {
        ...base,
        kind: 'payment_missing_in_ledger',
        gatewayPaise: p.amountPaise,
        ledgerPaise: null,
        detail: `captured ${rupees(p.amountPaise)} at the gateway (fee ${rupees(p.feePaise ?? 0)}); neither is in the ledger`,
      });
      // Its fee is part of the same exception.
      if (p.feePaise) summary.fees.exceptions += 1;
      continue;
    }
    if (captured !== p.amountPaise)
      exception('payments', {
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
      exception('fees', {
        ...base,
        kind: 'fee_mismatch',
        gatewayPaise: gatewayFee,
        ledgerPaise: ledgerFee,
        detail: `gateway fee ${rupees(gatewayFee)}; ${rupees(ledgerFee)} posted`,
      });
    else if (gatewayFee > 0) summary.fees.matched += 1;
  }

  // ---- refunds ----
  const refundByGatewayId = new Map<string, RefundRecord>();
  const refundById = new Map<string, RefundRecord>();
  const refundByLedgerKey = new Map<string, RefundRecord>();
  for (const r of g.refunds) {
    if (r.gatewayRefundId !== null) refundByGatewayId.set(r.gatewayRefundId, r);
    refundById.set(r.id, r);
    refundByLedgerKey.set(r.ledgerKey, r);
  }
  const examinedLedgerRefunds = new Set<string>();
  const checkRefund = (gr: GatewayRefund | null, record: RefundRecord | undefined): void => {
    const subject = gr?.id ?? record!.ledgerKey;
    const orderId =
      record?.orderId ?? (gr ? g.orderOfPayment.get(gr.paymentId) : undefined) ?? null;
    const base = { category: 'refunds' as const, subject, orderId };
    const posted = record === undefined ? undefined : ledger(record.ledgerKey);
    if (record !== undefined) examinedLedgerRefunds.add(record.ledgerKey);
    const postedPaise = posted === undefined ? null : -posted;
    if (gr === null) {
      if (postedPaise !== null)
        exception('refunds', {
          ...base,
          kind: 'refund_not_at_gateway',
          gatewayPaise: null,
          ledgerPaise: postedPaise,
          detail: `the ledger holds a refund of ${rupees(postedPaise)} the gateway does not know`,
        });
      return;
    }
    if (gr.status === 'pending') {
      summary.refunds.inTransit += 1;
      return;
    }
    if (gr.status === 'failed') {
      if (postedPaise !== null)
        exception('refunds', {
          ...base,
          kind: 'refund_failed_at_gateway',
          gatewayPaise: 0,
          ledgerPaise: postedPaise,
          detail: `the gateway failed this refund; the ledger holds it as ${rupees(postedPaise)} refunded`,
        });
      else summary.refunds.matched += 1;
      return;
    }
    if (postedPaise === null)
      exception('refunds', {
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
      exception('refunds', {
        ...base,
        kind: 'refund_amount_mismatch',
        gatewayPaise: gr.amountPaise,
        ledgerPaise: postedPaise,
        detail: `refunded ${rupees(gr.amountPaise)} at the gateway; ${rupees(postedPaise)} posted`,
      });
    else summary.refunds.matched += 1;
  };
  const listedRefunds = new Set<string>();
  for (const gr of g.listed.refunds) {
    listedRefunds.add(gr.id);
    if (gr.status === 'processed') {
      summary.refunds.gateway.count += 1;
      summary.refunds.gateway.paise += gr.amountPaise;
    }
    // Through the notes only while the record knows no other gateway refund (a second refund of the
    // same record is not ours to match).
    const byNotes = gr.notes.refundId !== undefined ? refundById.get(gr.notes.refundId) : undefined;
    const record =
      refundByGatewayId.get(gr.id) ??
      (byNotes !== undefined &&
      (byNotes.gatewayRefundId === null || byNotes.gatewayRefundId === gr.id)
        ? byNotes
        : undefined);
    checkRefund(gr, record);
  }
  for (const key of inWindowByCategory.get('refunds') ?? []) {
    if (examinedLedgerRefunds.has(key)) continue;
    const record = refundByLedgerKey.get(key);
    const posted = -(g.ledgerInWindow.get(key) ?? 0);
    if (record === undefined) {
      exception('refunds', {
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
    if (record.gatewayRefundId === null || listedRefunds.has(record.gatewayRefundId)) {
      if (record.status === 'failed') checkRefund(null, record);
      // Posted at release before it was sent (a dispute's partial refund): on its way.
      else if (record.gatewayRefundId === null) summary.refunds.inTransit += 1;
      continue;
    }
    checkRefund(g.fetched.refunds.get(record.gatewayRefundId) ?? null, record);
  }

  // ---- Route transfers against escrow holds ----
  const transfers = new Map<string, GatewayTransfer | null>();
  for (const t of g.listed.transfers) {
    transfers.set(t.id, t);
    summary.transfers.gateway.count += 1;
    summary.transfers.gateway.paise += t.amountPaise;
  }
  for (const [id, t] of g.fetched.transfers) if (!transfers.has(id)) transfers.set(id, t);
  const holdByTransfer = new Map(g.holds.map((h) => [h.transferId, h]));
  summary.transfers.ledger.count = g.holds.length;
  summary.transfers.ledger.paise = g.holds.reduce((s, h) => s + h.transferAmountPaise, 0);
  for (const id of new Set([...transfers.keys(), ...holdByTransfer.keys()])) {
    const t = transfers.get(id) ?? null;
    const h = holdByTransfer.get(id);
    const base = { category: 'transfers' as const, subject: id, orderId: h?.orderId ?? null };
    if (h === undefined) {
      exception('transfers', {
        ...base,
        kind: 'transfer_unknown',
        gatewayPaise: t!.amountPaise,
        ledgerPaise: null,
        detail: `a Route transfer of ${rupees(t!.amountPaise)} to ${t!.recipientAccountId} with no escrow hold of ours`,
      });
      continue;
    }
    if (t === null) {
      exception('transfers', {
        ...base,
        kind: 'transfer_not_at_gateway',
        gatewayPaise: null,
        ledgerPaise: h.transferAmountPaise,
        detail: `the escrow hold of sub-order ${h.subOrderId} records a transfer the gateway does not know`,
      });
      continue;
    }
    if (t.amountPaise !== h.transferAmountPaise) {
      exception('transfers', {
        ...base,
        kind: 'transfer_amount_mismatch',
        gatewayPaise: t.amountPaise,
        ledgerPaise: h.transferAmountPaise,
        detail: `transfer of ${rupees(t.amountPaise)} recorded as ${rupees(h.transferAmountPaise)}`,
      });
      continue;
    }
    const kept = t.amountPaise - t.amountReversedPaise;
    // Never right, a refund under way or not: the refund flow reverses, it never lifts holds.
    if (h.status === 'held' && !t.onHold && kept > 0) {
      exception('transfers', {
        ...base,
        kind: 'transfer_released_while_held',
        gatewayPaise: kept,
        ledgerPaise: h.amountPaise,
        detail: `the transfer is not on hold while sub-order ${h.subOrderId}'s escrow is held`,
      });
      continue;
    }
    if (h.refundInFlight) {
      summary.transfers.inTransit += 1;
      continue;
    }
    if (h.status === 'held') {
      if (kept !== h.amountPaise)
        exception('transfers', {
          ...base,
          kind: 'transfer_reversal_mismatch',
          gatewayPaise: kept,
          ledgerPaise: h.amountPaise,
          detail: `${rupees(t.amountReversedPaise)} reversed while the escrow is held`,
        });
      else summary.transfers.matched += 1;
      continue;
    }
    if (h.status === 'refunded') {
      if (kept !== 0)
        exception('transfers', {
          ...base,
          kind: 'transfer_reversal_mismatch',
          gatewayPaise: kept,
          ledgerPaise: 0,
          detail: `the escrow was refunded; ${rupees(kept)} of the transfer is not reversed`,
        });
      else summary.transfers.matched += 1;
      continue;
    }
    // Released.
    if (h.transferStatus !== 'released' || t.onHold) {
      const since = h.releasedAt === null ? 0 : g.now.getTime() - h.releasedAt.getTime();
      if (since > RELEASE_GRACE_MS)
        exception('transfers', {
          ...base,
          kind: 'transfer_hold_not_lifted',
          gatewayPaise: kept,
          ledgerPaise: h.transferAmountPaise - (h.reversalTargetPaise ?? 0),
          detail: `sub-order ${h.subOrderId} was released more than an hour ago; its transfer is ${t.onHold ? 'still on hold' : 'not recorded as released'} (${h.transferStatus})`,
        });
      else summary.transfers.inTransit += 1;
      continue;
    }
    const expected = h.transferAmountPaise - (h.reversalTargetPaise ?? 0);
    if (kept !== expected)
      exception('transfers', {
        ...base,
        kind: 'transfer_reversal_mismatch',
        gatewayPaise: kept,
        ledgerPaise: expected,
        detail: `the dealer keeps ${rupees(kept)} of the transfer; its share is ${rupees(expected)}`,
      });
    else summary.transfers.matched += 1;
  }

  // ---- the platform's settlements ----
  const settlements = new Map<string, GatewaySettlement | null>();
  for (const s of g.listed.settlements) {
    settlements.set(s.id, s);
    if (s.status === 'processed') {
      summary.settlements.gateway.count += 1;
      summary.settlements.gateway.paise += s.amountPaise;
    }
  }
  for (const [id, s] of g.fetched.settlements) if (!settlements.has(id)) settlements.set(id, s);
  for (const id of new Set([...settlements.keys(), ...keysOf('settlements', 'settlement:')])) {
    const s = settlements.get(id) ?? null;
    const net = ledger(`settlement:${id}`);
    const posted = net === undefined ? null : -net;
    const base = { category: 'settlements' as const, subject: id, orderId: null };
    if (s === null || s.status !== 'processed') {
      if (posted !== null)
        exception('settlements', {
          ...base,
          kind: 'settlement_not_at_gateway',
          gatewayPaise: null,
          ledgerPaise: posted,
          detail:
            s === null
              ? `the ledger holds a settlement of ${rupees(posted)} the gateway does not know`
              : `the ledger holds a settlement of ${rupees(posted)}; the gateway says ${s.status}`,
        });
      else summary.settlements.inTransit += 1;
      continue;
    }
    if (posted === null)
      exception('settlements', {
        ...base,
        kind: 'settlement_missing_in_ledger',
        gatewayPaise: s.amountPaise,
        ledgerPaise: null,
        detail: `settled ${rupees(s.amountPaise)} to the bank (UTR ${s.utr ?? '—'}); not in the ledger`,
      });
    else if (posted !== s.amountPaise)
      exception('settlements', {
        ...base,
        kind: 'settlement_amount_mismatch',
        gatewayPaise: s.amountPaise,
        ledgerPaise: posted,
        detail: `settled ${rupees(s.amountPaise)} to the bank; ${rupees(posted)} posted`,
      });
    else summary.settlements.matched += 1;
  }

  // ---- dealers' Route settlements (payouts) against the transfers they settled ----
  const payoutIds = new Set(keysOf('payouts', 'payout:'));
  for (const t of transfers.values())
    if (t !== null && t.settlementStatus === 'settled' && t.recipientSettlementId !== null)
      payoutIds.add(t.recipientSettlementId);
  for (const id of payoutIds) {
    const settlement = g.fetched.recipientSettlements.get(id) ?? {
      id,
      createdAt: null,
      transfers: [],
    };
    const settled = settlement.transfers;
    const { paise: gatewayPaise, later } = settledAtItsTime(settlement, g.fetched.reversals);
    // Reversed after the dealer was paid: the dealer owes it back (booked by the refund after
    // release as its receivable), not a payout error.
    summary.reversedAfterPayout.count += later.length;
    summary.reversedAfterPayout.paise += later.reduce((s, r) => s + r.amountPaise, 0);
    summary.payouts.gateway.count += 1;
    summary.payouts.gateway.paise += gatewayPaise;
    const net = ledger(`payout:${id}`);
    const base = {
      category: 'payouts' as const,
      subject: id,
      orderId: settled.length > 0 ? (holdByTransfer.get(settled[0]!.id)?.orderId ?? null) : null,
    };
    if (net === undefined)
      exception('payouts', {
        ...base,
        kind: 'payout_missing_in_ledger',
        gatewayPaise,
        ledgerPaise: null,
        detail: `Route settled ${rupees(gatewayPaise)} to a dealer in ${id}; no payout in the ledger`,
      });
    else if (-net !== gatewayPaise)
      exception('payouts', {
        ...base,
        kind: 'payout_mismatch',
        gatewayPaise,
        ledgerPaise: -net,
        detail: `the transfers settled in ${id} came to ${rupees(gatewayPaise)} when it was made; the payout posted is ${rupees(-net)}`,
      });
    else summary.payouts.matched += 1;
  }

  // ---- anything else that moved the gateway receivable ----
  for (const key of inWindowByCategory.get('other') ?? []) {
    const net = g.ledgerInWindow.get(key)!;
    exception('other', {
      category: 'other',
      kind: 'ledger_entry_unmatched',
      subject: key,
      gatewayPaise: null,
      ledgerPaise: net,
      orderId: null,
      detail: `${net >= 0 ? 'debits' : 'credits'} asset:gateway_receivable ${rupees(Math.abs(net))} with no gateway item to match`,
    });
  }
  return { findings, summary };
}
