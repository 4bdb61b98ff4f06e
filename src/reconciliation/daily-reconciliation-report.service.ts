/**
 * The daily ledger-to-gateway reconciliation for finance (README "Daily reconciliation").
 *
 * A run covers one business day (IST). At 03:00 IST the `payments.reconciliation-daily` schedule
 * queues a run of the day before; finance, admin and ops leaders queue runs of any day (again after
 * fixing something: a later run updates, clears or reopens that day's exceptions). The
 * `payments.reconciliation-run` job then:
 * 1. lists the gateway's payments, refunds, Route transfers and the platform's settlements created
 *    in the window (Razorpay's list APIs, every page);
 * 2. reads the ledger entries on `asset:gateway_receivable` posted in the window and our payment,
 *    refund and escrow-hold records behind them;
 * 3. fetches one by one the gateway items our records point to that the lists did not hold (an item
 *    of another day, or one the gateway does not know), and the transfers of each dealer settlement
 *    (with its time) — and, for a payout that differs from them as they are now, their reversals;
 * 4. matches by identity (reconciliation-matcher.ts) and stores the summary and the exceptions in
 *    one transaction.
 * Gateway calls happen outside any transaction; a gateway failure fails the run (its error is kept)
 * and changes no exception. A run left `running` by a crash is abandoned after RUN_STALE_MINUTES.
 */
