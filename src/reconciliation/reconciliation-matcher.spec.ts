import type {
  GatewayPayment,
  GatewayRefund,
  GatewayReversal,
  GatewaySettlement,
  GatewayTransfer,
} from '../gateway/payment-gateway.js';
import {
  AUTHORIZED_GRACE_MS,
  RELEASE_GRACE_MS,
  matchDay,
  type Finding,
  type Gathered,
  type HoldRecord,
  type Matched,
  type RefundRecord,
} from './reconciliation-matcher.js';
import type { ReconciliationCategorySummaryDto } from './dto/reconciliation.dto.js';

const NOW = new Date('2026-11-26T21:30:00.000Z');
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
/** Unix seconds, `ms` before NOW. */
const ago = (ms: number): number => Math.floor((NOW.getTime() - ms) / 1000);

const ORDER_1 = '11111111-1111-4111-8111-111111111111';
const ORDER_2 = '22222222-2222-4222-8222-222222222222';

// ---- gateway items ----

/** A captured payment; its fee is 2% + 18% GST (₹500 → ₹11.80). */
function payment(
  id: string,
  amountPaise: number,
  over: Partial<GatewayPayment> = {},
): GatewayPayment {
  const feePaise = Math.round(amountPaise * 0.0236);
  return {
    id,
    orderId: `order_${id}`,
    amountPaise,
    currency: 'INR',
    status: 'captured',
    method: 'upi',
    feePaise,
    feeTaxPaise: Math.round(feePaise * (18 / 118)),
    amountRefundedPaise: 0,
    errorCode: null,
    errorDescription: null,
    createdAt: ago(3 * HOUR),
    ...over,
  };
}

function refund(id: string, amountPaise: number, over: Partial<GatewayRefund> = {}): GatewayRefund {
  return {
    id,
    paymentId: 'pay_1',
    amountPaise,
    status: 'processed',
    notes: {},
    createdAt: ago(2 * HOUR),
    ...over,
  };
}

/** A Route transfer, on hold, nothing reversed. */
function transfer(
  id: string,
  amountPaise: number,
  over: Partial<GatewayTransfer> = {},
): GatewayTransfer {
  return {
    id,
    sourcePaymentId: 'pay_1',
    recipientAccountId: 'acc_dealer1',
    amountPaise,
    amountReversedPaise: 0,
    onHold: true,
    status: 'processed',
    settlementStatus: 'on_hold',
    recipientSettlementId: null,
    notes: {},
    createdAt: ago(3 * HOUR),
    ...over,
  };
}

function settlement(
  id: string,
  amountPaise: number,
  over: Partial<GatewaySettlement> = {},
): GatewaySettlement {
  return {
    id,
    amountPaise,
    feesPaise: 0,
    taxPaise: 0,
    status: 'processed',
    utr: `UTR_${id}`,
    createdAt: ago(4 * HOUR),
    ...over,
  };
}

/** When the dealer settlements of `day` were made. */
const SETTLED_AT = ago(HOUR);

function reversal(transferId: string, amountPaise: number, createdAt: number): GatewayReversal {
  return { id: `rvrsl_${transferId}_${createdAt}`, transferId, amountPaise, createdAt };
}

// ---- our records ----

function refundRecord(id: string, over: Partial<RefundRecord> = {}): RefundRecord {
  return {
    id,
    kind: 'full',
    status: 'processed',
    orderId: ORDER_1,
    gatewayRefundId: null,
    ledgerKey: `refund:${id}`,
    ...over,
  };
}

/** A held escrow hold whose Route transfer is on hold. */
function hold(transferId: string, amountPaise: number, over: Partial<HoldRecord> = {}): HoldRecord {
  return {
    holdId: `hold_${transferId}`,
    obligation: `sub-order sub_${transferId}`,
    orderId: ORDER_1,
    amountPaise,
    status: 'held',
    transferId,
    transferAmountPaise: amountPaise,
    transferStatus: 'on_hold',
    releasedAt: null,
    refundInFlight: false,
    reversalTargetPaise: null,
    ...over,
  };
}

/** A released hold whose transfer's hold was lifted, 2 hours ago. */
const released = (over: Partial<HoldRecord> = {}): Partial<HoldRecord> => ({
  status: 'released',
  transferStatus: 'released',
  releasedAt: new Date(NOW.getTime() - 2 * HOUR),
  ...over,
});

// ---- the ledger: entries on asset:gateway_receivable, key → net (debit − credit) ----

type Entry = [key: string, net: number];

/** `capture:<id>` net +amount and `gateway_fee:<id>` net −fee. */
const postingsOf = (p: GatewayPayment): Entry[] => [
  [`capture:${p.id}`, p.amountPaise],
  ...(p.feePaise ? [[`gateway_fee:${p.id}`, -p.feePaise] as Entry] : []),
];

interface Day {
  now?: Date;
  payments?: GatewayPayment[];
  refunds?: GatewayRefund[];
  transfers?: GatewayTransfer[];
  settlements?: GatewaySettlement[];
  fetchedPayments?: [string, GatewayPayment | null][];
  fetchedRefunds?: [string, GatewayRefund | null][];
  fetchedTransfers?: [string, GatewayTransfer | null][];
  fetchedSettlements?: [string, GatewaySettlement | null][];
  /** Dealer settlements (made at SETTLED_AT) and the transfers they settled. */
  settlementTransfers?: [string, GatewayTransfer[]][];
  reversals?: [string, GatewayReversal[]][];
  /** Ledger entries posted in the window (also found by key). */
  today?: Entry[];
  /** Ledger entries posted another day (found by key only). */
  earlier?: Entry[];
  orders?: [string, string][];
  refundRecords?: RefundRecord[];
  holds?: HoldRecord[];
}

