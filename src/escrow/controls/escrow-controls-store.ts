/**
 * Escrow controls' rows (manual holds, early releases) as their commands (src/escrow/commands/) and
 * reads use them, for a sub-order's escrow hold or a repair job's escrow (every hold of the job).
 * Every command locks order → sub-orders → escrow hold, or repair job → its escrow holds (the
 * release path's order) before touching its own rows, so a command and the release job are
 * serialised per order or job; an early-release request is decided exactly once (its row is
 * locked by every decision).
 */
import type { EntityManager } from 'typeorm';
import type { ProposalKind } from '../../approvals/proposal-decisions.service.js';
import { AppProblem } from '../../common/errors/problem.js';
import type { RequestMeta } from '../../common/request-meta.js';
import { execute } from '../../database/sql.js';
import type { TransactionRunner } from '../../database/transaction.js';
import { lockOrder, lockSubOrders, type TransitionInput } from '../../orders/order-store.js';
import {
  applyRepairTransition,
  lockRepairJob,
  type RepairJobRow,
} from '../../repairs/repair-job-store.js';
import { releaseIn, type ReleaseDeps, type ReleaseMode } from '../commands/release-escrow.steps.js';
import type {
  EarlyReleaseDto,
  EarlyReleaseStatus,
  EscrowHoldControlDto,
  ManualHoldDto,
  RepairJobEscrowControlDto,
} from './escrow-controls.dto.js';

/** Sub-order statuses whose escrow may be released early. */
export const EARLY_RELEASE_ELIGIBLE = ['delivered'] as const;

/** What a manual hold or an early release is on: a sub-order's escrow, or a repair job's. */
export interface EscrowSubject {
  column: 'sub_order_id' | 'repair_job_id';
  id: string;
}
export const subOrderSubject = (id: string): EscrowSubject => ({ column: 'sub_order_id', id });
export const repairJobSubject = (id: string): EscrowSubject => ({ column: 'repair_job_id', id });

/** One escrow hold of a repair job (a job may have several, one per payment). */
export interface JobHoldRow {
  id: string;
  amount_paise: string;
  status: string;
}

export interface HoldRow {
  sub_order_id: string;
  order_id: string;
  dealer_id: string;
  amount_paise: string;
  status: string;
}

export interface ManualHoldRow {
  id: string;
  reason: string;
  placed_by: string;
  placed_at: Date;
  lift_reason: string | null;
  lifted_by: string | null;
  lifted_at: Date | null;
}

/** An early release of a sub-order's escrow (its order and dealer) or a repair job's (its technician). */
export interface EarlyReleaseRow {
  id: string;
  sub_order_id: string | null;
  order_id: string | null;
  dealer_id: string | null;
  repair_job_id: string | null;
  technician_id: string | null;
  amount_paise: string;
  status: EarlyReleaseStatus;
  reason: string;
  needs_approval: boolean;
  requested_by: string;
  requested_at: Date;
  decided_by: string | null;
  decided_at: Date | null;
  decision_reason: string | null;
  override: boolean;
}

const HOLD_COLUMNS = `sub_order_id::text AS sub_order_id, order_id::text AS order_id,
  dealer_id::text AS dealer_id, amount_paise::text AS amount_paise, status`;
export const MANUAL_COLUMNS = `id::text AS id, reason, placed_by::text AS placed_by, placed_at, lift_reason,
  lifted_by::text AS lifted_by, lifted_at`;
export const EARLY_COLUMNS = `id::text AS id, sub_order_id::text AS sub_order_id, order_id::text AS order_id,
  dealer_id::text AS dealer_id, repair_job_id::text AS repair_job_id,
  technician_id::text AS technician_id, amount_paise::text AS amount_paise, status, reason, needs_approval,
  requested_by::text AS requested_by, requested_at, decided_by::text AS decided_by, decided_at,
  decision_reason, override`;

export const HOLD_TARGET = 'escrow_hold';
/** The audit target of a repair job's escrow controls (the job's id). */
export const JOB_ESCROW_TARGET = 'repair_job_escrow';
const EARLY_TARGET = 'escrow_early_release';

