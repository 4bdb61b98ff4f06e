/**
 * Payment SLA alerts and the escrow escalation queue.
 *
 * The `payments.alerts-scan` job (every minute) opens and resolves alerts from these rules
 * (database time; thresholds from the environment):
 * - `payment_stuck`: a payment still `creating`, `created` or `authorized` more than
 *   PAYMENT_STUCK_ALERT_MINUTES (120) after it was opened. Resolved automatically once it is
 *   captured or failed.
 * - `escrow_sla` (the escalation queue; subject = the sub-order): an escrow hold still `held`
 *   - `not_shipped`: its sub-order paid, accepted or packed (not shipped) more than
 *     ESCROW_SHIP_SLA_DAYS (3) after capture; or
 *   - `not_released`: more than ESCROW_SLA_DAYS (10) after its sub-order was delivered (the 7-day
 *     return window plus slack: a return or dispute left open, a completion or release that did
 *     not happen).
 *   Resolved automatically once neither holds (shipped, released or refunded).
 * - `transfer_failed` (subject = the hold's sub-order or repair job): its escrow hold's Route
 *   transfer (to the dealer or the technician) is `failed`
 *   (escrow_holds.transfer_status) — `transfer`: creating it was refused, or its retries ran out
 *   (ignored once the hold is refunded: nothing is left to transfer); `lift_hold`: lifting its hold
 *   at release was refused. Resolved automatically once the status moves on (staff retried it with
 *   `POST /admin/escrow/holds/{subOrderId}/retry-transfer` or
 *   `/admin/escrow/repair-jobs/{repairJobId}/retry-transfer` and the job did its work, or it is
 *   pending again).
 * - `webhook_rejected` (subject = the webhook inbox row): a signed webhook the gateway contradicted
 *   (src/gateway/webhooks/gateway-claims.ts) — reason `unknown_at_gateway` (the gateway does not know
 *   the object it names) or `mismatch` (the gateway, or our records, say something else); `detail`
 *   says what. Raised when the event is rejected, in that transaction; nothing was applied. Staff
 *   look into it (a forged or tampered event: the webhook secret may have leaked) and resolve it.
 * At most one open alert per kind and subject. An alert a staff member resolved by hand (with a
 * note) is not reopened while the same condition (same reason) persists — for `transfer_failed`,
 * unless the hold failed again after that resolution (its `updated_at`, e.g. a retry that failed
 * too); an alert the job resolved is reopened if the condition comes back. Staff take an alert (owner = caller) and resolve it;
 * both are audited. Every move (taken, resolved by staff or by the scan) goes through the shared alert
 * machine (`alert-state.ts`) and writes a `payment_alert_history` row. After each scan the gauges `payment_alerts_open{kind}` and `escrow_held_paise`
 * are set (per process: read them from the instance that runs the job).
 */
import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { Gauge } from 'prom-client';
import type { EntityManager } from 'typeorm';
import { AuditService } from '../../audit/audit.service.js';
import { AppProblem } from '../../common/errors/problem.js';
import type { RequestMeta } from '../../common/request-meta.js';
import { allows } from '../../common/state-machine.js';
import type { AppConfig } from '../../config/app-config.js';
import { APP_CONFIG } from '../../config/config.module.js';
import { execute } from '../../database/sql.js';
import { TransactionRunner } from '../../database/transaction.js';
import { JobQueue } from '../../jobs/job-queue.service.js';
import { MetricsService } from '../../observability/metrics.service.js';
import {
  checkedDates,
  cursorTime,
  iso,
  pageOf,
  paiseOrNull,
  Where,
} from '../../escrow/views/view-support.js';
import type { RazorpayWebhookEvent } from '../../gateway/webhooks/webhook-event.js';
import { WebhookHandlers, type WebhookRejection } from '../../gateway/webhooks/webhook-handlers.js';
import {
  ALERT_KINDS,
  type AlertKind,
  type PaymentAlertDto,
  type PaymentAlertPageDto,
  type PaymentAlertQueryDto,
} from './payment-alert.dto.js';
import { alertMachine, alertState } from './alert-state.js';
import { moveAlert, type AlertMove, type AlertTables } from './alert-transition.js';

