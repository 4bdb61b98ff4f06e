/**
 * Escrow release: once a sub-order is completed (delivered, and its return window —
 * ORDER_AUTO_COMPLETE_HOURS — passed with no return or dispute open), its escrow hold is released to
 * the dealer by the ledger recipe `escrowRelease` (ledger-spec/recipes.md §3): the hold is posted to
 * the dealer's payable and commission, GST on commission, TCS and TDS are withheld from it, at the
 * rates of ledger-spec/rates.json in force on the release's IST date (commission: the finance rule in
 * force, src/payouts/commission/, else `commission.parts`; every release writes its commission invoice;
 * the taxable value for TCS is that of the released lines, each at its own GST rate with its share of
 * the delivery charge (src/payments/sale-lines.ts); TDS at the no-PAN rate when the dealer has no PAN; TCS only
 * for GST-registered dealers). The `escrow.release-due` job runs every
 * minute; each release is one transaction (order row → sub-order → hold row, then the ledger), and
 * the ledger keys (`release:<subOrderId>`, `deductions:<subOrderId>`) make a replay a no-op.
 */
import { Injectable, type OnModuleInit } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { execute } from '../database/sql.js';
import { TransactionRunner } from '../database/transaction.js';
import { JobQueue } from '../jobs/job-queue.service.js';
import { Accounts } from '../ledger/domain/account.js';
import type { RateBook } from '../ledger/domain/rates.js';
import {
  escrowRelease,
  payableAccount,
  resolveSaleRates,
  type Supplier,
} from '../ledger/domain/recipes.js';
import { loadRateBook } from '../ledger/ledger-spec-files.js';
import { LedgerService } from '../ledger/persistence/ledger.service.js';
import { lockOrder, lockSubOrders } from '../orders/order-store.js';
import { ESCROW_JOBS } from './escrow-jobs.js';
import { CommissionService } from '../payouts/commission/commission.service.js';
import { PARTS_RATES } from '../payments/parts-rates.js';
import { REFUND_JOBS } from '../payments/refund-jobs.js';
import { ROUTE_JOBS } from '../payouts/route/route-jobs.js';
import { heldSaleLinesIn } from '../payments/sale-lines.js';

export interface DueRow {
  sub_order_id: string;
  order_id: string;
}

/** Which sub-order statuses a release accepts, and the ledger actor it posts as. */
export interface ReleaseMode {
  eligible: readonly string[];
  actor: string;
}

/** The job: completed sub-orders (the return window passed with no return or dispute open). */
export const DUE_RELEASE: ReleaseMode = { eligible: ['completed'], actor: 'system:escrow-release' };

@Injectable()
export class EscrowReleaseService implements OnModuleInit {
  private rateBook: RateBook | undefined;

  constructor(
    private readonly transactions: TransactionRunner,
    private readonly ledger: LedgerService,
    private readonly jobs: JobQueue,
    private readonly commission: CommissionService,
  ) {}

  onModuleInit(): void {
    this.jobs.define({
      name: ESCROW_JOBS.releaseDue,
      cron: '* * * * *',
      handler: () => this.releaseDue(),
    });
  }

  private rates(): RateBook {
    this.rateBook ??= loadRateBook();
    return this.rateBook;
  }

  /** Releases every held escrow whose sub-order is completed; returns how many. */
  async releaseDue(batch = 100): Promise<number> {
    let released = 0;
    for (;;) {
      const { rows } = await this.transactions.run((tx) =>
        execute<DueRow>(
          tx,
          `SELECT h.sub_order_id::text AS sub_order_id, h.order_id::text AS order_id
           FROM escrow_holds h JOIN sub_orders s ON s.id = h.sub_order_id
           WHERE h.status = 'held' AND s.status = 'completed'
             AND NOT EXISTS (SELECT 1 FROM escrow_manual_holds m
                             WHERE m.sub_order_id = h.sub_order_id AND m.lifted_at IS NULL)
           ORDER BY h.created_at LIMIT $1`,
          [batch],
        ),
      );
      for (const due of rows) if (await this.release(due)) released += 1;
      if (rows.length < batch) return released;
    }
  }

  private async release(due: DueRow): Promise<boolean> {
    return this.transactions.run((tx) => this.releaseIn(tx, due, DUE_RELEASE));
  }

