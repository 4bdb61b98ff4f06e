import type { EntityManager } from 'typeorm';
import { AppProblem } from '../common/errors/problem.js';
import { transition } from '../common/state-transition.js';
import { execute } from '../database/sql.js';
import { CallAccepted, CallDeclined, CallEnded, CallMissed } from './call-events.js';
import {
  CALL_MACHINE,
  type CallActor,
  type CallEvent,
  type CallStatus,
} from './domain/call-state.js';
import type { CallDto } from './dto/call.dto.js';
import type { CallKind } from './livekit.js';
import { UUID } from '../common/uuid.js';

export const callNotFound = () =>
  new AppProblem(404, 'call/not-found', 'Not found', 'No such call');

export interface CallRow {
  id: string;
  repair_job_id: string;
  kind: CallKind;
  room: string;
  caller_id: string;
  callee_id: string;
  status: CallStatus;
  created_at: Date;
  answered_at: Date | null;
  ended_at: Date | null;
  ended_by: string | null;
  end_reason: string | null;
  /** The ring time is over (by the database clock). */
  ring_over: boolean;
}

const columnsOf = (t: string) => `${t}.id::text AS id, ${t}.repair_job_id::text AS repair_job_id,
  ${t}.kind, ${t}.room, ${t}.caller_id::text AS caller_id, ${t}.callee_id::text AS callee_id,
  ${t}.status, ${t}.created_at, ${t}.answered_at, ${t}.ended_at, ${t}.ended_by::text AS ended_by,
  ${t}.end_reason`;
const COLUMNS = columnsOf('calls');

/** Inserts a ringing call; 409 `call/already-open` when the job has a ringing or active call. */
export async function insertCall(
  tx: EntityManager,
  c: { id: string; repairJobId: string; kind: CallKind; callerId: string; calleeId: string },
): Promise<CallRow> {
  try {
    await execute(tx, 'SAVEPOINT insert_call');
    const { rows } = await execute<CallRow>(
      tx,
      `INSERT INTO calls (id, repair_job_id, kind, room, caller_id, callee_id)
       VALUES ($1::uuid, $2, $3, 'call-' || $1::uuid::text, $4, $5)
       RETURNING ${COLUMNS}, false AS ring_over`,
      [c.id, c.repairJobId, c.kind, c.callerId, c.calleeId],
    );
    return rows[0]!;
  } catch (err) {
    if (
      (err as { driverError?: { constraint?: string } }).driverError?.constraint !==
      'calls_one_open_per_job_idx'
    )
      throw err;
    await execute(tx, 'ROLLBACK TO SAVEPOINT insert_call');
    throw new AppProblem(
      409,
      'call/already-open',
      'Conflict',
      'This job already has a call ringing or in progress',
      {
        repairJobId: c.repairJobId,
      },
    );
  }
}

/** The call, locked; 404 when there is none. */
export async function lockCall(
  tx: EntityManager,
  id: string,
  ringSeconds: number,
): Promise<CallRow> {
  if (!UUID.test(id)) throw callNotFound();
  const { rows } = await execute<CallRow>(
    tx,
    `SELECT ${COLUMNS}, clock_timestamp() >= created_at + make_interval(secs => $2) AS ring_over
       FROM calls WHERE id = $1 FOR UPDATE`,
    [id, ringSeconds],
  );
  if (rows[0] === undefined) throw callNotFound();
  return rows[0];
}

/** The open (ringing or active) calls matching `where`, locked in id order. */
export async function lockOpenCalls(
  tx: EntityManager,
  where: { repairJobId: string } | { userId: string },
): Promise<CallRow[]> {
  const byJob = 'repairJobId' in where;
  const { rows } = await execute<CallRow>(
    tx,
    `SELECT ${COLUMNS}, false AS ring_over FROM calls
      WHERE status IN ('ringing','active')
        AND ${byJob ? 'repair_job_id = $1' : '(caller_id = $1 OR callee_id = $1)'}
      ORDER BY id FOR UPDATE`,
    [byJob ? where.repairJobId : where.userId],
  );
  return rows;
}

/** One move of a call: what, by whom (a party's user id; null for the system), and the system's reason. */
export interface CallMove {
  event: CallEvent;
  actor: CallActor;
  actorId: string | null;
  /** The system's reason (`end_reason`): `missed`, `room_finished`, `job_reassigned`, … */
  reason?: string;
}

/**
 * Moves a (locked) call through CALL_MACHINE: the conditional update (answered, or ended with by
 * whom and why), its `call_history` row, and its domain event published after commit.
 */