export const PAYMENT_ALERT_JOBS = { scan: 'payments.alerts-scan' } as const;

export interface ScanResult {
  opened: number;
  resolved: number;
  open: Record<AlertKind, number>;
  escrowHeldPaise: bigint;
}

interface AlertRow {
  id: string;
  kind: AlertKind;
  subject_id: string;
  reason: string;
  detail: string | null;
  order_id: string | null;
  dealer_id: string | null;
  amount_paise: string | null;
  opened_at: Date;
  age_seconds: number;
  owner_id: string | null;
  owner_name: string | null;
  acknowledged_at: Date | null;
  resolved_at: Date | null;
  resolution: 'auto' | 'manual' | null;
  resolved_by: string | null;
  note: string | null;
  cursor_at: string;
  cursor_id: string;
}

interface LockedAlert {
  kind: AlertKind;
  subject_id: string;
  owner_id: string | null;
  resolved_at: Date | null;
}

/** Payment alerts move through the shared alert machine; refusals are `payment-alert/…`. */
export const PAYMENT_ALERT_MACHINE = alertMachine('payment alert', 'payment-alert');
const TABLES: AlertTables = { alerts: 'payment_alerts', history: 'payment_alert_history' };

const STUCK_STATUSES = `('creating','created','authorized')`;

/**
 * Each rule's condition: subject_id, reason and `since` (when the condition last started, for a rule
 * whose staff resolution only holds until it starts again; NULL: it holds while the reason is the
 * same).
 */

/** Payments stuck now ($1 = minutes). */
const STUCK_PAYMENTS = `
  SELECT p.id AS subject_id, p.status AS reason, NULL::timestamptz AS since FROM payments p
  WHERE p.status IN ${STUCK_STATUSES} AND p.created_at < now() - make_interval(mins => $1::int)`;

/** Escrow past its SLA now ($1 = days after delivery, $2 = days after capture unshipped). */
const OVERDUE_ESCROW = `
  SELECT h.sub_order_id AS subject_id,
         CASE WHEN s.status IN ('paid','accepted','packed') THEN 'not_shipped' ELSE 'not_released' END AS reason,
         NULL::timestamptz AS since
  FROM escrow_holds h JOIN sub_orders s ON s.id = h.sub_order_id
  WHERE h.status = 'held' AND (
    (s.status IN ('paid','accepted','packed') AND h.created_at < now() - make_interval(days => $2::int))
    OR (s.delivered_at IS NOT NULL AND s.delivered_at < now() - make_interval(days => $1::int)))`;

/** Route transfers failed now (a failed creation of a since refunded hold is left alone). */
const FAILED_TRANSFERS = `
  SELECT coalesce(h.sub_order_id, h.repair_job_id) AS subject_id,
         CASE WHEN h.transfer_id IS NULL THEN 'transfer' ELSE 'lift_hold' END AS reason,
         h.updated_at AS since
  FROM escrow_holds h
  WHERE h.transfer_status = 'failed' AND (h.transfer_id IS NOT NULL OR h.status <> 'refunded')`;

const ALERT_COLUMNS = `a.id::text AS id, a.kind, a.subject_id::text AS subject_id, a.reason, a.detail,
  coalesce(p.order_id, h.order_id, wp.order_id)::text AS order_id, h.dealer_id::text AS dealer_id,
  coalesce(p.amount_paise, h.amount_paise)::text AS amount_paise, a.opened_at,
  greatest(0, floor(extract(epoch FROM coalesce(a.resolved_at, now()) - a.opened_at)))::int AS age_seconds,
  a.owner_id::text AS owner_id, u.display_name AS owner_name, a.acknowledged_at, a.resolved_at,
  a.resolution, a.resolved_by::text AS resolved_by, a.note,
  ${cursorTime('a.opened_at')} AS cursor_at, a.id::text AS cursor_id`;