const iso = (d: Date | null) => (d === null ? null : d.toISOString());

export function earlyDto(r: EarlyReleaseRow): EarlyReleaseDto {
  return {
    id: r.id,
    subOrderId: r.sub_order_id,
    orderId: r.order_id,
    dealerId: r.dealer_id,
    repairJobId: r.repair_job_id,
    technicianId: r.technician_id,
    amountPaise: Number(r.amount_paise),
    status: r.status,
    reason: r.reason,
    needsApproval: r.needs_approval,
    requestedBy: r.requested_by,
    requestedAt: r.requested_at.toISOString(),
    decidedBy: r.decided_by,
    decidedAt: iso(r.decided_at),
    decisionReason: r.decision_reason,
    override: r.override,
  };
}

/** Early releases as maker-checker proposals (src/approvals): pending → released | rejected. */
export const EARLY_RELEASE: ProposalKind<EarlyReleaseRow> = {
  statuses: { proposed: 'pending', approved: 'released', rejected: 'rejected' },
  history: { table: 'escrow_early_release_history', key: 'early_release_id' },
  audit: {
    targetType: EARLY_TARGET,
    actions: {
      propose: 'escrow.early_release.request',
      approve: 'escrow.early_release.approve',
      reject: 'escrow.early_release.reject',
    },
  },
  makerChecker: {
    code: 'escrow/maker-checker',
    detail: 'An early release must be approved by a staff member other than its proposer',
  },
  notPending: (row) =>
    new AppProblem(
      409,
      'escrow/early-release-not-pending',
      'Already decided',
      `The early release was already ${row.status}`,
      { earlyReleaseStatus: row.status },
    ),
  ref: (r) => ({ id: r.id, status: r.status, maker: r.requested_by }),
};

const holdNotFound = () =>
  new AppProblem(404, 'escrow/hold-not-found', 'Not found', 'No escrow is held for this sub-order');
export const earlyNotFound = () =>
  new AppProblem(404, 'escrow/early-release-not-found', 'Not found', 'No such early release');
export const notHeld = (h: Pick<HoldRow, 'status'>) =>
  new AppProblem(409, 'escrow/not-held', 'Conflict', `The escrow was already ${h.status}`, {
    holdStatus: h.status,
  });
export const overrideForbidden = () =>
  new AppProblem(403, 'escrow/override-forbidden', 'Forbidden', 'Only an ops leader may override');

/** The request's move (`transition()`'s update), if it is still `from`. */
export async function moveEarlyRelease(
  tx: EntityManager,
  id: string,
  from: string,
  to: string,
  decidedBy: string,
  reason: string | null,
  override: boolean,
): Promise<EarlyReleaseRow | undefined> {
  const { rows } = await execute<EarlyReleaseRow>(
    tx,
    `UPDATE escrow_early_releases
     SET status = $3, decided_by = $4, decided_at = now(), decision_reason = $5, override = $6
     WHERE id = $1 AND status = $2 RETURNING ${EARLY_COLUMNS}`,
    [id, from, to, decidedBy, reason, override],
  );
  return rows[0];
}

/** A staff early release: the release job's steps (`release-escrow.steps.ts`) in the caller's transaction. */
export async function releaseEarlyIn(
  deps: ReleaseDeps,
  tx: EntityManager,
  hold: HoldRow,
  actor: string,
): Promise<void> {
  const mode: ReleaseMode = { eligible: EARLY_RELEASE_ELIGIBLE, actor };
  const done = await releaseIn(
    deps,
    tx,
    { sub_order_id: hold.sub_order_id, order_id: hold.order_id },
    mode,
  );
  // Checked under the same locks just before: not releasing now is a bug.
  if (!done) throw new Error(`early release of ${hold.sub_order_id} was not applied`);
}

/** The order of a sub-order's escrow hold (never changes), read before its command locks it. */
export async function orderOfHold(
  transactions: TransactionRunner,
  subOrderId: string,
): Promise<string> {
  const { rows } = await transactions.run((tx) =>
    execute<{ order_id: string }>(
      tx,
      `SELECT order_id::text AS order_id FROM escrow_holds WHERE sub_order_id = $1`,
      [subOrderId],
    ),
  );
  if (rows[0] === undefined) throw holdNotFound();
  return rows[0].order_id;
}

