import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { AppConfig } from '../../config/app-config.js';
import { APP_CONFIG } from '../../config/config.module.js';
import { execute } from '../../database/sql.js';
import { TransactionRunner } from '../../database/transaction.js';
import { JobQueue } from '../../jobs/job-queue.service.js';
import { allows } from '../../common/state-machine.js';
import { transition } from '../../common/state-transition.js';
import { GatewayError } from '../payment-gateway.js';
import { INBOX_MACHINE, type InboxEvent, type InboxStatus } from './inbox-state.js';
import type { RazorpayWebhookEvent } from './webhook-event.js';
import {
  MAX_RETRY_DELAY_MS,
  WebhookHandlers,
  type RegisteredWebhookHandler,
  type WebhookConfirmation,
  type WebhookOutcome,
  type WebhookRejection,
} from './webhook-handlers.js';

export const WEBHOOK_JOBS = {
  /** Processes ready inbox rows (`{}`: all of them; `{ eventId }`: that one first, then the rest). */
  process: 'payments.webhook',
  /** Every minute: wakes processing for rows that are overdue (a lost or refused job). */
  sweep: 'payments.webhook-sweep',
} as const;

/**
 * The singleton key of the "drain the inbox" job. The queue's `stately` policy keeps at most one
 * such job queued and one running, so a burst of 200 events/s enqueues a handful of jobs, not 200:
 * the running job works through every ready row, and the queued one picks up what arrives after.
 */
export const WEBHOOK_DRAIN_KEY = 'drain';

/** How long one job keeps draining before it hands over to a new job (so the job never looks stuck). */
const DRAIN_BUDGET_MS = 20_000;
/**
 * Rows one job processes at once (each in its own transaction, `SKIP LOCKED` keeping lanes apart):
 * a row's round trips to the database, and a handler's `confirm` call to the gateway, then overlap
 * with the other lanes' instead of queueing every later event behind them. Four of the app's
 * DATABASE_POOL_MAX connections (default 10) at most.
 */
const DRAIN_LANES = 4;
/**
 * An empty inbox is looked at once more after this pause before the job ends: a row whose
 * transaction was committing while the queued job was fetched is then still picked up at once
 * (otherwise the sweeper would, within a minute or two).
 */
const DRAIN_GRACE_MS = 200;
/** Rows still to process this long after they were due are "overdue" for the sweeper. */
const OVERDUE_SECONDS = 30;
const MAX_ERROR_LENGTH = 2000;

/** The lanes of one drain: how many are processing a row, and whether they have stopped. */
interface DrainLanes {
  busy: number;
  done: boolean;
}

interface InboxRow {
  event_id: string;
  event: string;
  account_id: string | null;
  payload: Record<string, unknown>;
  event_created_at: Date | null;
  received_at: Date;
  attempts: number;
  failures: number;
  status: InboxStatus;
}

const INBOX_COLUMNS = `event_id, event, account_id, payload, event_created_at, received_at, attempts, failures,
  status`;

function eventOf(row: InboxRow): RazorpayWebhookEvent {
  const body = row.payload;
  return {
    id: row.event_id,
    event: row.event,
    accountId: row.account_id,
    contains: Array.isArray(body.contains)
      ? body.contains.filter((c): c is string => typeof c === 'string')
      : [],
    payload:
      typeof body.payload === 'object' && body.payload !== null && !Array.isArray(body.payload)
        ? (body.payload as Record<string, unknown>)
        : {},
    createdAt: row.event_created_at,
    receivedAt: row.received_at,
    attempts: row.attempts,
  };
}

/**
 * Moves the locked row through the inbox machine (the common `transition`): the status and the
 * event's columns (`SET` list, parameters from $4) and a `webhook_inbox_history` row naming the
 * attempt and why, in one statement.
 */