import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { Gauge } from 'prom-client';
import type { EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service.js';
import { AppProblem } from '../common/errors/problem.js';
import type { RequestMeta } from '../common/request-meta.js';
import { allows } from '../common/state-machine.js';
import { transition } from '../common/state-transition.js';
import { transitionInOneStatement } from '../database/transition-in-one-statement.js';
import { execute } from '../database/sql.js';
import { TransactionRunner } from '../database/transaction.js';
import { JobQueue } from '../jobs/job-queue.service.js';
import { Accounts } from '../ledger/domain/account.js';
import { MetricsService } from '../observability/metrics.service.js';
import {
  GatewayError,
  notFoundAtGateway,
  PAYMENT_GATEWAY,
  type GatewayListRange,
  type PaymentGateway,
} from '../gateway/payment-gateway.js';
import { transferReversalTargetIn } from '../escrow/refund-after-release-posting.js';
import {
  cursorTime,
  iso,
  pageOf,
  paise,
  paiseOrNull,
  Where,
} from '../escrow/views/view-support.js';
import {
  businessDayOf,
  businessDayWindow,
  previousBusinessDay,
} from '../escrow/views/business-day.js';
import {
  matchDay,
  type Finding,
  type Gathered,
  type HoldRecord,
  type RefundRecord,
} from './reconciliation-matcher.js';
import {
  EXCEPTION_MACHINE,
  type ExceptionActor,
  type ExceptionEvent,
  type ExceptionStatus,
} from './domain/exception-state.js';
import { RECONCILIATION_RUN_MACHINE, type RunEvent, type RunStatus } from './domain/run-state.js';
import type {
  ReconciliationExceptionDto,
  ReconciliationExceptionPageDto,
  ReconciliationExceptionQueryDto,
  ReconciliationRunDto,
  ReconciliationRunPageDto,
  ReconciliationRunQueryDto,
  ReconciliationSummaryDto,
} from './dto/reconciliation.dto.js';

export const RECONCILIATION_JOBS = {
  run: 'payments.reconciliation-run',
  daily: 'payments.reconciliation-daily',
} as const;

/** A run still `running` this long after it started is taken as abandoned (its process died). */
export const RUN_STALE_MINUTES = 30;
/** The earliest business day a run may cover. */
const FIRST_DAY = '2020-01-01';

interface RunRow {
  id: string;
  business_date: string;
  window_from: Date;
  window_to: Date;
  status: ReconciliationRunDto['status'];
  requested_by: string | null;
  summary: ReconciliationSummaryDto | null;
  exceptions_found: number | null;
  error: string | null;
  created_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
  cursor_at: string;
  cursor_id: string;
}

const RUN_COLUMNS = `r.id::text AS id, to_char(r.business_date, 'YYYY-MM-DD') AS business_date,
  r.window_from, r.window_to, r.status, r.requested_by::text AS requested_by, r.summary,
  r.exceptions_found, r.error, r.created_at, r.started_at, r.finished_at,
  ${cursorTime('r.created_at')} AS cursor_at, r.id::text AS cursor_id`;

interface ExceptionRow {
  id: string;
  business_date: string;
  category: ReconciliationExceptionDto['category'];
  kind: ReconciliationExceptionDto['kind'];
  subject: string;
  gateway_paise: string | null;
  ledger_paise: string | null;
  order_id: string | null;
  detail: string;
  status: ReconciliationExceptionDto['status'];
  first_run_id: string;
  last_run_id: string;
  cleared_at: Date | null;
  resolved_by: string | null;
  resolution: string | null;
  resolved_at: Date | null;
  created_at: Date;
  updated_at: Date;
  cursor_at: string;
  cursor_id: string;
}

const EXCEPTION_COLUMNS = `x.id::text AS id, to_char(x.business_date, 'YYYY-MM-DD') AS business_date,
  x.category, x.kind, x.subject, x.gateway_paise::text AS gateway_paise, x.ledger_paise::text AS ledger_paise,
  x.order_id::text AS order_id, x.detail, x.status, x.first_run_id::text AS first_run_id,
  x.last_run_id::text AS last_run_id, x.cleared_at, x.resolved_by::text AS resolved_by, x.resolution,
  x.resolved_at, x.created_at, x.updated_at,
  ${cursorTime('x.created_at')} AS cursor_at, x.id::text AS cursor_id`;

/** Net (debit − credit) of each ledger entry on the gateway receivable, by `where` over `e`. */
const RECEIVABLE_POSTINGS = (where: string) => `
  SELECT e.id AS key, sum(CASE WHEN l.side = 'debit' THEN l.amount ELSE -l.amount END)::text AS net
  FROM ledger_entries e JOIN ledger_lines l ON l.entry_id = e.id
  WHERE l.account_id = (SELECT id FROM ledger_accounts WHERE code = $1) AND ${where}
  GROUP BY e.id`;

const runNotFound = () =>
  new AppProblem(404, 'reconciliation/not-found', 'Not found', 'No such reconciliation run');
const exceptionNotFound = () =>
  new AppProblem(
    404,
    'reconciliation/exception-not-found',
    'Not found',
    'No such reconciliation exception',
  );

function toRunDto(r: RunRow): ReconciliationRunDto {
  return {
    id: r.id,
    businessDate: r.business_date,
    windowFrom: r.window_from.toISOString(),
    windowTo: r.window_to.toISOString(),
    status: r.status,
    requestedBy: r.requested_by,
    summary: r.summary,
    exceptionsFound: r.exceptions_found,
    error: r.error,
    createdAt: r.created_at.toISOString(),
    startedAt: iso(r.started_at),
    finishedAt: iso(r.finished_at),
  };
}

function toExceptionDto(x: ExceptionRow): ReconciliationExceptionDto {
  return {
    id: x.id,
    businessDate: x.business_date,
    category: x.category,
    kind: x.kind,
    subject: x.subject,
    gatewayPaise: paiseOrNull(x.gateway_paise),
    ledgerPaise: paiseOrNull(x.ledger_paise),
    orderId: x.order_id,
    detail: x.detail,
    status: x.status,
    firstRunId: x.first_run_id,
    lastRunId: x.last_run_id,
    clearedAt: iso(x.cleared_at),
    resolvedBy: x.resolved_by,
    resolution: x.resolution,
    resolvedAt: iso(x.resolved_at),
    createdAt: x.created_at.toISOString(),
    updatedAt: x.updated_at.toISOString(),
  };
}

const toMap = (rows: { key: string; net: string }[]) =>
  new Map(rows.map((r) => [r.key, paise(r.net)]));

@Injectable()
export class DailyReconciliationReport implements OnModuleInit {
  private readonly logger = new Logger(DailyReconciliationReport.name);
  private readonly openGauge: Gauge;

  constructor(
    private readonly transactions: TransactionRunner,
    private readonly jobs: JobQueue,
    private readonly audit: AuditService,
    @Inject(PAYMENT_GATEWAY) private readonly gateway: PaymentGateway,
    metrics: MetricsService,
  ) {
    this.openGauge = new Gauge({
      name: 'reconciliation_exceptions_open',
      help: 'Open ledger-to-gateway reconciliation exceptions, as of the last run',
      registers: [metrics.registry],
    });
  }

  onModuleInit(): void {
    this.jobs.define<{ runId: string }>({
      name: RECONCILIATION_JOBS.run,
      queue: { retryLimit: 0 },
      handler: ({ runId }) => this.execute(runId),
    });
    // 21:30 UTC = 03:00 IST: the day before, three hours after it ended.
    this.jobs.define({
      name: RECONCILIATION_JOBS.daily,
      cron: '30 21 * * *',
      queue: { retryLimit: 0 },
      handler: () => this.schedule(previousBusinessDay(new Date())),
    });
  }

  /** Staff ask for a run of a business day (queued; audited). */
  async request(date: string, meta: RequestMeta): Promise<ReconciliationRunDto> {
    const window = businessDayWindow(date);
    if (window === undefined || date < FIRST_DAY)
      throw new AppProblem(
        422,
        'reconciliation/invalid-date',
        'Unprocessable content',
        `date must be a calendar day from ${FIRST_DAY}`,
      );
    if (date > businessDayOf(new Date()))
      throw new AppProblem(
        422,
        'reconciliation/future-date',
        'Unprocessable content',
        'A day that has not started cannot be reconciled',
      );
    return this.transactions.run(async (tx) => {
      const run = await this.queueIn(tx, date, window, meta.principal!.userId);
      if (run === null)
        throw new AppProblem(
          409,
          'reconciliation/run-in-progress',
          'Conflict',
          `A reconciliation of ${date} is already queued or running`,
        );
      await this.audit.record(tx, meta, {
        action: 'reconciliation.request',
        targetType: 'reconciliation_run',
        targetId: run.id,
        after: { businessDate: date },
      });
      return run;
    });
  }

  /** The daily schedule's run (none when one of that day is already queued or running). */
  async schedule(date: string): Promise<string | null> {
    const window = businessDayWindow(date)!;
    const run = await this.transactions.run((tx) => this.queueIn(tx, date, window, null));
    return run?.id ?? null;
  }

  private async queueIn(
    tx: EntityManager,
    date: string,
    window: { from: Date; to: Date },
    requestedBy: string | null,
  ): Promise<ReconciliationRunDto | null> {
    const { rows: stale } = await execute<{ id: string }>(
      tx,
      `SELECT id::text AS id FROM reconciliation_runs
       WHERE business_date = $1 AND status = 'running'
         AND started_at < now() - make_interval(mins => ${RUN_STALE_MINUTES}) FOR UPDATE`,
      [date],
    );
    for (const { id } of stale)
      await moveRun(
        tx,
        id,
        'abandon',
        `abandoned: still running after ${RUN_STALE_MINUTES} minutes`,
      );
    const { rows } = await execute<RunRow>(
      tx,
      `WITH r AS (
         INSERT INTO reconciliation_runs (business_date, window_from, window_to, requested_by)
         VALUES ($1, $2, $3, $4)
         ON CONFLICT (business_date) WHERE status IN ('queued','running') DO NOTHING
         RETURNING *)
       SELECT ${RUN_COLUMNS} FROM r`,
      [date, window.from, window.to, requestedBy],
    );
    const run = rows[0];
    if (run === undefined) return null;
    await this.jobs.send(RECONCILIATION_JOBS.run, { runId: run.id }, { tx });
    return toRunDto(run);
  }

  /** Runs a queued run (the job's handler). Returns its final status. */
  async execute(runId: string): Promise<ReconciliationRunDto['status'] | 'skipped'> {
    const claimed = await this.transactions.run(async (tx) => {
      const { rows } = await execute<{ status: RunStatus }>(
        tx,
        `SELECT status FROM reconciliation_runs WHERE id = $1 FOR UPDATE`,
        [runId],
      );
      if (rows[0]?.status !== 'queued') return undefined;
      return (await moveRun<{ window_from: Date; window_to: Date }>(tx, runId, 'start')).row;
    });
    if (claimed === undefined) return 'skipped';
    try {
      const now = new Date();
      const to = claimed.window_to < now ? claimed.window_to : now;
      const gathered = await this.gather({ from: claimed.window_from, to }, now);
      const { findings, summary } = matchDay(gathered);
      await this.store(runId, findings, summary);
      return 'completed';
    } catch (err) {
      const what = err instanceof GatewayError ? 'gateway' : 'internal';
      const message = `${what}: ${(err as Error).message}`.slice(0, 2000);
      this.logger.warn(`reconciliation run ${runId} failed (${message})`);
      await this.transactions.run(async (tx) => {
        const { rows } = await execute<{ status: RunStatus }>(
          tx,
          `SELECT status FROM reconciliation_runs WHERE id = $1 FOR UPDATE`,
          [runId],
        );
        if (rows[0]?.status === 'running') await moveRun(tx, runId, 'fail', message);
      });
      return 'failed';
    }
  }

  private async gather(window: { from: Date; to: Date }, now: Date): Promise<Gathered> {
    const range: GatewayListRange = {
      from: Math.floor(window.from.getTime() / 1000),
      to: Math.ceil(window.to.getTime() / 1000) - 1,
    };
    const listed = {
      payments: await this.gateway.listPayments(range),
      refunds: await this.gateway.listRefunds(range),
      transfers: await this.gateway.listTransfers(range),
      settlements: await this.gateway.listSettlements(range),
    };
    const listedIds = {
      payments: new Set(listed.payments.map((p) => p.id)),
      refunds: new Set(listed.refunds.map((r) => r.id)),
      transfers: new Set(listed.transfers.map((t) => t.id)),
      settlements: new Set(listed.settlements.map((s) => s.id)),
    };

    // Our side of the day.
    const ours = await this.transactions.run(async (tx) => {
      const { rows: inWindow } = await execute<{ key: string; net: string }>(
        tx,
        RECEIVABLE_POSTINGS(`e.created_at >= $2 AND e.created_at < $3`),
        [Accounts.gatewayReceivable, window.from, window.to],
      );
      const ledgerInWindow = toMap(inWindow);
      const suffixes = (prefix: string) =>
        [...ledgerInWindow.keys()]
          .filter((k) => k.startsWith(prefix))
          .map((k) => k.slice(prefix.length));
      const paymentIds = [
        ...listedIds.payments,
        ...suffixes('capture:'),
        ...suffixes('gateway_fee:'),
      ];
      const { rows: paid } = await execute<{ key: string; order_id: string }>(
        tx,
        `SELECT gateway_payment_id AS key, order_id::text AS order_id FROM payments
         WHERE gateway_payment_id = ANY($1::text[])
         UNION ALL
         SELECT gateway_order_id, order_id::text FROM payments WHERE gateway_order_id = ANY($2::text[])`,
        [
          [...paymentIds, ...listed.refunds.map((r) => r.paymentId)],
          listed.payments.map((p) => p.orderId).filter((id) => id !== null),
        ],
      );
      const { rows: refundRows } = await execute<{
        id: string;
        kind: string;
        status: RefundRecord['status'];
        order_id: string | null;
        gateway_refund_id: string | null;
        ledger_key: string;
      }>(
        tx,
        `WITH keyed AS (
           -- A partial refund is posted by its release as refund:<releaseId>: a sub-order's id, or the
           -- key of the repair job's hold of the refunded payment without hold:job: (one per payment).
           SELECT r.*, CASE WHEN r.kind <> 'partial' THEN r.id::text
                            WHEN r.sub_order_id IS NOT NULL THEN r.sub_order_id::text
                            ELSE (SELECT regexp_replace(h.hold_key, '^hold:job:', '') FROM escrow_holds h
                                   WHERE h.payment_id = r.payment_id AND h.repair_job_id = r.repair_job_id)
                       END AS release_key
           FROM refunds r)
         SELECT r.id::text AS id, r.kind, r.status, r.order_id::text AS order_id, r.gateway_refund_id,
           'refund:' || r.release_key AS ledger_key
         FROM keyed r
         WHERE r.gateway_refund_id = ANY($1::text[])
            OR r.id::text = ANY($2::text[])
            OR r.release_key = ANY($3::text[])`,
        [
          [...listedIds.refunds],
          listed.refunds.map((r) => r.notes.refundId).filter((id) => id !== undefined),
          suffixes('refund:'),
        ],
      );
      const holds = await this.holdsIn(tx, [...listedIds.transfers], window);
      return {
        ledgerInWindow,
        orderOfPayment: new Map(paid.map((p) => [p.key, p.order_id])),
        refunds: refundRows.map((r): RefundRecord => ({
          id: r.id,
          kind: r.kind,
          status: r.status,
          orderId: r.order_id,
          gatewayRefundId: r.gateway_refund_id,
          ledgerKey: r.ledger_key,
        })),
        holds,
        paymentIds,
        settlementIds: suffixes('settlement:'),
        payoutIds: suffixes('payout:'),
      };
    });

    // Gateway items our records point to that the day's lists did not hold.
    const fetched: Gathered['fetched'] = {
      payments: new Map(),
      refunds: new Map(),
      transfers: new Map(),
      settlements: new Map(),
      recipientSettlements: new Map(),
      reversals: new Map(),
    };
    for (const id of new Set(ours.paymentIds))
      if (!listedIds.payments.has(id))
        fetched.payments.set(id, await this.found(() => this.gateway.fetchPayment(id)));
    const refundKeysInWindow = new Set(
      [...ours.ledgerInWindow.keys()].filter((k) => k.startsWith('refund:')),
    );
    for (const r of ours.refunds)
      if (
        r.gatewayRefundId !== null &&
        !listedIds.refunds.has(r.gatewayRefundId) &&
        refundKeysInWindow.has(r.ledgerKey)
      ) {
        const id = r.gatewayRefundId;
        fetched.refunds.set(id, await this.found(() => this.gateway.fetchRefund(id)));
      }
    for (const h of ours.holds)
      if (!listedIds.transfers.has(h.transferId))
        fetched.transfers.set(
          h.transferId,
          await this.found(() => this.gateway.fetchTransfer(h.transferId)),
        );
    for (const id of ours.settlementIds)
      if (!listedIds.settlements.has(id))
        fetched.settlements.set(id, await this.found(() => this.gateway.fetchSettlement(id)));
    const payoutIds = new Set(ours.payoutIds);
    for (const t of [...listed.transfers, ...fetched.transfers.values()])
      if (t !== null && t.settlementStatus === 'settled' && t.recipientSettlementId !== null)
        payoutIds.add(t.recipientSettlementId);
    for (const id of payoutIds)
      fetched.recipientSettlements.set(id, await this.gateway.recipientSettlement(id));

    // The ledger entries every gateway item maps to, whatever day they were posted.
    const keys = [
      ...ours.paymentIds.flatMap((id) => [`capture:${id}`, `gateway_fee:${id}`]),
      ...ours.refunds.map((r) => r.ledgerKey),
      ...[...listedIds.settlements].map((id) => `settlement:${id}`),
      ...[...payoutIds].map((id) => `payout:${id}`),
    ];
    const { rows: byKey } = await this.transactions.run((tx) =>
      execute<{ key: string; net: string }>(tx, RECEIVABLE_POSTINGS(`e.id = ANY($2::text[])`), [
        Accounts.gatewayReceivable,
        keys,
      ]),
    );
    const ledgerByKey = toMap(byKey);
    // A payout that differs from its transfers as they are now: a reversal made after it explains
    // the difference, so its transfers' reversals are fetched with their times (only then).
    for (const [id, s] of fetched.recipientSettlements) {
      const posted = ledgerByKey.get(`payout:${id}`);
      const asNow = s.transfers.reduce((sum, t) => sum + t.amountPaise - t.amountReversedPaise, 0);
      if (s.createdAt === null || (posted !== undefined && -posted === asNow)) continue;
      for (const t of s.transfers)
        if (t.amountReversedPaise > 0)
          fetched.reversals.set(t.id, await this.gateway.reversalsOfTransfer(t.id));
    }
    return {
      now,
      listed,
      fetched,
      ledgerInWindow: ours.ledgerInWindow,
      ledgerByKey,
      orderOfPayment: ours.orderOfPayment,
      refunds: ours.refunds,
      holds: ours.holds,
    };
  }

  /** Escrow holds with a transfer: those of the listed transfers and those changed in the window. */
  private async holdsIn(
    tx: EntityManager,
    transferIds: string[],
    window: { from: Date; to: Date },
  ): Promise<HoldRecord[]> {
    const { rows } = await execute<{
      id: string;
      sub_order_id: string | null;
      order_id: string | null;
      repair_job_id: string | null;
      payment_id: string;
      amount_paise: string;
      status: HoldRecord['status'];
      transfer_id: string;
      transfer_amount_paise: string;
      transfer_status: string;
      released_at: Date | null;
      dealer_net_paise: string | null;
      refund_in_flight: boolean;
      refunded_after_release: boolean;
    }>(
      tx,
      `SELECT h.id::text AS id, h.sub_order_id::text AS sub_order_id, h.order_id::text AS order_id,
         h.repair_job_id::text AS repair_job_id, h.payment_id::text AS payment_id,
         h.amount_paise::text AS amount_paise, h.status, h.transfer_id,
         h.transfer_amount_paise::text AS transfer_amount_paise, h.transfer_status, h.released_at,
         h.dealer_net_paise::text AS dealer_net_paise,
         EXISTS (SELECT 1 FROM refunds r WHERE (r.sub_order_id = h.sub_order_id
                   OR (r.repair_job_id = h.repair_job_id AND r.payment_id = h.payment_id))
                   AND r.status IN ('requested','processing')) AS refund_in_flight,
         EXISTS (SELECT 1 FROM refunds r WHERE (r.sub_order_id = h.sub_order_id
                   OR (r.repair_job_id = h.repair_job_id AND r.payment_id = h.payment_id))
                   AND r.kind = 'after_release' AND r.status <> 'failed') AS refunded_after_release
       FROM escrow_holds h
       WHERE h.transfer_id IS NOT NULL
         AND (h.transfer_id = ANY($1::text[]) OR (h.updated_at >= $2 AND h.updated_at < $3))
       ORDER BY h.created_at, h.id`,
      [transferIds, window.from, window.to],
    );
    const holds: HoldRecord[] = [];
    for (const h of rows) {
      let reversalTargetPaise: number | null = null;
      if (h.status === 'released' && !h.refund_in_flight) {
        if (!h.refunded_after_release)
          // What the Route release reverses: all but the dealer's net (the platform's part, hold −
          // dealer net, and any lines cancelled after the transfer).
          reversalTargetPaise =
            h.dealer_net_paise === null
              ? null
              : paise(h.transfer_amount_paise) - paise(h.dealer_net_paise);
        else {
          const target = await transferReversalTargetIn(
            tx,
            h.sub_order_id !== null
              ? { subOrderId: h.sub_order_id }
              : { repairJobId: h.repair_job_id!, paymentId: h.payment_id },
            null,
          );
          reversalTargetPaise = target === undefined ? null : Number(target.reversedTotal);
        }
      }
      holds.push({
        holdId: h.id,
        obligation:
          h.sub_order_id !== null ? `sub-order ${h.sub_order_id}` : `repair job ${h.repair_job_id}`,
        orderId: h.order_id,
        amountPaise: paise(h.amount_paise),
        status: h.status,
        transferId: h.transfer_id,
        transferAmountPaise: paise(h.transfer_amount_paise),
        transferStatus: h.transfer_status,
        releasedAt: h.released_at,
        refundInFlight: h.refund_in_flight,
        reversalTargetPaise,
      });
    }
    return holds;
  }

  /** Sets `reconciliation_exceptions_open` from the table. */
  private async setGaugeIn(tx: EntityManager): Promise<void> {
    const { rows } = await execute<{ n: number }>(
      tx,
      `SELECT count(*)::int AS n FROM reconciliation_exceptions WHERE status = 'open'`,
    );
    this.openGauge.set(rows[0]!.n);
  }

  /** The gateway's item, or null when it does not know the id; other failures propagate. */
  private async found<T>(fetch: () => Promise<T>): Promise<T | null> {
    try {
      return await fetch();
    } catch (err) {
      if (notFoundAtGateway(err)) return null;
      throw err;
    }
  }

  private async store(
    runId: string,
    findings: Finding[],
    summary: ReconciliationSummaryDto,
  ): Promise<void> {
    await this.transactions.run(async (tx) => {
      const { rows } = await execute<{ business_date: string }>(
        tx,
        `SELECT to_char(business_date, 'YYYY-MM-DD') AS business_date FROM reconciliation_runs
         WHERE id = $1 AND status = 'running' FOR UPDATE`,
        [runId],
      );
      const date = rows[0]?.business_date;
      if (date === undefined) throw new Error(`run ${runId} is no longer running`);
      if (findings.length > 0) await reopenFound(tx, date, runId, findings);
      if (findings.length > 0)
        await execute(
          tx,
          `INSERT INTO reconciliation_exceptions AS x
             (business_date, category, kind, subject, gateway_paise, ledger_paise, order_id, detail,
              first_run_id, last_run_id)
           SELECT $1::date, f.category, f.kind, f.subject, f.gateway_paise, f.ledger_paise, f.order_id,
                  f.detail, $2::uuid, $2::uuid
           FROM unnest($3::text[], $4::text[], $5::text[], $6::bigint[], $7::bigint[], $8::uuid[], $9::text[])
             AS f(category, kind, subject, gateway_paise, ledger_paise, order_id, detail)
           ON CONFLICT (business_date, kind, subject) DO UPDATE SET
             category = EXCLUDED.category, gateway_paise = EXCLUDED.gateway_paise,
             ledger_paise = EXCLUDED.ledger_paise, order_id = EXCLUDED.order_id,
             detail = EXCLUDED.detail, last_run_id = EXCLUDED.last_run_id, updated_at = now()`,
          [
            date,
            runId,
            findings.map((f) => f.category),
            findings.map((f) => f.kind),
            findings.map((f) => f.subject),
            findings.map((f) => f.gatewayPaise),
            findings.map((f) => f.ledgerPaise),
            findings.map((f) => f.orderId),
            findings.map((f) => f.detail.slice(0, 1000)),
          ],
        );
      await clearGone(tx, date, runId);
      await moveRun(tx, runId, 'complete', null, {
        summary: JSON.stringify(summary),
        exceptionsFound: findings.length,
      });
      await this.setGaugeIn(tx);
    });
  }

  async runs(q: ReconciliationRunQueryDto): Promise<ReconciliationRunPageDto> {
    const w = new Where();
    if (q.date !== undefined) w.add((n) => `r.business_date = $${n}::date`, calendarDay(q.date));
    w.keyset(q.cursor, 'r.created_at', 'r.id');
    const limit = w.limit(q.limit);
    const { rows } = await this.transactions.run((tx) =>
      execute<RunRow>(
        tx,
        `SELECT ${RUN_COLUMNS} FROM reconciliation_runs r ${w.sql()}
         ORDER BY r.created_at DESC, r.id DESC ${limit}`,
        w.params,
      ),
    );
    const page = pageOf(rows, q.limit);
    return {
      items: page.items.map(toRunDto),
      ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}),
    };
  }

  async run(runId: string): Promise<ReconciliationRunDto> {
    const { rows } = await this.transactions.run((tx) =>
      execute<RunRow>(tx, `SELECT ${RUN_COLUMNS} FROM reconciliation_runs r WHERE r.id = $1`, [
        runId,
      ]),
    );
    if (rows[0] === undefined) throw runNotFound();
    return toRunDto(rows[0]);
  }

  async exceptions(q: ReconciliationExceptionQueryDto): Promise<ReconciliationExceptionPageDto> {
    const w = new Where();
    if (q.status !== undefined) w.add((n) => `x.status = $${n}`, q.status);
    if (q.category !== undefined) w.add((n) => `x.category = $${n}`, q.category);
    if (q.kind !== undefined) w.add((n) => `x.kind = $${n}`, q.kind);
    if (q.orderId !== undefined) w.add((n) => `x.order_id = $${n}::uuid`, q.orderId);
    if (q.date !== undefined) w.add((n) => `x.business_date = $${n}::date`, calendarDay(q.date));
    w.keyset(q.cursor, 'x.created_at', 'x.id');
    const limit = w.limit(q.limit);
    const { rows } = await this.transactions.run((tx) =>
      execute<ExceptionRow>(
        tx,
        `SELECT ${EXCEPTION_COLUMNS} FROM reconciliation_exceptions x ${w.sql()}
         ORDER BY x.created_at DESC, x.id DESC ${limit}`,
        w.params,
      ),
    );
    const page = pageOf(rows, q.limit);
    return {
      items: page.items.map(toExceptionDto),
      ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}),
    };
  }

  /** Finance resolves an open exception with a note (audited). */
  async resolve(id: string, note: string, meta: RequestMeta): Promise<ReconciliationExceptionDto> {
    return this.transactions.run(async (tx) => {
      const { rows } = await execute<ExceptionRow>(
        tx,
        `SELECT ${EXCEPTION_COLUMNS} FROM reconciliation_exceptions x WHERE x.id = $1 FOR UPDATE`,
        [id],
      );
      const before = rows[0];
      if (before === undefined) throw exceptionNotFound();
      if (!allows(EXCEPTION_MACHINE, before.status, 'resolve', 'staff'))
        throw new AppProblem(
          409,
          'reconciliation/exception-not-open',
          'Conflict',
          `The exception is ${before.status}, not open`,
        );
      await moveException(tx, before, {
        event: 'resolve',
        actor: 'staff',
        actorId: meta.principal!.userId,
        actorRole: meta.principal!.role,
        reason: note,
        set: 'resolved_by = $4, resolution = $5, resolved_at = now()',
        params: [meta.principal!.userId, note],
      });
      const { rows: after } = await execute<ExceptionRow>(
        tx,
        `SELECT ${EXCEPTION_COLUMNS} FROM reconciliation_exceptions x WHERE x.id = $1`,
        [id],
      );
      await this.audit.record(tx, meta, {
        action: 'reconciliation.resolve',
        targetType: 'reconciliation_exception',
        targetId: id,
        reason: note,
        before: { status: 'open' },
        after: { status: 'resolved', kind: before.kind, subject: before.subject },
      });
      await this.setGaugeIn(tx);
      return toExceptionDto(after[0]!);
    });
  }
}