/** Locks order → sub-orders → escrow hold (the release path's order); 404 without a hold. */
export async function lockHold(
  tx: EntityManager,
  subOrderId: string,
): Promise<{ hold: HoldRow; subStatus: string }> {
  const { rows: found } = await execute<{ order_id: string }>(
    tx,
    `SELECT order_id::text AS order_id FROM escrow_holds WHERE sub_order_id = $1`,
    [subOrderId],
  );
  if (found[0] === undefined) throw holdNotFound();
  await lockOrder(tx, found[0].order_id, null);
  const sub = (await lockSubOrders(tx, found[0].order_id)).find((s) => s.id === subOrderId);
  const { rows } = await execute<HoldRow>(
    tx,
    `SELECT ${HOLD_COLUMNS} FROM escrow_holds WHERE sub_order_id = $1 FOR UPDATE`,
    [subOrderId],
  );
  if (rows[0] === undefined || sub === undefined) throw holdNotFound();
  return { hold: rows[0], subStatus: sub.status };
}

export async function assertReleasable(
  tx: EntityManager,
  hold: HoldRow,
  subStatus: string,
): Promise<void> {
  if (hold.status !== 'held') throw notHeld(hold);
  const active = await activeManualHold(tx, subOrderSubject(hold.sub_order_id));
  if (active !== undefined) {
    throw new AppProblem(
      409,
      'escrow/manual-hold',
      'Conflict',
      'The escrow is under a manual hold; lift it first',
      { manualHoldId: active.id },
    );
  }
  if (!(EARLY_RELEASE_ELIGIBLE as readonly string[]).includes(subStatus)) {
    throw new AppProblem(
      409,
      'escrow/not-eligible',
      'Conflict',
      `Escrow can be released early only once the sub-order is delivered (it is ${subStatus})`,
      { subOrderStatus: subStatus },
    );
  }
}

export async function activeManualHold(
  tx: EntityManager,
  subject: EscrowSubject,
): Promise<ManualHoldRow | undefined> {
  const { rows } = await execute<ManualHoldRow>(
    tx,
    `SELECT ${MANUAL_COLUMNS} FROM escrow_manual_holds WHERE ${subject.column} = $1 AND lifted_at IS NULL`,
    [subject.id],
  );
  return rows[0];
}

/**
 * Places a manual hold on the subject's escrow (its rows locked by the caller; 409
 * `escrow/already-on-hold` when one is active). Returns its id.
 */
export async function placeManualHoldIn(
  tx: EntityManager,
  subject: EscrowSubject,
  reason: string,
  placedBy: string,
): Promise<string> {
  const active = await activeManualHold(tx, subject);
  if (active !== undefined)
    throw new AppProblem(
      409,
      'escrow/already-on-hold',
      'Conflict',
      'The escrow is already under a manual hold',
      { manualHoldId: active.id },
    );
  const { rows } = await execute<{ id: string }>(
    tx,
    `INSERT INTO escrow_manual_holds (${subject.column}, reason, placed_by) VALUES ($1, $2, $3)
     RETURNING id::text AS id`,
    [subject.id, reason, placedBy],
  );
  return rows[0]!.id;
}

/**
 * Lifts the subject's active manual hold (its rows locked by the caller; 409 `escrow/not-on-hold`
 * without one). Returns its id.
 */
export async function liftManualHoldIn(
  tx: EntityManager,
  subject: EscrowSubject,
  reason: string,
  liftedBy: string,
): Promise<string> {
  const active = await activeManualHold(tx, subject);
  if (active === undefined)
    throw new AppProblem(
      409,
      'escrow/not-on-hold',
      'Conflict',
      'The escrow is not under a manual hold',
    );
  await execute(
    tx,
    `UPDATE escrow_manual_holds SET lift_reason = $2, lifted_by = $3, lifted_at = now()
     WHERE id = $1`,
    [active.id, reason, liftedBy],
  );
  return active.id;
}