async function moveRow(
  tx: EntityManager,
  row: InboxRow,
  event: InboxEvent,
  reason: string,
  columns: { set: string; params: unknown[] },
): Promise<void> {
  let historyId: string | undefined;
  await transition(
    tx,
    INBOX_MACHINE,
    { from: row.status, event, actor: 'processor', reasonRequiredStatus: 422 },
    {
      historyTable: 'webhook_inbox_history',
      // The move and its history row in one statement: every processed event makes one.
      update: async (from, to) => {
        const n = 3 + columns.params.length;
        const { rows } = await execute<{ history_id: string }>(
          tx,
          `WITH moved AS (
             UPDATE webhook_inbox SET status = $2, ${columns.set}
             WHERE event_id = $1 AND status = $3 RETURNING event_id),
           h AS (
             INSERT INTO webhook_inbox_history (event_id, event, from_status, to_status, attempt, reason)
             SELECT event_id, $${n + 1}, $3, $2, $${n + 2}, $${n + 3} FROM moved RETURNING id)
           SELECT (SELECT id::text FROM h) AS history_id FROM moved`,
          [row.event_id, to, from, ...columns.params, event, row.attempts + 1, reason],
        );
        historyId = rows[0]?.history_id;
        return { affected: rows.length };
      },
      insertHistory: () => Promise.resolve(historyId!),
    },
  );
}

function errorText(err: unknown): string {
  const text = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  return text.slice(0, MAX_ERROR_LENGTH);
}

function isRejection(outcome: unknown): outcome is WebhookRejection {
  if (typeof outcome !== 'object' || outcome === null) return false;
  const o = outcome as { rejected?: unknown; detail?: unknown };
  return (
    (o.rejected === 'unknown_at_gateway' || o.rejected === 'mismatch') &&
    typeof o.detail === 'string'
  );
}

/** What `confirm` gave: the gateway's word, a rejection, or an error. */
type Confirmed = WebhookConfirmation<unknown> | { error: unknown };

function isDeferral(outcome: unknown): outcome is { deferUntil: Date; reason: string } {
  if (typeof outcome !== 'object' || outcome === null) return false;
  const o = outcome as { deferUntil?: unknown; reason?: unknown };
  return (
    o.deferUntil instanceof Date &&
    Number.isFinite(o.deferUntil.getTime()) &&
    typeof o.reason === 'string'
  );
}

/**
 * Processes the webhook inbox on pg-boss. Each row is handled in its own transaction: it is locked
 * (`FOR UPDATE SKIP LOCKED`, so concurrent workers never process one event twice), its handler runs
 * inside a savepoint, and the row is marked in the same transaction as the handler's effect. A
 * handler with `confirm` (every payment handler: it asks the gateway about the event's object) is
 * run in two steps, since the gateway is never called inside a transaction: the row is locked and
 * leased (due WEBHOOK_CONFIRM_LEASE_SECONDS later), `confirm` runs, then the row is locked again —
 * unless another run got to it meanwhile — and handled with what the gateway said:
 * - `done` → processed (outcome `handled`);
 * - deferred (a prerequisite is missing) → `deferred` until the handler's time, attempts counted,
 *   re-enqueued with `startAfter`; after the handler's `maxDeferralMs` since receipt → failed;
 * - the handler threw → its writes are rolled back, `failures` counted, `deferred` with exponential
 *   backoff and re-enqueued; at the handler's `maxFailures` → failed with `last_error`;
 * - rejected by `confirm` or the handler (the gateway does not know the object, or it says something
 *   else) → `rejected` with `rejection` and `last_error`, nothing applied, the rejection listener told;
 * - `confirm` could not reach the gateway (a retryable GatewayError) → `deferred` with backoff
 *   (not counted as a failure), until the handler's `maxDeferralMs` since receipt → failed;
 * - no handler for the event name → processed with outcome `ignored`.
 * Rows are taken in `process_after` order, so an event that is ready waits for no later one.
 */
@Injectable()
export class WebhookProcessor implements OnModuleInit {
  private readonly logger = new Logger(WebhookProcessor.name);

  constructor(
    private readonly jobs: JobQueue,
    private readonly transactions: TransactionRunner,
    private readonly handlers: WebhookHandlers,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    // The claim marks an event without a handler processed in its own statement: the one inbox move
    // not made by `transition()`, so the machine is asked here that it allows it from both statuses.
    for (const from of ['received', 'deferred'] as const)
      if (!allows(INBOX_MACHINE, from, 'process', 'processor'))
        throw new Error(`the inbox machine no longer processes a ${from} row`);
    this.jobs.define<{ eventId?: string }>({
      name: WEBHOOK_JOBS.process,
      // Woken on insert (NOTIFY) rather than at the next poll: the processing lag of a webhook.
      queue: { policy: 'stately', notify: true },
      handler: (data) => this.run(data.eventId),
    });
    this.jobs.define({
      name: WEBHOOK_JOBS.sweep,
      cron: '* * * * *',
      handler: () => this.sweep(),
    });
  }