  /**
   * Releases one held escrow in the caller's transaction: the job's, or a staff early release's
   * (src/escrow/controls/) — the one code path for both. Locks order → sub-orders → hold;
   * false (nothing done) unless the hold is still held, the sub-order's status is one `mode`
   * accepts and no manual hold is active.
   */
  async releaseIn(tx: EntityManager, due: DueRow, mode: ReleaseMode): Promise<boolean> {
    await lockOrder(tx, due.order_id, null);
    const sub = (await lockSubOrders(tx, due.order_id)).find((s) => s.id === due.sub_order_id);
    const { rows } = await execute<{
      hold_key: string;
      amount_paise: string;
      refund_at_release_paise: string;
      dealer_id: string;
      status: string;
      pan: string | null;
      gstin: string | null;
      now_ms: string;
    }>(
      tx,
      `SELECT h.hold_key, h.amount_paise::text AS amount_paise, h.dealer_id::text AS dealer_id, h.status,
              h.refund_at_release_paise::text AS refund_at_release_paise,
              u.pan, u.gstin, (extract(epoch FROM statement_timestamp()) * 1000)::bigint::text AS now_ms
       FROM escrow_holds h JOIN users u ON u.id = h.dealer_id
       WHERE h.sub_order_id = $1 FOR UPDATE OF h`,
      [due.sub_order_id],
    );
    const hold = rows[0];
    if (hold === undefined || hold.status !== 'held') return false;
    if (sub === undefined || !mode.eligible.includes(sub.status)) return false;
    const { rows: manual } = await execute(
      tx,
      `SELECT 1 FROM escrow_manual_holds WHERE sub_order_id = $1 AND lifted_at IS NULL`,
      [due.sub_order_id],
    );
    if (manual.length > 0) return false;
    const supplier: Supplier = {
      kind: 'dealer',
      id: hold.dealer_id,
      hasPan: hold.pan !== null,
      gstRegistered: hold.gstin !== null,
    };
    // Commission: the finance rule in force, else rates.json (src/payouts/commission/).
    const onDate = this.commission.releaseDate(Number(hold.now_ms));
    const scheduled = resolveSaleRates(this.rates(), PARTS_RATES, supplier, onDate);
    const commission = await this.commission.chooseIn(
      tx,
      due.sub_order_id,
      onDate,
      scheduled.commission,
    );
    const rates = { ...scheduled, commission: commission.rate };
    const result = escrowRelease({
      escrow: 'order',
      subjectId: due.order_id,
      supplier,
      holdKey: hold.hold_key,
      heldPaise: BigInt(hold.amount_paise),
      lines: await heldSaleLinesIn(tx, due.sub_order_id, BigInt(hold.amount_paise)),
      // A dispute resolved with a partial refund (src/disputes/): recipe §5.
      refundPaise: BigInt(hold.refund_at_release_paise),
      rates,
      releaseId: due.sub_order_id,
      actor: mode.actor,
    });
    await this.ledger.postIn(tx, result.command, {
      what: `the release of sub-order ${due.sub_order_id}`,
      open: [
        Accounts.commission,
        Accounts.gstOutput,
        Accounts.tcs,
        Accounts.tds,
        payableAccount(supplier),
      ],
    });
    const d = result.deductions;
    await execute(
      tx,
      `UPDATE escrow_holds SET status = 'released', commission_paise = $2, gst_on_commission_paise = $3,
         tcs_paise = $4, tds_paise = $5, dealer_net_paise = $6, taxable_basis = 'lines',
         released_at = now(), updated_at = now()
       WHERE sub_order_id = $1`,
      [
        due.sub_order_id,
        d.commissionPaise.toString(),
        d.gstOnCommissionPaise.toString(),
        d.tcsPaise.toString(),
        d.tdsPaise.toString(),
        d.supplierNetPaise.toString(),
      ],
    );
    // The GST tax invoice data for the commission, numbered in this transaction (gapless per FY).
    await this.commission.writeInvoiceIn(tx, {
      subOrderId: due.sub_order_id,
      orderId: due.order_id,
      dealerId: hold.dealer_id,
      releaseDate: onDate,
      choice: commission,
      commissionPaise: d.commissionPaise,
      gstOnCommissionPaise: d.gstOnCommissionPaise,
      gstRate: rates.gstOnCommission,
    });
    if (BigInt(hold.refund_at_release_paise) > 0n) {
      // The partial refund's ledger entry (`refund:<subOrderId>`) was just posted by escrowRelease;
      // the `partial` refund row only sends the money back through the gateway (it posts nothing).
      await execute(
        tx,
        `INSERT INTO refunds (payment_id, order_id, sub_order_id, kind, amount_paise)
         SELECT payment_id, order_id, sub_order_id, 'partial', refund_at_release_paise
         FROM escrow_holds WHERE sub_order_id = $1
         ON CONFLICT DO NOTHING`,
        [due.sub_order_id],
      );
      await this.jobs.send(REFUND_JOBS.process, {}, { tx });
    }
    // Route: lift the hold of the dealer's transfer (src/payouts/route/).
    await this.jobs.send(ROUTE_JOBS.release, { subOrderId: due.sub_order_id }, { tx });
    return true;
  }
}
