/**
 * A technician's earnings statement: the escrow holds of its repair jobs (one per payment of a job,
 * each with what the release withheld, the refunds after release and what they clawed back, and
 * the Route transfer's state) and its payouts, read from `escrow_holds`, `refunds` and the ledger —
 * the technician's mirror of the dealer's escrow statement.
 */
import { Injectable } from '@nestjs/common';
import { execute } from '../../database/sql.js';
import { TransactionRunner } from '../../database/transaction.js';
import { Accounts } from '../../ledger/domain/account.js';
import type { HoldStatus, TransferStatus } from './payment-views.dto.js';
import { payeePayoutsIn } from './payment-views.service.js';
import type {
  RefundsAfterReleaseDto,
  TechnicianEarningsDto,
  TechnicianEarningsLineDto,
  TechnicianEarningsQueryDto,
} from './technician-earnings.dto.js';
import { checkedDates, cursorTime, iso, pageOf, paise, Where } from './view-support.js';

/**
 * The hold `h`'s processed refunds after release (`n`, `amount`) and what they took back of its
 * technician's net (`clawback`): the debits less the credits their ledger entries — `refund:<id>`,
 * or a full reversal's `reverse:<id>:release:<releaseId>` and `reverse:<id>:deductions:<releaseId>`
 * (../refund-after-release-posting.ts) — made on the technician's payable and receivable, the
 * account codes `accounts` (a text[] placeholder).
 */
const afterReleaseOf = (accounts: string): string => `LEFT JOIN LATERAL (
    SELECT count(*)::int AS n, coalesce(sum(r.amount_paise), 0) AS amount,
           coalesce(sum(c.clawback), 0) AS clawback
    FROM refunds r CROSS JOIN LATERAL (
      SELECT coalesce(sum(CASE l.side WHEN 'debit' THEN l.amount ELSE -l.amount END), 0) AS clawback
      FROM ledger_lines l JOIN ledger_accounts a ON a.id = l.account_id
      WHERE a.code = ANY(${accounts}::text[]) AND l.entry_id = ANY(ARRAY[
        'refund:' || r.id,
        'reverse:' || r.id || ':release:' || replace(h.hold_key, 'hold:job:', ''),
        'reverse:' || r.id || ':deductions:' || replace(h.hold_key, 'hold:job:', '')])) c
    WHERE r.repair_job_id = h.repair_job_id AND r.payment_id = h.payment_id
      AND r.sub_order_id IS NULL AND r.kind = 'after_release' AND r.status = 'processed') ra ON true`;

interface EarningsRow {
  repair_job_id: string;
  hold_id: string;
  status: HoldStatus;
  amount_paise: string;
  created_at: Date;
  released_at: Date | null;
  commission_paise: string | null;
  gst_on_commission_paise: string | null;
  tcs_paise: string | null;
  tds_paise: string | null;
  dealer_net_paise: string | null;
  transfer_status: TransferStatus;
  after_release_n: number;
  after_release_paise: string;
  clawback_paise: string;
  cursor_at: string;
  cursor_id: string;
}

@Injectable()
export class TechnicianEarnings {
  constructor(private readonly transactions: TransactionRunner) {}