const ALERT_FROM = `payment_alerts a
  LEFT JOIN payments p ON a.kind = 'payment_stuck' AND p.id = a.subject_id
  LEFT JOIN LATERAL (
    -- A repair job has a hold per payment: the one whose transfer failed, else its first.
    SELECT * FROM escrow_holds h
    WHERE a.kind IN ('escrow_sla','transfer_failed')
      AND (h.sub_order_id = a.subject_id OR h.repair_job_id = a.subject_id)
    ORDER BY h.transfer_status = 'failed' DESC, h.created_at, h.id LIMIT 1) h ON true
  LEFT JOIN webhook_inbox w ON a.kind = 'webhook_rejected' AND w.id = a.subject_id
  LEFT JOIN payments wp ON wp.gateway_order_id = w.payload #>> '{payload,payment,entity,order_id}'
  LEFT JOIN users u ON u.id = a.owner_id`;

function alertNotFound(): AppProblem {
  return new AppProblem(404, 'payment-alert/not-found', 'Not found', 'No such payment alert');
}

@Injectable()
export class PaymentAlerts implements OnModuleInit {
  private readonly openGauge: Gauge<'kind'>;
  private readonly heldGauge: Gauge;

  constructor(
    private readonly transactions: TransactionRunner,
    private readonly jobs: JobQueue,
    private readonly audit: AuditService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly webhooks: WebhookHandlers,
    metrics: MetricsService,
  ) {
    this.openGauge = new Gauge({
      name: 'payment_alerts_open',
      help: 'Open payment alerts by kind (payment_stuck, escrow_sla, transfer_failed, webhook_rejected), as of the last alert scan',
      labelNames: ['kind'] as const,
      registers: [metrics.registry],
    });
    for (const kind of ALERT_KINDS) this.openGauge.set({ kind }, 0);
    this.heldGauge = new Gauge({
      name: 'escrow_held_paise',
      help: 'Total escrow held for dealers (paise), as of the last alert scan',
      registers: [metrics.registry],
    });
  }

  onModuleInit(): void {
    this.webhooks.onRejected((tx, event, rejection) =>
      this.webhookRejectedIn(tx, event, rejection),
    );
    this.jobs.define({
      name: PAYMENT_ALERT_JOBS.scan,
      cron: '* * * * *',
      queue: { retryLimit: 0 },
      handler: () => this.scan(),
    });
  }

  /** A `webhook_rejected` alert for a rejected inbox event, in the transaction that rejects it. */
  private async webhookRejectedIn(
    tx: EntityManager,
    event: RazorpayWebhookEvent,
    rejection: WebhookRejection,
  ): Promise<void> {
    await execute(
      tx,
      `INSERT INTO payment_alerts (kind, subject_id, reason, detail)
       SELECT 'webhook_rejected', w.id, $2, $3 FROM webhook_inbox w WHERE w.event_id = $1
       ON CONFLICT (kind, subject_id) WHERE resolved_at IS NULL DO NOTHING`,
      [
        event.id,
        rejection.rejected,
        `${event.event} (event ${event.id}): ${rejection.detail}`.slice(0, 2000),
      ],
    );
  }