/** The day's cleared exceptions a run found again reopen (before the findings are written). */
async function reopenFound(
  tx: EntityManager,
  date: string,
  runId: string,
  findings: Finding[],
): Promise<void> {
  const { rows } = await execute<{ id: string; status: ExceptionStatus }>(
    tx,
    `SELECT x.id::text AS id, x.status FROM reconciliation_exceptions x
     JOIN unnest($2::text[], $3::text[]) AS f(kind, subject) ON f.kind = x.kind AND f.subject = x.subject
     WHERE x.business_date = $1 AND x.status = 'cleared'
     ORDER BY x.id FOR UPDATE OF x`,
    [date, findings.map((f) => f.kind), findings.map((f) => f.subject)],
  );
  for (const x of rows)
    await moveException(tx, x, { ...byRun(runId), event: 'reopen', set: 'cleared_at = NULL' });
}

/** The day's open exceptions the run `runId` did not find again are cleared. */
async function clearGone(tx: EntityManager, date: string, runId: string): Promise<void> {
  const { rows } = await execute<{ id: string; status: ExceptionStatus }>(
    tx,
    `SELECT id::text AS id, status FROM reconciliation_exceptions
     WHERE business_date = $1 AND status = 'open' AND last_run_id <> $2
     ORDER BY id FOR UPDATE`,
    [date, runId],
  );
  for (const x of rows)
    await moveException(tx, x, { ...byRun(runId), event: 'clear', set: 'cleared_at = now()' });
}