  /** One job: the given event first (when it is ready), then every ready row. */
  async run(eventId?: string): Promise<number> {
    let processed = 0;
    if (eventId !== undefined && (await this.processNext(eventId))) processed++;
    return processed + (await this.drain());
  }

  /**
   * Processes ready rows in DRAIN_LANES concurrent lanes until none is left or the budget is spent;
   * the count. A lane that finds nothing looks again after a short pause; the lanes stop together
   * once one has found nothing twice while none was busy — so events arriving behind a slow one (a
   * lane waiting for the gateway's answer) are taken by the other lanes, not left for the next job.
   * A lane's error fails the job (once every lane has stopped), which pg-boss retries.
   */
  async drain(): Promise<number> {
    const deadline = Date.now() + DRAIN_BUDGET_MS;
    const lanes: DrainLanes = { busy: 0, done: false };
    const counts = await Promise.allSettled(
      Array.from({ length: DRAIN_LANES }, () => this.drainLane(deadline, lanes)),
    );
    let processed = 0;
    for (const count of counts) {
      if (count.status === 'rejected') throw count.reason;
      processed += count.value;
    }
    // Budget spent with rows possibly left: the next job goes on (refused if one is already queued).
    if (!lanes.done)
      await this.jobs.send(WEBHOOK_JOBS.process, {}, { singletonKey: WEBHOOK_DRAIN_KEY });
    return processed;
  }

  private async drainLane(deadline: number, lanes: DrainLanes): Promise<number> {
    let processed = 0;
    let emptyLooks = 0;
    while (!lanes.done && Date.now() < deadline) {
      lanes.busy++;
      let found: boolean;
      try {
        found = await this.processNext();
      } finally {
        lanes.busy--;
      }
      if (found) {
        processed++;
        emptyLooks = 0;
      } else if (++emptyLooks > 1 && lanes.busy === 0) {
        lanes.done = true;
      } else {
        await new Promise((r) => setTimeout(r, DRAIN_GRACE_MS));
      }
    }
    return processed;
  }

  /** Enqueues a drain job when rows are overdue; returns how many are. */
  async sweep(): Promise<number> {
    const overdue = await this.transactions.run(async (tx) => {
      const { rows } = await execute<{ n: number }>(
        tx,
        `SELECT count(*)::int AS n FROM webhook_inbox
          WHERE status IN ('received','deferred')
            AND process_after <= now() - make_interval(secs => $1)`,
        [OVERDUE_SECONDS],
      );
      return rows[0]?.n ?? 0;
    });
    if (overdue > 0) {
      this.logger.warn(`webhook inbox: ${overdue} overdue event(s), processing enqueued`);
      await this.jobs.send(WEBHOOK_JOBS.process, {}, { singletonKey: WEBHOOK_DRAIN_KEY });
    }
    return overdue;
  }