  /** Opens alerts whose condition holds, resolves those whose condition is gone, sets the gauges. */
  async scan(): Promise<ScanResult> {
    const a = this.config.paymentAlerts;
    return this.transactions.run(async (tx) => {
      let opened = 0;
      let resolved = 0;
      const rules: [AlertKind, string, unknown[]][] = [
        ['payment_stuck', STUCK_PAYMENTS, [a.stuckAfterMinutes]],
        ['escrow_sla', OVERDUE_ESCROW, [a.escrowSlaDays, a.escrowShipSlaDays]],
        ['transfer_failed', FAILED_TRANSFERS, []],
      ];
      for (const [kind, condition, params] of rules) {
        const n = params.length + 1;
        const { rows: gone } = await execute<LockedAlert & { id: string }>(
          tx,
          `SELECT a.id::text AS id, a.kind, a.subject_id::text AS subject_id,
                  a.owner_id::text AS owner_id, a.resolved_at
           FROM payment_alerts a
           WHERE a.kind = $${n} AND a.resolved_at IS NULL
             AND NOT EXISTS (SELECT 1 FROM (${condition}) c WHERE c.subject_id = a.subject_id)
           ORDER BY a.id FOR UPDATE`,
          [...params, kind],
        );
        for (const alert of gone)
          await moveAlert(tx, PAYMENT_ALERT_MACHINE, TABLES, alert, {
            event: 'resolve',
            actor: 'system',
            actorId: null,
            actorRole: 'system',
            set: `resolved_at = now(), resolution = 'auto'`,
            params: [],
          });
        resolved += gone.length;
        opened += (
          await execute(
            tx,
            `INSERT INTO payment_alerts (kind, subject_id, reason)
             SELECT $${n}, c.subject_id, c.reason FROM (${condition}) c
             WHERE NOT EXISTS (
               SELECT 1 FROM payment_alerts x
               WHERE x.kind = $${n} AND x.subject_id = c.subject_id
                 AND (x.resolved_at IS NULL OR (x.resolution = 'manual' AND x.reason = c.reason
                      AND (c.since IS NULL OR x.resolved_at >= c.since))))
             ON CONFLICT (kind, subject_id) WHERE resolved_at IS NULL DO NOTHING
             RETURNING id`,
            [...params, kind],
          )
        ).affected;
      }
      const result = await this.gauges(tx);
      return { opened, resolved, ...result };
    });
  }

  private async gauges(
    tx: EntityManager,
  ): Promise<{ open: Record<AlertKind, number>; escrowHeldPaise: bigint }> {
    const { rows } = await execute<{ kind: AlertKind; n: number }>(
      tx,
      `SELECT kind, count(*)::int AS n FROM payment_alerts WHERE resolved_at IS NULL GROUP BY kind`,
    );
    const { rows: held } = await execute<{ total: string }>(
      tx,
      `SELECT coalesce(sum(amount_paise), 0)::text AS total FROM escrow_holds WHERE status = 'held'`,
    );
    const open: Record<AlertKind, number> = {
      payment_stuck: 0,
      escrow_sla: 0,
      transfer_failed: 0,
      webhook_rejected: 0,
    };
    for (const r of rows) open[r.kind] = r.n;
    for (const kind of ALERT_KINDS) this.openGauge.set({ kind }, open[kind]);
    const escrowHeldPaise = BigInt(held[0]!.total);
    this.heldGauge.set(Number(escrowHeldPaise));
    return { open, escrowHeldPaise };
  }