/** The subject's manual holds, newest first. */
async function manualHoldsOf(tx: EntityManager, subject: EscrowSubject): Promise<ManualHoldDto[]> {
  const { rows } = await execute<ManualHoldRow>(
    tx,
    `SELECT ${MANUAL_COLUMNS} FROM escrow_manual_holds WHERE ${subject.column} = $1
     ORDER BY placed_at DESC, id`,
    [subject.id],
  );
  return rows.map((r) => ({
    id: r.id,
    reason: r.reason,
    placedBy: r.placed_by,
    placedAt: r.placed_at.toISOString(),
    liftReason: r.lift_reason,
    liftedBy: r.lifted_by,
    liftedAt: iso(r.lifted_at),
  }));
}

/** The request, locked after its order or repair job (the release path's lock order). */
export async function lockRequest(tx: EntityManager, id: string): Promise<EarlyReleaseRow> {
  const { rows: found } = await execute<{ order_id: string | null; repair_job_id: string | null }>(
    tx,
    `SELECT order_id::text AS order_id, repair_job_id::text AS repair_job_id
     FROM escrow_early_releases WHERE id = $1`,
    [id],
  );
  if (found[0] === undefined) throw earlyNotFound();
  if (found[0].repair_job_id !== null) await lockRepairJob(tx, found[0].repair_job_id, 'any');
  else await lockOrder(tx, found[0].order_id!, null);
  const { rows } = await execute<EarlyReleaseRow>(
    tx,
    `SELECT ${EARLY_COLUMNS} FROM escrow_early_releases WHERE id = $1 FOR UPDATE`,
    [id],
  );
  const row = rows[0]!;
  return row;
}

export async function holdView(tx: EntityManager, hold: HoldRow): Promise<EscrowHoldControlDto> {
  const manualHolds = await manualHoldsOf(tx, subOrderSubject(hold.sub_order_id));
  return {
    subOrderId: hold.sub_order_id,
    orderId: hold.order_id,
    dealerId: hold.dealer_id,
    amountPaise: Number(hold.amount_paise),
    status: hold.status,
    onManualHold: manualHolds.some((r) => r.liftedAt === null),
    manualHolds,
  };
}

/**
 * The released sub-order completes (delivered → completed, a history row), so the buyer and the
 * dealer see it done. Buyers see this reason; the staff member's own reason stays in the audit event.
 */
export function completion(meta: RequestMeta): TransitionInput {
  const p = meta.principal!;
  return {
    event: 'complete',
    actor: 'admin',
    actorId: p.userId,
    actorRole: p.role,
    reason: 'escrow released early',
  };
}

// ---- a repair job's escrow (every hold of the job: one per payment) ----

/** Repair job statuses whose escrow may be released early: done, before its customer confirms. */
export const JOB_EARLY_RELEASE_ELIGIBLE = ['done'] as const;

/** The amount still held of a job's holds. */
export const heldPaiseOf = (holds: readonly JobHoldRow[]): bigint =>
  holds.filter((h) => h.status === 'held').reduce((sum, h) => sum + BigInt(h.amount_paise), 0n);

/**
 * Locks the repair job, then its escrow holds (the release path's order); 404 for no such job,
 * `escrow/hold-not-found` when it has no escrow (never paid).
 */
export async function lockJobHolds(
  tx: EntityManager,
  repairJobId: string,
): Promise<{ job: RepairJobRow; holds: JobHoldRow[] }> {
  const job = await lockRepairJob(tx, repairJobId, 'any');
  const { rows } = await execute<JobHoldRow>(
    tx,
    `SELECT id::text AS id, amount_paise::text AS amount_paise, status FROM escrow_holds
     WHERE repair_job_id = $1 ORDER BY created_at, id FOR UPDATE`,
    [job.id],
  );
  if (rows.length === 0)
    throw new AppProblem(
      404,
      'escrow/hold-not-found',
      'Not found',
      'No escrow is held for this repair job',
    );
  return { job, holds: rows };
}

/** 409 `escrow/not-held` unless some of the job's escrow is still held. */
export function assertJobHeld(holds: readonly JobHoldRow[]): void {
  if (heldPaiseOf(holds) === 0n) throw notHeld(holds[holds.length - 1]!);
}