  /**
   * Claims and processes the next ready row (that one when `eventId` is given); false when none.
   * The claim is one statement: it locks the row (`SKIP LOCKED`) and, when no handler is registered
   * for its event, marks it processed (`ignored`) with its history row — or else leases it (due
   * WEBHOOK_CONFIRM_LEASE_SECONDS later, so no other lane takes it; after a crash it is due again).
   * A leased row's `confirm` asks the gateway outside any transaction; then the row is locked again,
   * unless another run got to it meanwhile, and handled in one transaction.
   */
  private async processNext(eventId?: string): Promise<boolean> {
    const names = this.handlers.names();
    const { rows } = await this.transactions.once<InboxRow & { ignored: boolean }>(
      `WITH next AS (
         SELECT event_id, status AS from_status FROM webhook_inbox
          WHERE status IN ('received','deferred') AND process_after <= now()
            ${eventId !== undefined ? 'AND event_id = $3' : ''}
          ORDER BY process_after
          LIMIT 1
          FOR UPDATE SKIP LOCKED),
       leased AS (
         UPDATE webhook_inbox w SET process_after = now() + make_interval(secs => $2)
           FROM next WHERE w.event_id = next.event_id AND w.event = ANY($1::text[])
         RETURNING w.event_id),
       ignored AS (
         UPDATE webhook_inbox w
            SET status = 'processed', outcome = 'ignored', processed_at = now(),
                attempts = w.attempts + 1, last_error = NULL
           FROM next WHERE w.event_id = next.event_id AND w.event <> ALL($1::text[])
         RETURNING w.event_id, next.from_status, w.attempts),
       history AS (
         INSERT INTO webhook_inbox_history (event_id, event, from_status, to_status, attempt, reason)
         SELECT event_id, 'process', from_status, 'processed', attempts, 'ignored' FROM ignored)
       SELECT ${INBOX_COLUMNS.replace(/(\w+)/g, 'w.$1')}, EXISTS (SELECT 1 FROM ignored) AS ignored
         FROM webhook_inbox w JOIN next USING (event_id)`,
      eventId !== undefined
        ? [names, this.config.webhookInbox.confirmLeaseSeconds, eventId]
        : [names, this.config.webhookInbox.confirmLeaseSeconds],
    );
    const claimed = rows[0];
    if (!claimed) return false;
    if (claimed.ignored) return true;
    // Registered when claimed; `names()` and `get()` read the same map, filled before workers start.
    const registered = this.handlers.get(claimed.event)!;
    let confirmed: Confirmed;
    try {
      confirmed = registered.confirm
        ? await registered.confirm(eventOf(claimed))
        : { confirmed: undefined };
    } catch (error) {
      confirmed = { error };
    }
    const afterCommit = await this.transactions.run(async (tx) => {
      // Still as claimed: no other run processed it meanwhile (every run counts an attempt).
      const { rows } = await execute<InboxRow>(
        tx,
        `SELECT ${INBOX_COLUMNS} FROM webhook_inbox
          WHERE event_id = $1 AND attempts = $2 AND status IN ('received','deferred')
          FOR UPDATE`,
        [claimed.event_id, claimed.attempts],
      );
      const row = rows[0];
      if (!row) return undefined;
      return this.applyConfirmed(tx, row, registered, confirmed);
    });
    afterCommit?.();
    return true;
  }

  /** Handles a row with what its `confirm` gave. */
  private async applyConfirmed(
    tx: EntityManager,
    row: InboxRow,
    registered: RegisteredWebhookHandler,
    confirmed: Confirmed,
  ): Promise<(() => void) | undefined> {
    if ('error' in confirmed) {
      const error = errorText(confirmed.error);
      if (confirmed.error instanceof GatewayError && confirmed.error.retryable) {
        const delay = Math.min(
          registered.retryBaseMs * 2 ** Math.min(row.attempts, 20),
          MAX_RETRY_DELAY_MS,
        );
        await this.defer(tx, row, registered, {
          deferUntil: new Date(Date.now() + delay),
          reason: `gateway unavailable: ${error}`,
        });
      } else {
        await this.recordFailure(tx, row, registered, error);
      }
      return undefined;
    }
    if (isRejection(confirmed)) {
      await this.reject(tx, row, confirmed);
      return undefined;
    }
    return this.apply(tx, row, registered, confirmed.confirmed);
  }

