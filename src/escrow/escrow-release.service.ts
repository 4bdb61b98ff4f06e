/**
 * Escrow release, one code path for every obligation: once its subject is completed, an escrow hold
 * is released to its payee by the ledger recipe `escrowRelease` (ledger-spec/recipes.md §3, §10):
 * the hold is posted to the payee's payable and commission, GST on commission, TCS and TDS are
 * withheld from it, at the rates of ledger-spec/rates.json in force on the release's IST date (TDS
 * at the no-PAN rate when the payee has no PAN; TCS only for GST-registered payees).
 *
 * - A sub-order's hold (toward its dealer): once the sub-order is completed (delivered, and its
 *   return window — ORDER_AUTO_COMPLETE_HOURS — passed with no return or dispute open) and no manual
 *   hold is active. Commission: the finance rule in force (src/payouts/commission/), else
 *   `commission.parts`; the taxable value for TCS is that of the released lines, each at its own GST
 *   rate with its share of the delivery charge (src/payments/sale-lines.ts); every release writes its
 *   commission invoice and lifts the hold of the dealer's Route transfer.
 * - A repair job's holds (toward its technician; `liability:escrow:job:<jobId>`; one per payment:
 *   its first quote's and each supplementary quote's): once the job is completed, all of them in one
 *   release, each with its own deductions and ledger keys, under one service-fee invoice.
 *   Commission: the `repair_service` rule in force, else `commission.repairs`; the sale is the lines
 *   of the quote the hold's payment paid, each at its GST rate. A paid job cancelled keeping a
 *   visit fee (src/repairs/) is released too, its first hold only: the fee to the technician, the
 *   rest refunded at release (recipe §5, a `partial` refund sent by the refunds job); its
 *   supplements' holds are refunded whole by the payments' refunds. A disputed job is not due
 *   until staff resolve its dispute (src/disputes/).
 * - Neither while staff hold it (a manual hold of the sub-order or of the repair job, src/escrow/controls/).
 *
 * The `escrow.release-due` job runs every minute (here): it finds the due holds and dispatches one
 * `ReleaseEscrowCommand` each (src/escrow/commands/release-escrow.*); each release is one transaction
 * (the subject's rows → the hold row, then the ledger), and the ledger keys (`release:<id>`,
 * `deductions:<id>`, the sub-order's or the job's id) make a replay a no-op.
 */
import { Injectable, type OnModuleInit } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { execute } from '../database/sql.js';
import { TransactionRunner } from '../database/transaction.js';
import { JobQueue } from '../jobs/job-queue.service.js';
import { ReleaseEscrowCommand } from './commands/release-escrow.command.js';
import { DUE_RELEASE, type DueRow } from './commands/release-escrow.steps.js';
import { ESCROW_JOBS } from './escrow-jobs.js';

@Injectable()
export class EscrowReleaseService implements OnModuleInit {
  constructor(
    private readonly transactions: TransactionRunner,
    private readonly jobs: JobQueue,
    private readonly commands: CommandBus,
  ) {}

  onModuleInit(): void {
    this.jobs.define({
      name: ESCROW_JOBS.releaseDue,
      cron: '* * * * *',
      handler: () => this.releaseDue(),
    });
  }

  /**
   * Releases every held escrow whose sub-order is completed or repair job confirmed (a job's holds
   * in one release, so its other holds' rows find nothing left); returns how many releases.
   */
  async releaseDue(batch = 100): Promise<number> {
    let released = 0;
    for (;;) {
      const { rows } = await this.transactions.run((tx) =>
        execute<{
          sub_order_id: string | null;
          order_id: string | null;
          repair_job_id: string | null;
        }>(
          tx,
          `SELECT h.sub_order_id::text AS sub_order_id, h.order_id::text AS order_id,
                  h.repair_job_id::text AS repair_job_id
           FROM escrow_holds h
             LEFT JOIN sub_orders s ON s.id = h.sub_order_id
             LEFT JOIN repair_jobs j ON j.id = h.repair_job_id
           WHERE h.status = 'held'
             AND (s.status = 'completed' OR j.status = 'confirmed'
                  OR (j.status = 'cancelled' AND j.visit_fee_paise > 0
                      AND NOT EXISTS (SELECT 1 FROM escrow_holds e WHERE e.repair_job_id = h.repair_job_id
                                        AND (e.created_at, e.id) < (h.created_at, h.id))))
             AND NOT EXISTS (SELECT 1 FROM escrow_manual_holds m
                             WHERE m.sub_order_id = h.sub_order_id AND m.lifted_at IS NULL)
             AND NOT EXISTS (SELECT 1 FROM escrow_manual_holds m
                             WHERE m.repair_job_id = h.repair_job_id AND m.lifted_at IS NULL)
           ORDER BY h.created_at LIMIT $1`,
          [batch],
        ),
      );
      for (const r of rows) {
        const due: DueRow =
          r.repair_job_id !== null
            ? { repair_job_id: r.repair_job_id }
            : { sub_order_id: r.sub_order_id!, order_id: r.order_id! };
        if (await this.commands.execute(new ReleaseEscrowCommand(due, DUE_RELEASE))) released += 1;
      }
      if (rows.length < batch) return released;
    }
  }
}
