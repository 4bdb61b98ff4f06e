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
import { UUID } from '../common/uuid.js';

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
  /** In progress: the approved supplementary quote's total, not paid yet (null: none). */
  supplement_due_paise: string | null;
  /** What the paid supplementary quotes added to the job. */
  supplements_paid_paise: string;
  created_at: Date;
  updated_at: Date;
}

export const REPAIR_JOB_COLUMNS = `id::text AS id, customer_id::text AS customer_id,
  technician_id::text AS technician_id, kind, mode, status, device_brand, device_model, problem,
  ST_Y(location::geometry) AS lat, ST_X(location::geometry) AS lng, address, preferred_from,
  preferred_to, amount_paise::text AS amount_paise, payment_reference, assigned_at, paid_at, done_at,
  confirmed_at, closed_at, cancelled_at, visit_fee_paise::text AS visit_fee_paise,
  supplement_due_paise::text AS supplement_due_paise,
  supplements_paid_paise::text AS supplements_paid_paise, created_at, updated_at`;

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
  /** `approve_supplement`: the supplement now due; `pay_supplement`, `cancel`: null (none due). */
  supplementDuePaise?: number | null;
  /** `pay_supplement`: what the payment added to the job (the supplement's total). */
  supplementPaidPaise?: number;
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
             supplement_due_paise = CASE WHEN $9 THEN $10::bigint ELSE supplement_due_paise END,
             supplements_paid_paise = supplements_paid_paise + $11,
             paid_at = CASE WHEN $2 = 'in_progress' AND $3 = 'awaiting_payment' THEN now()
                            ELSE paid_at END,
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
            input.supplementDuePaise !== undefined,
            input.supplementDuePaise ?? null,
            input.supplementPaidPaise ?? 0,
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

/**
 * What the job's customer is to pay now (null: nothing): the approved quote's total while the job
 * awaits payment, the approved supplementary quote's while it is in progress.
 */
export function amountDueOf(job: RepairJobRow): number | null {
  if (job.status === 'awaiting_payment') return Number(job.amount_paise);
  if (job.status === 'in_progress' && job.supplement_due_paise !== null)
    return Number(job.supplement_due_paise);
  return null;
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
    amountDuePaise: amountDueOf(r) ?? 0,
    paidPaise: r.paid_at === null ? 0 : Number(r.amount_paise) + Number(r.supplements_paid_paise),
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
  supplementary: boolean;
  decided_at: Date | null;
  decision_reason: string | null;
  paid_at: Date | null;
  created_at: Date;
}

const QUOTE_COLUMNS = `id::text AS id, repair_job_id::text AS repair_job_id,
  technician_id::text AS technician_id, lines, taxable_paise::text AS taxable_paise,
  gst_paise::text AS gst_paise, total_paise::text AS total_paise, note, status, supplementary,
  decided_at, decision_reason, paid_at, created_at`;

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
    supplementary: q.supplementary,
    decidedAt: q.decided_at === null ? null : q.decided_at.toISOString(),
    decisionReason: q.decision_reason,
    paidAt: q.paid_at === null ? null : q.paid_at.toISOString(),
    createdAt: q.created_at.toISOString(),
  };
}

/**
 * Records a proposed quote — the job's first, or a supplementary one — superseding the job's proposed
 * one of the same kind (the job row is locked).
 */
export async function insertQuoteIn(
  tx: EntityManager,
  job: RepairJobRow,
  quote: PricedQuote,
  note: string | null,
  supplementary = false,
): Promise<QuoteRow> {
  await execute(
    tx,
    `UPDATE repair_quotes SET status = 'superseded', decided_at = now(),
       decision_reason = 'a newer quote replaced it'
     WHERE repair_job_id = $1 AND status = 'proposed' AND supplementary = $2`,
    [job.id, supplementary],
  );
  const { rows } = await execute<QuoteRow>(
    tx,
    `INSERT INTO repair_quotes (repair_job_id, technician_id, lines, taxable_paise, gst_paise, total_paise,
       note, supplementary)
     VALUES ($1, $2, $3::jsonb, $4, $5, $6, $7, $8) RETURNING ${QUOTE_COLUMNS}`,
    [
      job.id,
      job.technician_id,
      JSON.stringify(quote.lines),
      quote.taxablePaise,
      quote.gstPaise,
      quote.totalPaise,
      note,
      supplementary,
    ],
  );
  return rows[0]!;
}

/**
 * The job's proposed quote `quoteId` of the kind named (`supplementary` or the first), locked; 409
 * when it is of the other kind or not the one waiting for a decision.
 */
