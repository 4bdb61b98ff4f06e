/**
 * Read-only payment and escrow views for finance and operations, and a dealer's own escrow
 * statement. Plain SQL over `payments`, `escrow_holds`, `refunds`, `sub_orders` (+ history) and,
 * for the period totals' reconciliation and the payouts, the journal (`ledger_entries`,
 * `ledger_lines`, `ledger_accounts`). Lists are keyset paged on (timestamp, id) — the journal's on
 * (effective time, seq). They tolerate a little staleness: read on the streaming replica while it is
 * within its lag bound (`ReplicaReads`), each in one REPEATABLE READ, READ ONLY transaction.
 */
import { Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { AppConfig } from '../../config/app-config.js';
import { APP_CONFIG } from '../../config/config.module.js';
import { execute } from '../../database/sql.js';
import { ReplicaReads } from '../../database/replica-reads.js';
import { Accounts } from '../../ledger/domain/account.js';
import { periodOf, type PeriodQueryDto } from '../../common/period.js';
import { businessDayOf, businessDayWindow } from './business-day.js';
import {
  ACCOUNT_COLUMNS_WITH_DELTAS,
  type AccountRow,
  DELTAS_JOIN,
  toAccount,
} from '../../ledger/persistence/account-rows.js';
import type {
  AdminPaymentDto,
  AdminPaymentPageDto,
  AdminPaymentQueryDto,
  AdminRefundDto,
  AdminRefundPageDto,
  AdminRefundQueryDto,
  AmountCountDto,
  DealerEscrowDto,
  DealerEscrowLineDto,
  DealerEscrowQueryDto,
  EscrowAgingDto,
  EscrowHoldDto,
  EscrowHoldPageDto,
  EscrowHoldQueryDto,
  HoldStatus,
  TransferStatus,
  PaymentTotalsDto,
  PayoutDto,
  PayoutPageDto,
  PayoutQueryDto,
  PeriodFiguresDto,
  ReleaseDeductionsDto,
  ReleasesDueDto,
} from './payment-views.dto.js';
import {
  checkedDates,
  cursorTime,
  iso,
  pageOf,
  paise,
  paiseOrNull,
  Where,
} from './view-support.js';

/** Escrow aging buckets: whole days since capture. */
export const AGING_BUCKETS = [
  { bucket: '0-7', minDays: 0, maxDays: 7 },
  { bucket: '8-14', minDays: 8, maxDays: 14 },
  { bucket: '15-30', minDays: 15, maxDays: 30 },
  { bucket: '31+', minDays: 31, maxDays: null },
] as const;

interface PaymentRow {
  id: string;
  order_id: string;
  buyer_id: string;
  status: AdminPaymentDto['status'];
  amount_paise: string;
  unpayable: boolean;
  gateway_order_id: string | null;
  gateway_payment_id: string | null;
  method: string | null;
  fee_paise: string | null;
  fee_tax_paise: string | null;
  failure_code: string | null;
  failure_reason: string | null;
  created_at: Date;
  captured_at: Date | null;
  updated_at: Date;
  cursor_at: string;
  cursor_id: string;
}

interface HoldRow {
  id: string;
  sub_order_id: string | null;
  order_id: string | null;
  repair_job_id: string | null;
  payment_id: string;
  payee_type: 'dealer' | 'technician';
  payee_id: string;
  dealer_id: string | null;
  status: HoldStatus;
  sub_order_status: string | null;
  amount_paise: string;
  created_at: Date;
  age_days: number;
  released_at: Date | null;
  commission_paise: string | null;
  gst_on_commission_paise: string | null;
  tcs_paise: string | null;
  tds_paise: string | null;
  dealer_net_paise: string | null;
  transfer_status: TransferStatus;
  transfer_id: string | null;
  transfer_attempts: number;
  transfer_error: string | null;
  cursor_at: string;
  cursor_id: string;
}

interface RefundRow {
  id: string;
  order_id: string | null;
  repair_job_id: string | null;
  sub_order_id: string | null;
  dealer_id: string | null;
  payment_id: string;
  gateway_refund_id: string | null;
  kind: AdminRefundDto['kind'];
  amount_paise: string;
  status: AdminRefundDto['status'];
  reason: string | null;
  requested_by: string | null;
  attempts: number;
  last_error: string | null;
  requested_at: Date;
  processed_at: Date | null;
  cursor_at: string;
  cursor_id: string;
}

interface PayoutRow {
  entry_id: string;
  event_type: 'payout' | 'gateway_settlement';
  payable_code: string;
  amount_paise: string;
  effective_at: Date;
  cursor_at: string;
  cursor_id: string;
}

const DEALER_PAYABLE = 'liability:dealer_payable:';
const TECHNICIAN_PAYABLE = 'liability:technician_payable:';

const HOLD_COLUMNS = `h.id::text AS id, h.sub_order_id::text AS sub_order_id, h.order_id::text AS order_id,
  h.repair_job_id::text AS repair_job_id, h.payment_id::text AS payment_id, h.payee_type,
  h.payee_id::text AS payee_id, h.dealer_id::text AS dealer_id, h.status, s.status AS sub_order_status,
  h.amount_paise::text AS amount_paise, h.created_at,
  greatest(0, floor(extract(epoch FROM now() - h.created_at) / 86400))::int AS age_days,
  h.released_at, h.commission_paise::text AS commission_paise,
  h.gst_on_commission_paise::text AS gst_on_commission_paise, h.tcs_paise::text AS tcs_paise,
  h.tds_paise::text AS tds_paise, h.dealer_net_paise::text AS dealer_net_paise,
  h.transfer_status, h.transfer_id, h.transfer_attempts, h.transfer_error,
  ${cursorTime('h.created_at')} AS cursor_at, h.id::text AS cursor_id`;

function payoutKindOf(r: PayoutRow): PayoutDto['kind'] {
  if (r.event_type === 'gateway_settlement') return 'platform';
  return r.payable_code.startsWith(DEALER_PAYABLE) ? 'dealer' : 'technician';
}

/** The payee whose payable `prefix` the payout debited, if it is that kind's. */
const payeeOf = (r: PayoutRow, prefix: string): string | null =>
  r.event_type === 'payout' && r.payable_code.startsWith(prefix)
    ? r.payable_code.slice(prefix.length)
    : null;

function deductionsOf(r: HoldRow): ReleaseDeductionsDto | null {
  if (r.status !== 'released' || r.commission_paise === null) return null;
  return {
    commissionPaise: paise(r.commission_paise),
    gstOnCommissionPaise: paise(r.gst_on_commission_paise),
    tcsPaise: paise(r.tcs_paise),
    tdsPaise: paise(r.tds_paise),
  };
}

const FIGURES: (keyof PeriodFiguresDto)[] = [
  'capturedPaise',
  'refundedPaise',
  'releasedGrossPaise',
  'commissionPaise',
  'gstOnCommissionPaise',
  'tcsPaise',
  'tdsPaise',
  'dealerNetReleasedPaise',
];

@Injectable()
export class PaymentViews {
  constructor(
    private readonly replica: ReplicaReads,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async payments(q: AdminPaymentQueryDto): Promise<AdminPaymentPageDto> {
    const w = new Where();
    if (q.status !== undefined) w.add((n) => `p.status = $${n}`, q.status);
    if (q.orderId !== undefined) w.add((n) => `p.order_id = $${n}`, q.orderId);
    if (q.buyerId !== undefined) w.add((n) => `p.buyer_id = $${n}`, q.buyerId);
    w.period('p.created_at', q);
    if (q.unpayable !== undefined) w.add((n) => `p.unpayable = $${n}`, q.unpayable);
    w.keyset(q.cursor, 'p.created_at', 'p.id');
    const limit = w.limit(q.limit);
    const { rows } = await checkedDates(() =>
      this.replica.read((tx) =>
        execute<PaymentRow>(
          tx,
          `SELECT p.id::text AS id, p.order_id::text AS order_id, p.buyer_id::text AS buyer_id, p.status,
                  p.amount_paise::text AS amount_paise, p.unpayable, p.gateway_order_id, p.gateway_payment_id,
                  p.method, p.fee_paise::text AS fee_paise, p.fee_tax_paise::text AS fee_tax_paise,
                  p.failure_code, p.failure_reason, p.created_at, p.captured_at, p.updated_at,
                  ${cursorTime('p.created_at')} AS cursor_at, p.id::text AS cursor_id
           FROM payments p ${w.sql()}
           ORDER BY p.created_at DESC, p.id DESC ${limit}`,
          w.params,
        ),
      ),
    );
    const page = pageOf(rows, q.limit);
    return {
      items: page.items.map((r) => ({
        id: r.id,
        orderId: r.order_id,
        buyerId: r.buyer_id,
        status: r.status,
        amountPaise: paise(r.amount_paise),
        unpayable: r.unpayable,
        gatewayOrderId: r.gateway_order_id,
        gatewayPaymentId: r.gateway_payment_id,
        method: r.method,
        feePaise: paiseOrNull(r.fee_paise),
        feeTaxPaise: paiseOrNull(r.fee_tax_paise),
        failureCode: r.failure_code,
        failureReason: r.failure_reason,
        createdAt: r.created_at.toISOString(),
        capturedAt: iso(r.captured_at),
        updatedAt: r.updated_at.toISOString(),
      })),
      ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}),
    };
  }

  /** Every refund, newest request first; the dealer is the refunded sub-order's. */
  async refunds(q: AdminRefundQueryDto): Promise<AdminRefundPageDto> {
    const w = new Where();
    if (q.status !== undefined) w.add((n) => `r.status = $${n}`, q.status);
    if (q.kind !== undefined) w.add((n) => `r.kind = $${n}`, q.kind);
    if (q.orderId !== undefined) w.add((n) => `r.order_id = $${n}`, q.orderId);
    if (q.dealerId !== undefined) w.add((n) => `s.dealer_id = $${n}`, q.dealerId);
    w.period('r.requested_at', q);
    w.keyset(q.cursor, 'r.requested_at', 'r.id');
    const limit = w.limit(q.limit);
    const { rows } = await checkedDates(() =>
      this.replica.read((tx) =>
        execute<RefundRow>(
          tx,
          `SELECT r.id::text AS id, r.order_id::text AS order_id, r.repair_job_id::text AS repair_job_id,
                  r.sub_order_id::text AS sub_order_id,
                  s.dealer_id::text AS dealer_id, r.payment_id::text AS payment_id, r.gateway_refund_id,
                  r.kind, r.amount_paise::text AS amount_paise, r.status, r.reason,
                  r.requested_by::text AS requested_by, r.attempts, r.last_error, r.requested_at,
                  r.processed_at, ${cursorTime('r.requested_at')} AS cursor_at, r.id::text AS cursor_id
           FROM refunds r LEFT JOIN sub_orders s ON s.id = r.sub_order_id ${w.sql()}
           ORDER BY r.requested_at DESC, r.id DESC ${limit}`,
          w.params,
        ),
      ),
    );
    const page = pageOf(rows, q.limit);
    return {
      items: page.items.map((r) => ({
        id: r.id,
        orderId: r.order_id,
        repairJobId: r.repair_job_id,
        subOrderId: r.sub_order_id,
        dealerId: r.dealer_id,
        paymentId: r.payment_id,
        gatewayRefundId: r.gateway_refund_id,
        kind: r.kind,
        amountPaise: paise(r.amount_paise),
        status: r.status,
        reason: r.reason,
        requestedBy: r.requested_by,
        attempts: r.attempts,
        lastError: r.last_error,
        requestedAt: r.requested_at.toISOString(),
        processedAt: iso(r.processed_at),
      })),
      ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}),
    };
  }

  /**
   * Money that left Razorpay, from the journal (`settlement.processed` posts it): dealers' and
   * technicians' Route settlements (`payout:<settlementId>`, Dr `liability:dealer_payable:<dealerId>`
   * or `liability:technician_payable:<technicianId>` / Cr the gateway receivable) and the platform's own (`settlement:<settlementId>`, Dr `asset:bank:<id>` / Cr the
   * gateway receivable). Payouts from elsewhere (a bank) or to other payees, and reversed entries,
   * are left out. Newest first.
   */
  async payouts(q: PayoutQueryDto): Promise<PayoutPageDto> {
    const w = new Where();
    w.add(
      (n) => `e.event_type IN ('gateway_settlement','payout')
        AND EXISTS (SELECT 1 FROM ledger_lines c JOIN ledger_accounts ca ON ca.id = c.account_id
                    WHERE c.entry_id = e.id AND c.side = 'credit' AND ca.code = $${n})
        AND NOT EXISTS (SELECT 1 FROM ledger_entries x WHERE x.reversal_of = e.id)`,
      Accounts.gatewayReceivable,
    );
    w.add(
      (n) => `((e.event_type = 'payout' AND starts_with(e.id, 'payout:')
              AND (starts_with(da.code, $${n}) OR starts_with(da.code, '${TECHNICIAN_PAYABLE}')))
        OR (e.event_type = 'gateway_settlement' AND starts_with(e.id, 'settlement:')
            AND starts_with(da.code, 'asset:bank:')))`,
      DEALER_PAYABLE,
    );
    if (q.kind === 'platform') w.add((n) => `e.event_type = $${n}`, 'gateway_settlement');
    else if (q.kind !== undefined)
      w.add(
        (n) => `starts_with(da.code, $${n})`,
        q.kind === 'dealer' ? DEALER_PAYABLE : TECHNICIAN_PAYABLE,
      );
    if (q.dealerId !== undefined)
      w.add((n) => `da.code = $${n}`, Accounts.dealerPayable(q.dealerId));
    if (q.technicianId !== undefined)
      w.add((n) => `da.code = $${n}`, Accounts.technicianPayable(q.technicianId));
    w.period('e.effective_at', q);
    w.keyset(q.cursor, 'e.effective_at', 'e.seq', '<', 'seq');
    const limit = w.limit(q.limit);
    const { rows } = await checkedDates(() =>
      this.replica.read((tx) =>
        execute<PayoutRow>(
          tx,
          `SELECT e.id AS entry_id, e.event_type, e.effective_at, d.amount::text AS amount_paise,
                  da.code AS payable_code,
                  ${cursorTime('e.effective_at')} AS cursor_at, e.seq::text AS cursor_id
           FROM ledger_entries e
           JOIN ledger_lines d ON d.entry_id = e.id AND d.side = 'debit'
           JOIN ledger_accounts da ON da.id = d.account_id ${w.sql()}
           ORDER BY e.effective_at DESC, e.seq DESC ${limit}`,
          w.params,
        ),
      ),
    );
    const page = pageOf(rows, q.limit);
    return {
      items: page.items.map((r): PayoutDto => ({
        settlementId: r.entry_id.slice(r.entry_id.indexOf(':') + 1),
        kind: payoutKindOf(r),
        dealerId: payeeOf(r, DEALER_PAYABLE),
        technicianId: payeeOf(r, TECHNICIAN_PAYABLE),
        amountPaise: paise(r.amount_paise),
        postedAt: r.effective_at.toISOString(),
      })),
      ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}),
    };
  }

  /** Held escrow by whole days since capture (the hold is made in the capture's transaction). */
  async aging(): Promise<EscrowAgingDto> {
    return this.replica.read(async (tx) => {
      const { rows } = await execute<{ b: number; n: number; amount: string; as_of: Date }>(
        tx,
        `WITH held AS (
           SELECT amount_paise, greatest(0, floor(extract(epoch FROM now() - created_at) / 86400))::int AS days
           FROM escrow_holds WHERE status = 'held')
         SELECT CASE WHEN days <= 7 THEN 0 WHEN days <= 14 THEN 1 WHEN days <= 30 THEN 2 ELSE 3 END AS b,
                count(*)::int AS n, sum(amount_paise)::text AS amount, now() AS as_of
         FROM held GROUP BY 1`,
      );
      const asOf = (await execute<{ now: Date }>(tx, `SELECT now()`)).rows[0]!.now;
      const buckets = AGING_BUCKETS.map((b, i) => {
        const row = rows.find((r) => r.b === i);
        return { ...b, count: row?.n ?? 0, amountPaise: paise(row?.amount ?? null) };
      });
      return {
        asOf: asOf.toISOString(),
        buckets,
        total: {
          count: buckets.reduce((s, b) => s + b.count, 0),
          amountPaise: paise(rows.reduce((s, r) => s + BigInt(r.amount), 0n).toString()),
        },
      };
    });
  }

  async holds(q: EscrowHoldQueryDto): Promise<EscrowHoldPageDto> {
    const w = new Where();
    if (q.status !== undefined) w.add((n) => `h.status = $${n}`, q.status);
    if (q.dealerId !== undefined) w.add((n) => `h.dealer_id = $${n}`, q.dealerId);
    if (q.orderId !== undefined) w.add((n) => `h.order_id = $${n}`, q.orderId);
    if (q.technicianId !== undefined)
      w.add((n) => `h.payee_type = 'technician' AND h.payee_id = $${n}`, q.technicianId);
    if (q.transferStatus !== undefined) w.add((n) => `h.transfer_status = $${n}`, q.transferStatus);
    return this.holdPage(w, q.limit, q.cursor, (r) => this.holdOf(r));
  }

  private async holdPage<T>(
    w: Where,
    limitValue: number,
    cursor: string | undefined,
    map: (r: HoldRow) => T,
    tx?: EntityManager,
  ): Promise<{ items: T[]; nextCursor?: string }> {
    w.keyset(cursor, 'h.created_at', 'h.id');
    const limit = w.limit(limitValue);
    const sql = `SELECT ${HOLD_COLUMNS}
       FROM escrow_holds h LEFT JOIN sub_orders s ON s.id = h.sub_order_id ${w.sql()}
       ORDER BY h.created_at DESC, h.id DESC ${limit}`;
    const { rows } = await checkedDates(() =>
      tx
        ? execute<HoldRow>(tx, sql, w.params)
        : this.replica.read((t) => execute<HoldRow>(t, sql, w.params)),
    );
    const page = pageOf(rows, limitValue);
    return {
      items: page.items.map(map),
      ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}),
    };
  }

  private holdOf(r: HoldRow): EscrowHoldDto {
    return {
      holdId: r.id,
      subOrderId: r.sub_order_id,
      orderId: r.order_id,
      repairJobId: r.repair_job_id,
      paymentId: r.payment_id,
      payeeType: r.payee_type,
      payeeId: r.payee_id,
      dealerId: r.dealer_id,
      status: r.status,
      subOrderStatus: r.sub_order_status,
      amountPaise: paise(r.amount_paise),
      heldAt: r.created_at.toISOString(),
      ageDays: r.age_days,
      releasedAt: iso(r.released_at),
      deductions: deductionsOf(r),
      dealerNetPaise: r.status === 'released' ? paiseOrNull(r.dealer_net_paise) : null,
      transferStatus: r.transfer_status,
      transferId: r.transfer_id,
      transferAttempts: r.transfer_attempts,
      transferError: r.transfer_error,
    };
  }

  /**
   * Held escrow of completed sub-orders (releasable now: the release job takes them within a
   * minute, so any that stay are a problem) and of delivered ones (releasable when they complete,
   * ORDER_AUTO_COMPLETE_HOURS after delivery unless a return or dispute opens). Oldest expected
   * completion first.
   */
  async releasesDue(q: { limit: number; cursor?: string }): Promise<ReleasesDueDto> {
    const seconds = this.config.orders.autoCompleteSeconds;
    return this.replica.read(async (tx) => {
      const { rows: sums } = await execute<{ status: string; n: number; amount: string }>(
        tx,
        `SELECT s.status, count(*)::int AS n, sum(h.amount_paise)::text AS amount
         FROM escrow_holds h JOIN sub_orders s ON s.id = h.sub_order_id
         WHERE h.status = 'held' AND s.status IN ('delivered','completed') GROUP BY s.status`,
      );
      const sum = (status: string): AmountCountDto => {
        const r = sums.find((x) => x.status === status);
        return { count: r?.n ?? 0, amountPaise: paise(r?.amount ?? null) };
      };
      const w = new Where();
      w.params.push(seconds);
      w.keyset(q.cursor, 'd.due_at', 'd.sub_order_id', '>');
      const limit = w.limit(q.limit);
      const { rows } = await checkedDates(() =>
        execute<{
          sub_order_id: string;
          order_id: string;
          dealer_id: string;
          amount_paise: string;
          status: 'delivered' | 'completed';
          delivered_at: Date | null;
          completed_at: Date | null;
          expected_at: Date | null;
          cursor_at: string;
          cursor_id: string;
        }>(
          tx,
          `WITH d AS (
             SELECT h.sub_order_id, h.order_id, h.dealer_id, h.amount_paise, s.status, s.delivered_at,
                    (SELECT max(x.created_at) FROM sub_order_history x
                     WHERE x.sub_order_id = s.id AND x.to_status = 'completed') AS completed_at,
                    s.delivered_at + make_interval(secs => $1::int) AS expected_at,
                    coalesce(s.delivered_at + make_interval(secs => $1::int), h.created_at) AS due_at
             FROM escrow_holds h JOIN sub_orders s ON s.id = h.sub_order_id
             WHERE h.status = 'held' AND s.status IN ('delivered','completed'))
           SELECT d.sub_order_id::text AS sub_order_id, d.order_id::text AS order_id,
                  d.dealer_id::text AS dealer_id, d.amount_paise::text AS amount_paise, d.status,
                  d.delivered_at, d.completed_at, d.expected_at,
                  ${cursorTime('d.due_at')} AS cursor_at, d.sub_order_id::text AS cursor_id
           FROM d ${w.sql()} ORDER BY d.due_at, d.sub_order_id ${limit}`,
          w.params,
        ),
      );
      const page = pageOf(rows, q.limit);
      return {
        releasable: sum('completed'),
        upcoming: sum('delivered'),
        items: page.items.map((r) => ({
          subOrderId: r.sub_order_id,
          orderId: r.order_id,
          dealerId: r.dealer_id,
          amountPaise: paise(r.amount_paise),
          subOrderStatus: r.status,
          deliveredAt: iso(r.delivered_at),
          completedAt: iso(r.completed_at),
          expectedCompletionAt: iso(r.expected_at),
          releasable: r.status === 'completed',
        })),
        ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}),
      };
    });
  }

  /**
   * Totals of a period [from, to) (by default today, IST) from the tables, the same figures from the
   * journal, and whether they agree. A release's ledger entries take the ledger clock's time while `released_at` is the
   * transaction's start, so a release within milliseconds of a period boundary may fall on either
   * side of it in the two sources (a mismatch that the adjacent period shows in reverse).
   */
  async totals(query: PeriodQueryDto): Promise<PaymentTotalsDto> {
    const today = businessDayWindow(businessDayOf(new Date()))!;
    const q = {
      from: query.from ?? today.from.toISOString(),
      to: query.to ?? today.to.toISOString(),
    };
    periodOf(q);
    return checkedDates(() =>
      this.replica.read(async (tx) => {
        const period = [q.from, q.to];
        const captured = (
          await execute<{ n: number; amount: string | null }>(
            tx,
            `SELECT count(*)::int AS n, sum(amount_paise)::text AS amount FROM payments
             WHERE status = 'captured' AND captured_at >= $1::timestamptz AND captured_at < $2::timestamptz`,
            period,
          )
        ).rows[0]!;
        const released = (
          await execute<
            Record<'commission' | 'gst' | 'tcs' | 'tds' | 'net', string | null> & { n: number }
          >(
            tx,
            `SELECT count(*)::int AS n, sum(commission_paise)::text AS commission,
                    sum(gst_on_commission_paise)::text AS gst, sum(tcs_paise)::text AS tcs,
                    sum(tds_paise)::text AS tds, sum(dealer_net_paise)::text AS net
             FROM escrow_holds
             WHERE status = 'released' AND released_at >= $1::timestamptz AND released_at < $2::timestamptz`,
            period,
          )
        ).rows[0]!;
        const j = (
          await execute<
            Record<
              'captured' | 'refunded' | 'gross' | 'withheld' | 'commission' | 'gst' | 'tcs' | 'tds',
              string | null
            >
          >(
            tx,
            `SELECT
               sum(l.amount) FILTER (WHERE a.code = $3 AND e.event_type = 'payment_captured' AND l.side = 'debit')::text AS captured,
               sum(l.amount) FILTER (WHERE a.code = $3 AND e.event_type = 'refund' AND l.side = 'credit')::text AS refunded,
               sum(l.amount) FILTER (WHERE starts_with(a.code, $4) AND e.event_type = 'escrow_release' AND l.side = 'credit')::text AS gross,
               sum(l.amount) FILTER (WHERE starts_with(a.code, $4) AND e.event_type = 'release_deductions' AND l.side = 'debit')::text AS withheld,
               sum(l.amount) FILTER (WHERE a.code = $5 AND e.event_type = 'release_deductions' AND l.side = 'credit')::text AS commission,
               sum(l.amount) FILTER (WHERE a.code = $6 AND e.event_type = 'release_deductions' AND l.side = 'credit')::text AS gst,
               sum(l.amount) FILTER (WHERE a.code = $7 AND e.event_type = 'release_deductions' AND l.side = 'credit')::text AS tcs,
               sum(l.amount) FILTER (WHERE a.code = $8 AND e.event_type = 'release_deductions' AND l.side = 'credit')::text AS tds
             FROM ledger_entries e
             JOIN ledger_lines l ON l.entry_id = e.id
             JOIN ledger_accounts a ON a.id = l.account_id
             WHERE e.effective_at >= $1::timestamptz AND e.effective_at < $2::timestamptz
               AND e.event_type IN ('payment_captured','refund','escrow_release','release_deductions')`,
            [
              ...period,
              Accounts.gatewayReceivable,
              'liability:dealer_payable:',
              Accounts.commission,
              Accounts.gstOutput,
              Accounts.tcs,
              Accounts.tds,
            ],
          )
        ).rows[0]!;
        const ledger: PeriodFiguresDto = {
          capturedPaise: paise(j.captured),
          refundedPaise: paise(j.refunded),
          releasedGrossPaise: paise(j.gross),
          commissionPaise: paise(j.commission),
          gstOnCommissionPaise: paise(j.gst),
          tcsPaise: paise(j.tcs),
          tdsPaise: paise(j.tds),
          dealerNetReleasedPaise: paise(j.gross) - paise(j.withheld),
        };
        const withheld = ['commission', 'gst', 'tcs', 'tds', 'net'] as const;
        const totals: PeriodFiguresDto = {
          capturedPaise: paise(captured.amount),
          // No refunds table is read: refunds are what the journal shows.
          refundedPaise: ledger.refundedPaise,
          releasedGrossPaise: withheld.reduce((s, k) => s + paise(released[k]), 0),
          commissionPaise: paise(released.commission),
          gstOnCommissionPaise: paise(released.gst),
          tcsPaise: paise(released.tcs),
          tdsPaise: paise(released.tds),
          dealerNetReleasedPaise: paise(released.net),
        };
        const mismatches = FIGURES.filter((f) => totals[f] !== ledger[f]);
        return {
          from: new Date(q.from).toISOString(),
          to: new Date(q.to).toISOString(),
          capturedCount: captured.n,
          releasedCount: released.n,
          totals,
          ledger,
          reconciled: mismatches.length === 0,
          mismatches,
        };
      }),
    );
  }

  /** A dealer's own escrow: totals by state and its holds, newest first. */
  async dealerEscrow(dealerId: string, q: DealerEscrowQueryDto): Promise<DealerEscrowDto> {
    return this.replica.read(async (tx) => {
      const { rows } = await execute<{
        status: HoldStatus;
        completed: boolean;
        n: number;
        amount: string;
        commission: string | null;
        gst: string | null;
        tcs: string | null;
        tds: string | null;
        net: string | null;
      }>(
        tx,
        `SELECT h.status, s.status = 'completed' AS completed, count(*)::int AS n,
                sum(h.amount_paise)::text AS amount, sum(h.commission_paise)::text AS commission,
                sum(h.gst_on_commission_paise)::text AS gst, sum(h.tcs_paise)::text AS tcs,
                sum(h.tds_paise)::text AS tds, sum(h.dealer_net_paise)::text AS net
         FROM escrow_holds h JOIN sub_orders s ON s.id = h.sub_order_id
         WHERE h.dealer_id = $1 GROUP BY 1, 2`,
        [dealerId],
      );
      const of = (pred: (r: (typeof rows)[number]) => boolean): AmountCountDto => {
        const xs = rows.filter(pred);
        return {
          count: xs.reduce((s, r) => s + r.n, 0),
          amountPaise: xs.reduce((s, r) => s + paise(r.amount), 0),
        };
      };
      const rel = rows.filter((r) => r.status === 'released');
      const total = (k: 'commission' | 'gst' | 'tcs' | 'tds' | 'net') =>
        rel.reduce((s, r) => s + paise(r[k]), 0);
      const w = new Where();
      w.add((n) => `h.dealer_id = $${n}`, dealerId);
      if (q.status !== undefined) w.add((n) => `h.status = $${n}`, q.status);
      const page = await this.holdPage(
        w,
        q.limit,
        q.cursor,
        // A dealer's holds are all sub-orders' (escrow_holds_dealer_check).
        (r): DealerEscrowLineDto => ({
          subOrderId: r.sub_order_id!,
          orderId: r.order_id!,
          subOrderStatus: r.sub_order_status!,
          state:
            r.status === 'held' && r.sub_order_status === 'completed' ? 'releasable' : r.status,
          amountPaise: paise(r.amount_paise),
          heldAt: r.created_at.toISOString(),
          releasedAt: iso(r.released_at),
          deductions: deductionsOf(r),
          netPaise: r.status === 'released' ? paiseOrNull(r.dealer_net_paise) : null,
        }),
        tx,
      );
      return {
        held: of((r) => r.status === 'held'),
        releasable: of((r) => r.status === 'held' && r.completed),
        released: {
          count: rel.reduce((s, r) => s + r.n, 0),
          grossPaise:
            total('commission') + total('gst') + total('tcs') + total('tds') + total('net'),
          commissionPaise: total('commission'),
          gstOnCommissionPaise: total('gst'),
          tcsPaise: total('tcs'),
          tdsPaise: total('tds'),
          netPaise: total('net'),
        },
        refunded: of((r) => r.status === 'refunded'),
        ...(await payeePayoutsIn(tx, {
          payable: Accounts.dealerPayable(dealerId),
          receivable: Accounts.dealerReceivable(dealerId),
        })),
        ...page,
      };
    });
  }
}

