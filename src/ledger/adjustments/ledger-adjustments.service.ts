/**
 * Maker-checker manual adjustments: the only route by which arbitrary (balanced) lines reach the
 * journal. One finance user proposes the lines with a reason; a different finance user approves,
 * which posts the entry (the `manualAdjustment` recipe: key `adjustment:<id>`, event type
 * `manual_adjustment`, actor = checker) in the same transaction that marks the proposal approved and
 * records the audit event. A proposal is decided exactly once: its row is locked (`FOR UPDATE`) by
 * every decision, so concurrent approvals post one entry and the others get 409. The three
 * decisions are commands (src/ledger/commands/); this service reads the proposals.
 */
import { Injectable } from '@nestjs/common';
import { cursorFields, encodeCursor, parseKeysetCursor } from '../../common/pagination.js';
import { execute } from '../../database/sql.js';
import { TransactionRunner } from '../../database/transaction.js';
import type {
  AdjustmentStatus,
  LedgerAdjustmentDto,
  LedgerAdjustmentPageDto,
} from '../dto/ledger-adjustment.dto.js';
import { type AdjustmentRow, COLUMNS, notFound, toDto } from './ledger-adjustment-store.js';

@Injectable()
export class LedgerAdjustmentsService {
  constructor(private readonly transactions: TransactionRunner) {}

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
}
