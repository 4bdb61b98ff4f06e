/**
 * The repair jobs' SQL: the row lock every repair-job command starts with (as its customer, its
 * technician or staff), the one place their status changes (`applyRepairTransition`, through the
 * common state-machine helper: conditional update, `repair_job_history` row, `RepairJobTransitioned`
 * after commit), their quotes, and what other modules read of a job (exported functions).
 */
import type { EntityManager } from 'typeorm';
import { AppProblem } from '../common/errors/problem.js';
import { transition } from '../common/state-transition.js';
import { execute } from '../database/sql.js';
import { setBusyIn } from '../technicians/technician-presence.service.js';
import {
  ACTIVE_STATUSES,
  REPAIR_JOB_MACHINE,
  type RepairJobActor,
  type RepairJobEvent,
  type RepairJobStatus,
} from './domain/repair-job-state.js';
import { saleLinesOfQuote, type PricedQuote, type PricedQuoteLine } from './domain/repair-quote.js';
import type { RepairJobDto, RepairQuoteDto, RepairTimelineEntryDto } from './dto/repair-job.dto.js';
import { RepairJobTransitioned } from './repair-job-events.js';

export const repairJobNotFound = () =>
  new AppProblem(404, 'repair-job/not-found', 'Not found', 'No such repair job');

export interface RepairJobRow {
  id: string;
  customer_id: string;
  technician_id: string | null;
  kind: 'hardware' | 'software';
  mode: 'offline' | 'online';
  status: RepairJobStatus;
  device_brand: string;
  device_model: string;
  problem: string;
  lat: number | null;
  lng: number | null;
  address: string | null;
  preferred_from: Date | null;
  preferred_to: Date | null;
  amount_paise: string | null;
  payment_reference: string | null;
  assigned_at: Date | null;
  paid_at: Date | null;
  done_at: Date | null;
  confirmed_at: Date | null;
  closed_at: Date | null;
  cancelled_at: Date | null;
  /** A paid job cancelled: what is kept from its payment for its technician (0: refunded in full). */
  visit_fee_paise: string | null;
  created_at: Date;
  updated_at: Date;
}

export const REPAIR_JOB_COLUMNS = `id::text AS id, customer_id::text AS customer_id,
  technician_id::text AS technician_id, kind, mode, status, device_brand, device_model, problem,
  ST_Y(location::geometry) AS lat, ST_X(location::geometry) AS lng, address, preferred_from,
  preferred_to, amount_paise::text AS amount_paise, payment_reference, assigned_at, paid_at, done_at,
  confirmed_at, closed_at, cancelled_at, visit_fee_paise::text AS visit_fee_paise, created_at,
  updated_at`;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Whose job a command may touch: its customer's, its technician's, or any (staff, the system). */
export type JobScope = { customerId: string } | { technicianId: string } | 'any';

/** Locks a repair job (the first lock of its commands); 404 outside `scope`. */
export async function lockRepairJob(
  tx: EntityManager,
  id: string,
  scope: JobScope,
): Promise<RepairJobRow> {
  const job = UUID.test(id) ? await jobIn(tx, id, scope, 'FOR UPDATE') : undefined;
  if (job === undefined) throw repairJobNotFound();
  return job;
}

/** A repair job as `scope` may see it; 404 outside it. */
export async function readRepairJob(
  tx: EntityManager,
  id: string,
  scope: JobScope,
): Promise<RepairJobRow> {
  const job = UUID.test(id) ? await jobIn(tx, id, scope, '') : undefined;
  if (job === undefined) throw repairJobNotFound();
  return job;
}

async function jobIn(
  tx: EntityManager,
  id: string,
  scope: JobScope,
  lock: string,
): Promise<RepairJobRow | undefined> {
  const customerId = scope !== 'any' && 'customerId' in scope ? scope.customerId : null;
  const technicianId = scope !== 'any' && 'technicianId' in scope ? scope.technicianId : null;
  const { rows } = await execute<RepairJobRow>(
    tx,
    `SELECT ${REPAIR_JOB_COLUMNS} FROM repair_jobs
     WHERE id = $1 AND ($2::uuid IS NULL OR customer_id = $2)
       AND ($3::uuid IS NULL OR technician_id = $3) ${lock}`,
    [id, customerId, technicianId],
  );
  return rows[0];
}

