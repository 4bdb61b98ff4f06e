/**
 * Correction of releases posted with TCS on the supply GST schedule's rate (`taxable_basis =
 * 'schedule'`, the rule before per-line TCS) to TCS on the released lines' own taxable values
 * (ledger-spec/recipes.md §3), under maker-checker:
 *
 * - `propose` (finance): checks every `schedule` release not corrected yet and stores the report —
 *   per release the taxable value and TCS as posted and on its lines, both net of the refunds after
 *   release processed so far, and the difference. Nothing is posted.
 * - `approve` (another finance user): in one transaction, recomputes each release of the report
 *   (order row, then hold row locked: releases and refunds serialise with it), posts the difference
 *   (`tcsCorrected`: dealer payable ↔ TCS liability, the receivable for what a paid-out dealer's
 *   payable cannot bear; key `tcs_correction:<subOrderId>`), and marks it applied: from then on its
 *   refunds after release claw back on the lines basis. A release already applied by another
 *   correction is skipped. Running it again finds nothing to correct.
 * - `reject` (another finance user, or the proposer withdrawing it). All three are audited.
 *
 * The three are commands (src/escrow/commands/); this service reads a correction.
 */
import { Injectable } from '@nestjs/common';
import { execute } from '../../database/sql.js';
import { TransactionRunner } from '../../database/transaction.js';
import { COLUMNS, correctionDtoIn, type CorrectionRow, notFound } from './tcs-correction-store.js';
import type { TcsCorrectionDto } from './tcs-correction.dto.js';

@Injectable()
export class TcsCorrectionService {
  constructor(private readonly transactions: TransactionRunner) {}

  async get(id: string): Promise<TcsCorrectionDto> {
    return this.transactions.run(async (tx) => {
      const { rows } = await execute<CorrectionRow>(
        tx,
        `SELECT ${COLUMNS} FROM tcs_corrections WHERE id = $1`,
        [id],
      );
      if (rows[0] === undefined) throw notFound();
      return correctionDtoIn(tx, rows[0]);
    }, 'REPEATABLE READ');
  }
}