function day(d: Day): Gathered {
  return {
    now: d.now ?? NOW,
    listed: {
      payments: d.payments ?? [],
      refunds: d.refunds ?? [],
      transfers: d.transfers ?? [],
      settlements: d.settlements ?? [],
    },
    fetched: {
      payments: new Map(d.fetchedPayments),
      refunds: new Map(d.fetchedRefunds),
      transfers: new Map(d.fetchedTransfers),
      settlements: new Map(d.fetchedSettlements),
      recipientSettlements: new Map(
        (d.settlementTransfers ?? []).map(([id, transfers]) => [
          id,
          { id, createdAt: SETTLED_AT, transfers },
        ]),
      ),
      reversals: new Map(d.reversals),
    },
    ledgerInWindow: new Map(d.today),
    ledgerByKey: new Map([...(d.earlier ?? []), ...(d.today ?? [])]),
    orderOfPayment: new Map(d.orders),
    refunds: d.refundRecords ?? [],
    holds: d.holds ?? [],
  };
}

// ---- expectations ----

type Brief = Pick<
  Finding,
  'category' | 'kind' | 'subject' | 'gatewayPaise' | 'ledgerPaise' | 'orderId'
>;

const brief = (m: Matched): Brief[] =>
  m.findings.map(({ category, kind, subject, gatewayPaise, ledgerPaise, orderId }) => ({
    category,
    kind,
    subject,
    gatewayPaise,
    ledgerPaise,
    orderId,
  }));

const finding = (
  category: Finding['category'],
  kind: Finding['kind'],
  subject: string,
  gatewayPaise: number | null,
  ledgerPaise: number | null,
  orderId: string | null,
): Brief => ({ category, kind, subject, gatewayPaise, ledgerPaise, orderId });

function line(
  o: {
    gateway?: [number, number];
    ledger?: [number, number];
    matched?: number;
    inTransit?: number;
    exceptions?: number;
  } = {},
): ReconciliationCategorySummaryDto {
  return {
    gateway: { count: o.gateway?.[0] ?? 0, paise: o.gateway?.[1] ?? 0 },
    ledger: { count: o.ledger?.[0] ?? 0, paise: o.ledger?.[1] ?? 0 },
    matched: o.matched ?? 0,
    inTransit: o.inTransit ?? 0,
    exceptions: o.exceptions ?? 0,
  };
}

const detailOf = (m: Matched, subject: string): string =>
  m.findings.find((f) => f.subject === subject)?.detail ?? '';