/**
 * A payee's payouts (count, amount: the Route settlements of its account, `payout:<id>` entries
 * debiting its payable) and what its payable less its receivable holds now.
 */
export async function payeePayoutsIn(
  tx: EntityManager,
  accounts: { payable: string; receivable: string },
): Promise<Pick<DealerEscrowDto, 'settled' | 'payableBalancePaise'>> {
  const { rows: settled } = await execute<{ n: number; amount: string }>(
    tx,
    `SELECT count(*)::int AS n, coalesce(sum(l.amount), 0)::text AS amount
     FROM ledger_lines l JOIN ledger_entries e ON e.id = l.entry_id
     WHERE l.account_id = (SELECT id FROM ledger_accounts WHERE code = $1) AND l.side = 'debit'
       AND e.event_type = 'payout' AND starts_with(e.id, 'payout:')
       AND NOT EXISTS (SELECT 1 FROM ledger_entries x WHERE x.reversal_of = e.id)`,
    [accounts.payable],
  );
  const { rows: balances } = await execute<AccountRow>(
    tx,
    `SELECT ${ACCOUNT_COLUMNS_WITH_DELTAS} FROM ledger_accounts a ${DELTAS_JOIN} WHERE a.code = ANY($1)`,
    [[accounts.payable, accounts.receivable]],
  );
  // Payable (credit-normal) less receivable (debit-normal): Σ credits − debits over both.
  let balance = 0n;
  for (const a of balances.map(toAccount)) balance += a.creditsPosted - a.debitsPosted;
  return {
    settled: { count: settled[0]!.n, amountPaise: paise(settled[0]!.amount) },
    payableBalancePaise: paise(balance.toString()),
  };
}
