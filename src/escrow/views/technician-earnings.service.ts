/**
 * A technician's earnings statement: the escrow holds of its repair jobs (one per payment of a job,
 * each with what the release withheld and the Route transfer's state) and its payouts, read from
 * `escrow_holds` and the ledger — the technician's mirror of the dealer's escrow statement.
 */
import { Injectable } from '@nestjs/common';
import { execute } from '../../database/sql.js';
import { TransactionRunner } from '../../database/transaction.js';
import { Accounts } from '../../ledger/domain/account.js';
import type { HoldStatus, TransferStatus } from './payment-views.dto.js';
import { payeePayoutsIn } from './payment-views.service.js';
import type {
  TechnicianEarningsDto,
  TechnicianEarningsLineDto,
  TechnicianEarningsQueryDto,
} from './technician-earnings.dto.js';
import { checkedDates, cursorTime, iso, pageOf, paise, Where } from './view-support.js';

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
        const w = scope();
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
                  ${cursorTime('h.created_at')} AS cursor_at, h.id::text AS cursor_id
           FROM escrow_holds h ${w.sql()}
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
          ...(await payeePayoutsIn(tx, {
            payable: Accounts.technicianPayable(technicianId),
            receivable: Accounts.technicianReceivable(technicianId),
          })),
          items: page.items.map(lineOf),
          ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}),
        };
      }),
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
    transferStatus: r.transfer_status,
  };
}