  async statement(
    technicianId: string,
    q: TechnicianEarningsQueryDto,
  ): Promise<TechnicianEarningsDto> {
    const accounts = [
      Accounts.technicianPayable(technicianId),
      Accounts.technicianReceivable(technicianId),
    ];
    const scope = (): Where => {
      const w = new Where();
      w.holds(`h.payee_type = 'technician'`);
      w.add((n) => `h.payee_id = $${n}`, technicianId);
      w.period('h.created_at', q);
      return w;
    };
    return checkedDates(() =>
      this.transactions.run(async (tx) => {
        const totals = scope();
        const { rows } = await execute<{
          status: HoldStatus;
          n: number;
          amount: string;
          fee: string | null;
          gst: string | null;
          tcs: string | null;
          tds: string | null;
          net: string | null;
        }>(
          tx,
          `SELECT h.status, count(*)::int AS n, sum(h.amount_paise)::text AS amount,
                  sum(h.commission_paise)::text AS fee, sum(h.gst_on_commission_paise)::text AS gst,
                  sum(h.tcs_paise)::text AS tcs, sum(h.tds_paise)::text AS tds,
                  sum(h.dealer_net_paise)::text AS net
           FROM escrow_holds h ${totals.sql()} GROUP BY h.status`,
          totals.params,
        );
        const of = (status: HoldStatus) => {
          const r = rows.find((x) => x.status === status);
          return { count: r?.n ?? 0, amountPaise: paise(r?.amount ?? null) };
        };
        const rel = rows.find((r) => r.status === 'released');
        const afterRelease = scope();
        const joined = afterReleaseOf(afterRelease.param(accounts));
        const { rows: refunded } = await execute<{ n: number; amount: string; clawback: string }>(
          tx,
          `SELECT coalesce(sum(ra.n), 0)::int AS n, coalesce(sum(ra.amount), 0)::text AS amount,
                  coalesce(sum(ra.clawback), 0)::text AS clawback
           FROM escrow_holds h ${joined} ${afterRelease.sql()}`,
          afterRelease.params,
        );
        const w = scope();
        const lineJoin = afterReleaseOf(w.param(accounts));
        if (q.status !== undefined) w.add((n) => `h.status = $${n}`, q.status);
        w.keyset(q.cursor, 'h.created_at', 'h.id');
        const limit = w.limit(q.limit);
        const { rows: lines } = await execute<EarningsRow>(
          tx,
          `SELECT h.repair_job_id::text AS repair_job_id, h.id::text AS hold_id, h.status,
                  h.amount_paise::text AS amount_paise,
                  h.created_at, h.released_at, h.commission_paise::text AS commission_paise,
                  h.gst_on_commission_paise::text AS gst_on_commission_paise,
                  h.tcs_paise::text AS tcs_paise, h.tds_paise::text AS tds_paise,
                  h.dealer_net_paise::text AS dealer_net_paise, h.transfer_status,
                  ra.n AS after_release_n, ra.amount::text AS after_release_paise,
                  ra.clawback::text AS clawback_paise,
                  ${cursorTime('h.created_at')} AS cursor_at, h.id::text AS cursor_id
           FROM escrow_holds h ${lineJoin} ${w.sql()}
           ORDER BY h.created_at DESC, h.id DESC ${limit}`,
          w.params,
        );
        const page = pageOf(lines, q.limit);
        return {
          held: of('held'),
          released: {
            count: rel?.n ?? 0,
            grossPaise: paise(rel?.amount ?? null),
            serviceFeePaise: paise(rel?.fee ?? null),
            gstOnFeePaise: paise(rel?.gst ?? null),
            tcsPaise: paise(rel?.tcs ?? null),
            tdsPaise: paise(rel?.tds ?? null),
            netPaise: paise(rel?.net ?? null),
          },
          refunded: of('refunded'),
          refundedAfterRelease: afterReleaseDto(refunded[0]!),
          ...(await payeePayoutsIn(tx, { payable: accounts[0]!, receivable: accounts[1]! })),
          items: page.items.map(lineOf),
          ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}),
        };
      }, 'REPEATABLE READ'),
    );
  }
}

function lineOf(r: EarningsRow): TechnicianEarningsLineDto {
  const released = r.status === 'released' && r.commission_paise !== null;
  return {
    repairJobId: r.repair_job_id,
    holdId: r.hold_id,
    state: r.status,
    grossPaise: paise(r.amount_paise),
    heldAt: r.created_at.toISOString(),
    releasedAt: iso(r.released_at),
    figures: released
      ? {
          serviceFeePaise: paise(r.commission_paise),
          gstOnFeePaise: paise(r.gst_on_commission_paise),
          tcsPaise: paise(r.tcs_paise),
          tdsPaise: paise(r.tds_paise),
          netPaise: paise(r.dealer_net_paise),
        }
      : null,
    refundedAfterRelease: afterReleaseDto({
      n: r.after_release_n,
      amount: r.after_release_paise,
      clawback: r.clawback_paise,
    }),
    transferStatus: r.transfer_status,
  };
}

function afterReleaseDto(r: {
  n: number;
  amount: string;
  clawback: string;
}): RefundsAfterReleaseDto {
  return { count: r.n, amountPaise: paise(r.amount), clawedBackPaise: paise(r.clawback) };
}
