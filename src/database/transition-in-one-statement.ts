/**
 * `transition()` for objects whose conditional update and history row are written in one statement
 * (a CTE): the money objects on hot paths (capture, refunds, Route transfers, reconciliation runs) keep
 * one statement per status change. The history tables share one shape (migration
 * MoneyObjectHistory1764470000000): the object's id column, event, from/to, actor, actor_id, reason.
 */
import type { EntityManager } from 'typeorm';
import { execute } from './sql.js';
import type { StateMachine } from '../common/state-machine.js';
import { transition, type TransitionRequest } from '../common/state-transition.js';

export interface OneStatementWrites<S> {
  /** The history table and its column naming the object (`payment_history`, `payment_id`). */
  history: { table: string; column: string };
  /** The staff member who acted, if any. */
  actorId?: string | null;
  /**
   * The conditional `UPDATE … WHERE <id> AND <status> = <from> RETURNING <id> AS object_id, …` moving
   * the row `from` → `to`; its parameters come first, the history's are appended after them.
   */
  update(from: S, to: S): { sql: string; params: unknown[] };
}

/** Validates and applies one transition; the update and the history insert are one statement. */
export async function transitionInOneStatement<
  S extends string,
  E extends string,
  A extends string,
  R,
>(
  tx: EntityManager,
  machine: StateMachine<S, E, A>,
  request: TransitionRequest<S, E, A>,
  writes: OneStatementWrites<S>,
): Promise<{ to: S; row: R | undefined }> {
  let historyId: string | undefined;
  return transition<S, E, A, R>(tx, machine, request, {
    historyTable: writes.history.table,
    update: async (from, to) => {
      const { sql, params } = writes.update(from, to);
      const n = params.length;
      const { rows } = await execute<R & { history_id: string }>(
        tx,
        `WITH moved AS (${sql}),
         h AS (
           INSERT INTO ${writes.history.table}
             (${writes.history.column}, event, from_status, to_status, actor, actor_id, reason)
           SELECT object_id, $${n + 1}, $${n + 2}, $${n + 3}, $${n + 4}, $${n + 5}::uuid, $${n + 6}
           FROM moved RETURNING id)
         SELECT moved.*, (SELECT id::text FROM h) AS history_id FROM moved`,
        [
          ...params,
          request.event,
          from,
          to,
          request.actor,
          writes.actorId ?? null,
          request.reason ?? null,
        ],
      );
      historyId = rows[0]?.history_id;
      return { affected: rows.length, ...(rows[0] === undefined ? {} : { row: rows[0] }) };
    },
    insertHistory: () => Promise.resolve(historyId!),
  });
}