  async list(q: PaymentAlertQueryDto): Promise<PaymentAlertPageDto> {
    const w = new Where();
    if (q.kind !== undefined) w.add((n) => `a.kind = $${n}`, q.kind);
    if (q.state === 'open') w.holds(`a.resolved_at IS NULL`);
    if (q.state === 'resolved') w.holds(`a.resolved_at IS NOT NULL`);
    if (q.ownerId !== undefined) w.add((n) => `a.owner_id = $${n}`, q.ownerId);
    w.keyset(q.cursor, 'a.opened_at', 'a.id');
    const limit = w.limit(q.limit);
    const { rows } = await checkedDates(() =>
      this.transactions.run((tx) =>
        execute<AlertRow>(
          tx,
          `SELECT ${ALERT_COLUMNS} FROM ${ALERT_FROM} ${w.sql()}
           ORDER BY a.opened_at DESC, a.id DESC ${limit}`,
          w.params,
        ),
      ),
    );
    const page = pageOf(rows, q.limit);
    return {
      items: page.items.map(toDto),
      ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}),
    };
  }

  /** The caller takes the alert (acknowledged on the first assignment). Audited. */
  async assign(id: string, meta: RequestMeta): Promise<PaymentAlertDto> {
    const caller = meta.principal!.userId;
    return this.transactions.run(async (tx) => {
      const before = await this.locked(tx, id);
      await this.move(tx, id, before, meta, {
        event: 'assign',
        set: `owner_id = $3, acknowledged_at = coalesce(acknowledged_at, now())`,
        params: [caller],
      });
      await this.audit.record(tx, meta, {
        action: 'payment_alert.assign',
        targetType: 'payment_alert',
        targetId: id,
        before: { ownerId: before.owner_id },
        after: { ownerId: caller, kind: before.kind, subjectId: before.subject_id },
      });
      return toDto(await this.row(tx, id));
    });
  }

  /** Resolved by staff with a note (the caller takes it if nobody had). Audited. */
  async resolve(id: string, note: string, meta: RequestMeta): Promise<PaymentAlertDto> {
    const caller = meta.principal!.userId;
    return this.transactions.run(async (tx) => {
      const before = await this.locked(tx, id);
      await this.move(tx, id, before, meta, {
        event: 'resolve',
        reason: note,
        set: `resolved_at = now(), resolution = 'manual', resolved_by = $3, note = $4,
          owner_id = coalesce(owner_id, $3), acknowledged_at = coalesce(acknowledged_at, now())`,
        params: [caller, note],
      });
      await this.audit.record(tx, meta, {
        action: 'payment_alert.resolve',
        targetType: 'payment_alert',
        targetId: id,
        reason: note,
        before: { ownerId: before.owner_id, resolvedAt: null },
        after: { kind: before.kind, subjectId: before.subject_id, resolution: 'manual' },
      });
      return toDto(await this.row(tx, id));
    });
  }

  /** Staff move the locked alert (409 `payment-alert/resolved` once it is resolved). */
  private async move(
    tx: EntityManager,
    id: string,
    alert: LockedAlert,
    meta: RequestMeta,
    move: Pick<AlertMove, 'event' | 'reason' | 'set' | 'params'>,
  ): Promise<void> {
    if (!allows(PAYMENT_ALERT_MACHINE, alertState(alert), move.event, 'staff'))
      throw alreadyResolved();
    await moveAlert(
      tx,
      PAYMENT_ALERT_MACHINE,
      TABLES,
      { id, ...alert },
      { ...move, actor: 'staff', actorId: meta.principal!.userId, actorRole: meta.principal!.role },
    );
  }

  private async locked(tx: EntityManager, id: string): Promise<LockedAlert> {
    const { rows } = await execute<LockedAlert>(
      tx,
      `SELECT kind, subject_id::text AS subject_id, owner_id::text AS owner_id, resolved_at
       FROM payment_alerts WHERE id = $1 FOR UPDATE`,
      [id],
    );
    if (rows.length === 0) throw alertNotFound();
    return rows[0]!;
  }

  private async row(tx: EntityManager, id: string): Promise<AlertRow> {
    const { rows } = await execute<AlertRow>(
      tx,
      `SELECT ${ALERT_COLUMNS} FROM ${ALERT_FROM} WHERE a.id = $1`,
      [id],
    );
    if (rows.length === 0) throw alertNotFound();
    return rows[0]!;
  }
}

function alreadyResolved(): AppProblem {
  return new AppProblem(409, 'payment-alert/resolved', 'Conflict', 'The alert is already resolved');
}

function toDto(r: AlertRow): PaymentAlertDto {
  return {
    id: r.id,
    kind: r.kind,
    subjectId: r.subject_id,
    reason: r.reason,
    detail: r.detail,
    orderId: r.order_id,
    dealerId: r.dealer_id,
    amountPaise: paiseOrNull(r.amount_paise),
    openedAt: r.opened_at.toISOString(),
    ageSeconds: r.age_seconds,
    ownerId: r.owner_id,
    ownerName: r.owner_name,
    acknowledgedAt: iso(r.acknowledged_at),
    resolvedAt: iso(r.resolved_at),
    resolution: r.resolution,
    resolvedBy: r.resolved_by,
    note: r.note,
  };
}