export async function moveCall(tx: EntityManager, call: CallRow, move: CallMove): Promise<void> {
  const endReason =
    move.event === 'decline'
      ? 'declined'
      : move.event === 'miss'
        ? (move.reason ?? 'missed')
        : move.event === 'end' && move.actor !== 'system'
          ? call.status === 'ringing'
            ? 'cancelled'
            : 'hung_up'
          : (move.reason ?? null);
  const parties = [call.caller_id, call.callee_id];
  await transition(
    tx,
    CALL_MACHINE,
    {
      from: call.status,
      event: move.event,
      actor: move.actor,
      reason: move.reason ?? null,
      reasonRequiredStatus: 422,
      problem: { callId: call.id, callStatus: call.status },
    },
    {
      historyTable: 'call_history',
      update: async (from, to) => {
        const { affected } = await execute(
          tx,
          `UPDATE calls SET status = $3,
                  answered_at = CASE WHEN $3 = 'active' THEN clock_timestamp() ELSE answered_at END,
                  ended_at = CASE WHEN $3 = 'active' THEN NULL ELSE clock_timestamp() END,
                  ended_by = CASE WHEN $3 = 'active' THEN NULL ELSE $4::uuid END,
                  end_reason = CASE WHEN $3 = 'active' THEN NULL ELSE $5 END
            WHERE id = $1 AND status = $2`,
          [call.id, from, to, move.actorId, endReason],
        );
        return { affected };
      },
      insertHistory: async (from, to) => {
        const { rows } = await execute<{ id: string }>(
          tx,
          `INSERT INTO call_history (call_id, event, from_status, to_status, actor, actor_id, reason)
           VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id::text AS id`,
          [call.id, move.event, from, to, move.actor, move.actorId, endReason],
        );
        return rows[0]!.id;
      },
      event: () => {
        switch (move.event) {
          case 'accept':
            return new CallAccepted(call.id, call.repair_job_id, [call.caller_id]);
          case 'decline':
            return new CallDeclined(call.id, call.repair_job_id, [call.caller_id]);
          case 'miss':
            return new CallMissed(call.id, call.repair_job_id, parties);
          case 'end':
            return new CallEnded(call.id, call.repair_job_id, parties, move.actorId, endReason!);
        }
      },
    },
  );
}

/** Calls with their participants, newest first. */
export async function callDtos(
  tx: EntityManager,
  where: { id: string } | { repairJobId: string },
): Promise<CallDto[]> {
  const byId = 'id' in where;
  const rows = await callRows(
    tx,
    `WHERE ${byId ? 'c.id = $1' : 'c.repair_job_id = $1'} ORDER BY c.created_at DESC, c.id`,
    [byId ? where.id : where.repairJobId],
  );
  return rows.map(callDto);
}

export interface CallListFilter {
  repairJobId?: string;
  status?: CallStatus;
  /** Calls started at or after this instant. */
  from?: string;
  /** Calls started before this instant. */
  to?: string;
  /** The last call of the previous page (keyset, newest first). */
  after?: { createdAt: string; id: string };
  limit: number;
}

/** Staff's list of calls, newest first: `limit + 1` rows, each with its cursor position. */
export async function callList(
  tx: EntityManager,
  f: CallListFilter,
): Promise<{ call: CallDto; createdAtText: string }[]> {
  const rows = await callRows(
    tx,
    `WHERE ($1::uuid IS NULL OR c.repair_job_id = $1)
       AND ($2::text IS NULL OR c.status = $2)
       AND ($3::timestamptz IS NULL OR c.created_at >= $3)
       AND ($4::timestamptz IS NULL OR c.created_at < $4)
       AND ($5::timestamptz IS NULL OR (c.created_at, c.id) < ($5, $6::uuid))
     ORDER BY c.created_at DESC, c.id DESC
     LIMIT $7`,
    [
      f.repairJobId ?? null,
      f.status ?? null,
      f.from ?? null,
      f.to ?? null,
      f.after?.createdAt ?? null,
      f.after?.id ?? null,
      f.limit + 1,
    ],
  );
  return rows.map((r) => ({ call: callDto(r), createdAtText: r.created_at_text }));
}

type CallLogRow = CallRow & {
  created_at_text: string;
  participants: { userId: string; joinedAt: string | null; leftAt: string | null }[];
};

async function callRows(tx: EntityManager, tail: string, params: unknown[]): Promise<CallLogRow[]> {
  const { rows } = await execute<CallLogRow>(
    tx,
    `SELECT ${columnsOf('c')}, c.created_at::text AS created_at_text,
            COALESCE((SELECT json_agg(json_build_object(
                        'userId', p.user_id::text,
                        'joinedAt', to_char(p.joined_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
                        'leftAt', to_char(p.left_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))
                        ORDER BY COALESCE(p.joined_at, p.left_at), p.participant_sid)
                        FROM call_participants p WHERE p.call_id = c.id), '[]') AS participants
       FROM calls c ${tail}`,
    params,
  );
  return rows;
}

function callDto(r: CallLogRow): CallDto {
  return {
    id: r.id,
    repairJobId: r.repair_job_id,
    kind: r.kind,
    status: r.status,
    callerId: r.caller_id,
    calleeId: r.callee_id,
    createdAt: r.created_at.toISOString(),
    answeredAt: r.answered_at?.toISOString() ?? null,
    endedAt: r.ended_at?.toISOString() ?? null,
    endedBy: r.ended_by,
    endReason: r.end_reason,
    durationSeconds:
      r.answered_at && r.ended_at
        ? Math.round((r.ended_at.getTime() - r.answered_at.getTime()) / 1000)
        : null,
    participants: r.participants,
  };
}
