/**
 * Escrow controls' rows (manual holds, early releases) as their commands (src/escrow/commands/) and
 * reads use them. Every command locks order → sub-orders → escrow hold (the release path's order)
 * before touching its own rows, so a command and the release job are serialised per order; an
 * early-release request is decided exactly once (its row is locked by every decision).
 */
import type { EntityManager } from 'typeorm';
import type { ProposalKind } from '../../approvals/proposal-decisions.service.js';
import { AppProblem } from '../../common/errors/problem.js';
import type { RequestMeta } from '../../common/request-meta.js';
import { execute } from '../../database/sql.js';
import type { TransactionRunner } from '../../database/transaction.js';
import { lockOrder, lockSubOrders, type TransitionInput } from '../../orders/order-store.js';
import { releaseIn, type ReleaseDeps, type ReleaseMode } from '../commands/release-escrow.steps.js';
import type {
  EarlyReleaseDto,
  EarlyReleaseStatus,
  EscrowHoldControlDto,
} from './escrow-controls.dto.js';

/** Sub-order statuses whose escrow may be released early. */
export const EARLY_RELEASE_ELIGIBLE = ['delivered'] as const;

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

export interface EarlyReleaseRow {
  id: string;
  sub_order_id: string;
  order_id: string;
  dealer_id: string;
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
  dealer_id::text AS dealer_id, amount_paise::text AS amount_paise, status, reason, needs_approval,
  requested_by::text AS requested_by, requested_at, decided_by::text AS decided_by, decided_at,
  decision_reason, override`;

export const HOLD_TARGET = 'escrow_hold';
const EARLY_TARGET = 'escrow_early_release';

const iso = (d: Date | null) => (d === null ? null : d.toISOString());

export function earlyDto(r: EarlyReleaseRow): EarlyReleaseDto {
  return {
    id: r.id,
    subOrderId: r.sub_order_id,
    orderId: r.order_id,
    dealerId: r.dealer_id,
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
export const notHeld = (h: HoldRow) =>
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
  const active = await activeManualHold(tx, hold.sub_order_id);
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
  subOrderId: string,
): Promise<ManualHoldRow | undefined> {
  const { rows } = await execute<ManualHoldRow>(
    tx,
    `SELECT ${MANUAL_COLUMNS} FROM escrow_manual_holds WHERE sub_order_id = $1 AND lifted_at IS NULL`,
    [subOrderId],
  );
  return rows[0];
}

/** The request, locked after its order (the release path's lock order). */
export async function lockRequest(tx: EntityManager, id: string): Promise<EarlyReleaseRow> {
  const { rows: found } = await execute<{ order_id: string }>(
    tx,
    `SELECT order_id::text AS order_id FROM escrow_early_releases WHERE id = $1`,
    [id],
  );
  if (found[0] === undefined) throw earlyNotFound();
  await lockOrder(tx, found[0].order_id, null);
  const { rows } = await execute<EarlyReleaseRow>(
    tx,
    `SELECT ${EARLY_COLUMNS} FROM escrow_early_releases WHERE id = $1 FOR UPDATE`,
    [id],
  );
  const row = rows[0]!;
  return row;
}

export async function holdView(tx: EntityManager, hold: HoldRow): Promise<EscrowHoldControlDto> {
  const { rows } = await execute<ManualHoldRow>(
    tx,
    `SELECT ${MANUAL_COLUMNS} FROM escrow_manual_holds WHERE sub_order_id = $1
     ORDER BY placed_at DESC, id`,
    [hold.sub_order_id],
  );
  return {
    subOrderId: hold.sub_order_id,
    orderId: hold.order_id,
    dealerId: hold.dealer_id,
    amountPaise: Number(hold.amount_paise),
    status: hold.status,
    onManualHold: rows.some((r) => r.lifted_at === null),
    manualHolds: rows.map((r) => ({
      id: r.id,
      reason: r.reason,
      placedBy: r.placed_by,
      placedAt: r.placed_at.toISOString(),
      liftReason: r.lift_reason,
      liftedBy: r.lifted_by,
      liftedAt: iso(r.lifted_at),
    })),
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