export interface RepairTransitionInput {
  event: RepairJobEvent;
  /** The target when the event has several (`resolve_dispute`: confirmed or cancelled). */
  to?: RepairJobStatus;
  actor: RepairJobActor;
  actorId: string | null;
  actorRole: string;
  reason?: string | null;
  /** `pay`: the gateway payment that paid the job. */
  paymentReference?: string;
  /** `assign`, `reassign`: the technician; `withdraw`: cleared. */
  technicianId?: string | null;
  /** `approve_quote`: what is to be paid (the approved quote's total). */
  amountPaise?: number;
  /**
   * `cancel` of a paid job, `resolve_dispute` to cancelled: the visit fee kept for the technician (0:
   * a full refund).
   */
  visitFeePaise?: number;
}

/** Moves the locked job through its state machine; returns the job as it now is. */
export async function applyRepairTransition(
  tx: EntityManager,
  job: RepairJobRow,
  input: RepairTransitionInput,
): Promise<RepairJobRow> {
  const technicianChange = input.technicianId !== undefined;
  const { row } = await transition<RepairJobStatus, RepairJobEvent, RepairJobActor, RepairJobRow>(
    tx,
    REPAIR_JOB_MACHINE,
    {
      from: job.status,
      event: input.event,
      actor: input.actor,
      ...(input.to === undefined ? {} : { to: input.to }),
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
             technician_id = CASE WHEN $5 THEN $6::uuid ELSE technician_id END,
             assigned_at = CASE WHEN $5 THEN CASE WHEN $6::uuid IS NULL THEN NULL ELSE now() END
                                ELSE assigned_at END,
             amount_paise = CASE WHEN $2 IN ('awaiting_assignment','assigned')
                                   OR ($2 = 'cancelled' AND paid_at IS NULL) THEN NULL
                                 ELSE coalesce($7, amount_paise) END,
             visit_fee_paise = $8,
             paid_at = CASE WHEN $2 = 'in_progress' THEN now() ELSE paid_at END,
             done_at = CASE WHEN $2 = 'done' THEN now() ELSE done_at END,
             confirmed_at = CASE WHEN $2 = 'confirmed' THEN now() ELSE confirmed_at END,
             closed_at = CASE WHEN $2 = 'closed' THEN now() ELSE closed_at END,
             cancelled_at = CASE WHEN $2 = 'cancelled' THEN now() ELSE cancelled_at END,
             updated_at = now()
           WHERE id = $1 AND status = $3 RETURNING ${REPAIR_JOB_COLUMNS}`,
          [
            job.id,
            to,
            from,
            input.paymentReference ?? null,
            technicianChange,
            input.technicianId ?? null,
            input.amountPaise ?? null,
            input.visitFeePaise ?? null,
          ],
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
          technicianChange ? (input.technicianId ?? null) : job.technician_id,
          input.event,
          from,
          to,
        ),
    },
  );
  await keepTechniciansBusyIn(tx, job, row!);
  return row!;
}

/**
 * Busy bookkeeping, in the transition's transaction: a technician the job now belongs to (an
 * accepted offer, staff's assignment or reassignment) becomes busy; one it left (reassigned,
 * withdrawn, cancelled) or that finished it (done) is free again once no other active job is theirs.
 */
async function keepTechniciansBusyIn(
  tx: EntityManager,
  before: RepairJobRow,
  after: RepairJobRow,
): Promise<void> {
  const holds = (j: RepairJobRow) => j.technician_id !== null && ACTIVE_STATUSES.includes(j.status);
  if (holds(after) && (!holds(before) || before.technician_id !== after.technician_id))
    await setBusyIn(tx, after.technician_id!, true);
  if (!holds(before) || (holds(after) && after.technician_id === before.technician_id)) return;
  const left = before.technician_id!;
  const others = await activeJobCountsOf(tx, [left]);
  if (others.get(left) === 0) await setBusyIn(tx, left, false);
}

export function repairJobDto(r: RepairJobRow): RepairJobDto {
  const iso = (d: Date | null) => (d === null ? null : d.toISOString());
  return {
    id: r.id,
    customerId: r.customer_id,
    technicianId: r.technician_id,
    kind: r.kind,
    mode: r.mode,
    status: r.status,
    deviceBrand: r.device_brand,
    deviceModel: r.device_model,
    problem: r.problem,
    location: r.lat === null || r.lng === null ? null : { lat: r.lat, lng: r.lng },
    address: r.address,
    preferredFrom: iso(r.preferred_from),
    preferredTo: iso(r.preferred_to),
    amountPaise: r.amount_paise === null ? null : Number(r.amount_paise),
    assignedAt: iso(r.assigned_at),
    paidAt: iso(r.paid_at),
    doneAt: iso(r.done_at),
    confirmedAt: iso(r.confirmed_at),
    closedAt: iso(r.closed_at),
    cancelledAt: iso(r.cancelled_at),
    visitFeePaise: r.visit_fee_paise === null ? null : Number(r.visit_fee_paise),
    createdAt: r.created_at.toISOString(),
  };
}

// ---- quotes ----

interface QuoteRow {
  id: string;
  repair_job_id: string;
  technician_id: string;
  lines: PricedQuoteLine[];
  taxable_paise: string;
  gst_paise: string;
  total_paise: string;
  note: string | null;
  status: RepairQuoteDto['status'];
  decided_at: Date | null;
  decision_reason: string | null;
  created_at: Date;
}

const QUOTE_COLUMNS = `id::text AS id, repair_job_id::text AS repair_job_id,
  technician_id::text AS technician_id, lines, taxable_paise::text AS taxable_paise,
  gst_paise::text AS gst_paise, total_paise::text AS total_paise, note, status, decided_at,
  decision_reason, created_at`;

export function quoteDto(q: QuoteRow): RepairQuoteDto {
  return {
    id: q.id,
    repairJobId: q.repair_job_id,
    technicianId: q.technician_id,
    lines: q.lines.map((l) => ({ ...l })),
    taxablePaise: Number(q.taxable_paise),
    gstPaise: Number(q.gst_paise),
    totalPaise: Number(q.total_paise),
    note: q.note,
    status: q.status,
    decidedAt: q.decided_at === null ? null : q.decided_at.toISOString(),
    decisionReason: q.decision_reason,
    createdAt: q.created_at.toISOString(),
  };
}

/** Records a proposed quote, superseding the job's open proposed one (the job row is locked). */
export async function insertQuoteIn(
  tx: EntityManager,
  job: RepairJobRow,
  quote: PricedQuote,
  note: string | null,
): Promise<QuoteRow> {
  await execute(
    tx,
    `UPDATE repair_quotes SET status = 'superseded', decided_at = now(),
       decision_reason = 'a newer quote replaced it'
     WHERE repair_job_id = $1 AND status = 'proposed'`,
    [job.id],
  );
  const { rows } = await execute<QuoteRow>(
    tx,
    `INSERT INTO repair_quotes (repair_job_id, technician_id, lines, taxable_paise, gst_paise, total_paise, note)
     VALUES ($1, $2, $3::jsonb, $4, $5, $6, $7) RETURNING ${QUOTE_COLUMNS}`,
    [
      job.id,
      job.technician_id,
      JSON.stringify(quote.lines),
      quote.taxablePaise,
      quote.gstPaise,
      quote.totalPaise,
      note,
    ],
  );
  return rows[0]!;
}

/** The job's proposed quote `quoteId`, locked; 409 when it is not the one waiting for a decision. */
export async function lockProposedQuote(
  tx: EntityManager,
  jobId: string,
  quoteId: string,
): Promise<QuoteRow> {
  const { rows } = UUID.test(quoteId)
    ? await execute<QuoteRow>(
        tx,
        `SELECT ${QUOTE_COLUMNS} FROM repair_quotes WHERE id = $1 AND repair_job_id = $2 FOR UPDATE`,
        [quoteId, jobId],
      )
    : { rows: [] };
  const quote = rows[0];
  if (quote === undefined)
    throw new AppProblem(404, 'repair-quote/not-found', 'Not found', 'No such quote for this job');
  if (quote.status !== 'proposed')
    throw new AppProblem(
      409,
      'repair-quote/not-proposed',
      'Conflict',
      `This quote is ${quote.status}; only the proposed quote can be decided`,
      { quoteStatus: quote.status },
    );
  return quote;
}

/** Records the customer's decision on the (locked) proposed quote. */
export async function decideQuoteIn(
  tx: EntityManager,
  quoteId: string,
  status: 'approved' | 'rejected',
  reason: string | null,
): Promise<QuoteRow> {
  const { rows } = await execute<QuoteRow>(
    tx,
    `UPDATE repair_quotes SET status = $2, decided_at = now(), decision_reason = $3
     WHERE id = $1 AND status = 'proposed' RETURNING ${QUOTE_COLUMNS}`,
    [quoteId, status, reason],
  );
  return rows[0]!;
}

/**
 * The job's status timeline, oldest first: each move's event, from, to, when and by which side
 * (`customer`, `technician`, `staff`, `payment`, `system`); the reason only for staff readers
 * (`withReasons`), since staff reasons may name internal matters.
 */
export async function timelineOf(
  tx: EntityManager,
  jobId: string,
  withReasons: boolean,
): Promise<RepairTimelineEntryDto[]> {
  const { rows } = await execute<{
    event: string;
    from_status: string | null;
    to_status: string;
    actor_role: string;
    reason: string | null;
    created_at: Date;
  }>(
    tx,
    `SELECT event, from_status, to_status, actor_role, reason, created_at
     FROM repair_job_history WHERE repair_job_id = $1 ORDER BY id`,
    [jobId],
  );
  return rows.map((r) => ({
    event: r.event,
    fromStatus: r.from_status,
    toStatus: r.to_status,
    by: r.actor_role.split(':')[0]!,
    at: r.created_at.toISOString(),
    reason: withReasons ? r.reason : null,
  }));
}

/** The job's quotes, newest first. */
export async function quotesOf(tx: EntityManager, jobId: string): Promise<QuoteRow[]> {
  const { rows } = await execute<QuoteRow>(
    tx,
    `SELECT ${QUOTE_COLUMNS} FROM repair_quotes WHERE repair_job_id = $1
     ORDER BY created_at DESC, id`,
    [jobId],
  );
  return rows;
}

// ---- what other modules read of a job (the payments' and the escrow's) ----

/**
 * The sale a repair job's escrow pays for, as the escrow release prices it: its approved quote's
 * lines (GST included, each at its own rate); empty for a job paid before quotes (the skeleton's
 * agreed amount), which the release prices at the repair services' schedule rate.
 */
export async function saleLinesOfJob(
  tx: EntityManager,
  jobId: string,
): Promise<{ grossPaise: number; gstRateBps: number }[]> {
  const { rows } = await execute<{ lines: PricedQuoteLine[] }>(
    tx,
    `SELECT lines FROM repair_quotes WHERE repair_job_id = $1 AND status = 'approved'`,
    [jobId],
  );
  return rows[0] === undefined ? [] : saleLinesOfQuote(rows[0].lines);
}

/**
 * Among `jobIds`, the paid jobs cancelled with a full refund (no visit fee kept): their escrow hold
 * goes back to the customer whole (the payments' refunds).
 */
export async function refundedInFullAmong(
  tx: EntityManager,
  jobIds: readonly string[],
): Promise<Set<string>> {
  const { rows } = await execute<{ id: string }>(
    tx,
    `SELECT id::text AS id FROM repair_jobs
     WHERE id = ANY($1::uuid[]) AND status = 'cancelled' AND visit_fee_paise = 0`,
    [[...jobIds]],
  );
  return new Set(rows.map((r) => r.id));
}

/**
 * What the escrow release does with a job's hold (the job locked by the release): a confirmed job's
 * is released to its technician, less what staff refund at release (`refundAtReleasePaise`; then
 * the job closes); a paid job cancelled with a visit fee kept has the fee released to its
 * technician and the rest refunded at release (recipe §5); any other job's is not due (a disputed
 * one among them, until staff resolve its dispute).
 */
export function releaseTermsOf(
  job: RepairJobRow,
  heldPaise: bigint,
  refundAtReleasePaise: bigint,
): { due: false } | { due: true; refundPaise: bigint; close: boolean } {
  if (job.status === 'confirmed')
    return { due: true, refundPaise: refundAtReleasePaise, close: true };
  const fee = BigInt(job.visit_fee_paise ?? 0);
  if (job.status === 'cancelled' && fee > 0n)
    return { due: true, refundPaise: heldPaise > fee ? heldPaise - fee : 0n, close: false };
  return { due: false };
}

/**
 * Closes a confirmed job whose escrow was just released (the escrow release, in its transaction,
 * with the job locked by it).
 */
export async function closeAfterReleaseIn(tx: EntityManager, jobId: string): Promise<void> {
  const job = await lockRepairJob(tx, jobId, 'any');
  await applyRepairTransition(tx, job, {
    event: 'close',
    actor: 'system',
    actorId: null,
    actorRole: 'escrow-release',
  });
}

/**
 * When a job counts as completed for what follows completion (ratings, a technician's completed
 * jobs): confirmed by its customer, staff or the confirmation window (closed once its escrow is
 * released); its completion time is its confirmation's.
 */
const COMPLETED_JOB = `status IN ('confirmed', 'closed')`;

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
           CASE WHEN ${COMPLETED_JOB} THEN confirmed_at END AS completed_at
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

/** How many active jobs (assigned to paid and in progress) each technician has (0 for none). */
export async function activeJobCountsOf(
  tx: EntityManager,
  technicianIds: readonly string[],
): Promise<Map<string, number>> {
  const { rows } = await execute<{ technician_id: string; n: number }>(
    tx,
    `SELECT technician_id::text AS technician_id, count(*)::int AS n FROM repair_jobs
     WHERE technician_id = ANY($1::uuid[]) AND status = ANY($2::text[]) GROUP BY technician_id`,
    [[...new Set(technicianIds)], ACTIVE_STATUSES],
  );
  const counts = new Map(technicianIds.map((id) => [id, 0]));
  for (const r of rows) counts.set(r.technician_id, r.n);
  return counts;
}
