/**
 * Stores a proposal after the ledger's own checks (the lines as an entry, every account opened):
 * a proposal that could never post is refused with the ledger's result code and nothing is stored.
 */
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { ProposalDecisions } from '../../approvals/proposal-decisions.service.js';
import { execute } from '../../database/sql.js';
import { TransactionRunner } from '../../database/transaction.js';
import {
  ADJUSTMENT,
  type AdjustmentRow,
  COLUMNS,
  type StoredLine,
  toDto,
} from '../adjustments/ledger-adjustment-store.js';
import { type Line, validateLines } from '../domain/journal.js';
import type { LedgerAdjustmentDto } from '../dto/ledger-adjustment.dto.js';
import { LedgerRefused } from '../ledger-refused.js';
import { ProposeAdjustmentCommand } from './propose-adjustment.command.js';

@CommandHandler(ProposeAdjustmentCommand)
export class ProposeAdjustmentHandler implements ICommandHandler<ProposeAdjustmentCommand> {
  constructor(
    private readonly transactions: TransactionRunner,
    private readonly proposals: ProposalDecisions,
  ) {}

  async execute({ proposal: dto, meta }: ProposeAdjustmentCommand): Promise<LedgerAdjustmentDto> {
    const maker = meta.principal!.userId;
    const lines: Line[] = dto.lines.map((l) => ({
      account: l.account,
      side: l.side,
      amountPaise: BigInt(l.amountPaise),
    }));
    const valid = validateLines(lines);
    if (valid !== 'ok') throw new LedgerRefused(valid);
    const stored: StoredLine[] = lines.map((l) => ({
      account: l.account,
      side: l.side,
      amountPaise: l.amountPaise.toString(),
    }));
    return this.transactions.run(async (tx) => {
      const codes = [...new Set(lines.map((l) => l.account))];
      const { rows: found } = await execute<{ code: string }>(
        tx,
        `SELECT code FROM ledger_accounts WHERE code = ANY($1::text[])`,
        [codes],
      );
      const known = new Set(found.map((r) => r.code));
      const missing = codes.filter((c) => !known.has(c));
      if (missing.length > 0)
        throw new LedgerRefused('account_not_found', undefined, { accounts: missing });

      const { rows } = await execute<AdjustmentRow>(
        tx,
        `INSERT INTO ledger_adjustments (reason, reference, lines, proposed_by)
         VALUES ($1, $2, $3::jsonb, $4) RETURNING ${COLUMNS}`,
        [dto.reason, dto.reference, JSON.stringify(stored), maker],
      );
      const row = rows[0]!;
      await this.proposals.proposed(tx, ADJUSTMENT, row, {
        meta,
        reason: dto.reason,
        after: { status: row.status, reference: row.reference, lines: stored },
      });
      return toDto(row);
    });
  }
}
