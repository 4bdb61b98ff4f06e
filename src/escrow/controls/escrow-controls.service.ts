/**
 * Staff controls over escrow (issue #6): manual holds and early release under maker-checker.
 *
 * - A manual hold (admin, ops leader, finance; with a reason) stops the release of a sub-order's held
 *   escrow: the release job skips it, and early release is refused, until it is lifted (with a
 *   reason); the job releases it on its next pass after the lift if the sub-order is completed.
 * - Early release: the held escrow of a **delivered** sub-order (the part reached the buyer; only
 *   the return window remains), not under a manual hold. Never before delivery (a cancellation or
 *   non-delivery must still refund the buyer from escrow), nor for a sub-order with a return or
 *   dispute open (`return_requested`, `disputed`), awaiting payment or cancelled. At or below
 *   EARLY_RELEASE_APPROVAL_ABOVE_PAISE it is released at once; above, it waits for a different
 *   staff member's approval (the proposer approving gets 403 `escrow/maker-checker`) unless an ops
 *   leader overrides (audited with the override flag). The release itself is the job's code path
 *   (`release-escrow.steps.ts`: same ledger recipe, keys and deductions); in its transaction
 *   the sub-order completes through the orders' state machine (delivered → completed, a history
 *   row and its event), as it would at the end of the return window.
 *
 * A repair job's escrow (every hold of the job, one per payment) has the same controls
 * (`/admin/escrow/repair-jobs/{repairJobId}/…`): a manual hold stops the release of all of it; early
 * release takes a **done** job (its technician finished; only the customer's confirmation window
 * remains), not disputed (`disputed`), not under a manual hold: staff confirm the job for its
 * customer (`confirm`, reason "escrow released early") and the release steps release each held
 * hold of it with the repair recipe and close the job, under the same threshold and maker-checker.
 *
 * Every command locks order → sub-orders → escrow hold, or repair job → its escrow holds (the
 * release path's order) before touching its own rows, so a command and the release job are
 * serialised per order or job; an early-release request is decided exactly once (its row is locked
 * by every decision, later ones get 409). The eight actions are commands (src/escrow/commands/);
 * this service lists the early releases.
 */
import { Injectable } from '@nestjs/common';
import { cursorFields, encodeCursor, parseKeysetCursor } from '../../common/pagination.js';
import { execute } from '../../database/sql.js';
import { TransactionRunner } from '../../database/transaction.js';
import { EARLY_COLUMNS, earlyDto, type EarlyReleaseRow } from './escrow-controls-store.js';
import type { EarlyReleasePageDto, EarlyReleaseStatus } from './escrow-controls.dto.js';

@Injectable()
export class EscrowControlsService {
  constructor(private readonly transactions: TransactionRunner) {}

  /** Early releases oldest first (`status=pending` is the approval queue), cursor-paginated. */
  async list(
    status: EarlyReleaseStatus | undefined,
    limit: number,
    cursor: string | undefined,
  ): Promise<EarlyReleasePageDto> {
    const after = parseKeysetCursor(cursor, {
      at: cursorFields.pgTimestamp,
      id: cursorFields.uuid,
    });
    const rows = await this.transactions.run(async (tx) => {
      const result = await execute<EarlyReleaseRow & { cursor_at: string }>(
        tx,
        `SELECT ${EARLY_COLUMNS}, requested_at::text AS cursor_at FROM escrow_early_releases
         WHERE ($1::text IS NULL OR status = $1)
           AND ($2::timestamptz IS NULL OR (requested_at, id) > ($2::timestamptz, $3::uuid))
         ORDER BY requested_at, id LIMIT $4`,
        [status ?? null, after?.at ?? null, after?.id ?? null, limit + 1],
      );
      return result.rows;
    });
    const items = rows.slice(0, limit);
    const last = rows.length > limit ? rows[limit - 1] : undefined;
    return {
      items: items.map(earlyDto),
      ...(last ? { nextCursor: encodeCursor({ at: last.cursor_at, id: last.id }) } : {}),
    };
  }
}