/**
 * Whether the job's escrow may be released early (409 `escrow/not-held`, `escrow/manual-hold`,
 * `escrow/not-eligible` unless done — not disputed, not confirmed yet); returns what is held.
 */
export async function assertJobReleasable(
  tx: EntityManager,
  job: RepairJobRow,
  holds: readonly JobHoldRow[],
): Promise<bigint> {
  assertJobHeld(holds);
  const active = await activeManualHold(tx, repairJobSubject(job.id));
  if (active !== undefined)
    throw new AppProblem(
      409,
      'escrow/manual-hold',
      'Conflict',
      'The escrow is under a manual hold; lift it first',
      { manualHoldId: active.id },
    );
  if (!(JOB_EARLY_RELEASE_ELIGIBLE as readonly string[]).includes(job.status))
    throw new AppProblem(
      409,
      'escrow/not-eligible',
      'Conflict',
      `A repair job's escrow can be released early only once its technician marked it done (it is ${job.status.replace(/_/g, ' ')})`,
      { repairJobStatus: job.status },
    );
  return heldPaiseOf(holds);
}

/**
 * A staff early release of a done job (locked, checked by `assertJobReleasable`): staff confirm the
 * job for its customer (`confirm`, a history row its customer sees), then the release job's steps
 * release each held hold of it (`release-escrow.steps.ts`), which close the job.
 */
export async function releaseJobEarlyIn(
  deps: ReleaseDeps,
  tx: EntityManager,
  job: RepairJobRow,
  meta: RequestMeta,
): Promise<void> {
  const p = meta.principal!;
  await applyRepairTransition(tx, job, {
    event: 'confirm',
    actor: 'staff',
    actorId: p.userId,
    actorRole: p.role,
    reason: 'escrow released early',
  });
  const mode: ReleaseMode = { eligible: JOB_EARLY_RELEASE_ELIGIBLE, actor: p.userId };
  let released = 0;
  while (await releaseIn(deps, tx, { repair_job_id: job.id }, mode)) released += 1;
  // Checked under the same locks just before: releasing nothing now is a bug.
  if (released === 0) throw new Error(`early release of repair job ${job.id} was not applied`);
}

/** Records an early release of the job's escrow: `pending` (a second approver) or `released` at once. */
export async function insertJobEarlyRelease(
  tx: EntityManager,
  job: RepairJobRow,
  heldPaise: bigint,
  request: { reason: string; requestedBy: string; needsApproval: boolean },
  released: { override: boolean } | null,
): Promise<EarlyReleaseRow> {
  const { rows } = await execute<EarlyReleaseRow>(
    tx,
    `INSERT INTO escrow_early_releases
       (repair_job_id, technician_id, amount_paise, status, reason, requested_by, needs_approval,
        decided_by, decided_at, override)
     VALUES ($1, $2, $3, $4, $5, $6, $7,
             CASE WHEN $4 = 'released' THEN $6::uuid END, CASE WHEN $4 = 'released' THEN now() END, $8)
     RETURNING ${EARLY_COLUMNS}`,
    [
      job.id,
      job.technician_id,
      heldPaise.toString(),
      released === null ? 'pending' : 'released',
      request.reason,
      request.requestedBy,
      request.needsApproval,
      released?.override ?? false,
    ],
  );
  return rows[0]!;
}

/** The job's escrow as staff control it: its holds, what is still held, its manual holds. */
export async function jobHoldView(
  tx: EntityManager,
  job: RepairJobRow,
  holds: readonly JobHoldRow[],
): Promise<RepairJobEscrowControlDto> {
  const manualHolds = await manualHoldsOf(tx, repairJobSubject(job.id));
  return {
    repairJobId: job.id,
    technicianId: job.technician_id,
    repairJobStatus: job.status,
    heldPaise: Number(heldPaiseOf(holds)),
    holds: holds.map((h) => ({ id: h.id, amountPaise: Number(h.amount_paise), status: h.status })),
    onManualHold: manualHolds.some((r) => r.liftedAt === null),
    manualHolds,
  };
}