export async function lockProposedQuote(
  tx: EntityManager,
  jobId: string,
  quoteId: string,
  supplementary = false,
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
  if (quote.supplementary !== supplementary)
    throw new AppProblem(
      409,
      'repair-quote/kind-mismatch',
      'Conflict',
      quote.supplementary
        ? 'This is a supplementary quote: approve or decline it at /repairs/{id}/supplements'
        : 'This is the job’s first quote: approve or reject it at /repairs/{id}/quote',
      { supplementary: quote.supplementary },
    );
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
 * Records that the (locked) job's approved quote of the kind named — its first, or the supplement
 * due — was paid by the gateway payment `reference`; its id, or null when the job has none (a job
 * paid before quotes existed).
 */
export async function markQuotePaidIn(
  tx: EntityManager,
  jobId: string,
  supplementary: boolean,
  reference: string,
): Promise<string | null> {
  const { rows } = await execute<{ id: string }>(
    tx,
    `UPDATE repair_quotes SET paid_at = now(), payment_reference = $3
     WHERE repair_job_id = $1 AND supplementary = $2 AND status = 'approved' AND paid_at IS NULL
     RETURNING id::text AS id`,
    [jobId, supplementary, reference],
  );
  return rows[0]?.id ?? null;
}

/** Whether the gateway payment `reference` paid the (locked) job or one of its supplements. */
export async function paidJobWithIn(
  tx: EntityManager,
  job: RepairJobRow,
  reference: string,
): Promise<boolean> {
  if (job.payment_reference === reference) return true;
  const { rows } = await execute(
    tx,
    `SELECT 1 FROM repair_quotes WHERE repair_job_id = $1 AND payment_reference = $2`,
    [job.id, reference],
  );
  return rows.length > 0;
}

/**
 * The job's supplementary quote still open — proposed, or approved and not paid — no longer stands
 * (the job was cancelled, or finished while one was only proposed).
 */
export async function closeOpenSupplementIn(
  tx: EntityManager,
  jobId: string,
  reason: string,
): Promise<void> {
  await execute(
    tx,
    `UPDATE repair_quotes SET status = 'superseded',
       decided_at = CASE WHEN status = 'proposed' THEN now() ELSE decided_at END,
       decision_reason = $2
     WHERE repair_job_id = $1 AND supplementary
       AND (status = 'proposed' OR (status = 'approved' AND paid_at IS NULL))`,
    [jobId, reason],
  );
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
 * The sale one payment of a repair job pays for, as the escrow release prices its hold: the lines of
 * the quote it paid (`quoteId`: the job's first quote or a supplement; GST included, each at its own
 * rate); empty for a job paid before quotes (the skeleton's agreed amount: no quote), which the
 * release prices at the repair services' schedule rate.
 */
export async function saleLinesOfJob(
  tx: EntityManager,
  jobId: string,
  quoteId: string | null,
): Promise<{ grossPaise: number; gstRateBps: number }[]> {
  if (quoteId === null) return [];
  const { rows } = await execute<{ lines: PricedQuoteLine[] }>(
    tx,
    `SELECT lines FROM repair_quotes WHERE id = $1 AND repair_job_id = $2 AND status = 'approved'`,
    [quoteId, jobId],
  );
  return rows[0] === undefined ? [] : saleLinesOfQuote(rows[0].lines);
}

/**
 * Among the holds of paid jobs (`first`: the hold of the job's first payment, the others pay its
 * supplements), those whose job was cancelled and that go back to the customer whole (the payments'
 * refunds): every hold of a job refunded in full (no visit fee kept), and the supplements' holds of a
 * job keeping a visit fee (the fee is kept once, from its first payment, by the escrow release).
 * Returns the indexes of those holds in `holds`.
 */
export async function refundedInFullAmong(
  tx: EntityManager,
  holds: readonly { repairJobId: string; first: boolean }[],
): Promise<Set<number>> {
  const { rows } = await execute<{ id: string; visit_fee_paise: string }>(
    tx,
    `SELECT id::text AS id, visit_fee_paise::text AS visit_fee_paise FROM repair_jobs
     WHERE id = ANY($1::uuid[]) AND status = 'cancelled' AND visit_fee_paise IS NOT NULL`,
    [[...new Set(holds.map((h) => h.repairJobId))]],
  );
  const fees = new Map(rows.map((r) => [r.id, BigInt(r.visit_fee_paise)]));
  const whole = new Set<number>();
  holds.forEach((h, i) => {
    const fee = fees.get(h.repairJobId);
    if (fee !== undefined && (fee === 0n || !h.first)) whole.add(i);
  });
  return whole;
}

/**
 * What the escrow release does with one of a job's holds (the job locked by the release; `first`:
 * the hold of its first payment, the others pay its supplements): a confirmed job's holds are each
 * released to its technician, less what staff refund at release (`refundAtReleasePaise`; then the
 * job closes); a paid job cancelled with a visit fee kept has the fee released to its technician
 * from its first hold and the rest of that hold refunded at release (recipe §5) — its supplements'
 * holds are refunded whole by the payments' refunds; any other hold is not due (a disputed job's
 * among them, until staff resolve its dispute).
 */
export function releaseTermsOf(
  job: RepairJobRow,
  hold: { heldPaise: bigint; refundAtReleasePaise: bigint; first: boolean },
): { due: false } | { due: true; refundPaise: bigint; close: boolean } {
  if (job.status === 'confirmed')
    return { due: true, refundPaise: hold.refundAtReleasePaise, close: true };
  const fee = BigInt(job.visit_fee_paise ?? 0);
  if (job.status === 'cancelled' && fee > 0n && hold.first)
    return {
      due: true,
      refundPaise: hold.heldPaise > fee ? hold.heldPaise - fee : 0n,
      close: false,
    };
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
 * released); its completion time is its confirmation's. The trigger keeping
 * `repair_job_completed_counts` (migration TechnicianStandingCounters) spells the same set out.
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

/**
 * The technician's completed jobs (whose id is the SQL expression `id`), as a scalar subquery: its
 * counter, kept by trigger in the transaction of every change of a job's status or technician
 * (migration TechnicianStandingCounters, whose trigger spells `COMPLETED_JOB` out).
 */
export const completedJobCountSql = (id: string) =>
  `coalesce((SELECT c.completed FROM repair_job_completed_counts c WHERE c.technician_id = ${id}), 0)`;

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
