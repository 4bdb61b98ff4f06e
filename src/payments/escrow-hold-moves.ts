/**
 * The one writer of `escrow_holds.status` (`ESCROW_HOLD_MACHINE`): the refund processing (payments)
 * and the escrow release (escrow) move a hold through it, each under its `FOR UPDATE` lock of the row.
 */
import type { EntityManager } from 'typeorm';
import { transitionInOneStatement } from '../database/transition-in-one-statement.js';
import { execute } from '../database/sql.js';
import { splitLargestRemainder, sumPaise } from '../ledger/domain/money.js';
import {
  ESCROW_HOLD_MACHINE,
  type EscrowHoldEvent,
  type EscrowHoldStatus,
} from './domain/escrow-hold-state.js';

/**
 * Moves the hold `holdId` with its `escrow_hold_history` row, in one statement; `columns` are the
 * other columns the move sets (their parameters from $4).
 */
export async function moveEscrowHold(
  tx: EntityManager,
  holdId: string,
  from: EscrowHoldStatus,
  event: EscrowHoldEvent,
  columns: { set: string; params: unknown[] } = { set: 'updated_at = now()', params: [] },
): Promise<void> {
  await transitionInOneStatement(
    tx,
    ESCROW_HOLD_MACHINE,
    { from, event, actor: 'system', reasonRequiredStatus: 422, problem: { holdId } },
    {
      history: { table: 'escrow_hold_history', column: 'hold_id' },
      update: (from, to) => ({
        sql: `UPDATE escrow_holds SET status = $2, ${columns.set}
              WHERE id = $1 AND status = $3 RETURNING id AS object_id`,
        params: [holdId, to, from, ...columns.params],
      }),
    },
  );
}

/**
 * Records the part of a held hold refunded when it is released (a dispute resolved with a partial
 * refund; ledger-spec recipe §5), under the caller's `FOR UPDATE` lock of the row. The status stays.
 */
export async function setRefundAtRelease(
  tx: EntityManager,
  subOrderId: string,
  refundPaise: number,
): Promise<void> {
  await execute(
    tx,
    `UPDATE escrow_holds SET refund_at_release_paise = $2, updated_at = now() WHERE sub_order_id = $1`,
    [subOrderId, refundPaise],
  );
}

/**
 * Sets what a repair job's still-held holds refund when they are released (staff refunding part of a
 * done job, less than they hold; ledger-spec recipe §5), locking the holds: a job paid in several
 * payments (supplementary quotes) has the refund split over its holds in proportion to what each
 * holds (largest remainder). The holds as they were (their total, and the refund set before), or
 * undefined when the job has no held escrow.
 */
export async function setJobRefundAtRelease(
  tx: EntityManager,
  repairJobId: string,
  refundPaise: number,
): Promise<{ heldPaise: number; refundAtReleasePaise: number } | undefined> {
  const { rows: holds } = await execute<{
    id: string;
    amount_paise: string;
    refund_at_release_paise: string;
  }>(
    tx,
    `SELECT id::text AS id, amount_paise::text AS amount_paise,
            refund_at_release_paise::text AS refund_at_release_paise
     FROM escrow_holds WHERE repair_job_id = $1 AND status = 'held'
     ORDER BY created_at, id FOR UPDATE`,
    [repairJobId],
  );
  if (holds.length === 0) return undefined;
  const held = holds.map((h) => BigInt(h.amount_paise));
  const heldPaise = sumPaise(held);
  const before = sumPaise(holds.map((h) => BigInt(h.refund_at_release_paise)));
  if (BigInt(refundPaise) < heldPaise) {
    const shares = splitLargestRemainder(BigInt(refundPaise), held);
    for (const [i, h] of holds.entries())
      await execute(
        tx,
        `UPDATE escrow_holds SET refund_at_release_paise = $2, updated_at = now() WHERE id = $1`,
        [h.id, shares[i]!.toString()],
      );
  }
  return { heldPaise: Number(heldPaise), refundAtReleasePaise: Number(before) };
}