describe('daily reconciliation matcher', () => {
  it('finds nothing on a consistent day: every item matched, ledgerNetPaise = Σ nets', () => {
    const p1 = payment('pay_1', 50_000);
    const p2 = payment('pay_2', 30_000, { status: 'refunded', amountRefundedPaise: 30_000 });
    const r1 = refund('rfnd_1', 30_000, { paymentId: 'pay_2' });
    const heldTransfer = transfer('trf_1', 40_000);
    const releasedTransfer = transfer('trf_2', 20_000, {
      onHold: false,
      amountReversedPaise: 2_000,
      settlementStatus: 'settled',
      recipientSettlementId: 'setl_D1',
    });
    const s1 = settlement('setl_1', 75_000);
    const today: Entry[] = [
      ...postingsOf(p1),
      ...postingsOf(p2),
      ['refund:R1', -30_000],
      ['settlement:setl_1', -75_000],
      ['payout:setl_D1', -18_000],
    ];
    const m = matchDay(
      day({
        payments: [p1, p2],
        refunds: [r1],
        transfers: [heldTransfer, releasedTransfer],
        settlements: [s1],
        settlementTransfers: [['setl_D1', [releasedTransfer]]],
        today,
        orders: [
          ['pay_1', ORDER_1],
          ['pay_2', ORDER_2],
        ],
        refundRecords: [refundRecord('R1', { orderId: ORDER_2, gatewayRefundId: 'rfnd_1' })],
        holds: [
          hold('trf_1', 40_000),
          hold('trf_2', 20_000, released({ orderId: ORDER_2, reversalTargetPaise: 2_000 })),
        ],
      }),
    );

    expect(m.findings).toEqual([]);
    expect(m.summary).toEqual({
      payments: line({ gateway: [2, 80_000], ledger: [2, 80_000], matched: 2 }),
      fees: line({ gateway: [2, 1_888], ledger: [2, 1_888], matched: 2 }),
      refunds: line({ gateway: [1, 30_000], ledger: [1, 30_000], matched: 1 }),
      transfers: line({ gateway: [2, 60_000], ledger: [2, 60_000], matched: 2 }),
      settlements: line({ gateway: [1, 75_000], ledger: [1, 75_000], matched: 1 }),
      payouts: line({ gateway: [1, 18_000], ledger: [1, 18_000], matched: 1 }),
      other: line(),
      ledgerNetPaise: today.reduce((s, [, net]) => s + net, 0),
      reversedAfterPayout: { count: 0, paise: 0 },
    });
    expect(m.summary.ledgerNetPaise).toBe(-44_888);
  });

  describe('payments and fees', () => {
    it('matches by identity, not by day: a payment listed today whose postings are of another day', () => {
      const p = payment('pay_1', 50_000);
      const m = matchDay(
        day({ payments: [p], earlier: postingsOf(p), orders: [['pay_1', ORDER_1]] }),
      );

      expect(m.findings).toEqual([]);
      expect(m.summary.payments).toEqual(line({ gateway: [1, 50_000], matched: 1 }));
      expect(m.summary.ledgerNetPaise).toBe(0);
    });

    it('matches a capture posted today for a payment of another day (fetched by id)', () => {
      const p = payment('pay_2', 30_000, { createdAt: ago(25 * HOUR) });
      const m = matchDay(day({ fetchedPayments: [['pay_2', p]], today: postingsOf(p) }));

      expect(m.findings).toEqual([]);
      expect(m.summary.payments).toEqual(line({ ledger: [1, 30_000], matched: 1 }));
      expect(m.summary.ledgerNetPaise).toBe(30_000 - 708);
    });

    it('payment_missing_in_ledger: captured at the gateway, nothing posted (one exception, fee included)', () => {
      // The order is found through the gateway order id.
      const p = payment('pay_1', 50_000, { orderId: 'order_A' });
      const m = matchDay(day({ payments: [p], orders: [['order_A', ORDER_1]] }));

      expect(brief(m)).toEqual([
        finding('payments', 'payment_missing_in_ledger', 'pay_1', 50_000, null, ORDER_1),
      ]);
      expect(detailOf(m, 'pay_1')).toContain('fee ₹11.80');
      expect(m.summary.payments).toEqual(line({ gateway: [1, 50_000], exceptions: 1 }));
      // The fee line counts the same exception (its fee is missing with it), so it adds up.
      expect(m.summary.fees).toEqual(line({ gateway: [1, 1_180], exceptions: 1 }));
    });

    it('payment_amount_mismatch: the capture posted differs from the gateway', () => {
      const p = payment('pay_1', 50_000);
      const m = matchDay(
        day({
          payments: [p],
          today: [
            ['capture:pay_1', 45_000],
            ['gateway_fee:pay_1', -1_180],
          ],
          orders: [['pay_1', ORDER_1]],
        }),
      );

      expect(brief(m)).toEqual([
        finding('payments', 'payment_amount_mismatch', 'pay_1', 50_000, 45_000, ORDER_1),
      ]);
      expect(detailOf(m, 'pay_1')).toContain('₹500.00');
      expect(detailOf(m, 'pay_1')).toContain('₹450.00');
      expect(m.summary.payments).toEqual(
        line({ gateway: [1, 50_000], ledger: [1, 45_000], exceptions: 1 }),
      );
    });

    it('fee_mismatch: the fee posted differs from the gateway fee (the capture itself matched)', () => {
      const p = payment('pay_1', 50_000);
      const m = matchDay(
        day({
          payments: [p],
          today: [
            ['capture:pay_1', 50_000],
            ['gateway_fee:pay_1', -1_000],
          ],
          orders: [['pay_1', ORDER_1]],
        }),
      );

      expect(brief(m)).toEqual([
        finding('payments', 'fee_mismatch', 'pay_1', 1_180, 1_000, ORDER_1),
      ]);
      expect(m.summary.fees).toEqual(
        line({ gateway: [1, 1_180], ledger: [1, 1_000], exceptions: 1 }),
      );
      // The capture is an item of the payments line: matched, not left uncounted.
      expect(m.summary.payments).toEqual(
        line({ gateway: [1, 50_000], ledger: [1, 50_000], matched: 1 }),
      );
    });

    it('fee_mismatch: a fee posted for a payment the gateway did not capture', () => {
      const failed = payment('pay_9', 50_000, {
        status: 'failed',
        feePaise: null,
        feeTaxPaise: null,
      });
      for (const fetched of [failed, null]) {
        const m = matchDay(
          day({
            fetchedPayments: [['pay_9', fetched]],
            today: [['gateway_fee:pay_9', -1_180]],
            orders: [['pay_9', ORDER_2]],
          }),
        );

        expect(brief(m)).toEqual([finding('payments', 'fee_mismatch', 'pay_9', 0, 1_180, ORDER_2)]);
        expect(detailOf(m, 'pay_9')).toContain('did not capture');
        expect(m.summary.fees).toEqual(line({ ledger: [1, 1_180], exceptions: 1 }));
        expect(m.summary.payments).toEqual(line());
      }
    });

    it('payment_not_captured_at_gateway: a capture posted for a payment the gateway does not know', () => {
      const m = matchDay(
        day({
          fetchedPayments: [['pay_x', null]],
          today: [['capture:pay_x', 50_000]],
          orders: [['pay_x', ORDER_1]],
        }),
      );

      expect(brief(m)).toEqual([
        finding('payments', 'payment_not_captured_at_gateway', 'pay_x', null, 50_000, ORDER_1),
      ]);
      expect(detailOf(m, 'pay_x')).toContain('does not know');
      expect(m.summary.payments).toEqual(line({ ledger: [1, 50_000], exceptions: 1 }));
    });

    it('payment_not_captured_at_gateway: a capture posted for a payment the gateway says failed', () => {
      const p = payment('pay_1', 50_000, { status: 'failed', feePaise: null, feeTaxPaise: null });
      const m = matchDay(
        day({ payments: [p], today: [['capture:pay_1', 50_000]], orders: [['pay_1', ORDER_1]] }),
      );

      expect(brief(m)).toEqual([
        finding('payments', 'payment_not_captured_at_gateway', 'pay_1', null, 50_000, ORDER_1),
      ]);
      expect(detailOf(m, 'pay_1')).toContain('the gateway says failed');
      expect(m.summary.payments).toEqual(line({ ledger: [1, 50_000], exceptions: 1 }));
    });

    it('payment_not_captured_at_gateway: one exception for a capture and its fee the gateway does not know', () => {
      const m = matchDay(
        day({
          today: [
            ['capture:pay_1', 50_000],
            ['gateway_fee:pay_1', -1_180],
          ],
          fetchedPayments: [['pay_1', null]],
        }),
      );

      expect(brief(m)).toEqual([
        finding('payments', 'payment_not_captured_at_gateway', 'pay_1', null, 50_000, null),
      ]);
      expect(detailOf(m, 'pay_1')).toContain('and a fee of ₹11.80');
      expect(m.summary.fees).toEqual(line({ ledger: [1, 1_180], exceptions: 1 }));
    });

    it('payment_authorized_not_captured after AUTHORIZED_GRACE_MS', () => {
      const p = payment('pay_1', 50_000, {
        status: 'authorized',
        feePaise: null,
        feeTaxPaise: null,
        createdAt: ago(AUTHORIZED_GRACE_MS + MINUTE),
      });
      const m = matchDay(day({ payments: [p], orders: [['pay_1', ORDER_1]] }));

      expect(brief(m)).toEqual([
        finding('payments', 'payment_authorized_not_captured', 'pay_1', 50_000, null, ORDER_1),
      ]);
      expect(m.summary.payments).toEqual(line({ exceptions: 1 }));
    });

    it('an authorized payment within AUTHORIZED_GRACE_MS is in transit', () => {
      for (const age of [AUTHORIZED_GRACE_MS - MINUTE, AUTHORIZED_GRACE_MS]) {
        const p = payment('pay_1', 50_000, {
          status: 'authorized',
          feePaise: null,
          feeTaxPaise: null,
          createdAt: ago(age),
        });
        const m = matchDay(day({ payments: [p] }));

        expect(m.findings).toEqual([]);
        expect(m.summary.payments).toEqual(line({ inTransit: 1 }));
      }
    });
  });

  describe('refunds', () => {
    it('matches a processed refund to its posting, whatever day it was posted', () => {
      const m = matchDay(
        day({
          refunds: [refund('rfnd_1', 10_000)],
          earlier: [['refund:R1', -10_000]],
          refundRecords: [refundRecord('R1', { gatewayRefundId: 'rfnd_1' })],
        }),
      );

      expect(m.findings).toEqual([]);
      expect(m.summary.refunds).toEqual(line({ gateway: [1, 10_000], matched: 1 }));
    });

    it('refund_missing_in_ledger: processed at the gateway, not posted (with and without a record)', () => {
      const m = matchDay(
        day({
          refunds: [refund('rfnd_1', 10_000), refund('rfnd_2', 5_000, { paymentId: 'pay_2' })],
          // Without a record, the order is found through the refunded payment.
          orders: [['pay_2', ORDER_2]],
          refundRecords: [refundRecord('R1', { status: 'processing', gatewayRefundId: 'rfnd_1' })],
        }),
      );

      expect(brief(m)).toEqual([
        finding('refunds', 'refund_missing_in_ledger', 'rfnd_1', 10_000, null, ORDER_1),
        finding('refunds', 'refund_missing_in_ledger', 'rfnd_2', 5_000, null, ORDER_2),
      ]);
      expect(detailOf(m, 'rfnd_1')).toContain('(processing)');
      expect(detailOf(m, 'rfnd_2')).toContain('no refund of ours');
      expect(m.summary.refunds).toEqual(line({ gateway: [2, 15_000], exceptions: 2 }));
    });

    it('refund_amount_mismatch: the refund posted differs from the gateway', () => {
      const m = matchDay(
        day({
          refunds: [refund('rfnd_1', 10_000)],
          today: [['refund:R1', -9_000]],
          refundRecords: [refundRecord('R1', { gatewayRefundId: 'rfnd_1' })],
        }),
      );

      expect(brief(m)).toEqual([
        finding('refunds', 'refund_amount_mismatch', 'rfnd_1', 10_000, 9_000, ORDER_1),
      ]);
      expect(m.summary.refunds).toEqual(
        line({ gateway: [1, 10_000], ledger: [1, 9_000], exceptions: 1 }),
      );
    });

    it('refund_failed_at_gateway while posted; a failed refund not posted matches', () => {
      const m = matchDay(
        day({
          refunds: [
            refund('rfnd_1', 10_000, { status: 'failed' }),
            refund('rfnd_2', 4_000, { status: 'failed' }),
          ],
          today: [['refund:R1', -10_000]],
          refundRecords: [
            refundRecord('R1', { gatewayRefundId: 'rfnd_1' }),
            refundRecord('R2', { status: 'failed', orderId: ORDER_2, gatewayRefundId: 'rfnd_2' }),
          ],
        }),
      );

      expect(brief(m)).toEqual([
        finding('refunds', 'refund_failed_at_gateway', 'rfnd_1', 0, 10_000, ORDER_1),
      ]);
      expect(m.summary.refunds).toEqual(line({ ledger: [1, 10_000], matched: 1, exceptions: 1 }));
    });

    it('a refund pending at the gateway is in transit (posted yet or not), counted once', () => {
      const m = matchDay(
        day({
          refunds: [
            refund('rfnd_1', 10_000, { status: 'pending' }),
            refund('rfnd_2', 4_000, { status: 'pending' }),
          ],
          today: [['refund:sub_1', -4_000]],
          refundRecords: [
            refundRecord('R1', { status: 'processing', gatewayRefundId: 'rfnd_1' }),
            refundRecord('R2', {
              kind: 'partial',
              status: 'processing',
              gatewayRefundId: 'rfnd_2',
              ledgerKey: 'refund:sub_1',
            }),
          ],
        }),
      );

      expect(m.findings).toEqual([]);
      expect(m.summary.refunds).toEqual(line({ ledger: [1, 4_000], inTransit: 2 }));
    });

    it('refund_not_at_gateway: a ledger refund with no refund record behind it', () => {
      const m = matchDay(day({ today: [['refund:ghost', -7_000]] }));

      expect(brief(m)).toEqual([
        finding('refunds', 'refund_not_at_gateway', 'refund:ghost', null, 7_000, null),
      ]);
      expect(detailOf(m, 'refund:ghost')).toContain('no refund record');
      expect(m.summary.refunds).toEqual(line({ ledger: [1, 7_000], exceptions: 1 }));
      expect(m.summary.ledgerNetPaise).toBe(-7_000);
    });

    it('refund_not_at_gateway: a posted refund the gateway does not know, or whose record failed unsent', () => {
      const m = matchDay(
        day({
          fetchedRefunds: [['rfnd_gone', null]],
          today: [
            ['refund:R1', -3_000],
            ['refund:R2', -2_000],
          ],
          refundRecords: [
            refundRecord('R1', { status: 'processing', gatewayRefundId: 'rfnd_gone' }),
            refundRecord('R2', { status: 'failed', orderId: ORDER_2 }),
          ],
        }),
      );

      expect(brief(m)).toEqual([
        finding('refunds', 'refund_not_at_gateway', 'refund:R1', null, 3_000, ORDER_1),
        finding('refunds', 'refund_not_at_gateway', 'refund:R2', null, 2_000, ORDER_2),
      ]);
      expect(m.summary.refunds).toEqual(line({ ledger: [2, 5_000], exceptions: 2 }));
    });

    it('a posted refund whose record has no gateway id yet (partial at release) is in transit', () => {
      const m = matchDay(
        day({
          today: [['refund:sub_1', -4_000]],
          refundRecords: [
            refundRecord('R1', { kind: 'partial', status: 'requested', ledgerKey: 'refund:sub_1' }),
          ],
        }),
      );

      expect(m.findings).toEqual([]);
      expect(m.summary.refunds).toEqual(line({ ledger: [1, 4_000], inTransit: 1 }));
    });

    it('checks a refund posted today against its gateway refund of another day (fetched by id)', () => {
      const m = matchDay(
        day({
          fetchedRefunds: [
            ['rfnd_old', refund('rfnd_old', 6_000, { createdAt: ago(26 * HOUR) })],
            ['rfnd_short', refund('rfnd_short', 6_000, { createdAt: ago(26 * HOUR) })],
          ],
          today: [
            ['refund:R1', -6_000],
            ['refund:R2', -5_000],
          ],
          refundRecords: [
            refundRecord('R1', { gatewayRefundId: 'rfnd_old' }),
            refundRecord('R2', { gatewayRefundId: 'rfnd_short', orderId: ORDER_2 }),
          ],
        }),
      );

      expect(brief(m)).toEqual([
        finding('refunds', 'refund_amount_mismatch', 'rfnd_short', 6_000, 5_000, ORDER_2),
      ]);
      expect(m.summary.refunds).toEqual(line({ ledger: [2, 11_000], matched: 1, exceptions: 1 }));
    });

    it('finds the refund record through notes.refundId when the gateway answer was lost', () => {
      const m = matchDay(
        day({
          refunds: [refund('rfnd_5', 6_000, { notes: { refundId: 'R5', orderId: ORDER_1 } })],
          today: [['refund:R5', -6_000]],
          refundRecords: [refundRecord('R5', { status: 'processing', gatewayRefundId: null })],
        }),
      );

      expect(m.findings).toEqual([]);
      expect(m.summary.refunds).toEqual(
        line({ gateway: [1, 6_000], ledger: [1, 6_000], matched: 1 }),
      );
    });

    it("does not match a second gateway refund of the same record against the first one's posting", () => {
      // A duplicate refund at the gateway (both carry notes.refundId = R1): the buyer got ₹200,
      // the ledger holds ₹100. The record is linked to rfnd_1, so rfnd_1b is not ours to match.
      const m = matchDay(
        day({
          refunds: [
            refund('rfnd_1', 10_000, { notes: { refundId: 'R1' } }),
            refund('rfnd_1b', 10_000, { notes: { refundId: 'R1' } }),
          ],
          today: [['refund:R1', -10_000]],
          refundRecords: [refundRecord('R1', { gatewayRefundId: 'rfnd_1' })],
        }),
      );

      expect(m.findings).toEqual([
        expect.objectContaining({
          category: 'refunds',
          kind: 'refund_missing_in_ledger',
          subject: 'rfnd_1b',
          gatewayPaise: 10_000,
          ledgerPaise: null,
        }),
      ]);
      expect(m.summary.refunds).toEqual(
        line({ gateway: [2, 20_000], ledger: [1, 10_000], matched: 1, exceptions: 1 }),
      );
    });
  });

  describe('Route transfers against escrow holds', () => {
    it('transfer_unknown: a transfer with no escrow hold of ours', () => {
      const m = matchDay(day({ transfers: [transfer('trf_x', 15_000)] }));

      expect(brief(m)).toEqual([
        finding('transfers', 'transfer_unknown', 'trf_x', 15_000, null, null),
      ]);
      expect(m.summary.transfers).toEqual(line({ gateway: [1, 15_000], exceptions: 1 }));
    });

    it('transfer_not_at_gateway: a hold records a transfer the gateway does not know', () => {
      const m = matchDay(
        day({ fetchedTransfers: [['trf_9', null]], holds: [hold('trf_9', 40_000)] }),
      );

      expect(brief(m)).toEqual([
        finding('transfers', 'transfer_not_at_gateway', 'trf_9', null, 40_000, ORDER_1),
      ]);
      expect(m.summary.transfers).toEqual(line({ ledger: [1, 40_000], exceptions: 1 }));
    });

    it('transfer_amount_mismatch: the transfer differs from its hold', () => {
      const m = matchDay(
        day({ transfers: [transfer('trf_1', 39_000)], holds: [hold('trf_1', 40_000)] }),
      );

      expect(brief(m)).toEqual([
        finding('transfers', 'transfer_amount_mismatch', 'trf_1', 39_000, 40_000, ORDER_1),
      ]);
      expect(m.summary.transfers).toEqual(
        line({ gateway: [1, 39_000], ledger: [1, 40_000], exceptions: 1 }),
      );
    });

    it('transfer_released_while_held: the transfer is not on hold while the escrow is held', () => {
      const m = matchDay(
        day({
          transfers: [transfer('trf_1', 40_000, { onHold: false })],
          holds: [hold('trf_1', 40_000)],
        }),
      );

      expect(brief(m)).toEqual([
        finding('transfers', 'transfer_released_while_held', 'trf_1', 40_000, 40_000, ORDER_1),
      ]);
      expect(m.summary.transfers).toEqual(
        line({ gateway: [1, 40_000], ledger: [1, 40_000], exceptions: 1 }),
      );
    });

    it('transfer_reversal_mismatch: part of a held transfer reversed', () => {
      const m = matchDay(
        day({
          transfers: [transfer('trf_1', 40_000, { amountReversedPaise: 5_000 })],
          holds: [hold('trf_1', 40_000)],
        }),
      );

      expect(brief(m)).toEqual([
        finding('transfers', 'transfer_reversal_mismatch', 'trf_1', 35_000, 40_000, ORDER_1),
      ]);
      expect(m.summary.transfers).toEqual(
        line({ gateway: [1, 40_000], ledger: [1, 40_000], exceptions: 1 }),
      );
    });

    it('lines cancelled after the transfer: matched on the transfer amount, once reversed down to the hold', () => {
      // Transfers of 40,000; the buyer cancelled 10,000 of lines, so each hold is 30,000.
      const cut = { transferAmountPaise: 40_000 };
      const m = matchDay(
        day({
          transfers: [
            transfer('trf_1', 40_000, { amountReversedPaise: 10_000 }),
            transfer('trf_2', 40_000),
            // Released: the dealer's net is 27,000, so 13,000 reversed in all.
            transfer('trf_3', 40_000, { onHold: false, amountReversedPaise: 13_000 }),
            transfer('trf_4', 40_000, { onHold: false, amountReversedPaise: 3_000 }),
          ],
          holds: [
            hold('trf_1', 30_000, cut),
            hold('trf_2', 30_000, cut),
            hold('trf_3', 30_000, released({ ...cut, reversalTargetPaise: 13_000 })),
            hold('trf_4', 30_000, released({ ...cut, reversalTargetPaise: 13_000 })),
          ],
        }),
      );

      expect(brief(m)).toEqual([
        finding('transfers', 'transfer_reversal_mismatch', 'trf_2', 40_000, 30_000, ORDER_1),
        finding('transfers', 'transfer_reversal_mismatch', 'trf_4', 37_000, 27_000, ORDER_1),
      ]);
      expect(m.summary.transfers).toEqual(
        line({ gateway: [4, 160_000], ledger: [4, 160_000], matched: 2, exceptions: 2 }),
      );
    });

    it('transfer_reversal_mismatch: a refunded hold not fully reversed; a fully reversed one matches', () => {
      const m = matchDay(
        day({
          transfers: [
            transfer('trf_1', 40_000, { amountReversedPaise: 30_000 }),
            transfer('trf_2', 40_000, { amountReversedPaise: 40_000 }),
          ],
          holds: [
            hold('trf_1', 40_000, { status: 'refunded' }),
            hold('trf_2', 40_000, { status: 'refunded', orderId: ORDER_2 }),
          ],
        }),
      );

      expect(brief(m)).toEqual([
        finding('transfers', 'transfer_reversal_mismatch', 'trf_1', 10_000, 0, ORDER_1),
      ]);
      expect(m.summary.transfers).toEqual(
        line({ gateway: [2, 80_000], ledger: [2, 80_000], matched: 1, exceptions: 1 }),
      );
    });

    it('transfer_reversal_mismatch: a released hold whose dealer keeps more than its share; the right share matches', () => {
      const m = matchDay(
        day({
          transfers: [
            transfer('trf_1', 40_000, { onHold: false, amountReversedPaise: 3_000 }),
            transfer('trf_2', 40_000, { onHold: false, amountReversedPaise: 4_000 }),
            transfer('trf_3', 40_000, { onHold: false }),
          ],
          holds: [
            hold('trf_1', 40_000, released({ reversalTargetPaise: 4_000 })),
            hold('trf_2', 40_000, released({ reversalTargetPaise: 4_000 })),
            // Nothing to reverse (no dealer net recorded): the dealer keeps the whole transfer.
            hold('trf_3', 40_000, released({ reversalTargetPaise: null })),
          ],
        }),
      );

      expect(brief(m)).toEqual([
        finding('transfers', 'transfer_reversal_mismatch', 'trf_1', 37_000, 36_000, ORDER_1),
      ]);
      expect(m.summary.transfers).toEqual(
        line({ gateway: [3, 120_000], ledger: [3, 120_000], matched: 2, exceptions: 1 }),
      );
    });

    it('transfer_hold_not_lifted after RELEASE_GRACE_MS; in transit before', () => {
      const late = new Date(NOW.getTime() - RELEASE_GRACE_MS - MINUTE);
      const m = matchDay(
        day({
          transfers: [
            transfer('trf_1', 40_000, { amountReversedPaise: 4_000 }),
            transfer('trf_2', 40_000, { onHold: false, amountReversedPaise: 4_000 }),
            transfer('trf_3', 40_000),
          ],
          holds: [
            hold(
              'trf_1',
              40_000,
              released({ transferStatus: 'on_hold', releasedAt: late, reversalTargetPaise: 4_000 }),
            ),
            hold(
              'trf_2',
              40_000,
              released({ transferStatus: 'failed', releasedAt: late, reversalTargetPaise: 4_000 }),
            ),
            hold(
              'trf_3',
              40_000,
              released({
                transferStatus: 'on_hold',
                releasedAt: new Date(NOW.getTime() - RELEASE_GRACE_MS + MINUTE),
                reversalTargetPaise: 4_000,
              }),
            ),
          ],
        }),
      );

      expect(brief(m)).toEqual([
        finding('transfers', 'transfer_hold_not_lifted', 'trf_1', 36_000, 36_000, ORDER_1),
        finding('transfers', 'transfer_hold_not_lifted', 'trf_2', 36_000, 36_000, ORDER_1),
      ]);
      expect(detailOf(m, 'trf_1')).toContain('still on hold');
      expect(detailOf(m, 'trf_2')).toContain('not recorded as released (failed)');
      expect(m.summary.transfers).toEqual(
        line({ gateway: [3, 120_000], ledger: [3, 120_000], inTransit: 1, exceptions: 2 }),
      );
    });

    it('transfer_hold_not_lifted: recorded as lifted, still on hold at the gateway after the grace', () => {
      const m = matchDay(
        day({
          transfers: [transfer('trf_1', 40_000, { amountReversedPaise: 4_000 })],
          holds: [
            hold(
              'trf_1',
              40_000,
              released({
                releasedAt: new Date(NOW.getTime() - RELEASE_GRACE_MS - MINUTE),
                reversalTargetPaise: 4_000,
              }),
            ),
          ],
        }),
      );

      expect(brief(m)).toEqual([
        finding('transfers', 'transfer_hold_not_lifted', 'trf_1', 36_000, 36_000, ORDER_1),
      ]);
    });

    it('a hold with a refund in flight is in transit', () => {
      const m = matchDay(
        day({
          transfers: [transfer('trf_1', 40_000, { onHold: false, amountReversedPaise: 10_000 })],
          holds: [hold('trf_1', 40_000, released({ refundInFlight: true }))],
        }),
      );

      expect(m.findings).toEqual([]);
      expect(m.summary.transfers).toEqual(
        line({ gateway: [1, 40_000], ledger: [1, 40_000], inTransit: 1 }),
      );
    });
  });

  describe('held escrow released at the gateway during a refund', () => {
    it('transfer_released_while_held even while a refund of the sub-order is under way', () => {
      const m = matchDay(
        day({
          transfers: [transfer('trf_1', 40_000, { onHold: false })],
          holds: [hold('trf_1', 40_000, { status: 'held', refundInFlight: true })],
        }),
      );

      expect(brief(m)).toEqual([
        finding('transfers', 'transfer_released_while_held', 'trf_1', 40_000, 40_000, ORDER_1),
      ]);
    });
  });

  describe("the platform's settlements", () => {
    it('settlement_missing_in_ledger: processed at the gateway, not posted', () => {
      const m = matchDay(day({ settlements: [settlement('setl_1', 75_000)] }));

      expect(brief(m)).toEqual([
        finding('settlements', 'settlement_missing_in_ledger', 'setl_1', 75_000, null, null),
      ]);
      expect(detailOf(m, 'setl_1')).toContain('UTR_setl_1');
      expect(m.summary.settlements).toEqual(line({ gateway: [1, 75_000], exceptions: 1 }));
    });

    it('settlement_amount_mismatch: the settlement posted differs from the gateway', () => {
      const m = matchDay(
        day({
          settlements: [settlement('setl_1', 75_000)],
          today: [['settlement:setl_1', -74_000]],
        }),
      );

      expect(brief(m)).toEqual([
        finding('settlements', 'settlement_amount_mismatch', 'setl_1', 75_000, 74_000, null),
      ]);
      expect(m.summary.settlements).toEqual(
        line({ gateway: [1, 75_000], ledger: [1, 74_000], exceptions: 1 }),
      );
    });

    it('settlement_not_at_gateway: posted, unknown to the gateway or not processed there', () => {
      const m = matchDay(
        day({
          fetchedSettlements: [
            ['setl_9', null],
            ['setl_8', settlement('setl_8', 6_000, { status: 'created' })],
          ],
          today: [
            ['settlement:setl_9', -5_000],
            ['settlement:setl_8', -6_000],
          ],
        }),
      );

      expect(brief(m)).toEqual([
        finding('settlements', 'settlement_not_at_gateway', 'setl_9', null, 5_000, null),
        finding('settlements', 'settlement_not_at_gateway', 'setl_8', null, 6_000, null),
      ]);
      expect(detailOf(m, 'setl_9')).toContain('does not know');
      expect(detailOf(m, 'setl_8')).toContain('the gateway says created');
      expect(m.summary.settlements).toEqual(line({ ledger: [2, 11_000], exceptions: 2 }));
    });

    it('a settlement not processed yet and not posted is in transit', () => {
      const m = matchDay(
        day({ settlements: [settlement('setl_2', 9_000, { status: 'created' })] }),
      );

      expect(m.findings).toEqual([]);
      expect(m.summary.settlements).toEqual(line({ inTransit: 1 }));
    });
  });

  describe("dealers' Route settlements (payouts)", () => {
    // A transfer released today and settled in setl_D1 with another one of an earlier day.
    const settled = transfer('trf_1', 20_000, {
      onHold: false,
      amountReversedPaise: 2_000,
      settlementStatus: 'settled',
      recipientSettlementId: 'setl_D1',
    });
    const settledEarlier = transfer('trf_0', 10_000, {
      onHold: false,
      amountReversedPaise: 1_000,
      settlementStatus: 'settled',
      recipientSettlementId: 'setl_D1',
      createdAt: ago(30 * HOUR),
    });
    const payoutDay = (d: Day): Gathered =>
      day({
        transfers: [settled],
        settlementTransfers: [['setl_D1', [settled, settledEarlier]]],
        holds: [hold('trf_1', 20_000, released({ reversalTargetPaise: 2_000 }))],
        ...d,
      });

    it("payout_missing_in_ledger: a settled transfer's dealer settlement not posted", () => {
      const m = matchDay(payoutDay({}));

      expect(brief(m)).toEqual([
        finding('payouts', 'payout_missing_in_ledger', 'setl_D1', 27_000, null, ORDER_1),
      ]);
      expect(m.summary.payouts).toEqual(line({ gateway: [1, 27_000], exceptions: 1 }));
      expect(m.summary.transfers.matched).toBe(1);
    });

    it('payout_mismatch: the payout posted differs from the transfers settled', () => {
      const m = matchDay(payoutDay({ today: [['payout:setl_D1', -26_000]] }));

      expect(brief(m)).toEqual([
        finding('payouts', 'payout_mismatch', 'setl_D1', 27_000, 26_000, ORDER_1),
      ]);
      expect(m.summary.payouts).toEqual(
        line({ gateway: [1, 27_000], ledger: [1, 26_000], exceptions: 1 }),
      );
    });

    it('matches a payout posted another day to the transfers it settled', () => {
      const m = matchDay(payoutDay({ earlier: [['payout:setl_D1', -27_000]] }));

      expect(m.findings).toEqual([]);
      expect(m.summary.payouts).toEqual(line({ gateway: [1, 27_000], matched: 1 }));
    });

    describe('a transfer reversed after the payout (a refund after release of a paid-out sale)', () => {
      // trf_1's platform part (2,000) was reversed before setl_D1; 5,000 more after it.
      const reversedLater = { ...settled, amountReversedPaise: 7_000 };
      const reversals: [string, GatewayReversal[]][] = [
        [
          'trf_1',
          [reversal('trf_1', 2_000, SETTLED_AT - 60), reversal('trf_1', 5_000, SETTLED_AT + 1)],
        ],
      ];
      const laterDay = (d: Day): Gathered =>
        payoutDay({
          transfers: [reversedLater],
          settlementTransfers: [['setl_D1', [reversedLater, settledEarlier]]],
          holds: [hold('trf_1', 20_000, released({ reversalTargetPaise: 7_000 }))],
          earlier: [['payout:setl_D1', -27_000]],
          ...d,
        });

      it('compares the payout with what was settled at its time; the later reversal is the dealer’s to give back', () => {
        const m = matchDay(laterDay({ reversals }));

        expect(m.findings).toEqual([]);
        expect(m.summary.payouts).toEqual(line({ gateway: [1, 27_000], matched: 1 }));
        expect(m.summary.transfers.matched).toBe(1);
        expect(m.summary.reversedAfterPayout).toEqual({ count: 1, paise: 5_000 });
      });

      it('a reversal in the settlement’s own second counts as before it', () => {
        const m = matchDay(
          laterDay({
            reversals: [['trf_1', [reversal('trf_1', 7_000, SETTLED_AT)]]],
            earlier: [['payout:setl_D1', -22_000]],
          }),
        );

        expect(m.findings).toEqual([]);
        expect(m.summary.payouts.matched).toBe(1);
        expect(m.summary.reversedAfterPayout).toEqual({ count: 0, paise: 0 });
      });

      it('payout_mismatch still: the payout posted differs from what was settled at its time', () => {
        const m = matchDay(laterDay({ reversals, earlier: [['payout:setl_D1', -22_000]] }));

        expect(brief(m)).toEqual([
          finding('payouts', 'payout_mismatch', 'setl_D1', 27_000, 22_000, ORDER_1),
        ]);
        expect(detailOf(m, 'setl_D1')).toContain('came to ₹270.00 when it was made');
        expect(m.summary.reversedAfterPayout).toEqual({ count: 1, paise: 5_000 });
      });

      it('without the reversals’ times, every reversal counts (as of now)', () => {
        const m = matchDay(laterDay({}));

        expect(brief(m)).toEqual([
          finding('payouts', 'payout_mismatch', 'setl_D1', 22_000, 27_000, ORDER_1),
        ]);
        expect(m.summary.reversedAfterPayout).toEqual({ count: 0, paise: 0 });
      });
    });

    it('checks a payout posted today by its key, with no transfer of the day', () => {
      const m = matchDay(
        day({
          settlementTransfers: [['setl_D2', [settledEarlier]]],
          today: [['payout:setl_D2', -9_000]],
        }),
      );

      expect(m.findings).toEqual([]);
      expect(m.summary.payouts).toEqual(
        line({ gateway: [1, 9_000], ledger: [1, 9_000], matched: 1 }),
      );
    });
  });

  it('ledger_entry_unmatched: any other entry on the gateway receivable', () => {
    const m = matchDay(
      day({
        today: [
          ['adjustment:x', -2_500],
          ['chargeback:y', 1_000],
          ['refund_void:z', -500],
        ],
      }),
    );

    expect(brief(m)).toEqual([
      finding('other', 'ledger_entry_unmatched', 'adjustment:x', null, -2_500, null),
      finding('other', 'ledger_entry_unmatched', 'chargeback:y', null, 1_000, null),
      finding('other', 'ledger_entry_unmatched', 'refund_void:z', null, -500, null),
    ]);
    expect(detailOf(m, 'adjustment:x')).toContain('credits asset:gateway_receivable ₹25.00');
    expect(detailOf(m, 'chargeback:y')).toContain('debits asset:gateway_receivable ₹10.00');
    expect(m.summary.other).toEqual(line({ ledger: [3, 4_000], exceptions: 3 }));
    expect(m.summary.refunds).toEqual(line());
    expect(m.summary.ledgerNetPaise).toBe(-2_000);
  });
});
