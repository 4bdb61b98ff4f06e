/**
 * Staff's side of the fraud checks: the alert list (assign, resolve) and the orders held for review
 * (clear: the order continues; reject: the order is cancelled, its stock back and any payment
 * refunded by the payments' refund sweep). Every action is audited in its transaction.
 */
import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service.js';
import { AppProblem } from '../common/errors/problem.js';
import type { RequestMeta } from '../common/request-meta.js';
import { allows } from '../common/state-machine.js';
import { transitionInOneStatement } from '../database/transition-in-one-statement.js';
import { execute } from '../database/sql.js';
import { TransactionRunner } from '../database/transaction.js';
import { OrderCommands } from '../orders/order-commands.service.js';
import {
  checkedDates,
  cursorTime,
  iso,
  pageOf,
  paise,
  Where,
} from '../escrow/views/view-support.js';
import { alertMachine, alertState } from '../reconciliation/alerts/alert-state.js';
import { moveAlert, type AlertTables } from '../reconciliation/alerts/alert-transition.js';
import { FRAUD_HOLD_MACHINE } from './domain/fraud-hold-state.js';
import type { FraudRule } from './domain/fraud-rules.js';
import type {
  FraudAlertDto,
  FraudAlertPageDto,
  FraudAlertQueryDto,
  FraudHoldDto,
  FraudHoldPageDto,
  FraudHoldQueryDto,
  HoldStatus,
  Resolution,
} from './dto/fraud.dto.js';

interface AlertRow {
  id: string;
  rule: FraudRule;
  action: FraudAlertDto['action'];
  account_id: string;
  counterparty_id: string | null;
  order_id: string | null;
  hold_status: HoldStatus | null;
  evidence: Record<string, unknown>;
  opened_at: Date;
  owner_id: string | null;
  owner_name: string | null;
  acknowledged_at: Date | null;
  resolved_at: Date | null;
  resolution: Resolution | null;
  resolved_by: string | null;
  note: string | null;
  cursor_at: string;
  cursor_id: string;
}

interface LockedAlert {
  rule: FraudRule;
  owner_id: string | null;
  resolved_at: Date | null;
}

/** Fraud alerts move through the shared alert machine; refusals are `fraud-alert/…`. */
export const FRAUD_ALERT_MACHINE = alertMachine('fraud alert', 'fraud-alert');
const TABLES: AlertTables = { alerts: 'fraud_alerts', history: 'fraud_alert_history' };

const byStaff = (meta: RequestMeta) => ({
  actor: 'staff' as const,
  actorId: meta.principal!.userId,
  actorRole: meta.principal!.role,
});

interface HoldRow {
  order_id: string;
  buyer_id: string;
  total_paise: string;
  payment_status: string;
  status: HoldStatus;
  rules: FraudRule[];
  created_at: Date;
  decided_at: Date | null;
  decided_by: string | null;
  reason: string | null;
  cursor_at: string;
  cursor_id: string;
}

const ALERT_SELECT = `SELECT a.id::text AS id, a.rule, a.action, a.account_id::text AS account_id,
    a.counterparty_id::text AS counterparty_id, a.order_id::text AS order_id, h.status AS hold_status,
    a.evidence, a.opened_at, a.owner_id::text AS owner_id, u.display_name AS owner_name,
    a.acknowledged_at, a.resolved_at, a.resolution, a.resolved_by::text AS resolved_by, a.note,
    ${cursorTime('a.opened_at')} AS cursor_at, a.id::text AS cursor_id
  FROM fraud_alerts a
  LEFT JOIN fraud_order_holds h ON h.order_id = a.order_id
  LEFT JOIN users u ON u.id = a.owner_id`;

const HOLD_SELECT = `SELECT h.order_id::text AS order_id, o.buyer_id::text AS buyer_id,
    o.total_paise::text AS total_paise, o.payment_status, h.status,
    coalesce((SELECT array_agg(DISTINCT a.rule) FROM fraud_alerts a WHERE a.order_id = h.order_id), '{}') AS rules,
    h.created_at, h.decided_at, h.decided_by::text AS decided_by, h.reason,
    ${cursorTime('h.created_at')} AS cursor_at, h.order_id::text AS cursor_id
  FROM fraud_order_holds h JOIN orders o ON o.id = h.order_id`;

const notFound = (what: string) =>
  new AppProblem(404, 'resource/not-found', 'Not found', `No such ${what}`);

@Injectable()
export class FraudReview {
  constructor(
    private readonly transactions: TransactionRunner,
    private readonly audit: AuditService,
    private readonly orders: OrderCommands,
  ) {}