const byRun = (runId: string) => ({
  actor: 'system' as const,
  actorId: null,
  actorRole: 'system',
  runId,
});

interface ExceptionMove {
  event: ExceptionEvent;
  actor: ExceptionActor;
  actorId: string | null;
  actorRole: string;
  runId?: string;
  reason?: string;
  /** The event's own columns (`SET` list, parameters from $4) and their values. */
  set: string;
  params?: unknown[];
}

/**
 * Moves one locked exception through its machine (the common `transition`): the status and the
 * event's columns, then a `reconciliation_exception_history` row.
 */
async function moveException(
  tx: EntityManager,
  x: { id: string; status: ExceptionStatus },
  move: ExceptionMove,
): Promise<void> {
  await transition(
    tx,
    EXCEPTION_MACHINE,
    {
      from: x.status,
      event: move.event,
      actor: move.actor,
      reason: move.reason ?? null,
      reasonRequiredStatus: 400,
      problem: { exceptionId: x.id },
    },
    {
      historyTable: 'reconciliation_exception_history',
      update: (from, to) =>
        execute(
          tx,
          `UPDATE reconciliation_exceptions SET status = $2, ${move.set}, updated_at = now()
           WHERE id = $1 AND status = $3`,
          [x.id, to, from, ...(move.params ?? [])],
        ),
      insertHistory: async (from, to) => {
        const { rows } = await execute<{ id: string }>(
          tx,
          `INSERT INTO reconciliation_exception_history
             (exception_id, event, from_status, to_status, run_id, actor_id, actor_role, reason)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id::text AS id`,
          [
            x.id,
            move.event,
            from,
            to,
            move.runId ?? null,
            move.actorId,
            move.actorRole,
            move.reason ?? null,
          ],
        );
        return rows[0]!.id;
      },
    },
  );
}

