/**
 * The repair jobs' SQL: the row lock every repair-job command starts with, and the one place their
 * status changes (`applyRepairTransition`, through the common state-machine helper: conditional
 * update, `repair_job_history` row, `RepairJobTransitioned` after commit).
 */
import type { EntityManager } from 'typeorm';
import { AppProblem } from '../common/errors/problem.js';
import { transition } from '../common/state-transition.js';
import { execute } from '../database/sql.js';
import {
  REPAIR_JOB_MACHINE,
  type RepairJobActor,
  type RepairJobEvent,
  type RepairJobStatus,
} from './domain/repair-job-state.js';
import type { RepairJobDto } from './dto/repair-job.dto.js';
import { RepairJobTransitioned } from './repair-job-events.js';

export const repairJobNotFound = () =>
  new AppProblem(404, 'repair-job/not-found', 'Not found', 'No such repair job');

export interface RepairJobRow {
  id: string;
  customer_id: string;
  technician_id: string | null;
  kind: 'hardware' | 'software';
  status: RepairJobStatus;
  amount_paise: string;
  payment_reference: string | null;
  paid_at: Date | null;
  completed_at: Date | null;
  created_at: Date;
}

export const REPAIR_JOB_COLUMNS = `id::text AS id, customer_id::text AS customer_id,
  technician_id::text AS technician_id, kind, status, amount_paise::text AS amount_paise,
  payment_reference, paid_at, completed_at, created_at`;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Locks a repair job (the first lock of its commands). `customerId`: only that customer's (else 404). */
export async function lockRepairJob(
  tx: EntityManager,
  id: string,
  customerId: string | null,
): Promise<RepairJobRow> {
  const { rows } = UUID.test(id)
    ? await execute<RepairJobRow>(
        tx,
        `SELECT ${REPAIR_JOB_COLUMNS} FROM repair_jobs
         WHERE id = $1 AND ($2::uuid IS NULL OR customer_id = $2) FOR UPDATE`,
        [id, customerId],
      )
    : { rows: [] };
  if (rows.length === 0) throw repairJobNotFound();
  return rows[0]!;
}

export interface RepairTransitionInput {
  event: RepairJobEvent;
  actor: RepairJobActor;
  actorId: string | null;
  actorRole: string;
  reason?: string | null;
  /** `pay`: the gateway payment that paid the job. */
  paymentReference?: string;
}

/** Moves the locked job through its state machine; returns the job as it now is. */
export async function applyRepairTransition(
  tx: EntityManager,
  job: RepairJobRow,
  input: RepairTransitionInput,
): Promise<RepairJobRow> {
  const { row } = await transition<RepairJobStatus, RepairJobEvent, RepairJobActor, RepairJobRow>(
    tx,
    REPAIR_JOB_MACHINE,
    {
      from: job.status,
      event: input.event,
      actor: input.actor,
      reason: input.reason ?? null,
      reasonRequiredStatus: 422,
      problem: { repairJobId: job.id, repairJobStatus: job.status },
    },
    {
      historyTable: 'repair_job_history',
      update: async (from, to) => {
        const { affected, rows } = await execute<RepairJobRow>(
          tx,
          `UPDATE repair_jobs SET status = $2,
             payment_reference = coalesce($4, payment_reference),
             paid_at = CASE WHEN $2 = 'paid' THEN now() ELSE paid_at END,
             completed_at = CASE WHEN $2 = 'completed' THEN now() ELSE completed_at END,
             updated_at = now()
           WHERE id = $1 AND status = $3 RETURNING ${REPAIR_JOB_COLUMNS}`,
          [job.id, to, from, input.paymentReference ?? null],
        );
        return { affected, row: rows[0] };
      },
      insertHistory: async (from, to) => {
        const { rows } = await execute<{ id: string }>(
          tx,
          `INSERT INTO repair_job_history (repair_job_id, event, from_status, to_status, actor_id, actor_role, reason)
           VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id::text AS id`,
          [
            job.id,
            input.event,
            from,
            to,
            input.actorId,
            `${input.actor}:${input.actorRole}`,
            input.reason ?? null,
          ],
        );
        return rows[0]!.id;
      },
      event: (from, to) =>
        new RepairJobTransitioned(
          job.id,
          job.customer_id,
          job.technician_id,
          input.event,
          from,
          to,
        ),
    },
  );
  return row!;
}

export function repairJobDto(r: RepairJobRow): RepairJobDto {
  return {
    id: r.id,
    customerId: r.customer_id,
    technicianId: r.technician_id,
    kind: r.kind,
    status: r.status,
    amountPaise: Number(r.amount_paise),
    paidAt: r.paid_at === null ? null : r.paid_at.toISOString(),
    completedAt: r.completed_at === null ? null : r.completed_at.toISOString(),
    createdAt: r.created_at.toISOString(),
  };
}

/**
 * When a job counts as completed for what follows completion (ratings, a technician's completed
 * jobs): the one definition, so the longer lifecycle (completed by technician → confirmed by
 * customer → closed) changes only this.
 */
const COMPLETED_JOB = `status = 'completed'`;

export interface CompletedJob {
  id: string;
  customerId: string;
  technicianId: string | null;
  /** When the job was completed; null while it is not (yet). */
  completedAt: Date | null;
}

/** A job's parties and completion (null: no such job). */
export async function completedJobOf(
  tx: EntityManager,
  jobId: string,
): Promise<CompletedJob | null> {
  const { rows } = UUID.test(jobId)
    ? await execute<{
        customer_id: string;
        technician_id: string | null;
        completed_at: Date | null;
      }>(
        tx,
        `SELECT customer_id::text AS customer_id, technician_id::text AS technician_id,
           CASE WHEN ${COMPLETED_JOB} THEN completed_at END AS completed_at
         FROM repair_jobs WHERE id = $1`,
        [jobId],
      )
    : { rows: [] };
  const r = rows[0];
  return r === undefined
    ? null
    : {
        id: jobId,
        customerId: r.customer_id,
        technicianId: r.technician_id,
        completedAt: r.completed_at,
      };
}

/** How many completed jobs each technician has (0 for none). */
export async function completedJobCountsOf(
  tx: EntityManager,
  technicianIds: readonly string[],
): Promise<Map<string, number>> {
  const { rows } = await execute<{ technician_id: string; n: number }>(
    tx,
    `SELECT technician_id::text AS technician_id, count(*)::int AS n FROM repair_jobs
     WHERE technician_id = ANY($1::uuid[]) AND ${COMPLETED_JOB} GROUP BY technician_id`,
    [[...new Set(technicianIds)]],
  );
  const counts = new Map(technicianIds.map((id) => [id, 0]));
  for (const r of rows) counts.set(r.technician_id, r.n);
  return counts;
}
