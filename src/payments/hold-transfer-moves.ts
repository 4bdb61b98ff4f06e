/**
 * The one writer of `escrow_holds.transfer_status` (`ROUTE_TRANSFER_MACHINE`), exported to payouts: the Route jobs and the
 * staff retry move a hold's transfer through it, under their `FOR UPDATE` lock of the row.
 */
import type { EntityManager } from 'typeorm';
import { execute } from '../database/sql.js';
import { transitionInOneStatement } from '../database/transition-in-one-statement.js';
import {
  ROUTE_TRANSFER_MACHINE,
  type RouteTransferActor,
  type RouteTransferEvent,
  type RouteTransferStatus,
} from './domain/route-transfer-state.js';

/**
 * Moves the hold's transfer with its `escrow_transfer_history` row, in one statement. `reason` is the
 * history's (the error of a `fail`, staff's reason of a `retry`); `transfer_error` becomes the error
 * of a `fail`, is cleared by `record`, `release` and `retry`, kept by `start`. `columns` are the other
 * columns the move sets (their parameters from $5); `to` picks the target where the row allows several.
 */
export async function moveTransfer(
  tx: EntityManager,
  holdId: string,
  from: RouteTransferStatus,
  event: RouteTransferEvent,
  actor: RouteTransferActor,
  reason: string | null,
  columns: { set?: string; params?: unknown[]; to?: RouteTransferStatus; actorId?: string } = {},
): Promise<void> {
  const error = event === 'fail' ? reason : null;
  await transitionInOneStatement(
    tx,
    ROUTE_TRANSFER_MACHINE,
    {
      from,
      event,
      actor,
      reason,
      reasonRequiredStatus: 400,
      problem: { holdId, transferStatus: from },
      ...(columns.to === undefined ? {} : { to: columns.to }),
    },
    {
      history: { table: 'escrow_transfer_history', column: 'hold_id' },
      actorId: columns.actorId ?? null,
      update: (from, to) => ({
        sql: `UPDATE escrow_holds SET transfer_status = $2,
                transfer_error = CASE WHEN $4 = 'start' THEN transfer_error ELSE $5::text END,
                ${columns.set === undefined ? '' : `${columns.set},`} updated_at = now()
              WHERE id = $1 AND transfer_status = $3 RETURNING id AS object_id`,
        params: [holdId, to, from, event, error, ...(columns.params ?? [])],
      }),
    },
  );
}

/** A retryable failure's error, kept on the hold while its transfer stays `pending`. */
export async function recordTransferErrorIn(
  tx: EntityManager,
  holdId: string,
  error: string,
): Promise<void> {
  await execute(
    tx,
    `UPDATE escrow_holds SET transfer_error = $2, updated_at = now() WHERE id = $1`,
    [holdId, error],
  );
}

/** The hold's Route transfer, locked `FOR UPDATE` (the row exists: a transfer job names its hold). */
export async function lockTransfer(
  tx: EntityManager,
  holdId: string,
): Promise<{
  id: string;
  status: string;
  transfer_id: string | null;
  transfer_status: RouteTransferStatus;
}> {
  const { rows } = await execute<{
    id: string;
    status: string;
    transfer_id: string | null;
    transfer_status: RouteTransferStatus;
  }>(
    tx,
    `SELECT id::text AS id, status, transfer_id, transfer_status
     FROM escrow_holds WHERE id = $1 FOR UPDATE`,
    [holdId],
  );
  return rows[0]!;
}