  /** Applies one row; returns what to run once the transaction has committed, if anything. */
  private async apply(
    tx: EntityManager,
    row: InboxRow,
    registered: RegisteredWebhookHandler,
    confirmed: unknown,
  ): Promise<(() => void) | undefined> {
    await tx.query('SAVEPOINT webhook_handler');
    let outcome: WebhookOutcome;
    try {
      outcome = await registered.handler(tx, eventOf(row), confirmed);
      if (
        outcome !== 'done' &&
        !isDeferral(outcome) &&
        !isRejection(outcome) &&
        !('afterCommit' in outcome)
      )
        throw new Error(
          `handler returned neither 'done', { afterCommit }, { deferUntil, reason } nor { rejected, detail }`,
        );
      await tx.query(
        isRejection(outcome)
          ? 'ROLLBACK TO SAVEPOINT webhook_handler'
          : 'RELEASE SAVEPOINT webhook_handler',
      );
    } catch (err) {
      await tx.query('ROLLBACK TO SAVEPOINT webhook_handler');
      await this.recordFailure(tx, row, registered, errorText(err));
      return undefined;
    }
    if (isRejection(outcome)) {
      await this.reject(tx, row, outcome);
      return undefined;
    }
    if (isDeferral(outcome)) {
      await this.defer(tx, row, registered, outcome);
      return undefined;
    }
    await moveRow(tx, row, 'process', 'handled', {
      set: `outcome = 'handled', processed_at = now(), attempts = attempts + 1, last_error = NULL`,
      params: [],
    });
    return outcome === 'done' ? undefined : outcome.afterCommit;
  }

  /** Kept as `rejected` (nothing applied) and the rejection listener told, in this transaction. */
  private async reject(
    tx: EntityManager,
    row: InboxRow,
    rejection: WebhookRejection,
  ): Promise<void> {
    this.logger.warn(
      `webhook ${row.event} ${row.event_id} rejected (${rejection.rejected}): ${rejection.detail}`,
    );
    const detail = rejection.detail.slice(0, MAX_ERROR_LENGTH);
    await moveRow(tx, row, 'reject', detail, {
      set: `rejection = $4, attempts = attempts + 1, last_error = $5`,
      params: [rejection.rejected, detail],
    });
    await this.handlers.rejected(tx, eventOf(row), rejection);
  }

  private async defer(
    tx: EntityManager,
    row: InboxRow,
    registered: RegisteredWebhookHandler,
    deferral: { deferUntil: Date; reason: string },
  ): Promise<void> {
    const givingUp = row.received_at.getTime() + registered.maxDeferralMs;
    const now = Date.now();
    if (now >= givingUp) {
      await this.markFailed(tx, row, `gave up waiting: ${deferral.reason}`, row.failures);
      return;
    }
    // Never in the past; never after the deadline (the last try is at the deadline).
    const until = new Date(Math.min(Math.max(deferral.deferUntil.getTime(), now), givingUp));
    await this.reschedule(tx, row, until, deferral.reason, row.failures);
  }

  private async recordFailure(
    tx: EntityManager,
    row: InboxRow,
    registered: RegisteredWebhookHandler,
    error: string,
  ): Promise<void> {
    const failures = row.failures + 1;
    if (failures >= registered.maxFailures) {
      this.logger.error(
        `webhook ${row.event} ${row.event_id} failed after ${failures} error(s): ${error}`,
      );
      await this.markFailed(tx, row, error, failures);
      return;
    }
    this.logger.warn(
      `webhook ${row.event} ${row.event_id} error ${failures}, will retry: ${error}`,
    );
    const delay = Math.min(registered.retryBaseMs * 2 ** (failures - 1), MAX_RETRY_DELAY_MS);
    await this.reschedule(tx, row, new Date(Date.now() + delay), error, failures);
  }

  /** Deferred until `until`, re-enqueued for then (a job of its own: its key names the attempt). */
  private async reschedule(
    tx: EntityManager,
    row: InboxRow,
    until: Date,
    reason: string,
    failures: number,
  ): Promise<void> {
    const why = reason.slice(0, MAX_ERROR_LENGTH);
    await moveRow(tx, row, 'defer', why, {
      set: `process_after = $4, attempts = attempts + 1, failures = $5, last_error = $6`,
      params: [until, failures, why],
    });
    await this.jobs.send(
      WEBHOOK_JOBS.process,
      { eventId: row.event_id },
      { tx, singletonKey: `event:${row.event_id}:${row.attempts + 1}`, startAfter: until },
    );
  }

  private async markFailed(
    tx: EntityManager,
    row: InboxRow,
    error: string,
    failures: number,
  ): Promise<void> {
    const why = error.slice(0, MAX_ERROR_LENGTH);
    await moveRow(tx, row, 'fail', why, {
      set: `attempts = attempts + 1, failures = $4, last_error = $5`,
      params: [failures, why],
    });
  }
}
