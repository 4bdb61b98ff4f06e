/**
 * Manual adjustments' rows (`ledger_adjustments`) as the adjustment commands
 * (src/ledger/commands/) and reads use them: the row, its DTO, the maker-checker kind, the posting
 * of an approved proposal, and the lock and move every decision makes.
 */
import type { EntityManager } from 'typeorm';
import type { ProposalKind } from '../../approvals/proposal-decisions.service.js';
import { AppProblem } from '../../common/errors/problem.js';
import { execute } from '../../database/sql.js';
import type { Side } from '../domain/account.js';
import type { Line } from '../domain/journal.js';
import type { LedgerCommand } from '../domain/ledger-model.js';
import { manualAdjustment } from '../domain/recipes.js';
import type { AdjustmentStatus, LedgerAdjustmentDto } from '../dto/ledger-adjustment.dto.js';

/** A line as stored in `ledger_adjustments.lines` (amount as a decimal string, like the spec's JSON). */
export interface StoredLine {
  account: string;
  side: Side;
  amountPaise: string;
}

export interface AdjustmentRow {
  id: string;
  status: AdjustmentStatus;
  reason: string;
  reference: string;
  lines: StoredLine[];
  proposed_by: string;
  proposed_at: Date;
  decided_by: string | null;
  decided_at: Date | null;
  decision_reason: string | null;
  entry_id: string | null;
}

export const COLUMNS = `id::text AS id, status, reason, reference, lines, proposed_by::text AS proposed_by,
  proposed_at, decided_by::text AS decided_by, decided_at, decision_reason, entry_id`;

export function toDto(r: AdjustmentRow): LedgerAdjustmentDto {
  return {
    id: r.id,
    status: r.status,
    reason: r.reason,
    reference: r.reference,
    lines: r.lines.map((l) => ({
      account: l.account,
      side: l.side,
      amountPaise: Number(l.amountPaise),
    })),
    proposedBy: r.proposed_by,
    proposedAt: r.proposed_at.toISOString(),
    decidedBy: r.decided_by,
    decidedAt: r.decided_at === null ? null : r.decided_at.toISOString(),
    decisionReason: r.decision_reason,
    entryId: r.entry_id,
  };
}

export function linesOf(stored: readonly StoredLine[]): Line[] {
  return stored.map((l) => ({
    account: l.account,
    side: l.side,
    amountPaise: BigInt(l.amountPaise),
  }));
}

export const notFound = () =>
  new AppProblem(404, 'ledger/adjustment-not-found', 'Not found', 'No such adjustment');

const notPending = (r: AdjustmentRow) =>
  new AppProblem(
    409,
    'ledger/adjustment-not-pending',
    'Already decided',
    `The adjustment was already ${r.status}`,
    { adjustmentStatus: r.status, ...(r.entry_id === null ? {} : { entryId: r.entry_id }) },
  );

/** Adjustments as maker-checker proposals (src/approvals). */
export const ADJUSTMENT: ProposalKind<AdjustmentRow> = {
  statuses: { proposed: 'proposed', approved: 'approved', rejected: 'rejected' },
  history: { table: 'ledger_adjustment_history', key: 'adjustment_id' },
  audit: {
    targetType: 'ledger_adjustment',
    actions: {
      propose: 'ledger.adjustment.propose',
      approve: 'ledger.adjustment.approve',
      reject: 'ledger.adjustment.reject',
    },
  },
  makerChecker: {
    code: 'ledger/maker-checker',
    detail: 'An adjustment must be approved by a finance user other than its proposer',
  },
  notPending,
  ref: (r) => ({ id: r.id, status: r.status, maker: r.proposed_by }),
};

/** The posting of an approved proposal: the spec's recipe, plus the proposal's id and reference. */
export function adjustmentCommand(
  adjustment: { id: string; reason: string; reference: string; proposedBy: string; lines: Line[] },
  checker: string,
): LedgerCommand {
  const command = manualAdjustment({
    adjustmentId: adjustment.id,
    lines: adjustment.lines,
    reason: adjustment.reason,
    maker: adjustment.proposedBy,
    checker,
  });
  if (command.type !== 'post') throw new Error('manualAdjustment must be a post');
  return {
    ...command,
    meta: {
      ...command.meta,
      metadata: {
        ...command.meta.metadata,
        adjustmentId: adjustment.id,
        reference: adjustment.reference,
      },
    },
  };
}

/** The proposal's move (`transition()`'s update): decided by, reason and entry, if still `from`. */
export async function moveAdjustment(
  tx: EntityManager,
  id: string,
  from: string,
  to: string,
  [decidedBy, reason, entryId]: [string, string | null, string | null],
): Promise<AdjustmentRow | undefined> {
  const { rows } = await execute<AdjustmentRow>(
    tx,
    `UPDATE ledger_adjustments
     SET status = $3, decided_by = $4, decided_at = now(), decision_reason = $5, entry_id = $6
     WHERE id = $1 AND status = $2 RETURNING ${COLUMNS}`,
    [id, from, to, decidedBy, reason, entryId],
  );
  return rows[0];
}

/** The proposal, locked until commit (404 if there is none). */
export async function lockAdjustment(tx: EntityManager, id: string): Promise<AdjustmentRow> {
  const { rows } = await execute<AdjustmentRow>(
    tx,
    `SELECT ${COLUMNS} FROM ledger_adjustments WHERE id = $1 FOR UPDATE`,
    [id],
  );
  const row = rows[0];
  if (row === undefined) throw notFound();
  return row;
}
