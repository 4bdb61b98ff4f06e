import type { EntityManager } from 'typeorm';
import { AppProblem } from '../common/errors/problem.js';
import { execute } from '../database/sql.js';
import type { CallDto, CallStatus } from './dto/call.dto.js';
import type { CallKind } from './livekit.js';

export const callNotFound = () =>
  new AppProblem(404, 'call/not-found', 'Not found', 'No such call');

export const OPEN_CALL_STATUSES: readonly CallStatus[] = ['ringing', 'active'];

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

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

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

export async function answerCall(tx: EntityManager, id: string): Promise<void> {
  await execute(
    tx,
    `UPDATE calls SET status = 'active', answered_at = clock_timestamp() WHERE id = $1 AND status = 'ringing'`,
    [id],
  );
}

/** Ends an open call: `declined`, `missed` or `ended`, by whom (null: the system) and why. */
export async function closeCall(
  tx: EntityManager,
  id: string,
  status: 'declined' | 'missed' | 'ended',
  endedBy: string | null,
  reason: string,
): Promise<boolean> {
  const { affected } = await execute(
    tx,
    `UPDATE calls SET status = $2, ended_at = clock_timestamp(), ended_by = $3, end_reason = $4
      WHERE id = $1 AND status IN ('ringing','active')`,
    [id, status, endedBy, reason],
  );
  return affected === 1;
}

/** Calls with their participants, newest first. */
export async function callDtos(
  tx: EntityManager,
  where: { id: string } | { repairJobId: string },
): Promise<CallDto[]> {
  const byId = 'id' in where;
  const { rows } = await execute<
    CallRow & { participants: { userId: string; joinedAt: string | null; leftAt: string | null }[] }
  >(
    tx,
    `SELECT ${columnsOf('c')},
            COALESCE((SELECT json_agg(json_build_object(
                        'userId', p.user_id::text,
                        'joinedAt', to_char(p.joined_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
                        'leftAt', to_char(p.left_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))
                        ORDER BY COALESCE(p.joined_at, p.left_at), p.participant_sid)
                        FROM call_participants p WHERE p.call_id = c.id), '[]') AS participants
       FROM calls c
      WHERE ${byId ? 'c.id = $1' : 'c.repair_job_id = $1'}
      ORDER BY c.created_at DESC, c.id`,
    [byId ? where.id : where.repairJobId],
  );
  return rows.map((r) => ({
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
  }));
}