  async listAlerts(q: FraudAlertQueryDto): Promise<FraudAlertPageDto> {
    const w = new Where();
    if (q.rule !== undefined) w.add((n) => `a.rule = $${n}`, q.rule);
    if (q.state === 'open') w.holds(`a.resolved_at IS NULL`);
    if (q.state === 'resolved') w.holds(`a.resolved_at IS NOT NULL`);
    if (q.ownerId !== undefined) w.add((n) => `a.owner_id = $${n}`, q.ownerId);
    if (q.accountId !== undefined) w.add((n) => `a.account_id = $${n}`, q.accountId);
    if (q.orderId !== undefined) w.add((n) => `a.order_id = $${n}`, q.orderId);
    w.keyset(q.cursor, 'a.opened_at', 'a.id');
    const limit = w.limit(q.limit);
    const { rows } = await checkedDates(() =>
      this.transactions.run((tx) =>
        execute<AlertRow>(
          tx,
          `${ALERT_SELECT} ${w.sql()} ORDER BY a.opened_at DESC, a.id DESC ${limit}`,
          w.params,
        ),
      ),
    );
    const page = pageOf(rows, q.limit);
    return {
      items: page.items.map(alertDto),
      ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}),
    };
  }

  /** The alert goes to `ownerId` (a staff member who may work alerts; default the caller). Audited. */
  async assign(id: string, ownerId: string | undefined, meta: RequestMeta): Promise<FraudAlertDto> {
    const owner = ownerId ?? meta.principal!.userId;
    return this.transactions.run(async (tx) => {
      const before = await this.lockedAlert(tx, id);
      const { rows } = await execute(
        tx,
        `SELECT 1 FROM users WHERE id = $1 AND role IN ('admin','ops_leader','finance') AND status = 'approved'`,
        [owner],
      );
      if (rows.length === 0)
        throw new AppProblem(
          422,
          'fraud-alert/owner-not-staff',
          'Not a staff member',
          'Alerts are assigned to approved admin, ops leader or finance accounts',
          {
            errors: [
              {
                field: 'ownerId',
                in: 'body',
                messages: ['must be an approved staff account that works fraud alerts'],
              },
            ],
          },
        );
      await moveAlert(
        tx,
        FRAUD_ALERT_MACHINE,
        TABLES,
        { id, ...before },
        {
          ...byStaff(meta),
          event: 'assign',
          set: `owner_id = $3, acknowledged_at = coalesce(acknowledged_at, now())`,
          params: [owner],
        },
      );
      await this.audit.record(tx, meta, {
        action: 'fraud_alert.assign',
        targetType: 'fraud_alert',
        targetId: id,
        before: { ownerId: before.owner_id },
        after: { ownerId: owner, rule: before.rule },
      });
      return this.alert(tx, id);
    });
  }

  /** Resolved by staff (`dismissed` or `confirmed`) with a note; the caller takes it if nobody had. Audited. */
  async resolve(
    id: string,
    resolution: Resolution,
    note: string,
    meta: RequestMeta,
  ): Promise<FraudAlertDto> {
    return this.transactions.run(async (tx) => {
      const before = await this.lockedAlert(tx, id);
      await this.resolveIn(tx, [{ id, ...before }], resolution, note, meta);
      await this.audit.record(tx, meta, {
        action: 'fraud_alert.resolve',
        targetType: 'fraud_alert',
        targetId: id,
        reason: note,
        before: { ownerId: before.owner_id, resolvedAt: null },
        after: { rule: before.rule, resolution },
      });
      return this.alert(tx, id);
    });
  }

  async listHolds(q: FraudHoldQueryDto): Promise<FraudHoldPageDto> {
    const w = new Where();
    if (q.status !== undefined) w.add((n) => `h.status = $${n}`, q.status);
    w.keyset(q.cursor, 'h.created_at', 'h.order_id');
    const limit = w.limit(q.limit);
    const { rows } = await checkedDates(() =>
      this.transactions.run((tx) =>
        execute<HoldRow>(
          tx,
          `${HOLD_SELECT} ${w.sql()} ORDER BY h.created_at DESC, h.order_id DESC ${limit}`,
          w.params,
        ),
      ),
    );
    const page = pageOf(rows, q.limit);
    return {
      items: page.items.map(holdDto),
      ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}),
    };
  }

  /**
   * `clear`: the order continues (its dealers may accept it); `reject`: every part not shipped is
   * cancelled by staff (stock released or restocked; paid parts refunded by the refund sweep). The
   * order's open alerts are resolved with it (`dismissed` / `confirmed`). Audited.
   */
  async decide(
    orderId: string,
    decision: 'clear' | 'reject',
    reason: string,
    meta: RequestMeta,
  ): Promise<FraudHoldDto> {
    return this.transactions.run(async (tx) => {
      const { rows } = await execute<{ status: HoldStatus }>(
        tx,
        `SELECT status FROM fraud_order_holds WHERE order_id = $1 FOR UPDATE`,
        [orderId],
      );
      if (rows.length === 0) throw notFound('held order');
      const event = decision === 'clear' ? 'clear' : 'reject';
      if (!allows(FRAUD_HOLD_MACHINE, rows[0]!.status, event, 'staff'))
        throw new AppProblem(
          409,
          'fraud-hold/decided',
          'Already decided',
          `This order's review was ${rows[0]!.status} already`,
          { holdStatus: rows[0]!.status },
        );
      let cancelled: string[] = [];
      if (decision === 'reject')
        ({ cancelled } = await this.orders.staffCancelOrderIn(tx, orderId, reason, meta));
      await transitionInOneStatement(
        tx,
        FRAUD_HOLD_MACHINE,
        { from: rows[0]!.status, event, actor: 'staff', reason, reasonRequiredStatus: 400 },
        {
          history: { table: 'fraud_hold_history', column: 'order_id' },
          actorId: meta.principal!.userId,
          update: (from, to) => ({
            sql: `UPDATE fraud_order_holds SET status = $2, decided_at = now(), decided_by = $3, reason = $4
                  WHERE order_id = $1 AND status = $5 RETURNING order_id AS object_id`,
            params: [orderId, to, meta.principal!.userId, reason, from],
          }),
        },
      );
      const { rows: open } = await execute<LockedAlert & { id: string }>(
        tx,
        `SELECT id::text AS id, rule, owner_id::text AS owner_id, resolved_at FROM fraud_alerts
         WHERE order_id = $1 AND resolved_at IS NULL ORDER BY id FOR UPDATE`,
        [orderId],
      );
      await this.resolveIn(
        tx,
        open,
        decision === 'clear' ? 'dismissed' : 'confirmed',
        reason,
        meta,
      );
      await this.audit.record(tx, meta, {
        action: decision === 'clear' ? 'fraud_hold.clear' : 'fraud_hold.reject',
        targetType: 'order',
        targetId: orderId,
        reason,
        before: { status: 'held' },
        after: {
          status: decision === 'clear' ? 'cleared' : 'rejected',
          cancelledSubOrderIds: cancelled,
          resolvedAlertIds: open.map((a) => a.id),
        },
      });
      const { rows: held } = await execute<HoldRow>(tx, `${HOLD_SELECT} WHERE h.order_id = $1`, [
        orderId,
      ]);
      return holdDto(held[0]!);
    });
  }

  /** Staff resolve the locked alerts (each through the alert machine, with its history row). */
  private async resolveIn(
    tx: EntityManager,
    alerts: (LockedAlert & { id: string })[],
    resolution: Resolution,
    note: string,
    meta: RequestMeta,
  ): Promise<void> {
    for (const alert of alerts)
      await moveAlert(tx, FRAUD_ALERT_MACHINE, TABLES, alert, {
        ...byStaff(meta),
        event: 'resolve',
        reason: note,
        set: `resolved_at = now(), resolution = $3, resolved_by = $4, note = $5,
          owner_id = coalesce(owner_id, $4), acknowledged_at = coalesce(acknowledged_at, now())`,
        params: [resolution, meta.principal!.userId, note],
      });
  }

  /** The open alert, locked (404 unknown, 409 `fraud-alert/resolved`: the machine allows nothing more). */
  private async lockedAlert(tx: EntityManager, id: string): Promise<LockedAlert> {
    const { rows } = await execute<LockedAlert>(
      tx,
      `SELECT rule, owner_id::text AS owner_id, resolved_at FROM fraud_alerts WHERE id = $1 FOR UPDATE`,
      [id],
    );
    if (rows.length === 0) throw notFound('fraud alert');
    if (!allows(FRAUD_ALERT_MACHINE, alertState(rows[0]!), 'resolve', 'staff'))
      throw new AppProblem(
        409,
        'fraud-alert/resolved',
        'Conflict',
        'The alert is already resolved',
      );
    return rows[0]!;
  }

  private async alert(tx: EntityManager, id: string): Promise<FraudAlertDto> {
    const { rows } = await execute<AlertRow>(tx, `${ALERT_SELECT} WHERE a.id = $1`, [id]);
    return alertDto(rows[0]!);
  }
}

function alertDto(r: AlertRow): FraudAlertDto {
  return {
    id: r.id,
    rule: r.rule,
    action: r.action,
    accountId: r.account_id,
    counterpartyId: r.counterparty_id,
    orderId: r.order_id,
    holdStatus: r.hold_status,
    evidence: r.evidence,
    openedAt: r.opened_at.toISOString(),
    ownerId: r.owner_id,
    ownerName: r.owner_name,
    acknowledgedAt: iso(r.acknowledged_at),
    resolvedAt: iso(r.resolved_at),
    resolution: r.resolution,
    resolvedBy: r.resolved_by,
    note: r.note,
  };
}

function holdDto(r: HoldRow): FraudHoldDto {
  return {
    orderId: r.order_id,
    buyerId: r.buyer_id,
    totalPaise: paise(r.total_paise),
    orderPaymentStatus: r.payment_status,
    status: r.status,
    rules: r.rules,
    createdAt: r.created_at.toISOString(),
    decidedAt: iso(r.decided_at),
    decidedBy: r.decided_by,
    reason: r.reason,
  };
}
