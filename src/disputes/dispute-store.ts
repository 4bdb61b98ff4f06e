/**
 * Disputes' rows as the service and the resolution command (src/disputes/commands/) use them: the
 * row, its lookup, its move through the dispute state machine (`transition()`), and the problems
 * the open and resolve paths of both obligations (sub-orders, repair jobs) share.
 */
import type { EntityManager } from 'typeorm';
import type { Principal } from '../common/roles.js';
import { AppProblem } from '../common/errors/problem.js';
import { transition } from '../common/state-transition.js';
import { execute } from '../database/sql.js';
import type { DisputeDto } from './dto/dispute.dto.js';
import {
  DISPUTE_MACHINE,
  type DisputeActor,
  type DisputeEvent,
  type DisputeStatus,
} from './domain/dispute-state.js';

/**
 * A dispute of a sub-order (its order and dealer set) or of a repair job (its technician and the
 * customer's description set): exactly one of the two.
 */
export interface DisputeRow {
  id: string;
  order_id: string | null;
  sub_order_id: string | null;
  repair_job_id: string | null;
  /** Who paid: the order's buyer, the repair job's customer. */
  buyer_id: string;
  dealer_id: string | null;
  technician_id: string | null;
  kind: DisputeDto['kind'];
  reason: string;
  description: string | null;
  status: DisputeStatus;
  /** The payee's (dealer's or technician's) latest answer. */
  response: string | null;
  responded_at: Date | null;
  resolution: DisputeDto['resolution'];
  refund_paise: string | null;
  resolution_reason: string | null;
  resolved_by: string | null;
  resolved_at: Date | null;
  created_at: Date;
}

export const COLUMNS = `d.id::text AS id, d.order_id::text AS order_id, d.sub_order_id::text AS sub_order_id,
  d.repair_job_id::text AS repair_job_id, d.buyer_id::text AS buyer_id, d.dealer_id::text AS dealer_id,
  d.technician_id::text AS technician_id, d.kind, d.reason, d.description, d.status, d.response,
  d.responded_at, d.resolution, d.refund_paise::text AS refund_paise,
  d.resolution_reason, d.resolved_by::text AS resolved_by, d.resolved_at, d.created_at`;

export const notFound = () =>
  new AppProblem(404, 'dispute/not-found', 'Not found', 'No such dispute');
/** 409 `dispute/resolved`: the dispute takes no more changes. */
export const closed = () =>
  new AppProblem(409, 'dispute/resolved', 'Dispute resolved', 'This dispute is resolved already', {
    disputeStatus: 'resolved',
  });

/** What is disputed, in words: a part (a sub-order) or a repair (a repair job). */
type Disputed = 'part' | 'repair';

/** 409 `dispute/already-open`: the obligation has an unresolved dispute. */
export const alreadyOpen = (what: Disputed, extensions: Record<string, unknown>) =>
  new AppProblem(
    409,
    'dispute/already-open',
    'Already open',
    what === 'part'
      ? 'A return or dispute of this part is open already'
      : 'A dispute of this repair is open already',
    extensions,
  );

/** 409 `dispute/escrow-not-held`: nothing is held to release or refund. */
export const escrowNotHeld = (what: Disputed, escrowStatus: string | null) =>
  new AppProblem(
    409,
    'dispute/escrow-not-held',
    'Escrow not held',
    `This ${what}'s escrow is not held (never captured, or released or refunded already)`,
    { escrowStatus },
  );

/** 422 `dispute/refund-out-of-range`: a partial refund is less than what is held. */
export const refundOutOfRange = (heldPaise: number) =>
  new AppProblem(
    422,
    'dispute/refund-out-of-range',
    'Refund out of range',
    `A partial refund is more than 0 and less than the held ${heldPaise} paise (use full_refund for all of it)`,
    { heldPaise },
  );

/** The dispute (404 if there is none), locked until commit with `lock`. */
export async function loadDispute(
  tx: EntityManager,
  id: string,
  lock: boolean,
): Promise<DisputeRow> {
  const { rows } = await execute<DisputeRow>(
    tx,
    `SELECT ${COLUMNS} FROM disputes d WHERE d.id = $1 ${lock ? 'FOR UPDATE' : ''}`,
    [id],
  );
  if (rows.length === 0) throw notFound();
  return rows[0]!;
}

/**
 * The id of the repair job's open (unresolved) dispute — at most one, by a unique index — or null:
 * the side of repairs' `RepairJobDisputes` port the disputes module registers.
 */
export async function openDisputeOfJobIn(
  tx: EntityManager,
  repairJobId: string,
): Promise<string | null> {
  const { rows } = await execute<{ id: string }>(
    tx,
    `SELECT id::text AS id FROM disputes WHERE repair_job_id = $1 AND status <> 'resolved'`,
    [repairJobId],
  );
  return rows[0]?.id ?? null;
}

/**
 * Moves the locked dispute through its state machine (the common `transition`): the status and the
 * event's own columns (`set`, parameters from $4), then a `dispute_history` row.
 */
export async function moveDispute(
  tx: EntityManager,
  row: DisputeRow,
  by: { event: DisputeEvent; actor: DisputeActor; principal: Principal; reason?: string },
  columns: { set: string; params: unknown[] },
): Promise<void> {
  await transition(
    tx,
    DISPUTE_MACHINE,
    {
      from: row.status,
      event: by.event,
      actor: by.actor,
      reason: by.reason ?? null,
      reasonRequiredStatus: 422,
      problem: { disputeId: row.id, disputeStatus: row.status },
    },
    {
      historyTable: 'dispute_history',
      update: (from, to) =>
        execute(
          tx,
          `UPDATE disputes SET status = $2, ${columns.set}, updated_at = now()
           WHERE id = $1 AND status = $3`,
          [row.id, to, from, ...columns.params],
        ),
      insertHistory: async (from, to) => {
        const { rows } = await execute<{ id: string }>(
          tx,
          `INSERT INTO dispute_history (dispute_id, event, from_status, to_status, actor_id, actor_role, reason)
           VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id::text AS id`,
          [row.id, by.event, from, to, by.principal.userId, by.principal.role, by.reason ?? null],
        );
        return rows[0]!.id;
      },
    },
  );
}
