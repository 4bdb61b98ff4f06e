/**
 * Maker-checker manual adjustments: the only route by which arbitrary (balanced) lines reach the
 * journal. One finance user proposes the lines with a reason; a different finance user approves,
 * which posts the entry (the `manualAdjustment` recipe: key `adjustment:<id>`, event type
 * `manual_adjustment`, actor = checker) in the same transaction that marks the proposal approved and
 * records the audit event. A proposal is decided exactly once: its row is locked (`FOR UPDATE`) by
 * every decision, so concurrent approvals post one entry and the others get 409.
 */
import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import {
  ProposalDecisions,
  type ProposalKind,
} from '../../approvals/proposal-decisions.service.js';
import { AppProblem } from '../../common/errors/problem.js';
import { cursorFields, encodeCursor, parseKeysetCursor } from '../../common/pagination.js';
import type { RequestMeta } from '../../common/request-meta.js';
import { execute } from '../../database/sql.js';
import { TransactionRunner } from '../../database/transaction.js';
import type { Side } from '../domain/account.js';
import { type Line, validateLines } from '../domain/journal.js';
import type { LedgerCommand } from '../domain/ledger-model.js';
import { manualAdjustment } from '../domain/recipes.js';
import type {
  AdjustmentStatus,
  LedgerAdjustmentDto,
  LedgerAdjustmentPageDto,
  ProposeAdjustmentDto,
} from '../dto/ledger-adjustment.dto.js';
import { LedgerService } from '../persistence/ledger.service.js';
import { LedgerRefused } from '../ledger-refused.js';

/** A line as stored in `ledger_adjustments.lines` (amount as a decimal string, like the spec's JSON). */
interface StoredLine {
  account: string;
  side: Side;
  amountPaise: string;
}

interface AdjustmentRow {
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

const COLUMNS = `id::text AS id, status, reason, reference, lines, proposed_by::text AS proposed_by,
  proposed_at, decided_by::text AS decided_by, decided_at, decision_reason, entry_id`;

function toDto(r: AdjustmentRow): LedgerAdjustmentDto {
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

function linesOf(stored: readonly StoredLine[]): Line[] {
  return stored.map((l) => ({
    account: l.account,
    side: l.side,
    amountPaise: BigInt(l.amountPaise),
  }));
}

const notFound = () =>
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
const ADJUSTMENT: ProposalKind<AdjustmentRow> = {
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

@Injectable()
export class LedgerAdjustmentsService {
  constructor(
    private readonly transactions: TransactionRunner,
    private readonly ledger: LedgerService,
    private readonly proposals: ProposalDecisions,
  ) {}

  /**
   * Stores a proposal after the ledger's own checks (the lines as an entry, every account opened):
   * a proposal that could never post is refused with the ledger's result code and nothing is stored.
   */
  async propose(dto: ProposeAdjustmentDto, meta: RequestMeta): Promise<LedgerAdjustmentDto> {
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

  /**
   * Approves a proposal by a finance user other than its maker: posts the entry and marks the
   * proposal approved in one transaction. A refusal by the ledger (a floor, say) rolls everything
   * back and the proposal stays `proposed`.
   */
  async approve(
    id: string,
    reason: string | undefined,
    meta: RequestMeta,
  ): Promise<LedgerAdjustmentDto> {
    const checker = meta.principal!.userId;
    return this.transactions.run(async (tx) => {
      const row = await this.lock(tx, id);
      let entryId = `adjustment:${row.id}`;
      const updated = await this.proposals.decide(tx, ADJUSTMENT, row, {
        event: 'approve',
        meta,
        reason: reason ?? null,
        effect: async () => {
          const command = adjustmentCommand(
            {
              id: row.id,
              reason: row.reason,
              reference: row.reference,
              proposedBy: row.proposed_by,
              lines: linesOf(row.lines),
            },
            checker,
          );
          const result = await this.ledger.executeIn(tx, command);
          if (result.code !== 'ok')
            throw new LedgerRefused(result.code, undefined, { adjustmentId: row.id });
          entryId = result.entryKey ?? entryId;
        },
        update: (from, to) => this.move(tx, row.id, from, to, [checker, reason ?? null, entryId]),
        audit: (u) => ({
          before: { status: row.status, proposedBy: row.proposed_by },
          after: { status: u.status, entryId },
        }),
      });
      return toDto(updated);
    });
  }

  /** Rejects a proposal: by another finance user, or withdrawn by its proposer. Nothing is posted. */
  async reject(id: string, reason: string, meta: RequestMeta): Promise<LedgerAdjustmentDto> {
    const actor = meta.principal!.userId;
    return this.transactions.run(async (tx) => {
      const row = await this.lock(tx, id);
      const updated = await this.proposals.decide(tx, ADJUSTMENT, row, {
        event: 'reject',
        meta,
        reason,
        update: (from, to) => this.move(tx, row.id, from, to, [actor, reason, null]),
        audit: (u) => ({
          before: { status: row.status, proposedBy: row.proposed_by },
          after: { status: u.status, withdrawn: actor === row.proposed_by },
        }),
      });
      return toDto(updated);
    });
  }

  /** The proposal's move (`transition()`'s update): decided by, reason and entry, if still `from`. */
  private async move(
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

  async get(id: string): Promise<LedgerAdjustmentDto> {
    return this.transactions.run(async (tx) => {
      const { rows } = await execute<AdjustmentRow>(
        tx,
        `SELECT ${COLUMNS} FROM ledger_adjustments WHERE id = $1`,
        [id],
      );
      if (rows[0] === undefined) throw notFound();
      return toDto(rows[0]);
    });
  }

  /** Proposals, oldest first (the approval queue with `status=proposed`), cursor-paginated. */
  async list(
    status: AdjustmentStatus | undefined,
    limit: number,
    cursor: string | undefined,
  ): Promise<LedgerAdjustmentPageDto> {
    const after = parseKeysetCursor(cursor, {
      at: cursorFields.pgTimestamp,
      id: cursorFields.uuid,
    });
    const rows = await this.transactions.run(async (tx) => {
      const result = await execute<AdjustmentRow & { cursor_at: string }>(
        tx,
        `SELECT ${COLUMNS}, proposed_at::text AS cursor_at FROM ledger_adjustments
         WHERE ($1::text IS NULL OR status = $1)
           AND ($2::timestamptz IS NULL OR (proposed_at, id) > ($2::timestamptz, $3::uuid))
         ORDER BY proposed_at, id LIMIT $4`,
        [status ?? null, after?.at ?? null, after?.id ?? null, limit + 1],
      );
      return result.rows;
    });
    const items = rows.slice(0, limit);
    const last = rows.length > limit ? rows[limit - 1] : undefined;
    return {
      items: items.map(toDto),
      ...(last ? { nextCursor: encodeCursor({ at: last.cursor_at, id: last.id }) } : {}),
    };
  }

  /** The proposal, locked until commit (404 if there is none). */
  private async lock(tx: EntityManager, id: string): Promise<AdjustmentRow> {
    const { rows } = await execute<AdjustmentRow>(
      tx,
      `SELECT ${COLUMNS} FROM ledger_adjustments WHERE id = $1 FOR UPDATE`,
      [id],
    );
    const row = rows[0];
    if (row === undefined) throw notFound();
    return row;
  }
}
