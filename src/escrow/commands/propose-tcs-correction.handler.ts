/**
 * Proposes a TCS correction (finance): checks every `schedule` release not corrected yet and stores
 * the report — per release the taxable value and TCS as posted and on its lines, both net of the
 * refunds after release processed so far, and the difference. Nothing is posted. Audited.
 */
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { ProposalDecisions } from '../../approvals/proposal-decisions.service.js';
import { execute } from '../../database/sql.js';
import { TransactionRunner } from '../../database/transaction.js';
import {
  assessIn,
  COLUMNS,
  CORRECTION,
  correctionDtoIn,
  type CorrectionRow,
  itemValues,
} from '../tcs-correction/tcs-correction-store.js';
import type { TcsCorrectionDto } from '../tcs-correction/tcs-correction.dto.js';
import { ProposeTcsCorrectionCommand } from './propose-tcs-correction.command.js';

@CommandHandler(ProposeTcsCorrectionCommand)
export class ProposeTcsCorrectionHandler implements ICommandHandler<ProposeTcsCorrectionCommand> {
  constructor(
    private readonly transactions: TransactionRunner,
    private readonly proposals: ProposalDecisions,
  ) {}

  async execute({ reason, meta }: ProposeTcsCorrectionCommand): Promise<TcsCorrectionDto> {
    return this.transactions.run(async (tx) => {
      const { rows } = await execute<CorrectionRow>(
        tx,
        `INSERT INTO tcs_corrections (reason, proposed_by) VALUES ($1, $2) RETURNING ${COLUMNS}`,
        [reason, meta.principal!.userId],
      );
      const correction = rows[0]!;
      const { rows: due } = await execute<{ sub_order_id: string }>(
        tx,
        `SELECT h.sub_order_id::text AS sub_order_id FROM escrow_holds h
         WHERE h.taxable_basis = 'schedule'
           AND NOT EXISTS (SELECT 1 FROM tcs_correction_items c
                           WHERE c.sub_order_id = h.sub_order_id AND c.applied_at IS NOT NULL)
         ORDER BY h.released_at, h.sub_order_id`,
      );
      for (const { sub_order_id } of due) {
        const a = await assessIn(tx, sub_order_id);
        await execute(
          tx,
          `INSERT INTO tcs_correction_items (correction_id, sub_order_id, order_id, dealer_id,
             released_at, released_paise, refunded_after_release_paise, taxable_before_paise,
             taxable_after_paise, tcs_before_paise, tcs_after_paise, difference_paise)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
          itemValues(correction.id, sub_order_id, a),
        );
      }
      const dto = await correctionDtoIn(tx, correction);
      await this.proposals.proposed(tx, CORRECTION, correction, {
        meta,
        reason,
        after: {
          status: correction.status,
          releases: dto.releases,
          totalDifferencePaise: dto.totalDifferencePaise,
        },
      });
      return dto;
    });
  }
}
