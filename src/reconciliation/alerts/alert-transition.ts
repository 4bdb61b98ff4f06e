import type { EntityManager } from 'typeorm';
import type { StateMachine } from '../../common/state-machine.js';
import { transition } from '../../common/state-transition.js';
import { execute } from '../../database/sql.js';
import {
  ALERT_STATE_SQL,
  alertState,
  type AlertActor,
  type AlertEvent,
  type AlertState,
} from './alert-state.js';

/** An alert table and its history table (payment or fraud alerts). */
export interface AlertTables {
  alerts: 'payment_alerts' | 'fraud_alerts';
  history: 'payment_alert_history' | 'fraud_alert_history';
}

export interface AlertMove {
  event: AlertEvent;
  actor: AlertActor;
  actorId: string | null;
  actorRole: string;
  reason?: string | null;
  /** The event's columns (`SET` list, parameters from $3) and their values. */
  set: string;
  params: unknown[];
  /** Extra fields of a refusal. */
  problem?: Record<string, unknown>;
}

/**
 * Moves one locked alert through its machine (the common `transition`): the conditional update of
 * its columns (while still in the state read), then its history row with the owner after the move.
 */
export async function moveAlert(
  tx: EntityManager,
  machine: StateMachine<AlertState, AlertEvent, AlertActor>,
  tables: AlertTables,
  alert: { id: string; owner_id: string | null; resolved_at: Date | null },
  move: AlertMove,
): Promise<void> {
  let owner: string | null = null;
  await transition(
    tx,
    machine,
    {
      from: alertState(alert),
      event: move.event,
      actor: move.actor,
      reason: move.reason ?? null,
      reasonRequiredStatus: 400,
      problem: { alertId: alert.id, ...move.problem },
    },
    {
      historyTable: tables.history,
      update: async (from) => {
        const { rows, affected } = await execute<{ owner_id: string | null }>(
          tx,
          `UPDATE ${tables.alerts} SET ${move.set}
           WHERE id = $1 AND ${ALERT_STATE_SQL} = $2 RETURNING owner_id::text AS owner_id`,
          [alert.id, from, ...move.params],
        );
        owner = rows[0]?.owner_id ?? null;
        return { affected };
      },
      insertHistory: async (from, to) => {
        const { rows } = await execute<{ id: string }>(
          tx,
          `INSERT INTO ${tables.history} (alert_id, event, from_status, to_status, owner_id, actor_id, actor_role, reason)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id::text AS id`,
          [
            alert.id,
            move.event,
            from,
            to,
            owner,
            move.actorId,
            move.actorRole,
            move.reason ?? null,
          ],
        );
        return rows[0]!.id;
      },
    },
  );
}
