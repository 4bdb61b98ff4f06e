/**
 * Staff controls over escrow (issue #6): manual holds and early release under maker-checker.
 *
 * - A manual hold (admin, ops leader, finance; with a reason) stops the release of a sub-order's held
 *   escrow: the release job skips it, and early release is refused, until it is lifted (with a
 *   reason); the job releases it on its next pass after the lift if the sub-order is completed.
 * - Early release: the held escrow of a **delivered** sub-order (the part reached the buyer; only
 *   the return window remains), not under a manual hold. Never before delivery (a cancellation or
 *   non-delivery must still refund the buyer from escrow), nor for a sub-order with a return or
 *   dispute open (`return_requested`, `disputed`), awaiting payment or cancelled. At or below
 *   EARLY_RELEASE_APPROVAL_ABOVE_PAISE it is released at once; above, it waits for a different
 *   staff member's approval (the proposer approving gets 403 `escrow/maker-checker`) unless an ops
 *   leader overrides (audited with the override flag). The release itself is the job's code path
 *   (EscrowReleaseService.releaseIn: same ledger recipe, keys and deductions); in its transaction
 *   the sub-order completes through the orders' state machine (delivered → completed, a history
 *   row and its event), as it would at the end of the return window.
 *
 * Every command locks order → sub-orders → escrow hold (the release path's order) before touching
 * its own rows, so a command and the release job are serialised per order; an early-release request
 * is decided exactly once (its row is locked by every decision, later ones get 409).
 */
import { Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import {
  ProposalDecisions,
  type ProposalKind,
} from '../../approvals/proposal-decisions.service.js';
import { AuditService } from '../../audit/audit.service.js';
import { AppProblem } from '../../common/errors/problem.js';
import { cursorFields, encodeCursor, parseKeysetCursor } from '../../common/pagination.js';
import type { RequestMeta } from '../../common/request-meta.js';
import type { AppConfig } from '../../config/app-config.js';
import { APP_CONFIG } from '../../config/config.module.js';
import { execute } from '../../database/sql.js';
import { TransactionRunner } from '../../database/transaction.js';
import { OrderCommands } from '../../orders/order-commands.service.js';
import { lockOrder, lockSubOrders, type TransitionInput } from '../../orders/order-store.js';
import { EscrowReleaseService, type ReleaseMode } from '../escrow-release.service.js';
import type {
  ApproveEarlyReleaseDto,
  EarlyReleaseDto,
  EarlyReleasePageDto,
  EarlyReleaseStatus,
  EscrowHoldControlDto,
  RequestEarlyReleaseDto,
} from './escrow-controls.dto.js';

/** Sub-order statuses whose escrow may be released early. */
export const EARLY_RELEASE_ELIGIBLE = ['delivered'] as const;

interface HoldRow {
  sub_order_id: string;
  order_id: string;
  dealer_id: string;
  amount_paise: string;
  status: string;
}

interface ManualHoldRow {
  id: string;
  reason: string;
  placed_by: string;
  placed_at: Date;
  lift_reason: string | null;
  lifted_by: string | null;
  lifted_at: Date | null;
}

interface EarlyReleaseRow {
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
const MANUAL_COLUMNS = `id::text AS id, reason, placed_by::text AS placed_by, placed_at, lift_reason,
  lifted_by::text AS lifted_by, lifted_at`;
const EARLY_COLUMNS = `id::text AS id, sub_order_id::text AS sub_order_id, order_id::text AS order_id,
  dealer_id::text AS dealer_id, amount_paise::text AS amount_paise, status, reason, needs_approval,
  requested_by::text AS requested_by, requested_at, decided_by::text AS decided_by, decided_at,
  decision_reason, override`;

const HOLD_TARGET = 'escrow_hold';
const EARLY_TARGET = 'escrow_early_release';

const iso = (d: Date | null) => (d === null ? null : d.toISOString());

function earlyDto(r: EarlyReleaseRow): EarlyReleaseDto {
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
const EARLY_RELEASE: ProposalKind<EarlyReleaseRow> = {
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
const earlyNotFound = () =>
  new AppProblem(404, 'escrow/early-release-not-found', 'Not found', 'No such early release');
const notHeld = (h: HoldRow) =>
  new AppProblem(409, 'escrow/not-held', 'Conflict', `The escrow was already ${h.status}`, {
    holdStatus: h.status,
  });
const overrideForbidden = () =>
  new AppProblem(403, 'escrow/override-forbidden', 'Forbidden', 'Only an ops leader may override');

@Injectable()
export class EscrowControlsService {
  constructor(
    private readonly transactions: TransactionRunner,
    private readonly audit: AuditService,
    private readonly proposals: ProposalDecisions,
    private readonly releases: EscrowReleaseService,
    private readonly orders: OrderCommands,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async placeHold(
    subOrderId: string,
    reason: string,
    meta: RequestMeta,
  ): Promise<EscrowHoldControlDto> {
    const actor = meta.principal!.userId;
    return this.transactions.run(async (tx) => {
      const { hold } = await this.lockHold(tx, subOrderId);
      if (hold.status !== 'held') throw notHeld(hold);
      const active = await this.activeManualHold(tx, subOrderId);
      if (active !== undefined) {
        throw new AppProblem(
          409,
          'escrow/already-on-hold',
          'Conflict',
          'The escrow is already under a manual hold',
          { manualHoldId: active.id },
        );
      }
      const { rows } = await execute<ManualHoldRow>(
        tx,
        `INSERT INTO escrow_manual_holds (sub_order_id, reason, placed_by) VALUES ($1, $2, $3)
         RETURNING ${MANUAL_COLUMNS}`,
        [subOrderId, reason, actor],
      );
      await this.audit.record(tx, meta, {
        action: 'escrow.manual_hold.place',
        targetType: HOLD_TARGET,
        targetId: subOrderId,
        reason,
        before: { onManualHold: false },
        after: { onManualHold: true, manualHoldId: rows[0]!.id },
      });
      return this.view(tx, hold);
    });
  }

  async liftHold(
    subOrderId: string,
    reason: string,
    meta: RequestMeta,
  ): Promise<EscrowHoldControlDto> {
    const actor = meta.principal!.userId;
    return this.transactions.run(async (tx) => {
      const { hold } = await this.lockHold(tx, subOrderId);
      const active = await this.activeManualHold(tx, subOrderId);
      if (active === undefined) {
        throw new AppProblem(
          409,
          'escrow/not-on-hold',
          'Conflict',
          'The escrow is not under a manual hold',
        );
      }
      await execute(
        tx,
        `UPDATE escrow_manual_holds SET lift_reason = $2, lifted_by = $3, lifted_at = now()
         WHERE id = $1`,
        [active.id, reason, actor],
      );
      await this.audit.record(tx, meta, {
        action: 'escrow.manual_hold.lift',
        targetType: HOLD_TARGET,
        targetId: subOrderId,
        reason,
        before: { onManualHold: true, manualHoldId: active.id },
        after: { onManualHold: false },
      });
      return this.view(tx, hold);
    });
  }

  /**
   * Releases the escrow at once (at or below the threshold, or an ops leader's override) or stores
   * a pending request for a second approver (above it).
   */
  async requestEarlyRelease(
    subOrderId: string,
    dto: RequestEarlyReleaseDto,
    meta: RequestMeta,
  ): Promise<EarlyReleaseDto> {
    const principal = meta.principal!;
    const override = dto.override === true;
    if (override && principal.role !== 'ops_leader') throw overrideForbidden();
    const orderId = await this.orderOfHold(subOrderId);
    return this.orders.withSubOrder(orderId, subOrderId, null, async (tx, _sub, move) => {
      const { hold, subStatus } = await this.lockHold(tx, subOrderId);
      await this.assertReleasable(tx, hold, subStatus);
      const { rows: pending } = await execute<{ id: string }>(
        tx,
        `SELECT id::text AS id FROM escrow_early_releases WHERE sub_order_id = $1 AND status = 'pending'`,
        [subOrderId],
      );
      if (pending[0] !== undefined) {
        throw new AppProblem(
          409,
          'escrow/early-release-pending',
          'Conflict',
          'An early release of this escrow is already waiting for approval',
          { earlyReleaseId: pending[0].id },
        );
      }
      const needsApproval =
        BigInt(hold.amount_paise) >
        BigInt(this.config.escrowControls.earlyReleaseApprovalAbovePaise);
      if (needsApproval && !override) {
        const { rows } = await execute<EarlyReleaseRow>(
          tx,
          `INSERT INTO escrow_early_releases
             (sub_order_id, order_id, dealer_id, amount_paise, status, reason, requested_by, needs_approval)
           VALUES ($1, $2, $3, $4, 'pending', $5, $6, true) RETURNING ${EARLY_COLUMNS}`,
          [
            subOrderId,
            hold.order_id,
            hold.dealer_id,
            hold.amount_paise,
            dto.reason,
            principal.userId,
          ],
        );
        const row = rows[0]!;
        await this.proposals.proposed(tx, EARLY_RELEASE, row, {
          meta,
          reason: dto.reason,
          after: { status: row.status, subOrderId, amountPaise: hold.amount_paise },
        });
        return earlyDto(row);
      }
      const overriding = needsApproval && override;
      await this.release(tx, hold, principal.userId);
      await move(completion(meta));
      const { rows } = await execute<EarlyReleaseRow>(
        tx,
        `INSERT INTO escrow_early_releases
           (sub_order_id, order_id, dealer_id, amount_paise, status, reason, requested_by, needs_approval,
            decided_by, decided_at, override)
         VALUES ($1, $2, $3, $4, 'released', $5, $6, $7, $6, now(), $8) RETURNING ${EARLY_COLUMNS}`,
        [
          subOrderId,
          hold.order_id,
          hold.dealer_id,
          hold.amount_paise,
          dto.reason,
          principal.userId,
          needsApproval,
          overriding,
        ],
      );
      const row = rows[0]!;
      await this.proposals.proposed(tx, EARLY_RELEASE, row, {
        meta,
        reason: dto.reason,
        action: 'escrow.early_release.release',
        override: overriding,
        before: { holdStatus: 'held', subOrderStatus: subStatus },
        after: {
          status: row.status,
          subOrderId,
          subOrderStatus: 'completed',
          amountPaise: hold.amount_paise,
          needsApproval,
        },
      });
      return earlyDto(row);
    });
  }

  /** The second approval: releases the escrow (the proposer only as an ops leader's override). */
  async approve(
    id: string,
    dto: ApproveEarlyReleaseDto,
    meta: RequestMeta,
  ): Promise<EarlyReleaseDto> {
    const principal = meta.principal!;
    const override = dto.override === true;
    if (override && principal.role !== 'ops_leader') throw overrideForbidden();
    if (override && dto.reason === undefined) {
      throw new AppProblem(
        400,
        'escrow/override-reason-required',
        'Bad request',
        'An override needs a reason',
      );
    }
    const request = await this.transactions.run(async (tx) => {
      const { rows } = await execute<{ order_id: string; sub_order_id: string }>(
        tx,
        `SELECT order_id::text AS order_id, sub_order_id::text AS sub_order_id
         FROM escrow_early_releases WHERE id = $1`,
        [id],
      );
      return rows[0];
    });
    if (request === undefined) throw earlyNotFound();
    const { order_id: orderId, sub_order_id: subOrderId } = request;
    return this.orders.withSubOrder(orderId, subOrderId, null, async (tx, _sub, move) => {
      const row = await this.lockRequest(tx, id);
      const updated = await this.proposals.decide(tx, EARLY_RELEASE, row, {
        event: 'approve',
        meta,
        reason: dto.reason ?? null,
        override,
        effect: async () => {
          const { hold, subStatus } = await this.lockHold(tx, row.sub_order_id);
          await this.assertReleasable(tx, hold, subStatus);
          await this.release(tx, hold, principal.userId);
          await move(completion(meta));
        },
        update: (from, to, actor) =>
          this.move(
            tx,
            row.id,
            from,
            to,
            principal.userId,
            dto.reason ?? null,
            actor === 'override',
          ),
        audit: (u) => ({
          before: { status: row.status, requestedBy: row.requested_by },
          after: { status: u.status, subOrderId: row.sub_order_id, subOrderStatus: 'completed' },
        }),
      });
      return earlyDto(updated);
    });
  }

  /** Rejects a pending request (by anyone with the right, its proposer withdrawing it included). */
  async reject(id: string, reason: string, meta: RequestMeta): Promise<EarlyReleaseDto> {
    const actor = meta.principal!.userId;
    return this.transactions.run(async (tx) => {
      const row = await this.lockRequest(tx, id);
      const updated = await this.proposals.decide(tx, EARLY_RELEASE, row, {
        event: 'reject',
        meta,
        reason,
        update: (from, to) => this.move(tx, row.id, from, to, actor, reason, false),
        audit: (u) => ({
          before: { status: row.status, requestedBy: row.requested_by },
          after: { status: u.status, withdrawn: actor === row.requested_by },
        }),
      });
      return earlyDto(updated);
    });
  }

  /** The request's move (`transition()`'s update), if it is still `from`. */
  private async move(
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

  /** Early releases oldest first (`status=pending` is the approval queue), cursor-paginated. */
  async list(
    status: EarlyReleaseStatus | undefined,
    limit: number,
    cursor: string | undefined,
  ): Promise<EarlyReleasePageDto> {
    const after = parseKeysetCursor(cursor, {
      at: cursorFields.pgTimestamp,
      id: cursorFields.uuid,
    });
    const rows = await this.transactions.run(async (tx) => {
      const result = await execute<EarlyReleaseRow & { cursor_at: string }>(
        tx,
        `SELECT ${EARLY_COLUMNS}, requested_at::text AS cursor_at FROM escrow_early_releases
         WHERE ($1::text IS NULL OR status = $1)
           AND ($2::timestamptz IS NULL OR (requested_at, id) > ($2::timestamptz, $3::uuid))
         ORDER BY requested_at, id LIMIT $4`,
        [status ?? null, after?.at ?? null, after?.id ?? null, limit + 1],
      );
      return result.rows;
    });
    const items = rows.slice(0, limit);
    const last = rows.length > limit ? rows[limit - 1] : undefined;
    return {
      items: items.map(earlyDto),
      ...(last ? { nextCursor: encodeCursor({ at: last.cursor_at, id: last.id }) } : {}),
    };
  }

  private async release(tx: EntityManager, hold: HoldRow, actor: string): Promise<void> {
    const mode: ReleaseMode = { eligible: EARLY_RELEASE_ELIGIBLE, actor };
    const done = await this.releases.releaseIn(
      tx,
      { sub_order_id: hold.sub_order_id, order_id: hold.order_id },
      mode,
    );
    // Checked under the same locks just before: not releasing now is a bug.
    if (!done) throw new Error(`early release of ${hold.sub_order_id} was not applied`);
  }

  /** The order of a sub-order's escrow hold (never changes), read before its command locks it. */
  private async orderOfHold(subOrderId: string): Promise<string> {
    const { rows } = await this.transactions.run((tx) =>
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
  private async lockHold(
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

  private async assertReleasable(
    tx: EntityManager,
    hold: HoldRow,
    subStatus: string,
  ): Promise<void> {
    if (hold.status !== 'held') throw notHeld(hold);
    const active = await this.activeManualHold(tx, hold.sub_order_id);
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

  private async activeManualHold(
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
  private async lockRequest(tx: EntityManager, id: string): Promise<EarlyReleaseRow> {
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

  private async view(tx: EntityManager, hold: HoldRow): Promise<EscrowHoldControlDto> {
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
}

/**
 * The released sub-order completes (delivered → completed, a history row), so the buyer and the
 * dealer see it done. Buyers see this reason; the staff member's own reason stays in the audit event.
 */
function completion(meta: RequestMeta): TransitionInput {
  const p = meta.principal!;
  return {
    event: 'complete',
    actor: 'admin',
    actorId: p.userId,
    actorRole: p.role,
    reason: 'escrow released early',
  };
}
