/**
 * Approves a TCS correction (a finance user other than its proposer): in one transaction,
 * recomputes each release of the report (order row, then hold row locked: releases and refunds
 * serialise with it), posts the difference (`tcsCorrected`: dealer payable ↔ TCS liability, the
 * receivable for what a paid-out dealer's payable cannot bear; key `tcs_correction:<subOrderId>`),
 * and marks it applied: from then on its refunds after release claw back on the lines basis. A
 * release already applied by another correction is skipped. Audited.
 */
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { EntityManager } from 'typeorm';
import { ProposalDecisions } from '../../approvals/proposal-decisions.service.js';
import { execute } from '../../database/sql.js';
import { TransactionRunner } from '../../database/transaction.js';
import { payableAccount, receivableAccount, tcsCorrected } from '../../ledger/domain/recipes.js';
import { LedgerService } from '../../ledger/persistence/ledger.service.js';
import { lockOrder } from '../../orders/order-store.js';
import {
  type Assessment,
  assessIn,
  CORRECTION,
  correctionDtoIn,
  type CorrectionRow,
  itemValues,
  lockCorrection,
  moveCorrection,
} from '../tcs-correction/tcs-correction-store.js';
import type { TcsCorrectionDto } from '../tcs-correction/tcs-correction.dto.js';
import { ApproveTcsCorrectionCommand } from './approve-tcs-correction.command.js';

@CommandHandler(ApproveTcsCorrectionCommand)
export class ApproveTcsCorrectionHandler implements ICommandHandler<ApproveTcsCorrectionCommand> {
  constructor(
    private readonly transactions: TransactionRunner,
    private readonly ledger: LedgerService,
    private readonly proposals: ProposalDecisions,
  ) {}

  async execute({
    correctionId: id,
    reason,
    meta,
  }: ApproveTcsCorrectionCommand): Promise<TcsCorrectionDto> {
    const checker = meta.principal!.userId;
    return this.transactions.run(async (tx) => {
      const correction = await lockCorrection(tx, id);
      let dto: TcsCorrectionDto | undefined;
      await this.proposals.decide(tx, CORRECTION, correction, {
        event: 'approve',
        meta,
        reason: reason ?? null,
        effect: () => this.applyIn(tx, correction, checker),
        update: (from, to) => moveCorrection(tx, id, from, to, checker, reason ?? null),
        audit: async (updated) => {
          dto = await correctionDtoIn(tx, updated);
          return {
            before: { status: correction.status, proposedBy: correction.proposed_by },
            after: {
              status: dto.status,
              applied: dto.items.filter((i) => i.entryKey !== null).length,
              totalDifferencePaise: dto.totalDifferencePaise,
            },
          };
        },
      });
      return dto!;
    });
  }

  /**
   * Recomputes each release of the report (order row, then hold row locked), posts the difference
   * and marks it applied; a release applied by another correction meanwhile is skipped.
   */
  private async applyIn(
    tx: EntityManager,
    correction: CorrectionRow,
    checker: string,
  ): Promise<void> {
    const id = correction.id;
    const { rows: items } = await execute<{ sub_order_id: string; order_id: string }>(
      tx,
      `SELECT sub_order_id::text AS sub_order_id, order_id::text AS order_id
       FROM tcs_correction_items WHERE correction_id = $1 ORDER BY order_id, sub_order_id`,
      [id],
    );
    for (const item of items) {
      await lockOrder(tx, item.order_id, null);
      await execute(tx, `SELECT 1 FROM escrow_holds WHERE sub_order_id = $1 FOR UPDATE`, [
        item.sub_order_id,
      ]);
      const { rows: applied } = await execute(
        tx,
        `SELECT 1 FROM tcs_correction_items WHERE sub_order_id = $1 AND applied_at IS NOT NULL`,
        [item.sub_order_id],
      );
      if (applied.length > 0) continue; // corrected by another correction meanwhile
      const a = await assessIn(tx, item.sub_order_id);
      const { entryKey, fromReceivable } = await this.postDifference(
        tx,
        correction,
        item,
        a,
        checker,
      );
      const [, , , , , ...amounts] = itemValues(id, item.sub_order_id, a);
      await execute(
        tx,
        `UPDATE tcs_correction_items SET released_paise = $3, refunded_after_release_paise = $4,
           taxable_before_paise = $5, taxable_after_paise = $6, tcs_before_paise = $7,
           tcs_after_paise = $8, difference_paise = $9, from_receivable_paise = $10,
           entry_key = $11::text, applied_at = now()
         WHERE correction_id = $1 AND sub_order_id = $2`,
        [id, item.sub_order_id, ...amounts, fromReceivable.toString(), entryKey],
      );
    }
  }

  /** Posts one release's TCS difference (`tcsCorrected`), if any; its entry key and receivable part. */
  private async postDifference(
    tx: EntityManager,
    correction: CorrectionRow,
    item: { sub_order_id: string; order_id: string },
    a: Assessment,
    checker: string,
  ): Promise<{ entryKey: string | null; fromReceivable: bigint }> {
    const difference = a.tcsAfter - a.tcsBefore;
    if (difference === 0n) return { entryKey: null, fromReceivable: 0n };
    const supplier = a.terms.supplier;
    await this.ledger.openAccountsIn(tx, [payableAccount(supplier), receivableAccount(supplier)]);
    const planned = tcsCorrected({
      releaseId: item.sub_order_id,
      reference: `order:${item.order_id}`,
      supplier,
      differencePaise: difference,
      payableAvailablePaise: await this.ledger.lockedAvailableIn(tx, payableAccount(supplier)),
      actor: `user:${checker}`,
      metadata: {
        correctionId: correction.id,
        maker: correction.proposed_by,
        checker,
        tcsBeforePaise: a.tcsBefore.toString(),
        tcsAfterPaise: a.tcsAfter.toString(),
      },
    });
    await this.ledger.postIn(tx, planned.command, {
      what: `the TCS correction of ${item.sub_order_id}`,
    });
    return {
      entryKey: `tcs_correction:${item.sub_order_id}`,
      fromReceivable: planned.fromReceivablePaise,
    };
  }
}