/** A `date` filter that is a real calendar day (400 otherwise). */
function calendarDay(date: string): string {
  if (businessDayWindow(date) === undefined)
    throw new AppProblem(400, 'request/invalid-date', 'Bad request', 'date is not a calendar day');
  return date;
}

/**
 * Moves a run (`RECONCILIATION_RUN_MACHINE`, from `running` but for `start`) with its history row, in
 * one statement: `start` stamps started_at, `fail` and `abandon` record the error, `complete` the
 * summary; the last three stamp finished_at.
 */
function moveRun<R = never>(
  tx: EntityManager,
  runId: string,
  event: RunEvent,
  reason: string | null = null,
  result: { summary: string; exceptionsFound: number } | null = null,
): Promise<{ to: RunStatus; row: R | undefined }> {
  return transitionInOneStatement<RunStatus, RunEvent, 'system', R>(
    tx,
    RECONCILIATION_RUN_MACHINE,
    {
      from: event === 'start' ? 'queued' : 'running',
      event,
      actor: 'system',
      reason,
      reasonRequiredStatus: 400,
    },
    {
      history: { table: 'reconciliation_run_history', column: 'run_id' },
      update: (from, to) => ({
        sql: `UPDATE reconciliation_runs SET status = $2,
                started_at = CASE WHEN $2 = 'running' THEN now() ELSE started_at END,
                finished_at = CASE WHEN $2 = 'running' THEN finished_at ELSE now() END,
                error = coalesce($4, error), summary = coalesce($5::jsonb, summary),
                exceptions_found = coalesce($6, exceptions_found)
              WHERE id = $1 AND status = $3
              RETURNING id AS object_id, window_from, window_to`,
        params: [
          runId,
          to,
          from,
          event === 'complete' ? null : reason,
          result?.summary ?? null,
          result?.exceptionsFound ?? null,
        ],
      }),
    },
  );
}
